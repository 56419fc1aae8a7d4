import "server-only";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { resolveHfUrl } from "./download";

/**
 * The default local model: DeepSeek-R1-Distill-Qwen-1.5B, Q4_K_M (1.12 GB). It is distilled from
 * R1's own traces, so it always thinks inside <think>…</think> and says "Wait" and "Alternatively"
 * often — the trigger words Hint-infer pauses at — and it is a math model (MATH-500 83.9 %), like
 * the benchmarks in the paper. At 1.5B parameters in 4 bits it generates roughly 15–40 tokens/s on
 * a laptop CPU. README.md explains the choice and the alternatives.
 */
export const DEFAULT_LOCAL_MODEL = "hf:bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf";

/** Where a local model comes from and where its file is (or will be, once downloaded). */
export interface LocalModelSource {
  /** As configured: a file path, `hf:owner/repo[@rev]/file.gguf`, or an https URL. */
  ref: string;
  kind: "file" | "hf" | "url";
  /** Absolute path of the GGUF file. */
  path: string;
  /** Download URL (hf and url kinds). */
  url?: string;
  /** Short name for lists and traces: the file name. */
  name: string;
}

/** The model cache: HINTLAB_MODELS_DIR, else $XDG_CACHE_HOME/hintlab/models, else ~/.cache/hintlab/models. */
export function modelsDirFrom(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.HINTLAB_MODELS_DIR?.trim();
  if (explicit) return resolve(explicit);
  const cache = env.XDG_CACHE_HOME?.trim() || join(homedir(), ".cache");
  return join(cache, "hintlab", "models");
}

/**
 * Resolve a model reference. `hf:` URIs and URLs map to a file in the cache mirroring their
 * origin (so two repos' same-named files never collide); paths are taken as given, relative
 * ones against `base` (the server's working directory for HINTLAB_LOCAL_MODEL).
 * @throws Error with a message that says how to write the reference.
 */
export function resolveLocalModel(ref: string, options: { modelsDir: string; hfEndpoint?: string; base?: string }): LocalModelSource {
  const trimmed = ref.trim();
  if (trimmed.startsWith("hf:")) {
    const url = resolveHfUrl(trimmed, options.hfEndpoint);
    const match = /^hf:([^/@]+)\/([^/@]+)(?:@([^/]+))?\/(.+)$/.exec(trimmed)!;
    const [, owner, repo, revision, file] = match;
    const dir = revision && revision !== "main" ? join(options.modelsDir, owner!, `${repo}@${revision}`) : join(options.modelsDir, owner!, repo!);
    const path = join(dir, ...file!.split("/"));
    assertInsideModelsDir(path, options.modelsDir, trimmed);
    return { ref: trimmed, kind: "hf", url, path, name: basename(file!) };
  }
  if (/^https?:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    const last = basename(url.pathname);
    const name = last && last !== "." && last !== ".." ? last : "model.gguf";
    const path = join(options.modelsDir, url.hostname, name);
    assertInsideModelsDir(path, options.modelsDir, trimmed);
    return { ref: trimmed, kind: "url", url: url.href, path, name };
  }
  if (!trimmed) throw new Error("The local model reference is empty: give a GGUF file path or an hf:owner/repo/file.gguf URI.");
  const path = isAbsolute(trimmed) ? trimmed : resolve(options.base ?? process.cwd(), trimmed);
  return { ref: trimmed, kind: "file", path, name: basename(path) };
}

/** A GGUF file in the cache, by its path relative to the cache (the reference the browser may send). */
export interface CachedModel {
  ref: string;
  name: string;
  bytes: number;
}

/** Every finished GGUF file under the models directory (downloads in progress end in .part). */
export function listCachedModels(modelsDir: string, maxDepth = 4): CachedModel[] {
  const found: CachedModel[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < maxDepth) walk(full, depth + 1);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(".gguf")) {
        found.push({ ref: relative(modelsDir, full).split(sep).join("/"), name: entry.name, bytes: statSync(full).size });
      }
    }
  };
  walk(modelsDir, 0);
  return found.sort((a, b) => a.ref.localeCompare(b.ref));
}

/**
 * A reference sent by the browser: only `hf:` URIs and files inside the cache are allowed, so
 * the page can never make the server open an arbitrary path.
 * @returns the resolved source, or null when the reference is not allowed.
 */
export function resolveBrowserModelRef(ref: string, options: { modelsDir: string; hfEndpoint?: string }): LocalModelSource | null {
  if (ref.startsWith("hf:")) return resolveLocalModel(ref, options);
  if (isAbsolute(ref) || ref.includes("\\") || ref.includes("\0") || ref.split("/").some((part) => part === ".." || part === "." || part === "")) {
    throw new Error(`"${ref}" is not a model in the cache: references may not be absolute or contain "..", "." or empty parts; choose a model listed in Model settings.`);
  }
  const path = join(options.modelsDir, ...ref.split("/"));
  if (!existsSync(path)) return null;
  assertInsideModelsDir(path, options.modelsDir, ref);
  return { ref, kind: "file", path, name: basename(path) };
}

/**
 * A model file (or where it will be downloaded) must stay in the models directory, also after
 * symlinks are followed: a link planted in the cache must not make the server read or write elsewhere.
 * @throws Error that names the reference and the directory.
 */
export function assertInsideModelsDir(path: string, modelsDir: string, ref: string): void {
  const root = resolve(modelsDir);
  const target = resolve(path);
  const refuse = (why: string) => new Error(`"${ref}" is refused: ${why}; local models must be files inside ${root} (HINTLAB_MODELS_DIR).`);
  if (!target.startsWith(root + sep)) throw refuse("it points outside the models directory");
  // The real location of the deepest existing part of the path (the file, or the folder it will be written to).
  let existing = target;
  while (!existsSync(existing) && existing !== root && existing.startsWith(root + sep)) existing = dirname(existing);
  if (!existsSync(existing) || !existsSync(root)) return;
  const realRoot = realpathSync(root);
  const real = realpathSync(existing);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw refuse("a symbolic link in the models directory leads outside it");
}

/**
 * The local model a session runs: `ref` from Model settings (a cached file or an `hf:` URI, see
 * resolveBrowserModelRef), else — or when it names it — the server's own `model`.
 * @throws Error with a message that says what to choose instead.
 */
export function resolveSessionModel(ref: string | undefined, local: { model: string; modelsDir: string; hfEndpoint?: string }): LocalModelSource {
  const options = { modelsDir: local.modelsDir, hfEndpoint: local.hfEndpoint };
  if (ref === undefined || ref === local.model) return resolveLocalModel(local.model, options);
  const choose = `choose one listed in Model settings (files in ${local.modelsDir}) or write an hf:owner/repo/file.gguf URI`;
  let source: LocalModelSource | null;
  try {
    source = resolveBrowserModelRef(ref, options);
  } catch (error) {
    throw new Error(`"${ref}" is not a local model (${(error as Error).message.replace(/^"[^"]*" /, "")}); ${choose}.`);
  }
  if (source) return source;
  throw new Error(`"${ref}" is not a local model: ${choose}.`);
}
