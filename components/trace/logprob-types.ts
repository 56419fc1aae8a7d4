/**
 * Token log-probabilities as the `logprobs` branch defines them (lib/protocol/logprobs.ts).
 * TEMPORARY local copy of the contract until that branch is merged; then this re-exports it.
 */
export interface TokenAlternative {
  text: string;
  logprob: number;
}
export interface TokenLogprob {
  /** Character offset within its segment's text. */
  start: number;
  text: string;
  logprob: number;
  /** ≤ 5, most likely first. */
  top: TokenAlternative[];
}
