"use client";

import { useMemo } from "react";
import katex from "katex";
import { KATEX_OPTIONS } from "./pipeline";

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
  // markup reaches the page unescaped.
  const html = useMemo(() => (TEX.test(text) ? katex.renderToString(text, { ...KATEX_OPTIONS, output: "html", displayMode: false }) : null), [text]);
  return (
    <span className="answer-view">
      {html && <span className="answer-math" dangerouslySetInnerHTML={{ __html: html }} />}
      <code data-testid={testId} className={html ? "answer answer-exact" : "answer"} title={html ? "the exact characters the grader compared" : undefined}>
        {text}
      </code>
    </span>
  );
}
