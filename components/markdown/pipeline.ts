/**
 * The remark/rehype plugin lists of the rendered view, apart from React so tests run the same
 * pipeline (markdown.tsx explains the safety choices). Order matters: the sanitizer first, on
 * what Markdown produced; highlighting; our offset tags (after the sanitizer, which would have
 * nothing to judge in them); KaTeX last, inside the math wrappers the tags put around it.
 */
import type { PluggableList } from "unified";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import rehypeHighlight from "rehype-highlight";
import rehypeKatex from "rehype-katex";
import python from "highlight.js/lib/languages/python";
import bash from "highlight.js/lib/languages/bash";
import json from "highlight.js/lib/languages/json";
import { KATEX_OPTIONS } from "./katex-options";
import { rehypeSourceOffsets, remarkBareBoxed, remarkHtmlAsText, type SourceOffsetOptions } from "./source-offsets";

// Single-dollar math is on: math-source.ts has already turned currency dollars into a placeholder.
// Raw HTML becomes text before anything else sees it (source-offsets.ts).
export const REMARK: PluggableList = [remarkGfm, [remarkMath, { singleDollarTextMath: true }], remarkHtmlAsText, remarkBareBoxed];

const HIGHLIGHT = { languages: { python, bash, json }, aliases: { python: ["py"] }, detect: false, plainText: ["math", "output", "text", "plaintext"] };

export { KATEX_OPTIONS } from "./katex-options";

export function rehypeFor(offsets: SourceOffsetOptions): PluggableList {
  return [[rehypeSanitize, defaultSchema], [rehypeHighlight, HIGHLIGHT], rehypeSourceOffsets(offsets), [rehypeKatex, KATEX_OPTIONS]];
}
