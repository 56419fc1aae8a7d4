/**
 * Python sandbox for Node hosts (the hintlab CLI, the experiment runner): Pyodide in an
 * isolated child process. Kept apart from `./index` so browser bundles never pull in
 * node:child_process. Same `Sandbox` contract as the browser worker.
 */
export { NodeSandbox, type NodeSandboxOptions } from "./node-sandbox";
export type { SandboxReadyInfo, SandboxStatus } from "./types";
export { finishResult, outcomeMessage } from "./result";
