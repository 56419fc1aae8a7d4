import { Fragment, type ReactNode } from "react";
import type { TokenLogprob } from "./logprob-types";
import { formatProb, isCandidatePoint, probBin, triggerProbabilities } from "./token-probs";

/**
 * The tokens of one block of a model segment (or its live tail), in that segment's offsets:
 * `tokens[i]` is token `base + i` of the segment. Tokens are coloured by bin with class names
 * only (no inline styles), so a long trace stays one cheap style recalc.
 */
export interface TokenSlice {
  tokens: readonly TokenLogprob[];
  base: number;
}

/**
 * Spans per token over `text` (which starts at character `start` of its segment). A token that
 * straddles a block boundary is drawn in both blocks (same `data-tok`). Trigger occurrences get
 * the probability the model gave them and its other candidates as a CSS label (::after), so the
 * label never counts in a text selection's offsets. Candidate injection points and triggers are
 * tabbable; the other tokens are focusable by the arrow keys only (see TraceView).
 */
export function renderTokens(text: string, start: number, slice: TokenSlice, triggers: RegExp | null): ReactNode {
  const { tokens, base } = slice;
  const end = start + text.length;
  const trig = triggerProbabilities(text, triggers, tokens, start);
  // Token index (in the slice) → its trigger occurrence, for the occurrence's tokens.
  const inTrigger = new Map<number, number>();
  trig.forEach((t, k) => {
    for (let i = t.first; i <= t.last; i++) inTrigger.set(i, k);
  });
  const out: ReactNode[] = [];
  let at = start;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const a = Math.max(start, t.start);
    const b = Math.min(end, t.start + t.text.length);
    if (b <= a) continue;
    if (a > at) out.push(text.slice(at - start, a - start));
    const k = inTrigger.get(i);
    const occ = k === undefined ? undefined : trig[k];
    const cand = isCandidatePoint(t);
    let cls = `tok tok-p${probBin(t.logprob)}`;
    if (cand) cls += " tok-cand";
    if (occ) cls += " trigger";
    const label =
      occ && i === occ.last
        ? `${formatProb(occ.probability)}${occ.alternatives.length ? ` · else ${occ.alternatives.slice(0, 2).map((x) => `${JSON.stringify(x.text)} ${formatProb(Math.exp(x.logprob))}`).join(", ")}` : ""}`
        : undefined;
    out.push(
      <span
        key={a}
        className={label ? `${cls} trigger-prob` : cls}
        data-tok={base + i}
        data-testid={label ? "trigger-prob" : occ && i === occ.first ? "trigger" : undefined}
        data-label={label}
        tabIndex={cand || (occ && i === occ.first) ? 0 : -1}
      >
        {text.slice(a - start, b - start)}
      </span>,
    );
    at = b;
  }
  if (at < end) out.push(text.slice(at - start));
  return <Fragment>{out}</Fragment>;
}
