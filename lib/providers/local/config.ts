import "server-only";
import { availableParallelism } from "node:os";
import type { LocalRuntimeOptions } from "./runtime";
import { DEFAULT_LOCAL_MODEL, modelsDirFrom } from "./source";

/** The local-model part of the server's configuration. */
export interface LocalServerConfig {
  /** HINTLAB_LOCAL_MODEL: a GGUF path, `hf:` URI or URL; default {@link DEFAULT_LOCAL_MODEL}. */
  model: string;
  modelsDir: string;
  /** HINTLAB_HF_ENDPOINT (or HF_ENDPOINT): a Hugging Face mirror; default https://huggingface.co. */
  hfEndpoint?: string;
  runtime: LocalRuntimeOptions;
}

/**
 * Read HINTLAB_LOCAL_MODEL, HINTLAB_MODELS_DIR, HINTLAB_HF_ENDPOINT, HINTLAB_LOCAL_THREADS (default
 * half the cores; 0 = llama.cpp's choice, all of them), HINTLAB_LOCAL_GPU (auto|off; auto on macOS, off elsewhere), HINTLAB_LOCAL_CONTEXT_SIZE,
 * HINTLAB_LOCAL_MAX_CONTEXTS (default 4) and HINTLAB_LOCAL_IDLE_MS (default 600000). Unusable
 * values are pushed to `issues` as messages that say what to fix.
 */
export function readLocalConfig(env: Readonly<Record<string, string | undefined>>, issues: string[]): LocalServerConfig {
  const value = (name: string) => env[name]?.trim() || undefined;
  const integer = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      issues.push(`${name}="${raw}" must be a whole number of at least ${min}.`);
      return fallback;
    }
    return n;
  };
  const gpuRaw = value("HINTLAB_LOCAL_GPU") ?? (process.platform === "darwin" ? "auto" : "off");
  if (!["auto", "off"].includes(gpuRaw)) issues.push(`HINTLAB_LOCAL_GPU="${gpuRaw}" must be "auto" (Metal, CUDA or Vulkan when present) or "off".`);
  const hfEndpoint = value("HINTLAB_HF_ENDPOINT") ?? value("HF_ENDPOINT");
  if (hfEndpoint && !/^https?:\/\//.test(hfEndpoint)) issues.push(`HINTLAB_HF_ENDPOINT="${hfEndpoint}" must be an http(s) URL.`);
  const contextSize = integer("HINTLAB_LOCAL_CONTEXT_SIZE", undefined, 256);
  return {
    model: value("HINTLAB_LOCAL_MODEL") ?? DEFAULT_LOCAL_MODEL,
    modelsDir: modelsDirFrom(env),
    ...(hfEndpoint ? { hfEndpoint: hfEndpoint.replace(/\/+$/, "") } : {}),
    runtime: {
      // Half the cores: generation is memory-bound, and llama.cpp's spinning threads slow to a crawl
      // when they compete with the web server and the browser for every core (measured: 200 tokens
      // of the tiny test model took 130 s with 2 threads on a busy 2-core machine, 5 s with 1).
      threads: integer("HINTLAB_LOCAL_THREADS", Math.max(1, Math.floor(availableParallelism() / 2)), 0)!,
      gpu: gpuRaw === "auto" ? "auto" : false,
      ...(contextSize !== undefined ? { contextSize } : {}),
      maxContexts: integer("HINTLAB_LOCAL_MAX_CONTEXTS", 4, 1)!,
      idleMs: integer("HINTLAB_LOCAL_IDLE_MS", 600_000, 0)!,
    },
  };
}
