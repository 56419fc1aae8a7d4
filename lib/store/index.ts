/**
 * The browser's state: a zustand store binding the engine, the /api/generate stream and the
 * Pyodide sandbox to the UI. Create it with <HintlabProvider>; read it with `useHintlab(selector)`.
 */
export * from "./create-store";
export * from "./session-host";
export * from "./provider";
export * from "./trace-writer";
export * from "./trace-detail";
export * from "./local-model";
export * from "./replay";
export * from "./replay-timeline";
export * from "./replay-reruns";
