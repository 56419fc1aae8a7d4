"use client";

import type { TokenAlternative, TokenLogprob } from "./logprob-types";
import { candidates, formatProb, isCandidatePoint, topEntropy } from "./token-probs";

/** Where to branch: the token's start in its segment, and the text the fork goes on with. */
export interface BranchRequest {
  segment: number;
  offset: number;
  alternative: { text: string; logprob: number; replaced: string };
}

export interface ActiveToken {
  segment: number;
  index: number;
  token: TokenLogprob;
  /** The token's box in the viewport, to place the tooltip under it. */
  rect: { left: number; bottom: number };
  /** Clicked (stays until Escape or a click elsewhere) rather than hovered. */
  pinned: boolean;
}

/** A token's text with its whitespace visible (a leading space or newline is most of what tells two tokens apart). */
export function showToken(text: string): string {
  return JSON.stringify(text).slice(1, -1).replace(/ /g, "␣");
}

/**
 * The probability of the hovered or focused token and its top candidates; clicking another
 * candidate (or pressing its number key while the token has focus) branches the trace there.
 */
export function TokenTooltip({ active, onBranch, onClose }: { active: ActiveToken; onBranch?: (r: BranchRequest) => void; onClose: () => void }) {
  const { token, segment } = active;
  const list = candidates(token).sort((a, b) => b.logprob - a.logprob);
  const others = list.filter((c) => c.text !== token.text);
  const branch = (a: TokenAlternative) => onBranch?.({ segment, offset: token.start, alternative: { text: a.text, logprob: a.logprob, replaced: token.text } });
  return (
    <div
      className="token-tooltip"
      role="tooltip"
      data-testid="token-tooltip"
      style={{ left: Math.max(4, active.rect.left), top: active.rect.bottom + 2 }}
      onMouseDown={(e) => e.preventDefault() /* keep the token's focus and the text selection */}
    >
      <div className="row small">
        <code>{showToken(token.text)}</code>
        <strong data-testid="token-prob">{formatProb(Math.exp(token.logprob))}</strong>
        <span className="muted">
          H {topEntropy(token).toFixed(2)} nats{isCandidatePoint(token) ? " · candidate injection point" : ""}
        </span>
        <button className="small link" aria-label="close" onClick={onClose}>
          ×
        </button>
      </div>
      <ol className="token-alts">
        {list.map((c) => {
          const chosen = c.text === token.text;
          const n = others.indexOf(c) + 1;
          const p = formatProb(Math.exp(c.logprob));
          return (
            <li key={c.text} className={chosen ? "chosen" : undefined}>
              {chosen || !onBranch ? (
                <span className="token-alt-static">
                  <code>{showToken(c.text)}</code> {p} {chosen && <span className="muted">(written)</span>}
                </span>
              ) : (
                <button data-testid="token-alternative" data-text={c.text} title={`fork the trace here with this token and continue live (key ${n})`} onClick={() => branch(c)}>
                  <span className="muted">{n}</span> <code>{showToken(c.text)}</code> {p}
                </button>
              )}
            </li>
          );
        })}
      </ol>
      {onBranch && others.length > 0 && <p className="muted small">Click an alternative to branch here and continue live.</p>}
    </div>
  );
}
