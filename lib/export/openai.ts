import type { Trace } from "@/lib/protocol";
import { splitForTraining } from "./text";
import type { ExportOptions } from "./options";

/**
 * OpenAI chat fine-tuning: `{"messages": [system?, user, assistant…]}`. The user turn is the
 * problem statement; the assistant side is the trace text after the prompt, cut into chunks at
 * every change of loss setting, with `weight: 1` on model text and edits and `weight: 0` on hints
 * and tool outputs (OpenAI trains only on assistant messages with weight 1).
 */
export function openaiRecord(trace: Trace, opts: ExportOptions): object {
  const { chunks } = splitForTraining(trace, opts.edited ?? true);
  const assistant = chunks.length ? chunks.map((c) => ({ role: "assistant", content: c.text, weight: c.train ? 1 : 0 })) : [{ role: "assistant", content: "", weight: 0 }];
  return {
    messages: [...(opts.system !== undefined ? [{ role: "system", content: opts.system }] : []), { role: "user", content: trace.problem.statement }, ...assistant],
  };
}
