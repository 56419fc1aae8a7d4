import katex from "katex";
import { KATEX_OPTIONS } from "./katex-options";

/**
 * An answer (LaTeX without delimiters) as KaTeX's HTML, from KaTeX's own parser with trust off
 * (no \href, \url, \htmlData): nothing the model wrote reaches the page as markup. Its own module
 * so KaTeX loads only when an answer needs typesetting (answer-math.tsx).
 */
export function typesetAnswer(text: string): string {
  return katex.renderToString(text, { ...KATEX_OPTIONS, output: "html", displayMode: false });
}
