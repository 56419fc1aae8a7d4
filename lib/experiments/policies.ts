import { BUILTIN_HINTS } from "@/hints";
import { parseBudgetLabel, splitPolicyLabels, type ExperimentPolicy } from "@/lib/protocol";

/**
 * Policy labels as typed on the command line: `greedy`, `paper` (1 round),
 * `paper:rounds=R`, `:p=P` (inject at triggers with probability P), `:hint=ID` (always this
 * hint instead of one drawn per problem kind), and `budget:min=N,max=M[,word=W]` (s1's budget
 * forcing, in thinking tokens). The label is kept verbatim as the item key.
 */
export function parsePolicyLabel(label: string): ExperimentPolicy {
  const [name, ...opts] = label.trim().split(":");
  if (name === "greedy") {
    if (opts.length) throw new Error(`policy "${label}": greedy takes no options`);
    return { label: label.trim(), policy: { type: "greedy" } };
  }
  if (name === "budget") return { label: label.trim(), policy: parseBudgetLabel(label) };
  if (name !== "paper") throw new Error(`policy "${label}": expected greedy, paper[:rounds=R][:p=P][:hint=ID] or budget:min=N,max=M[,word=W]`);
  let rounds = 1;
  let triggerProb = 0;
  let hintId: string | undefined;
  for (const opt of opts) {
    const [key, value = ""] = opt.split("=");
    if (key === "rounds") {
      rounds = Number(value);
      if (!Number.isInteger(rounds) || rounds < 0 || rounds > 64) throw new Error(`policy "${label}": rounds must be an integer from 0 to 64`);
    } else if (key === "p") {
      triggerProb = Number(value);
      if (!(triggerProb >= 0 && triggerProb <= 1)) throw new Error(`policy "${label}": p must be a probability from 0 to 1`);
    } else if (key === "hint") {
      const hint = BUILTIN_HINTS.find((h) => h.id === value);
      if (!hint || hint.purpose === "budget") {
        const ids = BUILTIN_HINTS.filter((h) => h.purpose !== "budget").map((h) => h.id);
        if (hint) throw new Error(`policy "${label}": "${value}" is the budget-forcing word, not a tool hint; use budget:min=N,max=M instead`);
        throw new Error(`policy "${label}": hint "${value}" is not in the Hint-Library; ids: ${ids.join(", ")}`);
      }
      hintId = value;
    } else {
      throw new Error(`policy "${label}": unknown option "${key}" (rounds, p, hint)`);
    }
  }
  return { label: label.trim(), policy: { type: "paper", rounds, triggerProb, ...(hintId ? { hintId } : {}) } };
}

/** A comma-separated list of labels (`greedy,paper:rounds=2,budget:min=1000,max=4000`); a budget label's own commas stay in it. */
export function parsePolicyList(list: string): ExperimentPolicy[] {
  const policies = splitPolicyLabels(list).map(parsePolicyLabel);
  const labels = new Set<string>();
  for (const p of policies) {
    if (labels.has(p.label)) throw new Error(`policy "${p.label}" is listed twice`);
    labels.add(p.label);
  }
  if (policies.length === 0) throw new Error("at least one policy is required");
  return policies;
}
