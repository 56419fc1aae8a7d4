/**
 * Schemas for everything that crosses a boundary: HTTP bodies, NDJSON stream frames, worker
 * messages, files, DB JSON. `FooSchema` validates, `Foo` is its type. Depends on zod only.
 */
export * from "./trace";
export * from "./generate";
export * from "./providers";
export * from "./sandbox";
export * from "./sandbox-frame";
export * from "./hint";
export * from "./errors";
export * from "./ndjson";
export * from "./traces-api";
export * from "./experiments";
export * from "./endpoints";
export * from "./local-model";
export * from "./auth";
export * from "./json-text";
export * from "./sweeps";
export * from "./policy-label";
export * from "./logprobs";
export * from "./activity";
export * from "./queues";
