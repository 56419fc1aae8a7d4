/**
 * What one context sequence holds, as tokens and as text. The browser engine re-sends the whole
 * rendered text with every request; to reuse the KV cache the local provider must know which
 * prefix of that text the sequence already holds, and where token boundaries fall in it.
 *
 * `ends[i]` is the character offset in `text` just after token i, or -1 when no character
 * boundary falls there: inside a prompt piece (only the piece's end is known without a second
 * detokenization) or inside a UTF-8 character split across byte-level tokens.
 */
export class TokenHistory<T = number> {
  readonly tokens: T[] = [];
  private readonly ends: number[] = [];
  private textValue = "";

  get text(): string {
    return this.textValue;
  }

  get length(): number {
    return this.tokens.length;
  }

  /** A piece of text and its tokens; the only boundary known is after its last token. */
  appendPiece(text: string, tokens: readonly T[]): void {
    if (tokens.length === 0) {
      if (text) throw new Error("TokenHistory: text without tokens");
      return;
    }
    this.textValue += text;
    for (let i = 0; i < tokens.length; i++) {
      this.tokens.push(tokens[i]!);
      this.ends.push(i === tokens.length - 1 ? this.textValue.length : -1);
    }
  }

  /**
   * Keep the first `count` tokens and the text they end at. `count` must be a boundary
   * (see {@link boundaryAtOrBefore}); 0 empties the history.
   */
  truncate(count: number): void {
    if (count >= this.tokens.length) return;
    const end = count === 0 ? 0 : this.ends[count - 1]!;
    if (end < 0) throw new Error(`TokenHistory: ${count} tokens do not end at a character boundary`);
    this.tokens.length = count;
    this.ends.length = count;
    this.textValue = this.textValue.slice(0, end);
  }

  /** The largest token count whose text ends at or before `offset` (0 when none does). */
  boundaryAtOrBefore(offset: number): { tokens: number; chars: number } {
    for (let i = this.ends.length - 1; i >= 0; i--) {
      const end = this.ends[i]!;
      if (end >= 0 && end <= offset) return { tokens: i + 1, chars: end };
    }
    return { tokens: 0, chars: 0 };
  }

  /** The longest common prefix, in characters, of the held text and `other`. */
  commonPrefix(other: string): number {
    const a = this.textValue;
    const n = Math.min(a.length, other.length);
    let i = 0;
    while (i < n && a.charCodeAt(i) === other.charCodeAt(i)) i++;
    // Never split a surrogate pair: a cut there cannot be a token boundary in either text.
    if (i > 0 && i < n && isHighSurrogate(a.charCodeAt(i - 1))) i--;
    return i;
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
