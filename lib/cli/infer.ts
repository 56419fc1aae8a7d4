import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BUILTIN_HINTS, fillHint, hintsForProblem, HINT_LIBRARY_VERSION } from "@/hints";
import { validateTriggers, type EngineState, type SegmentLogprobs } from "@/lib/engine";
import { logprobsToBase64, packLogprobs, parseBudgetLabel, ProblemKindSchema, type Policy, type Problem, type TraceConfig } from "@/lib/protocol";
import { createProvider, resolveModelConfig } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import { NodeSandbox } from "@/lib/sandbox/node-sandbox";
import { modelFlags, num, templateFlag, UsageError } from "./flags";

export const INFER_USAGE = `usage: hintlab infer --base-url URL --model NAME (--problem TEXT | --problem-file FILE) [options]

  --template qwq|qwen3|deepseek-r1|raw   prompt template (default qwq, or HINTLAB_TEMPLATE)
  --provider openai-completions|openai-chat|ollama|lmstudio
                                        the model server's API (default openai-completions, or HINTLAB_PROVIDER):
                                        ollama = Ollama's native /api/generate (base URL http://localhost:11434),
                                        lmstudio = LM Studio (http://localhost:1234/v1)
  --chat                                short for --provider openai-chat (assistant prefill)
  --kind math|code|free                 problem kind (default math); picks the hints
  --gold ANSWER                         gold answer: the trace gets a verdict
  --policy greedy|paper|budget:min=N,max=M[,word=W]
                                        greedy never injects; paper injects at end of thinking (default paper);
                                        budget forces thinking length as s1 does, in thinking tokens: an end of
                                        thinking before N is replaced by the word (default Wait), at M </think> is forced
  --rounds N                            end-of-thinking injections for the paper policy (default 1)
  --triggers Wait,Alternatively         trigger words; /regex/ allowed
  --trigger-prob P                      paper policy: inject at each trigger with probability P (default 0)
  --hint ID                             always inject this hint (default: drawn per problem kind)
  --max-tool-calls N                    code executions per trace (default 6)
  --tool-timeout-ms MS                  time limit per execution (default 10000)
  --max-tokens N                        completion token budget of the whole trace (default 16384)
  --temperature T  --top-p P  --seed S  sampling
  --logprobs N                          keep each token's probability and its N (0–5) likeliest alternatives:
                                        the printed trace gets "logprobs": { segments: [{ segment, packed }] }
Base URL, model and API key fall back to HINTLAB_BASE_URL, HINTLAB_MODEL, HINTLAB_API_KEY.
Prints the finished trace as one JSON object on stdout; progress goes to stderr.`;

