"use client";

import { useEffect, useState } from "react";

/** Characters that make an answer worth typesetting (a bare number or word reads the same). */
const TEX = /[\\^_{}]/;

/**
 * A final answer as the grader saw it (the contents of `\boxed{}`, LaTeX without delimiters),
 * typeset with KaTeX, followed by its exact characters when they differ from plain text — the
 * grader compares those. `testId` stays on the exact text.
 */
export function AnswerMath({ answer, testId, max = 200 }: { answer: string; testId?: string; max?: number }) {
  const text = answer.slice(0, max);
  // KaTeX's own HTML from its own parser, with trust off (no \href, \url, \htmlData): no model
  // markup reaches the page unescaped. Loaded when needed: KaTeX is not part of a page's first load.
  const [typeset, setTypeset] = useState<{ text: string; html: string } | null>(null);
  const wanted = TEX.test(text);
  // External system: the KaTeX module, loaded on demand.
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    void import("./answer-typeset").then(({ typesetAnswer }) => {
      if (live) setTypeset({ text, html: typesetAnswer(text) });
    });
    return () => {
      live = false;
    };
  }, [text, wanted]);
  const html = wanted && typeset?.text === text ? typeset.html : null;
  return (
    <span className="answer-view">
      {html && <span className="answer-math" dangerouslySetInnerHTML={{ __html: html }} />}
      <code data-testid={testId} className={html ? "answer answer-exact" : "answer"} title={html ? "the exact characters the grader compared" : undefined}>
        {text}
      </code>
    </span>
  );
}
