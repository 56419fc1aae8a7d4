import { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor";

// Monaco from the local package, never the CDN (the app must work offline). Import this only
// from modules loaded on the client (next/dynamic with ssr: false): monaco touches `window`.
loader.config({ monaco });
(self as unknown as { MonacoEnvironment: object }).MonacoEnvironment = {
  getWorker: () => new Worker(new URL("monaco-editor/esm/vs/editor/editor.worker.js", import.meta.url), { type: "module" }),
};
