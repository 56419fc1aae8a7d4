/**
 * Python sandbox for Node hosts (the hintlab CLI, the experiment runner): Pyodide in an
 * isolated child process. Kept apart from `./index` so browser bundles never pull in
 * node:child_process. Same `Sandbox` contract as the browser worker.
 */
export { NodeSandbox, type NodeSandboxOptions, type SandboxReadyInfo } from "./node-sandbox";
export { finishResult, outcomeMessage } from "./result";
