// The benches run their model server in a child process, so its CPU is not the measured
// process's and its event loop does not share the runner's. The child is the bench script
// itself run with `--server ARGS…`; it prints its base URL on one line once it listens.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ChildServer {
  baseUrl: string;
  stop: () => void;
}

/** Start `script` (a bench's own file URL) as `script --server ...args` and wait for the URL it prints. */
export async function startChildServer(script: string, ...args: string[]): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", fileURLToPath(script), "--server", ...args], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return { baseUrl, stop: () => child.kill() };
}
