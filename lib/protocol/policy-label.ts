import type { Policy } from "./trace";

/**
 * The budget policy's label grammar, here (not in lib/experiments) because the playground, the
 * experiments form, the CLI and the trace store all spell or read it: `budget:min=N,max=M[,word=W]`
 * (N, M in thinking tokens; `:` may separate the options too; word defaults to "Wait").
 */

export type BudgetPolicy = Extract<Policy, { type: "budget" }>;

/** s1's default: the word appended when the model tries to stop thinking before the minimum. */
export const BUDGET_DEFAULT_WORD = "Wait";
/** Hint-Library id of the bare "Wait" hint; a custom word is recorded under it with its own text (like an edited hint). */
export const BUDGET_HINT_ID = "budget-wait";
/** Hint id of the end-of-thinking marker the budget policy forces at its maximum (not a library hint: the marker is the template's). */
export const BUDGET_END_HINT_ID = "budget-end-of-thinking";

const MAX_BUDGET = 1_000_000;
const GRAMMAR = "budget:min=N,max=M[,word=W]";

/** Parse a `budget:…` label; throws an Error that names the label and what to fix. */
export function parseBudgetLabel(label: string): BudgetPolicy {
  const trimmed = label.trim();
  const fail = (why: string): never => {
    throw new Error(`policy "${trimmed}": ${why} (expected ${GRAMMAR}, N and M in thinking tokens)`);
  };
  if (!/^budget(:|$)/.test(trimmed)) fail("not a budget policy");
  const body = trimmed.slice("budget".length + 1);
  if (!body) fail("give min and/or max");
  let min: number | undefined;
  let max: number | undefined;
  let word: string | undefined;
  for (const opt of body.split(/[,:]/)) {
    const eq = opt.indexOf("=");
    const key = eq === -1 ? opt.trim() : opt.slice(0, eq).trim();
    const value = eq === -1 ? "" : opt.slice(eq + 1);
    if (eq === -1) fail(`option "${key}" has no value`);
    if (key === "min" || key === "max") {
      if ((key === "min" ? min : max) !== undefined) fail(`${key} is given twice`);
      const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n > MAX_BUDGET) fail(`${key} must be a whole number of thinking tokens from 0 to ${MAX_BUDGET.toLocaleString("en")} (got "${value}")`);
      if (key === "min") min = n;
      else max = n;
    } else if (key === "word") {
      if (word !== undefined) fail("word is given twice");
      const w = value.trim();
      if (!w || w.length > 40 || /[\n\r]/.test(w)) fail("word must be 1 to 40 characters on one line, without , or :");
      word = w;
    } else {
      fail(`unknown option "${key}" (min, max, word)`);
    }
  }
  if (min === undefined && max === undefined) fail("give min and/or max");
  if (max === 0) fail("max must be at least 1 thinking token");
  if (min !== undefined && max !== undefined && min > max) fail(`min (${min}) is above max (${max})`);
  return { type: "budget", minThinking: min ?? 0, ...(max !== undefined ? { maxThinking: max } : {}), word: word ?? BUDGET_DEFAULT_WORD };
}

/** The canonical label of a budget policy (what the playground and the trace list show). */
export function formatBudgetLabel(policy: Pick<BudgetPolicy, "minThinking" | "maxThinking" | "word">): string {
  const parts = [`min=${policy.minThinking}`];
  if (policy.maxThinking !== undefined) parts.push(`max=${policy.maxThinking}`);
  if (policy.word !== BUDGET_DEFAULT_WORD) parts.push(`word=${policy.word}`);
  return `budget:${parts.join(",")}`;
}

/**
 * Split a comma-separated list of policy labels. A budget label has commas of its own, so a piece
 * that is only an option (`max=200`, `word=Hmm`) continues the label before it:
 * `greedy,budget:min=100,max=200,paper:rounds=2` is three labels.
 */
export function splitPolicyLabels(list: string): string[] {
  const out: string[] = [];
  for (const raw of list.split(",")) {
    const piece = raw.trim();
    if (!piece) continue;
    const last = out[out.length - 1];
    if (/^[a-z]+\s*=/i.test(piece) && last !== undefined && /^budget:/.test(last)) out[out.length - 1] = `${last},${piece}`;
    else out.push(piece);
  }
  return out;
}
