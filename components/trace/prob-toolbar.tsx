"use client";

import type { TokenLogprob } from "./logprob-types";
import { candidatePoints, PROB_BIN_LABELS } from "./token-probs";
import { showToken } from "./token-tooltip";

export interface CandidatePoint {
  segment: number;
  index: number;
  token: TokenLogprob;
}

// Per segment token list → its candidate points: a live trace recomputes only its last segment.
const pointsCache = new WeakMap<readonly TokenLogprob[], number[]>();
function pointsOf(tokens: readonly TokenLogprob[]): number[] {
  let p = pointsCache.get(tokens);
  if (!p) pointsCache.set(tokens, (p = candidatePoints(tokens)));
  return p;
}

export function allCandidatePoints(logprobs: Record<number, readonly TokenLogprob[]>): CandidatePoint[] {
  const out: CandidatePoint[] = [];
  for (const [seg, tokens] of Object.entries(logprobs)) for (const i of pointsOf(tokens)) out.push({ segment: Number(seg), index: i, token: tokens[i]! });
  return out.sort((a, b) => a.segment - b.segment || a.index - b.index);
}

const MAX_LISTED = 200;

/**
 * The probability toggle (key p), its legend, and the candidate injection points as a list that
 * jumps to each one. Shown on views that can have token probabilities.
 */
export function ProbToolbar({
  on,
  onToggle,
  hasTokens,
  points,
  onJump,
}: {
  on: boolean;
  onToggle: (on: boolean) => void;
  hasTokens: boolean;
  points: CandidatePoint[];
  onJump: (p: CandidatePoint) => void;
}) {
  return (
    <div className="prob-toolbar row small" data-testid="prob-toolbar">
      <label className="inline" title="colour the model's text by the probability it gave each token (p)">
        <input type="checkbox" data-testid="prob-toggle" checked={on} onChange={(e) => onToggle(e.target.checked)} /> token probabilities <kbd>p</kbd>
      </label>
      {on && !hasTokens && <span className="muted">No token probabilities recorded for this trace (turn on “Token probabilities” in Model settings before a run).</span>}
      {on && hasTokens && (
        <>
          <span className="prob-legend" data-testid="prob-legend" aria-label="probability legend">
            {PROB_BIN_LABELS.map((l, i) => (
              <span key={l} className={`tok tok-p${i}`}>
                {l}
              </span>
            ))}
            <span className="tok tok-cand">candidate point</span>
          </span>
          <details className="cand-list">
            <summary data-testid="candidate-count">
              {points.length} candidate injection point{points.length === 1 ? "" : "s"}
            </summary>
            <ol>
              {points.slice(0, MAX_LISTED).map((p) => (
                <li key={`${p.segment}:${p.index}`}>
                  <button className="link small" data-testid="candidate-point" onClick={() => onJump(p)}>
                    segment {p.segment} @ {p.token.start}: <code>{showToken(p.token.text)}</code>
                  </button>
                </li>
              ))}
              {points.length > MAX_LISTED && <li className="muted">… and {points.length - MAX_LISTED} more</li>}
            </ol>
          </details>
        </>
      )}
    </div>
  );
}
