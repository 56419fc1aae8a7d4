/**
 * Finds stop strings in streamed text the way a server does: text that could still be the start
 * of a stop string is held back, the stop string itself is never emitted, and a stop that spans
 * several tokens is found.
 */
export class StopScanner {
  private held = "";
  private readonly stops: string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** Add text; returns what may be emitted now, and the stop string when one was reached. */
  push(text: string): { emit: string; stop?: string } {
    this.held += text;
    let first: { at: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const at = this.held.indexOf(stop);
      if (at !== -1 && (!first || at < first.at)) first = { at, stop };
    }
    if (first) {
      const emit = this.held.slice(0, first.at);
      this.held = "";
      return { emit, stop: first.stop };
    }
    const keep = this.partialStopSuffix();
    const emit = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    return { emit };
  }

  /** The held-back text, when the stream ends without reaching a stop. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  /** Length of the longest suffix of the held text that is a proper prefix of some stop string. */
  private partialStopSuffix(): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.held.length); n > best; n--) {
        if (this.held.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
