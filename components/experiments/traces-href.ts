import type { ExperimentSummary } from "@/lib/protocol";

/** Traces behind a cell: the runner tags every trace with its experiment and policy. */
export function tracesHref(exp: Pick<ExperimentSummary, "id">, filter: { policy?: string; hint?: string; verdict?: string }) {
  const sp = new URLSearchParams();
  sp.set("tag", filter.policy ? `exp:${exp.id}:${filter.policy}` : `exp:${exp.id}`);
  if (filter.hint) sp.set("hint", filter.hint);
  if (filter.verdict) sp.set("verdict", filter.verdict);
  return `/traces?${sp}`;
}
