import { z } from "zod";

/**
 * The kinds of model server a connection can be, and what each needs from whoever sets one up.
 * `openai-completions` and `openai-chat` are two ways of calling one OpenAI-compatible server
 * (vLLM, SGLang, llama.cpp), so a session may switch between them; Ollama and LM Studio are
 * servers of their own, each called one way only.
 */
export const REMOTE_PROVIDER_KINDS = ["openai-completions", "openai-chat", "ollama", "lmstudio"] as const;
export const RemoteProviderKindSchema = z.enum(REMOTE_PROVIDER_KINDS);
export type RemoteProviderKind = z.infer<typeof RemoteProviderKindSchema>;

export interface RemoteProviderInfo {
  /** How the UI names it (the connection form, Model settings → API). */
  label: string;
  /** Base URL of a server on this machine with its defaults: a placeholder, and the default when HINTLAB_BASE_URL is unset. */
  defaultBaseUrl: string;
  /** Whether such a server normally wants an API key (a proxy in front of any of them may). */
  needsKey: boolean;
}

export const REMOTE_PROVIDERS: Readonly<Record<RemoteProviderKind, RemoteProviderInfo>> = {
  "openai-completions": { label: "completions (raw prompt)", defaultBaseUrl: "http://localhost:8000/v1", needsKey: false },
  "openai-chat": { label: "chat (assistant prefill)", defaultBaseUrl: "http://localhost:8000/v1", needsKey: false },
  // The native API, at the server's root: Ollama's /v1 applies the chat template (lib/providers/ollama.ts).
  ollama: { label: "Ollama (native /api/generate, raw)", defaultBaseUrl: "http://localhost:11434", needsKey: false },
  lmstudio: { label: "LM Studio (completions, raw prompt)", defaultBaseUrl: "http://localhost:1234/v1", needsKey: false },
};

/** The APIs a session may call a connection of kind `kind` with (Model settings → API). */
export function apisOf(kind: RemoteProviderKind): RemoteProviderKind[] {
  return kind === "openai-completions" || kind === "openai-chat" ? ["openai-completions", "openai-chat"] : [kind];
}
