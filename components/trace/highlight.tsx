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

export function highlightTriggers(text: string, re: RegExp | null): ReactNode {
  if (!re) return text;
  const out: ReactNode[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(
      <mark key={m.index} className="trigger" data-testid="trigger">
        {m[0]}
      </mark>,
    );
    last = m.index + m[0].length;
  }
  if (last === 0) return text;
  if (last < text.length) out.push(text.slice(last));
  return <Fragment>{out}</Fragment>;
}
