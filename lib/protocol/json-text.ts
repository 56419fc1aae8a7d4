/**
 * JSON.parse that also keeps the text each number was written as, so a gold answer such as
 * `12345678901234567891`, `0.1000000000000000055511151231257827` or `1e400` can be stored as
 * written instead of as the nearest double (12345678901234567000, 0.1, Infinity).
 *
 * Node 21+ has this natively (JSON.parse source text access: the reviver's third argument,
 * `context.source`); Node 20, which package.json still supports, does not, so there a small
 * parser walks the (already validated) text. Everything that is not a number parses exactly as
 * JSON.parse would: the value is JSON.parse's, only the number texts come on the side.
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
  m.set(key, text);
};

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
  // Validate first: a bad line gets JSON.parse's own message, and the walk below may assume JSON.
  const plain: unknown = JSON.parse(text);
  if (!/[0-9]/.test(text)) return { value: plain, numberText };
  try {
    return { value: new Walker(text, texts).document(), numberText };
  } catch (e) {
    // Nesting deeper than this parser's stack: the values are JSON.parse's, without number texts.
    if (e instanceof RangeError)
      return {
        value: plain,
        numberText: (holder, key) => {
          const v = holder && typeof holder === "object" ? (holder as Record<string, unknown>)[key] : undefined;
          return typeof v === "number" ? String(v) : undefined;
        },
      };
    throw e;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A recursive walk over text JSON.parse accepted: builds the same value and records number texts. */
class Walker {
  private i = 0;
  private lastNumber = "";
  /** Position of the next backslash at or after the last search (-1: none left). */
  private backslash = -2;

  constructor(
    private readonly s: string,
    private readonly texts: Texts,
  ) {}

  document(): unknown {
    return this.value();
  }

  private ws() {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }

  private value(): unknown {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x74) return ((this.i += 4), true);
    if (c === 0x66) return ((this.i += 5), false);
    if (c === 0x6e) return ((this.i += 4), null);
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) throw new SyntaxError(`unexpected character at position ${this.i}`);
    this.i += m[0].length;
    this.lastNumber = m[0];
    return Number(m[0]);
  }

  private member(holder: Record<string, unknown> | unknown[], key: string) {
    const v = this.value();
    // JSON.parse makes "__proto__" an own property; an assignment would set the prototype.
    if (key === "__proto__")
      Object.defineProperty(holder, key, {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    else (holder as Record<string, unknown>)[key] = v;
    // A repeated key: the last one wins, as in JSON.parse (`record` also forgets an earlier text).
    if (typeof v === "number") record(this.texts, holder, key, v, this.lastNumber);
  }

  private object(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) return (this.i++, obj);
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.i++; // ':'
      this.member(obj, key);
      this.ws();
      if (this.s.charCodeAt(this.i++) === 0x7d) return obj; // '}', else ','
    }
  }

  private array(): unknown[] {
    const arr: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) return (this.i++, arr);
    for (;;) {
      this.member(arr, String(arr.length));
      this.ws();
      if (this.s.charCodeAt(this.i++) === 0x5d) return arr; // ']', else ','
    }
  }

  private backslashFrom(from: number): number {
    if (this.backslash !== -1 && this.backslash < from) this.backslash = this.s.indexOf("\\", from);
    return this.backslash;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    // Both searches only move forward (the next backslash is remembered across strings): linear
    // even for a long string full of escapes, or many short strings before a far backslash.
    let q = s.indexOf('"', start + 1);
    let b = this.backslashFrom(start + 1);
    const escaped = b !== -1 && b < q;
    while (b !== -1 && b < q) {
      const next = b + 2; // the escaped character (an escaped quote is not the end)
      if (next > q) q = s.indexOf('"', next);
      b = this.backslashFrom(next);
    }
    this.i = q + 1;
    return escaped ? (JSON.parse(s.slice(start, q + 1)) as string) : s.slice(start + 1, q);
  }
}
