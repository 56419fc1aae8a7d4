import type { TraceConfig } from "@/lib/protocol";

/**
 * A trace config for tests that only need a valid one: greedy, "Wait" as trigger, small limits.
 * Tests that care about a field set it through `over`.
 */
export function testTraceConfig(over: Partial<TraceConfig> = {}): TraceConfig {
  return {
    provider: "openai-completions",
    model: "m",
    template: "qwq",
    sampling: { maxTokens: 1000 },
    triggers: ["Wait"],
    policy: { type: "greedy" },
    maxToolCalls: 6,
    toolTimeoutMs: 1000,
    maxOutputChars: 1000,
    hintLibraryVersion: "t",
    policySeed: 0,
    ...over,
  };
}
