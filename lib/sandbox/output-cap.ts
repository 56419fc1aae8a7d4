import type { ExecutionResult } from "@/lib/protocol";

// The page's own output cap. The Python runner already truncates (lib/sandbox/python-runner.ts)
// and these functions accept exactly what it produces; anything else the sandbox sends is cut
// here with the same markers, so a sandbox that lies cannot hand the model more than
// maxOutputChars (counted in characters, i.e. code points, as Python counts them).

const OUTPUT_MARKER = /\n… \[output truncated: \d+ more characters\]$/u;
const TRACEBACK_MARKER = /^… \[traceback truncated: \d+ characters\]\n/u;

const outputMarker = (n: number) => `\n… [output truncated: ${n} more characters]`;
const tracebackMarker = (n: number) => `… [traceback truncated: ${n} characters]\n`;

/** Number of code points, stopping early once it exceeds `limit`. */
function codePoints(text: string, limit = Infinity): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > limit) return n;
  }
  return n;
}

/** UTF-16 index just after the first `n` code points. */
function indexAfter(text: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < text.length; k++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** stdout/stderr: keep the first `max` characters, then the marker. */
export function capStream(text: string, max: number): { text: string; truncated: boolean } {
  const marker = OUTPUT_MARKER.exec(text);
  if (marker && codePoints(text.slice(0, marker.index), max) === max) return { text, truncated: true };
  if (text.length <= max || codePoints(text, max) <= max) return { text, truncated: false };
  const total = codePoints(text);
  return { text: text.slice(0, indexAfter(text, max)) + outputMarker(total - max), truncated: true };
}

/** A traceback: keep its last `max` characters (the exception is at the bottom), marker first. */
export function capTraceback(text: string, max: number): { text: string; truncated: boolean } {
  const marker = TRACEBACK_MARKER.exec(text);
  if (marker && codePoints(text.slice(marker[0].length), max) <= max) return { text, truncated: true };
  if (text.length <= max || codePoints(text, max) <= max) return { text, truncated: false };
  const total = codePoints(text);
  return { text: tracebackMarker(total - max) + text.slice(indexAfter(text, total - max)), truncated: true };
}

/**
 * What the page records from a sandbox's claimed result: output cut to `max`, `truncated` derived
 * from the text itself, `timedOut` left to the host (finishResult), the duration the page measured.
 */
export function capResult(claimed: ExecutionResult, max: number, durationMs: number): ExecutionResult {
  const stdout = capStream(claimed.stdout, max);
  const stderr = capStream(claimed.stderr, max);
  const error = claimed.error === undefined ? undefined : capTraceback(claimed.error, max);
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    ...(error ? { error: error.text } : {}),
    timedOut: false,
    truncated: stdout.truncated || stderr.truncated || Boolean(error?.truncated),
    durationMs,
  };
}
