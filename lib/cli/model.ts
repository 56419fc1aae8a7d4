/**
 * `hintlab model pull|list|status`: the local GGUF models. `pull` downloads (resumable, verified)
 * with progress on stderr; `infer` pulls the model it needs the same way before it runs.
 */
import type { DownloadProgress } from "@/lib/protocol";
import { readServerConfig, type LocalModelConfig } from "@/lib/providers";
import { DownloadError } from "@/lib/providers/local/download";
import { sharedModels } from "@/lib/providers/local/shared";
import { listCachedModels, resolveLocalModel, type LocalModelSource } from "@/lib/providers/local/source";

const USAGE = `usage: hintlab model <pull|list|status> [model]

  pull [model]    download a model into the cache (default: HINTLAB_LOCAL_MODEL, else the built-in
                  default); resumes a cut download and verifies its sha256
  list            the GGUF files in the cache (HINTLAB_MODELS_DIR) as JSON
  status [model]  whether a model is on disk, as JSON

  model: a GGUF path, hf:owner/repo/file.gguf (hf:owner/repo@revision/file.gguf), or an https URL`;

export async function runModel(argv: string[]): Promise<number> {
  const [sub, ref, ...extra] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || extra.length) {
    (sub === undefined || extra.length ? process.stderr : process.stdout).write(USAGE + "\n");
    return sub === "--help" || sub === "-h" ? 0 : 2;
  }
  const server = readServerConfig();
  const { local } = server;
  let source: LocalModelSource;
  try {
    source = resolveLocalModel(ref ?? local.model, { modelsDir: local.modelsDir, hfEndpoint: local.hfEndpoint });
  } catch (e) {
    process.stderr.write(`hintlab model: ${(e as Error).message}\n`);
    return 2;
  }
  const models = sharedModels(local.model);
  switch (sub) {
    case "list":
      process.stdout.write(JSON.stringify({ dir: local.modelsDir, models: listCachedModels(local.modelsDir), default: models.status(source) }) + "\n");
      return 0;
    case "status":
      process.stdout.write(JSON.stringify(models.status(source)) + "\n");
      return 0;
    case "pull": {
      const ok = await pullWithProgress(source);
      if (ok) process.stdout.write(JSON.stringify(models.status(source)) + "\n");
      return ok ? 0 : 1;
    }
    default:
      process.stderr.write(`hintlab model: unknown subcommand "${sub}"\n${USAGE}\n`);
      return 2;
  }
}

/** Make sure the local model of `config` is on disk, downloading it with progress on stderr. */
export async function ensureLocalModel(config: LocalModelConfig): Promise<boolean> {
  return pullWithProgress(config.source);
}

async function pullWithProgress(source: LocalModelSource): Promise<boolean> {
  const server = readServerConfig();
  const models = sharedModels(server.local.model);
  if (models.status(source).state === "ready") return true;
  process.stderr.write(`[hintlab] downloading ${source.name} from ${source.url ?? source.path}\n[hintlab] to ${source.path}\n`);
  const printer = progressPrinter(source.name);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  try {
    await models.ensure(source, (event) => event.type === "progress" && printer(event.progress), controller.signal);
    printer(undefined);
    process.stderr.write(`[hintlab] ${source.name} is ready.\n`);
    return true;
  } catch (e) {
    printer(undefined);
    if (controller.signal.aborted) models.cancel(source);
    process.stderr.write(`[hintlab] ${(e as Error).message}\n`);
    if (e instanceof DownloadError && (e.code === "offline" || e.code === "not-found")) process.stderr.write(waysForward(source));
    return false;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** The three ways forward when a model cannot be downloaded (as the playground shows them). */
function waysForward(source: LocalModelSource): string {
  return (
    "[hintlab] Three ways forward:\n" +
    `  1. put a GGUF file at ${source.path}\n` +
    "  2. set HINTLAB_LOCAL_MODEL=/path/to/model.gguf (or an hf:owner/repo/file.gguf URI)\n" +
    "  3. connect a model server: HINTLAB_BASE_URL=http://localhost:8000/v1 HINTLAB_MODEL=… (or --base-url and --model)\n"
  );
}

/** One line of progress: rewritten in place on a terminal, every 10% (or 5 s) in a log. */
function progressPrinter(name: string): (progress: DownloadProgress | undefined) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastLogged = -1;
  let lastAt = 0;
  let wrote = false;
  return (progress) => {
    if (!progress) {
      if (tty && wrote) process.stderr.write("\n");
      return;
    }
    const { receivedBytes, totalBytes, bytesPerSecond, etaSeconds } = progress;
    const percent = totalBytes ? Math.floor((receivedBytes / totalBytes) * 100) : undefined;
    const line =
      `[hintlab] ${name}: ${mb(receivedBytes)}${totalBytes ? ` / ${mb(totalBytes)} (${percent}%)` : ""}` +
      ` · ${mb(bytesPerSecond)}/s${etaSeconds !== undefined ? ` · ETA ${Math.ceil(etaSeconds)} s` : ""}`;
    if (tty) {
      process.stderr.write(`\r${line}\x1b[K`);
      wrote = true;
    } else if ((percent !== undefined && percent >= lastLogged + 10) || Date.now() - lastAt > 5000 || percent === 100) {
      if (percent === lastLogged) return;
      process.stderr.write(line + "\n");
      lastLogged = percent ?? lastLogged;
      lastAt = Date.now();
    }
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