export function parseInferArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      "base-url": { type: "string" },
      model: { type: "string" },
      template: { type: "string" },
      chat: { type: "boolean" },
      provider: { type: "string" },
      problem: { type: "string" },
      "problem-file": { type: "string" },
      kind: { type: "string" },
      gold: { type: "string" },
      policy: { type: "string" },
      rounds: { type: "string" },
      triggers: { type: "string" },
      "trigger-prob": { type: "string" },
      hint: { type: "string" },
      "max-tool-calls": { type: "string" },
      "tool-timeout-ms": { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      seed: { type: "string" },
      logprobs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true as const };
  if (values.problem && values["problem-file"]) throw new UsageError("give either --problem or --problem-file, not both");
  let statement = values.problem;
  if (values["problem-file"]) {
    try {
      statement = readFileSync(values["problem-file"], "utf8");
    } catch (e) {
      throw new UsageError(`cannot read --problem-file ${values["problem-file"]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (!statement?.trim()) throw new UsageError("a problem is required: --problem TEXT or --problem-file FILE");
  const kind = ProblemKindSchema.safeParse(values.kind ?? "math");
  if (!kind.success) throw new UsageError(`--kind must be math, code or free (got "${values.kind}")`);
  const template = templateFlag(values.template);
  const policyName = values.policy?.trim() ?? "paper";
  const isBudget = /^budget(:|$)/.test(policyName);
  if (policyName !== "greedy" && policyName !== "paper" && !isBudget) throw new UsageError(`--policy must be greedy, paper or budget:min=N,max=M[,word=W] (got "${policyName}")`);
  let budget: Policy | undefined;
  try {
    if (isBudget) budget = parseBudgetLabel(policyName);
  } catch (e) {
    throw new UsageError(`--policy: ${(e as Error).message}`);
  }
  const rounds = num("rounds", values.rounds, (n) => Number.isInteger(n) && n >= 0 && n <= 64, "an integer from 0 to 64") ?? 1;
  const triggerProb = num("trigger-prob", values["trigger-prob"], (n) => n >= 0 && n <= 1, "a probability from 0 to 1") ?? 0;
  const triggers = values.triggers ? values.triggers.split(",").map((t) => t.trim()).filter(Boolean) : ["Wait", "Alternatively"];
  const triggerError = validateTriggers(triggers);
  if (triggerError) throw new UsageError(`--triggers: ${triggerError}`);
  const problem: Problem = { id: "cli", kind: kind.data, statement, ...(values.gold ? { gold: values.gold } : {}) };
  const hints = hintsForProblem(BUILTIN_HINTS, problem);
  if (values.hint && !BUILTIN_HINTS.some((h) => h.id === values.hint)) {
    throw new UsageError(`--hint "${values.hint}" is not in the Hint-Library; ids: ${BUILTIN_HINTS.map((h) => h.id).join(", ")}`);
  }
  const policy: Policy = budget ?? (policyName === "greedy" ? { type: "greedy" } : { type: "paper", rounds, triggerProb, ...(values.hint ? { hintId: values.hint } : {}) });
  const seed = num("seed", values.seed, Number.isInteger, "an integer");
  return {
    help: false as const,
    problem,
    settings: modelFlags(values, template),
    policy,
    policyHints: (values.hint ? BUILTIN_HINTS.filter((h) => h.id === values.hint) : hints).map((h) => ({ id: h.id, text: fillHint(h.text, problem) })),
    triggers,
    maxToolCalls: num("max-tool-calls", values["max-tool-calls"], (n) => Number.isInteger(n) && n >= 0 && n <= 100, "an integer from 0 to 100") ?? 6,
    toolTimeoutMs: num("tool-timeout-ms", values["tool-timeout-ms"], (n) => Number.isInteger(n) && n > 0, "a positive integer") ?? 10_000,
    sampling: {
      maxTokens: num("max-tokens", values["max-tokens"], (n) => Number.isInteger(n) && n > 0, "a positive integer") ?? 16384,
      ...(values.temperature !== undefined ? { temperature: num("temperature", values.temperature, (n) => n >= 0 && n <= 2, "from 0 to 2") } : {}),
      ...(values["top-p"] !== undefined ? { topP: num("top-p", values["top-p"], (n) => n > 0 && n <= 1, "in (0, 1]") } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
    seed: seed ?? 0,
    logprobs: num("logprobs", values.logprobs, (n) => Number.isInteger(n) && n >= 0 && n <= 5, "an integer from 0 to 5"),
  };
}

/** Progress on stderr: one line per notable event, whatever input produced it. */
function progressPrinter() {
  let seen = 0;
  return (state: EngineState) => {
    for (; seen < state.events.length; seen++) printEvent(state.events[seen]!);
  };
}

function printEvent(last: EngineState["events"][number]): void {
  const line = (() => {
    switch (last.type) {
      case "paused":
        return `paused at ${last.reason}${last.word ? ` "${last.word}"` : ""} (char ${last.offset})`;
      case "hint-injected":
        return `injected ${last.hintId}${last.round ? ` (round ${last.round})` : ""}`;
      case "code-executed":
        return `executed code in ${Math.round(last.durationMs)} ms${last.timedOut ? " (timed out)" : last.error ? " (error)" : ""}`;
      case "stream-ended":
        return `stream ended: ${last.finishReason} after ${last.chars} chars`;
      case "error":
        return `error: ${last.message}`;
      case "answer-graded":
        return `answer ${last.answer ?? "(none)"}: ${last.verdict}`;
      default:
        return undefined;
    }
  })();
  if (line) process.stderr.write(`[hintlab] ${line}\n`);
}

export async function runInfer(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseInferArgs>;
  try {
    args = parseInferArgs(argv);
  } catch (e) {
    process.stderr.write(`hintlab infer: ${(e as Error).message}\n\n${INFER_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(INFER_USAGE + "\n");
    return 0;
  }
  let modelConfig;
  try {
    modelConfig = resolveModelConfig(args.settings);
  } catch (e) {
    process.stderr.write(`hintlab infer: ${(e as Error).message}\n(use --base-url and --model)\n`);
    return 2;
  }
  // The local model is downloaded on first use, with progress on stderr.
  if (modelConfig.provider === "local" && !(await (await import("./model")).ensureLocalModel(modelConfig))) return 1;
  const config: TraceConfig = {
    provider: modelConfig.provider,
    ...(modelConfig.provider === "local" ? {} : { baseUrl: modelConfig.baseUrl }),
    model: modelConfig.model,
    template: modelConfig.template,
    sampling: args.sampling,
    triggers: args.triggers,
    policy: args.policy,
    maxToolCalls: args.maxToolCalls,
    toolTimeoutMs: args.toolTimeoutMs,
    maxOutputChars: 4000,
    hintLibraryVersion: HINT_LIBRARY_VERSION,
    policySeed: args.seed,
  };
  // One trace per run: no spare process for a next trace that never comes.
  const sandbox = new NodeSandbox({ warmSpare: false });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const logprobs: SegmentLogprobs = {};
  try {
    const trace = await runHeadless({
      traceId: crypto.randomUUID(),
      problem: { ...args.problem, id: crypto.randomUUID() },
      config,
      policyHints: args.policyHints,
      provider: createProvider(modelConfig),
      sandbox,
      signal: controller.signal,
      onProgress: progressPrinter(),
      ...(args.logprobs !== undefined ? { logprobs: { top: args.logprobs, onTokens: (segment, tokens) => void (logprobs[segment] = (logprobs[segment] ?? []).concat(tokens)) } } : {}),
    });
    const packed = Object.entries(logprobs).map(([segment, tokens]) => ({ segment: Number(segment), packed: logprobsToBase64(packLogprobs(tokens)) }));
    process.stdout.write(JSON.stringify(args.logprobs !== undefined ? { ...trace, logprobs: { segments: packed } } : trace) + "\n");
    return trace.status === "failed" ? 1 : 0;
  } finally {
    await sandbox.dispose();
  }
}
