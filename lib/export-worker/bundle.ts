import "server-only";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The script an export worker runs. worker-main.ts and what it imports are bundled with esbuild
 * (it comes with tsx, a dependency) into one ES module under node_modules/.cache/hintlab (where
 * `better-sqlite3`, left out of the bundle, still resolves): a worker then starts in ~0.1 s
 * instead of ~0.4 s registering tsx and transforming ~180 files (2 cores, busy). Built on a
 * process's first export when the bundle is missing or older than one of its inputs (a stamp
 * lists them); if esbuild fails, worker.mjs runs the sources through tsx. HINTLAB_EXPORT_WORKER
 * names a script to use instead (for deployments that move files around).
 */
export function workerScript(): Promise<string> {
  if (process.env.HINTLAB_EXPORT_WORKER) return Promise.resolve(process.env.HINTLAB_EXPORT_WORKER);
  return (built ??= build().catch((e: unknown) => {
    console.warn(`[hintlab] export worker bundle: ${e instanceof Error ? e.message : String(e)}; running the sources through tsx`);
    return path.join(root(), "lib/export-worker/worker.mjs");
  }));
}
let built: Promise<string> | undefined;

/** The source tree: beside this file (tsx, vitest), else (Next's server bundle) the working directory. */
function root(): string {
  const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  return existsSync(path.join(here, "lib/export-worker/worker-main.ts")) ? here : path.resolve(/* turbopackIgnore: true */ ".");
}

async function build(): Promise<string> {
  const ROOT = root();
  const dir = path.join(ROOT, "node_modules/.cache/hintlab");
  const file = path.join(dir, "export-worker.mjs");
  const stampFile = path.join(dir, "export-worker.stamp.json");
  if (fresh(ROOT, file, stampFile)) return file;
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, "lib/export-worker/worker-main.ts")],
    absWorkingDir: ROOT,
    tsconfig: path.join(ROOT, "tsconfig.json"), // the @/* alias
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["react-server"], // server-only's empty module
    external: ["better-sqlite3", "pg"],
    // Bundled CommonJS (better-sqlite3's loader, when imported) needs a require.
    banner: { js: "import { createRequire as __hintlabRequire } from 'node:module'; const require = __hintlabRequire(import.meta.url);" },
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  mkdirSync(dir, { recursive: true });
  const out = result.outputFiles[0]!;
  // Written then renamed: another process starting a worker never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, out.contents);
  renameSync(tmp, file);
  writeFileSync(stampFile, JSON.stringify({ inputs: Object.keys(result.metafile.inputs) }));
  return file;
}

/** The bundle exists and is newer than every input it was built from (and than this file). */
function fresh(root: string, file: string, stampFile: string): boolean {
  try {
    const built = statSync(file).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(stampFile, "utf8")) as { inputs: string[] };
    return [...inputs, "lib/export-worker/bundle.ts"].every((f) => statSync(path.resolve(root, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}
