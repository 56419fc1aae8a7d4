// Test helpers for provider tests (not shipped: only *.test.ts files import this).
import { createServer } from "node:net";
import type { GenerateRequest, GenerateResult } from "@/lib/protocol";
import { loadTraces, type TraceRecord } from "@/e2e/fixtures/scripted-model";
import type { RemoteModelConfig } from "../config";
import type { Provider } from "../types";

export const traces = loadTraces();
export const fuManchu: TraceRecord = traces.find((t) => t.id === "deepseek-r1-distill-llama-8b/problem_1591/correct")!;

export function modelConfig(baseUrl: string, overrides: Partial<RemoteModelConfig> = {}): RemoteModelConfig {
  return { provider: "openai-completions", baseUrl, model: "scripted-r1", template: "qwq", timeoutMs: 10_000, ...overrides };
}

export function generateRequest(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    prompt: fuManchu.prompt,
    userMessage: fuManchu.problem,
    assistantPrefill: "<think>\n",
    stop: [],
    maxTokens: 100_000,
    ...overrides,
  };
}

export interface Run {
  chunks: string[];
  text: string;
  result?: GenerateResult;
  error?: unknown;
}

/** Drive a generation to its end, keeping the text received before a failure. */
export async function run(
  provider: Provider,
  request: GenerateRequest,
  signal: AbortSignal = new AbortController().signal,
  onChunk?: (chunk: string, index: number) => void | Promise<void>,
): Promise<Run> {
  const chunks: string[] = [];
  const generation = provider.generate(request, signal);
  try {
    for (;;) {
      const next = await generation.next();
      if (next.done) return { chunks, text: chunks.join(""), result: next.value };
      chunks.push(next.value);
      await onChunk?.(next.value, chunks.length - 1);
    }
  } catch (error) {
    return { chunks, text: chunks.join(""), error };
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
