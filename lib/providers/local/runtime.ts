import "server-only";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { ModelError } from "../types";
import { createPromptRenderer, type PromptRenderer } from "./chat-template";
import { SessionPool } from "./session-pool";

/** How local models run; from HINTLAB_LOCAL_* (see readLocalOptions in ./config). */
export interface LocalRuntimeOptions {
  /** CPU threads per evaluation; 0 lets llama.cpp pick (all cores). */
  threads: number;
  /** "auto" uses Metal/CUDA/Vulkan when the platform has them; false keeps to the CPU. */
  gpu: "auto" | false;
  /** Tokens per context; undefined = the model's training context, capped at 16,384. */
  contextSize?: number;
  /** Contexts kept alive at once (one per live trace); the least recently used idle one is released. */
  maxContexts: number;
  /** An idle trace's context is released after this many milliseconds (0 = only by LRU). */
  idleMs: number;
}

export interface Slot {
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

export interface LoadedModel {
  path: string;
  model: LlamaModel;
  renderer: PromptRenderer;
  contextSize: number;
  sessions: SessionPool<Slot>;
}

const DEFAULT_CONTEXT_CAP = 16_384;

/**
 * One llama.cpp instance and at most one loaded model per server process; sessions (contexts)
 * live in the model's pool. Switching models releases every context of the previous one.
 */
export class LocalRuntime {
  private llama?: Promise<Llama>;
  private current?: { path: string; loading: Promise<LoadedModel> };

  constructor(readonly options: LocalRuntimeOptions) {}

  /** The loaded model at `path`, loading it (and unloading another) when needed. */
  async load(path: string): Promise<LoadedModel> {
    if (this.current?.path === path) {
      try {
        return await this.current.loading;
      } catch {
        // A failed load is retried by the next request (the file may have been replaced).
      }
    }
    const previous = this.current;
    const loading = (async () => {
      if (previous) await unload(previous.loading);
      return this.loadModel(path);
    })();
    this.current = { path, loading };
    return loading;
  }

  /** Release every context and the model (server shutdown, tests). */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await unload(current.loading);
    const llama = this.llama;
    this.llama = undefined;
    if (llama) await (await llama).dispose();
  }

  /** The loaded model, if it is `path` and finished loading (for status and tests). */
  async loaded(path?: string): Promise<LoadedModel | undefined> {
    if (!this.current || (path !== undefined && this.current.path !== path)) return undefined;
    return this.current.loading.catch(() => undefined);
  }

  private getLlama(): Promise<Llama> {
    this.llama ??= (async () => {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      // Prebuilt binaries only: a server must never start compiling llama.cpp on a request.
      return getLlama({ gpu: this.options.gpu, build: "never", usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    })().catch((error: unknown) => {
      this.llama = undefined;
      throw new ModelError(
        "internal",
        `llama.cpp could not start on this machine (${(error as Error).message}). Connect a model server instead (HINTLAB_BASE_URL).`,
        { cause: error },
      );
    });
    return this.llama;
  }

  private async loadModel(path: string): Promise<LoadedModel> {
    const llama = await this.getLlama();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: this.options.gpu === false ? 0 : "auto" });
    } catch (error) {
      throw new ModelError(
        "bad-request",
        `The local model file ${path} could not be loaded (${(error as Error).message}). ` +
          "Delete it and download it again, or point HINTLAB_LOCAL_MODEL at another GGUF file.",
        { cause: error },
      );
    }
    const chatTemplate = model.fileInfo.metadata?.tokenizer?.chat_template;
    const renderer = createPromptRenderer(typeof chatTemplate === "string" ? chatTemplate : undefined, { bos: model.tokens.bosString, eos: model.tokens.eosString });
    const contextSize = Math.min(this.options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_CONTEXT_CAP), model.trainContextSize);
    const sessions = new SessionPool<Slot>({
      create: async () => {
        const context = await model.createContext({
          contextSize,
          sequences: 1,
          ...(this.options.threads > 0 ? { threads: this.options.threads } : {}),
        });
        return { context, sequence: context.getSequence() };
      },
      dispose: (slot) => slot.context.dispose(),
      maxSessions: this.options.maxContexts,
      idleMs: this.options.idleMs,
    });
    return { path, model, renderer, contextSize, sessions };
  }
}

async function unload(loading: Promise<LoadedModel>): Promise<void> {
  const loaded = await loading.catch(() => undefined);
  if (!loaded) return;
  await loaded.sessions.close();
  await loaded.model.dispose();
}
