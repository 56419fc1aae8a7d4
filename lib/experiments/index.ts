/**
 * Experiments: problem sets imported as JSONL (datasets.ts), run as dataset × policies × samples
 * against one model config (runner.ts; isolated Python from sandbox-pool.ts), stored in SQLite
 * (store.ts, migration 3) and summarised by a pure function over the item rows (results.ts).
 * The server runs them in the background through registry.ts; `hintlab run` runs one in the CLI.
 */
export * from "./datasets";
export * from "./policies";
export * from "./results";
export * from "./store";
export * from "./sandbox-pool";
export * from "./runner";
export * from "./grade";
export * from "./registry";
export * from "./rft";
export * from "./rft-apply";
