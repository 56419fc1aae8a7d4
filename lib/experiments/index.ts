/**
 * Experiments: problem sets imported as JSONL (datasets.ts) or shipped in datasets/ (bundled.ts
 * seeds them as read-only rows; dataset-ref.ts resolves a name, key or id), run as dataset ×
 * policies × samples against one model config (runner.ts; isolated Python from sandbox-pool.ts), stored in SQLite
 * (store.ts, migration 3) and summarised by a pure function over the item rows (results.ts).
 * The server runs them in the background through registry.ts; `hintlab run` runs one in the CLI.
 * Sweeps (issue 11: K samples per hint arm from one point of a stored trace) are experiments too:
 * sweep-setup.ts plans and stores one, sweep-runner.ts runs it, sweep-view.ts derives the grid.
 */
export * from "./datasets";
export * from "./bundled";
export * from "./dataset-ref";
export * from "./policies";
export * from "./results";
export * from "./store";
export * from "./sandbox-pool";
export * from "./runner";
export * from "./grade";
export * from "./registry";
export * from "./rft";
export * from "./rft-apply";
export * from "./sweep-store";
export * from "./sweep-setup";
export * from "./sweep-runner";
export * from "./sweep-view";
export * from "./sweep-registry";
