"use client";

import { lazy, Suspense, type ReactNode } from "react";
import { highlightTriggers } from "@/components/trace/highlight";
import type { MarkdownBlockProps } from "./markdown";

/**
 * The rendered view's components, loaded on first use. The Markdown, math and highlighting
 * stack (remark, rehype, KaTeX, highlight.js: over half a megabyte of script) would otherwise be
 * evaluated with the page, one long task before any text shows. Until it has loaded, each block
 * shows its exact text with the same offset tags, so selections and find work throughout.
 */
const LazyMarkdownBlock = lazy(() => import("./markdown").then((m) => ({ default: m.MarkdownBlock })));
const LazyMarkdownText = lazy(() => import("./markdown").then((m) => ({ default: m.MarkdownText })));
const LazyPythonCode = lazy(() => import("./python-code").then((m) => ({ default: m.PythonCode })));

export function MarkdownBlock(props: MarkdownBlockProps): ReactNode {
  const base = props.base ?? 0;
  return (
    <Suspense
      fallback={
        <span className="md-pending" data-o={base} data-e={base + props.text.length} data-lin="">
          {highlightTriggers(props.text, props.triggers ?? null)}
        </span>
      }
    >
      <LazyMarkdownBlock {...props} />
    </Suspense>
  );
}

export function MarkdownText(props: { text: string; className?: string; inline?: boolean }): ReactNode {
  const Tag = props.inline ? "span" : "div";
  return (
    <Suspense fallback={<Tag className={props.className ? `md md-pending ${props.className}` : "md md-pending"}>{props.text}</Tag>}>
      <LazyMarkdownText {...props} />
    </Suspense>
  );
}

export function PythonCode({ code }: { code: string }): ReactNode {
  return (
    <Suspense fallback={code}>
      <LazyPythonCode code={code} />
    </Suspense>
  );
}
