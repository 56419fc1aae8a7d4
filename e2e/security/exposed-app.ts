import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";

/**
 * A hintlab server as a lab would expose it: bound to every interface (HINTLAB_HOST=0.0.0.0),
 * with accounts created by `hintlab users add`, its own data directory, talking to `modelUrl`.
 */
export interface ExposedApp {
  url: string;
  port: number;
  dataDir: string;
  /** Run `hintlab users …` against its database; `stdin` feeds --password. */
  users(args: string[], stdin?: string): { status: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startExposedApp(modelUrl: string, name: string): Promise<ExposedApp> {
  const port = await freePort();
  const dataDir = `test-results/e2e-security/${name}`;
  rmSync(dataDir, { recursive: true, force: true });
  const env = {
    ...process.env,
    HINTLAB_HOST: "0.0.0.0",
    HINTLAB_PORT: String(port),
    HINTLAB_BASE_URL: `${modelUrl}/v1`,
    HINTLAB_MODEL: "scripted-r1",
    HINTLAB_TEMPLATE: "deepseek-r1",
    HINTLAB_API_KEY: "sk-exposed-secret",
    HINTLAB_DATA_DIR: dataDir,
    HINTLAB_MODELS_DIR: `${dataDir}/models`,
    HINTLAB_DB: "",
  };
  let log = "";
  const child: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "0.0.0.0"], {
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (log += d));
  child.stderr!.on("data", (d: Buffer) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${log}`);
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    dataDir,
    users: (args, stdin) => {
      const r = spawnSync(process.execPath, ["bin/hintlab.mjs", "users", ...args], { env: { ...env, HINTLAB_PUBLIC_URL: url }, input: stdin ?? "", encoding: "utf8" });
      return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    },
    stop: async () => {
      if (!child.pid || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
    },
  };
}
