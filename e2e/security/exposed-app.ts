import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { startNextServer, type NextServer } from "../fixtures/next-server";

export { freePort } from "../fixtures/next-server";

/**
 * A hintlab server as a lab would expose it: bound to every interface (HINTLAB_HOST=0.0.0.0),
 * with accounts created by `hintlab users add`, its own data directory, talking to `modelUrl`.
 */
export interface ExposedApp extends NextServer {
  dataDir: string;
  /** Run `hintlab users …` against its database; `stdin` feeds --password. */
  users(args: string[], stdin?: string): { status: number; stdout: string; stderr: string };
}

export async function startExposedApp(modelUrl: string, name: string): Promise<ExposedApp> {
  const dataDir = `test-results/e2e-security/${name}`;
  rmSync(dataDir, { recursive: true, force: true });
  const env = {
    HINTLAB_BASE_URL: `${modelUrl}/v1`,
    HINTLAB_MODEL: "scripted-r1",
    HINTLAB_TEMPLATE: "deepseek-r1",
    HINTLAB_API_KEY: "sk-exposed-secret",
    HINTLAB_DATA_DIR: dataDir,
    HINTLAB_MODELS_DIR: `${dataDir}/models`,
    HINTLAB_DB: "",
  };
  const server = await startNextServer(env, "0.0.0.0");
  return {
    ...server,
    dataDir,
    users: (args, stdin) => {
      const r = spawnSync(process.execPath, ["bin/hintlab.mjs", "users", ...args], {
        env: { ...process.env, ...env, HINTLAB_PUBLIC_URL: server.url },
        input: stdin ?? "",
        encoding: "utf8",
      });
      return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
