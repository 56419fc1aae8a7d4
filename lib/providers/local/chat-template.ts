import "server-only";
import { Template } from "@huggingface/jinja";
import type { GenerateRequest } from "@/lib/protocol";

/**
 * The prompt a local model sees. A GGUF file usually carries its own chat template
 * (`tokenizer.chat_template`, Jinja); when it does, the user turn is rendered with it and the
 * assistant prefill (opened think block + everything generated and injected since) is appended,
 * exactly like a chat endpoint with `continue_final_message`. Without one, or for the raw
 * template setting, the engine's own rendering (`request.prompt`) is used.
 */
export interface PromptRenderer {
  /** "gguf" when the file's template renders the user turn, else "setting". */
  readonly source: "gguf" | "setting";
  render(request: Pick<GenerateRequest, "prompt" | "userMessage" | "assistantPrefill">, templateSetting: string): string;
}

// A user message that no template rewrites: it marks where the problem goes in the rendering.
const SLOT = "\u0000hintlab-user-message\u0000";

export function createPromptRenderer(chatTemplate: string | undefined, specials: { bos?: string | null; eos?: string | null }): PromptRenderer {
  const split = chatTemplate ? splitTemplate(chatTemplate, specials) : null;
  if (!split) return { source: "setting", render: (request) => request.prompt };
  return {
    source: "gguf",
    render(request, templateSetting) {
      if (templateSetting === "raw") return request.prompt;
      const head = split.before + request.userMessage + split.after;
      return head + request.assistantPrefill.slice(overlap(head, request.assistantPrefill));
    },
  };
}

/** Render the template around a placeholder user message; null when it fails or drops the message. */
function splitTemplate(source: string, specials: { bos?: string | null; eos?: string | null }): { before: string; after: string } | null {
  try {
    const rendered = new Template(source).render({
      messages: [{ role: "user", content: SLOT }],
      add_generation_prompt: true,
      bos_token: specials.bos ?? "",
      eos_token: specials.eos ?? "",
      // Qwen3's template: thinking on (the default), stated so a changed default cannot turn it off.
      enable_thinking: true,
    });
    const at = rendered.indexOf(SLOT);
    if (at === -1 || rendered.indexOf(SLOT, at + 1) !== -1) return null;
    return { before: rendered.slice(0, at), after: rendered.slice(at + SLOT.length) };
  } catch (error) {
    console.warn("[hintlab] the GGUF chat template does not render; using the template setting instead:", (error as Error).message);
    return null;
  }
}

/**
 * Characters at the start of `prefill` that the rendered generation prompt already ends with.
 * DeepSeek-R1 distills' current template opens `<think>\n` itself, and the engine's prefill opens
 * it too; without this the model would see the tag twice.
 */
function overlap(head: string, prefill: string): number {
  // Only an overlap that contains the think tag counts: a shared "\n" is not a duplicate.
  const tag = prefill.indexOf("<think>");
  if (tag === -1) return 0;
  for (let n = Math.min(head.length, prefill.length); n >= tag + "<think>".length; n--) {
    if (head.endsWith(prefill.slice(0, n))) return n;
  }
  return 0;
}
