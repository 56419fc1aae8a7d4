import { Fragment, type ReactNode } from "react";

/** One regex matching every configured trigger at ASCII word boundaries (same rule as the engine). */
export function triggerRegex(triggers: readonly string[]): RegExp | null {
  const parts: string[] = [];
  for (const t of triggers) {
    const re = /^\/(.+)\/[a-z]*$/s.exec(t);
    if (re) {
      parts.push(`(?:${re[1]})`);
      continue;
    }
    const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pre = /^[A-Za-z0-9_]/.test(t) ? "(?<![A-Za-z0-9_])" : "";
    const post = /[A-Za-z0-9_]$/.test(t) ? "(?![A-Za-z0-9_])" : "";
    parts.push(pre + escaped + post);
  }
  if (!parts.length) return null;
  try {
    return new RegExp(parts.join("|"), "g");
  } catch {
    return null;
  }
}

/** Each non-empty match of `re` in `text`, in order, as [start, end) (the exact and the rendered view mark the same). */
export function triggerMatches(text: string, re: RegExp): [number, number][] {
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

export function highlightTriggers(text: string, re: RegExp | null): ReactNode {
  if (!re) return text;
  const matches = triggerMatches(text, re);
  if (!matches.length) return text;
  const out: ReactNode[] = [];
  let last = 0;
  for (const [start, end] of matches) {
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <mark key={start} className="trigger" data-testid="trigger">
        {text.slice(start, end)}
      </mark>,
    );
    last = end;
  }
  if (last < text.length) out.push(text.slice(last));
  return <Fragment>{out}</Fragment>;
}
