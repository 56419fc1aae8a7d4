/**
 * JSON.parse that also keeps the text each number was written as, so a gold answer such as
 * `12345678901234567891`, `0.1000000000000000055511151231257827` or `1e400` can be stored as
 * written instead of as the nearest double (12345678901234567000, 0.1, Infinity).
 *
 * Node 21+ has this natively (JSON.parse source text access: the reviver's third argument,
 * `context.source`); Node 20, which package.json still supports, does not, so there a small
 * scanner walks the (already validated) text beside JSON.parse's value. Either way the value is
 * JSON.parse's; only the number texts come on the side.
 */

export interface JsonWithNumberText {
  value: unknown;
  /** The source text of the number at `holder[key]` (an object member or array element); undefined when that is not a number. */
  numberText(holder: unknown, key: string | number): string | undefined;
}

type Texts = WeakMap<object, Map<string, string>>;

// Only texts that differ from how JS prints the value are kept (a few per file): `numberText`
// prints the value for the rest.
const record = (texts: Texts, holder: object, key: string, value: number, text: string) => {
  if (String(value) === text) return void texts.get(holder)?.delete(key);
  let m = texts.get(holder);
  if (!m) texts.set(holder, (m = new Map()));
  m.set(detach(key), detach(text));
};

/**
 * A copy of a short string that does not point into the line it was cut from: V8 keeps a
 * substring as a view of its parent, so a gold answer would otherwise keep its whole line alive.
 */
const detach = (s: string) => Array.from(s).join("");

type SourceReviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const HAS_SOURCE_ACCESS = (() => {
  let source: string | undefined;
  const reviver: SourceReviver = (_key, value, context) => ((source = context?.source), value);
  JSON.parse("1", reviver as (key: string, value: unknown) => unknown);
  return source === "1";
})();

/** Parse JSON text (throws JSON.parse's SyntaxError when it is not JSON) and keep every number's text. */
export function parseJsonWithNumberText(text: string): JsonWithNumberText {
  const texts: Texts = new WeakMap();
  const numberText = (holder: unknown, key: string | number) => {
    if (!holder || typeof holder !== "object") return undefined;
    const v = (holder as Record<string, unknown>)[key];
    return typeof v === "number" ? (texts.get(holder)?.get(String(key)) ?? String(v)) : undefined;
  };
  if (HAS_SOURCE_ACCESS) {
    const reviver: SourceReviver = function (key, value, context) {
      if (typeof value === "number" && context?.source !== undefined && this && typeof this === "object") record(texts, this, key, value, context.source);
      return value;
    };
    return {
      value: JSON.parse(text, reviver as (key: string, value: unknown) => unknown),
      numberText,
    };
  }
  // JSON.parse gives the value (and its own message for a bad line); the scan below only finds
  // the number texts, on the text JSON.parse accepted. It builds no strings: a string sliced
  // from the line would keep the whole line alive as long as the value lives.
  const value: unknown = JSON.parse(text);
  if (!/[0-9]/.test(text)) return { value, numberText };
  try {
    new Scanner(text, texts).document(value);
  } catch (e) {
    // Nesting deeper than this scanner's stack: numbers there read as JS prints them.
    if (!(e instanceof RangeError)) throw e;
  }
  return { value, numberText };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A recursive scan over text JSON.parse accepted, beside the value it made (`mirror`): each
 * number member is recorded on its holder in that value. For a repeated key JSON.parse keeps the
 * last one; the scan of the last occurrence visits every number of what was kept, so whatever an
 * earlier occurrence recorded there is overwritten (and a text on a non-number is never read).
 */
class Scanner {
  private i = 0;
  /** Position of the next backslash at or after the last search (-1: none left). */
  private backslash = -2;

  constructor(
    private readonly s: string,
    private readonly texts: Texts,
  ) {}

  document(value: unknown) {
    this.value(undefined, "", value);
  }

  private ws() {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }

  /** One value; `holder[key]` is `mirror` when the holder is part of the parsed value. */
  private value(holder: object | undefined, key: string, mirror: unknown) {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    const child = mirror && typeof mirror === "object" ? mirror : undefined;
    if (c === 0x7b) return this.object(child);
    if (c === 0x5b) return this.array(child);
    if (c === 0x22) return void this.skipString();
    if (c === 0x74 || c === 0x6e) return void (this.i += 4); // true, null
    if (c === 0x66) return void (this.i += 5); // false
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) throw new SyntaxError(`unexpected character at position ${this.i}`);
    this.i += m[0].length;
    if (holder && typeof mirror === "number") record(this.texts, holder, key, mirror, m[0]);
  }

  private object(mirror: object | undefined) {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) return void this.i++;
    for (;;) {
      this.ws();
      const start = this.i;
      const escaped = this.skipString();
      // Keys are short; only an escaped one needs decoding.
      const key = escaped ? (JSON.parse(this.s.slice(start, this.i)) as string) : this.s.slice(start + 1, this.i - 1);
      this.ws();
      this.i++; // ':'
      this.value(mirror, key, mirror ? (mirror as Record<string, unknown>)[key] : undefined);
      this.ws();
      if (this.s.charCodeAt(this.i++) === 0x7d) return; // '}', else ','
    }
  }

  private array(mirror: object | undefined) {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) return void this.i++;
    for (let k = 0; ; k++) {
      this.value(mirror, String(k), mirror ? (mirror as unknown[])[k] : undefined);
      this.ws();
      if (this.s.charCodeAt(this.i++) === 0x5d) return; // ']', else ','
    }
  }

  private backslashFrom(from: number): number {
    if (this.backslash !== -1 && this.backslash < from) this.backslash = this.s.indexOf("\\", from);
    return this.backslash;
  }

  /** Move past a string; whether it had escapes. */
  private skipString(): boolean {
    const s = this.s;
    const start = this.i;
    // Both searches only move forward (the next backslash is remembered across strings): linear
    // even for a long string full of escapes, or many short strings before a far backslash.
    let q = s.indexOf('"', start + 1);
    let b = this.backslashFrom(start + 1);
    const escaped = b !== -1 && b < q;
    while (b !== -1 && b < q) {
      const next = b + 2; // past the escaped character (an escaped quote is not the end)
      if (next > q) q = s.indexOf('"', next);
      b = this.backslashFrom(next);
    }
    this.i = q + 1;
    return escaped;
  }
}
