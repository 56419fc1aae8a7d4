import "server-only";
import { byteTokenText, clampLogprob, type TokenAlternative, type TokenLogprob } from "@/lib/protocol";

/**
 * Token probabilities as OpenAI-compatible servers stream them, read into hintlab's shape.
 *
 * Two shapes exist, and servers use either on either endpoint:
 *  - legacy completions (vLLM, SGLang, OpenAI): `{ tokens, token_logprobs, top_logprobs: [{token: lp}] }`
 *  - content list (chat everywhere; llama.cpp and newer vLLM on completions too):
 *    `{ content: [{ token, logprob, bytes?, top_logprobs: [{ token, logprob, bytes? }] }] }`
 * Byte-fallback tokens arrive as `bytes` arrays or as vLLM's `"bytes:\xe2\x80"` strings; the
 * chosen tokens' bytes go through one streaming UTF-8 decoder, so the token completing a
 * character carries it and the earlier ones carry "" (see lib/protocol/logprobs.ts).
 */

/** A token as the server reported it, its text decoded; not yet placed in the generated text. */
export interface ParsedToken {
  text: string;
  logprob: number;
  top: TokenAlternative[];
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** One stream's parser: it keeps the UTF-8 decoder state of the chosen tokens between chunks. */
export function createLogprobParser(maxTop: number) {
  const decoder = new TextDecoder();

  const chosenText = (token: unknown, bytes: unknown): string => {
    const raw = tokenBytes(token, bytes);
    if (raw) return decoder.decode(raw, { stream: true });
    return typeof token === "string" ? token : "";
  };
  const top = (entries: TokenAlternative[]) => entries.sort((a, b) => b.logprob - a.logprob).slice(0, maxTop);

  return {
    /** The tokens of one chunk's `choices[0].logprobs` (null or absent: none). */
    parse(logprobs: unknown): ParsedToken[] {
      if (!isRecord(logprobs)) return [];
      const out: ParsedToken[] = [];
      if (Array.isArray(logprobs.content)) {
        for (const entry of logprobs.content) {
          if (!isRecord(entry)) continue;
          const alternatives = Array.isArray(entry.top_logprobs) ? entry.top_logprobs.filter(isRecord) : [];
          out.push({
            text: chosenText(entry.token, entry.bytes),
            logprob: clampLogprob(toNumber(entry.logprob)),
            top: top(alternatives.map((a) => ({ text: alternativeText(a.token, a.bytes), logprob: clampLogprob(toNumber(a.logprob)) }))),
          });
        }
        return out;
      }
      const tokens = Array.isArray(logprobs.tokens) ? logprobs.tokens : [];
      const values = Array.isArray(logprobs.token_logprobs) ? logprobs.token_logprobs : [];
      const tops = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
      tokens.forEach((token, i) => {
        const alternatives = tops[i];
        out.push({
          text: chosenText(token, undefined),
          logprob: clampLogprob(toNumber(values[i])),
          top: isRecord(alternatives) ? top(Object.entries(alternatives).map(([t, lp]) => ({ text: alternativeText(t, undefined), logprob: clampLogprob(toNumber(lp)) }))) : [],
        });
      });
      return out;
    },
  };
}

const toNumber = (v: unknown): number => (typeof v === "number" ? v : Number.NaN);

const BYTES_PREFIX = /^bytes:((?:\\x[0-9a-fA-F]{2})+)$/;

/** The bytes of a token when the server gave them (a `bytes` array or vLLM's "bytes:\x.." form). */
function tokenBytes(token: unknown, bytes: unknown): Uint8Array | undefined {
  if (Array.isArray(bytes) && bytes.length > 0 && bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Uint8Array.from(bytes as number[]);
  if (typeof token === "string") {
    const m = BYTES_PREFIX.exec(token);
    if (m) return Uint8Array.from(m[1]!.slice(2).split("\\x"), (h) => parseInt(h, 16));
  }
  return undefined;
}

const fatal = new TextDecoder("utf-8", { fatal: true });

/** An alternative on its own: its text when its bytes are whole characters, else `<0xNN>` per byte. */
function alternativeText(token: unknown, bytes: unknown): string {
  const raw = tokenBytes(token, bytes);
  if (!raw) return typeof token === "string" ? token : "";
  try {
    return fatal.decode(raw);
  } catch {
    return Array.from(raw, byteTokenText).join("");
  }
}

/**
 * Places parsed tokens in a generation's yielded text. A token is reported once all of its text
 * has been yielded, so tokens of a stop string the server (or the client's stop scan) cut are
 * never reported; a token whose text does not match the text at its place (a reasoning parser
 * removed `</think>`, a server that sends raw BPE pieces) is dropped, and placement goes on with
 * the next one.
 */
export function createLogprobAligner() {
  let text = "";
  let cursor = 0;
  let queue: ParsedToken[] = [];
  return {
    /** Text about to be yielded. */
    pushText(chunk: string): void {
      text += chunk;
    },
    pushTokens(tokens: ParsedToken[]): void {
      if (tokens.length) queue = queue.concat(tokens);
    },
    /** Tokens whose text is now all in the yielded text, with `start` = offset in it. */
    drain(): TokenLogprob[] {
      const ready: TokenLogprob[] = [];
      let i = 0;
      for (; i < queue.length; i++) {
        const t = queue[i]!;
        if (cursor + t.text.length > text.length) break;
        if (!text.startsWith(t.text, cursor)) continue;
        ready.push({ start: cursor, text: t.text, logprob: t.logprob, top: t.top });
        cursor += t.text.length;
      }
      queue = queue.slice(i);
      return ready;
    },
  };
}
