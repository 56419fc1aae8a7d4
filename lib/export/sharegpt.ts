import type { Trace } from "@/lib/protocol";
import { splitForTraining } from "./text";
import type { ExportOptions } from "./options";

type Turn = { from: "human" | "gpt" | "observation"; value: string };

/**
 * LLaMA-Factory's ShareGPT format: `{"conversations": [{from, value}…], "system"?}` with turns
 * alternating human/observation and gpt. LLaMA-Factory trains on every gpt turn and cannot mask
 * one, so untrained text never goes into a gpt turn: each run of hints and tool outputs between
 * two runs of model text becomes one `observation` turn (a hint is folded together with the tool
 * output next to it). An untrained run right after the prompt is appended to the human turn; a
 * trace that ends on untrained text gets a final empty gpt turn so the alternation stays valid.
 * Concatenating the values after the problem statement gives the trace text after the prompt.
 */
export function sharegptRecord(trace: Trace, opts: ExportOptions): object {
  const { chunks } = splitForTraining(trace, opts.edited ?? true);
  const turns: Turn[] = [{ from: "human", value: trace.problem.statement }];
  for (const c of chunks) {
    if (c.train) turns.push({ from: "gpt", value: c.text });
    else if (turns.length === 1) turns[0]!.value += c.text;
    else turns.push({ from: "observation", value: c.text });
  }
  if (turns[turns.length - 1]!.from !== "gpt") turns.push({ from: "gpt", value: "" });
  return { conversations: turns, ...(opts.system !== undefined ? { system: opts.system } : {}) };
}
