/**
 * NDJSON framing. Decoding keeps a TextDecoder in streaming mode so a multi-byte character
 * split across network chunks survives, and keeps a partial last line until its newline.
 */

export function encodeNdjson(value: unknown): string {
  return JSON.stringify(value) + "\n";
}

export class NdjsonDecoder {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";

  /** Feed raw bytes; returns every complete line parsed as JSON (lines that are blank are skipped). */
  push(bytes: Uint8Array): unknown[] {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    return this.drain(false);
  }

  /** End of input: flush the decoder and parse a last line without a trailing newline. */
  end(): unknown[] {
    this.buffer += this.decoder.decode();
    return this.drain(true);
  }

  private drain(final: boolean): unknown[] {
    const out: unknown[] = [];
    let start = 0;
    for (let nl = this.buffer.indexOf("\n", start); nl !== -1; nl = this.buffer.indexOf("\n", start)) {
      const line = this.buffer.slice(start, nl).trim();
      start = nl + 1;
      if (line) out.push(parseLine(line));
    }
    this.buffer = this.buffer.slice(start);
    if (final && this.buffer.trim()) {
      out.push(parseLine(this.buffer.trim()));
      this.buffer = "";
    }
    return out;
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`malformed NDJSON line: ${line.slice(0, 120)}`);
  }
}

/** Iterate parsed NDJSON values from a byte stream (fetch body). */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown[]> {
  const decoder = new NdjsonDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const values = decoder.push(value);
      // One batch per network read: the host can fold several text frames into one engine step.
      if (values.length) yield values;
    }
    const rest = decoder.end();
    if (rest.length) yield rest;
  } finally {
    reader.releaseLock();
  }
}
