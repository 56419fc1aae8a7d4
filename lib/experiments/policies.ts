import { BUILTIN_HINTS } from "@/hints";
import type { ExperimentPolicy } from "@/lib/protocol";

/**
 * Policy labels as typed on the command line: `greedy`, `paper` (1 round),
 * `paper:rounds=R`, `:p=P` (inject at triggers with probability P), `:hint=ID` (always this
 * hint instead of one drawn per problem kind). The label is kept verbatim as the item key.
 */
export function parsePolicyLabel(label: string): ExperimentPolicy {
  const [name, ...opts] = label.trim().split(":");
  if (name === "greedy") {
    if (opts.length) throw new Error(`policy "${label}": greedy takes no options`);
    return { label: label.trim(), policy: { type: "greedy" } };
  }
  if (name !== "paper") throw new Error(`policy "${label}": expected greedy or paper[:rounds=R][:p=P][:hint=ID]`);
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
      if (!BUILTIN_HINTS.some((h) => h.id === value)) {
        throw new Error(`policy "${label}": hint "${value}" is not in the Hint-Library; ids: ${BUILTIN_HINTS.map((h) => h.id).join(", ")}`);
      }
      hintId = value;
    } else {
      throw new Error(`policy "${label}": unknown option "${key}" (rounds, p, hint)`);
    }
  }
  return { label: label.trim(), policy: { type: "paper", rounds, triggerProb, ...(hintId ? { hintId } : {}) } };
}

/** A comma-separated list of labels (`greedy,paper:rounds=2,paper:rounds=1:p=0.5`). */
export function parsePolicyList(list: string): ExperimentPolicy[] {
  const policies = list.split(",").map((s) => s.trim()).filter(Boolean).map(parsePolicyLabel);
  const labels = new Set<string>();
  for (const p of policies) {
    if (labels.has(p.label)) throw new Error(`policy "${p.label}" is listed twice`);
    labels.add(p.label);
  }
  if (policies.length === 0) throw new Error("at least one policy is required");
  return policies;
}
