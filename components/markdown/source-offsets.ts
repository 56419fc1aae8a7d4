/**
 * The bridge between the rendered view and the exact characters: a rehype plugin that tags what
 * Markdown produced with the source offsets it came from, so a selection, a trigger, a find match
 * or an annotation maps between the two views (dom-offsets.ts reads the tags).
 *
 * Every text of the output is wrapped in `<span data-o data-e>` (offsets in the segment, i.e. the
 * block's base plus remark's position). `data-lin` says the span's characters are the source's
 * characters one for one (plain prose, code); without it the span is atomic (an escape, an entity,
 * rendered math) and a point inside it snaps to one of its ends. Triggers are marked here, inside
 * text, with the same `<mark class="trigger">` as the exact view.
 *
 * Runs after the sanitizer (it only adds attributes the sanitizer would not need to judge) and
 * before rehype-katex, whose output replaces the math element inside our wrapper.
 */
import type { Element, ElementContent, Root, RootContent, Text } from "hast";
import type { PhrasingContent, Root as MdastRoot, Text as MdastText } from "mdast";
import { triggerMatches } from "@/components/trace/highlight";
import { CURRENCY } from "./math-source";

export interface SourceOffsetOptions {
  /** The block's text after prepareMathSource (what remark parsed). */
  prepared: string;
  /** The block's original text (to tell `\[` display math from inline `$$`). */
  original: string;
  /** Offset of the block in its segment. */
  base: number;
  /** Trigger words to mark, as in the exact view (global regex), or null. */
  triggers: RegExp | null;
}

const CURRENCY_ALL = new RegExp(CURRENCY, "g");

function classes(el: Element): string[] {
  const c: unknown = el.properties?.className;
  return Array.isArray(c) ? c.map(String) : typeof c === "string" ? c.split(" ") : [];
}

function span(props: Record<string, string | number | boolean | string[]>, children: ElementContent[]): Element {
  return { type: "element", tagName: "span", properties: props, children };
}

/** A text's children with trigger words marked (the exact view's markup, the same matches). */
function markTriggers(value: string, re: RegExp | null): ElementContent[] {
  if (!re) return [{ type: "text", value }];
  const out: ElementContent[] = [];
  let last = 0;
  for (const [start, end] of triggerMatches(value, re)) {
    if (start > last) out.push({ type: "text", value: value.slice(last, start) });
    out.push({ type: "element", tagName: "mark", properties: { className: ["trigger"], dataTestid: "trigger" }, children: [{ type: "text", value: value.slice(start, end) }] });
    last = end;
  }
  if (last < value.length) out.push({ type: "text", value: value.slice(last) });
  return out;
}

/** Where `value` sits one for one in the source between start and end, if it does. */
function linearAt(prepared: string, value: string, start: number, end: number): number | undefined {
  if (end - start === value.length && prepared.slice(start, end) === value) return start;
  const i = prepared.indexOf(value, start);
  return i !== -1 && i + value.length <= end ? i : undefined;
}

export function rehypeSourceOffsets(options: SourceOffsetOptions) {
  const { prepared, original, base, triggers } = options;
  // A text without a position (the line breaks remark-rehype puts between blocks) stays bare:
  // dom-offsets.ts resolves a point there to the next tagged text.
  const wrapText = (t: Text): ElementContent => {
    const value = t.value.replace(CURRENCY_ALL, "$");
    const start = t.position?.start.offset;
    const end = t.position?.end.offset;
    if (start === undefined || end === undefined) return { type: "text", value };
    const at = linearAt(prepared, t.value, start, end);
    if (at === undefined) return span({ dataO: base + start, dataE: base + end }, [{ type: "text", value }]);
    return span({ dataO: base + at, dataE: base + at + value.length, dataLin: true }, markTriggers(value, triggers));
  };

  const visit = (parent: Root | Element) => {
    const kids = parent.children as RootContent[];
    for (let i = 0; i < kids.length; i++) {
      const node = kids[i]!;
      if (node.type === "text") {
        kids[i] = wrapText(node) as RootContent;
        continue;
      }
      if (node.type !== "element") continue;
      const start = node.position?.start.offset;
      const end = node.position?.end.offset;
      const cls = classes(node);
      const isMath = isMathElement(node);
      if (isMath && start !== undefined && end !== undefined) {
        // `\[…\]` reached remark as inline `$$…$$` (same length); show it as display math.
        if (original.startsWith("\\[", start) && node.tagName === "code") {
          node.properties = { ...node.properties, className: [...cls.filter((c) => c !== "math-inline"), "math-display"] };
        }
        kids[i] = span({ className: ["md-math"], dataO: base + start, dataE: base + end }, [node]) as RootContent;
        continue;
      }
      if (node.tagName === "pre" && start !== undefined && end !== undefined) {
        // A fenced block: its code, one for one, sits inside the fences. rehype-highlight has
        // already split it into coloured spans without positions; the whole <pre> maps linearly.
        const code = textOf(node);
        const at = linearAt(prepared, code, start, end);
        node.properties = at === undefined ? { ...node.properties, dataO: base + start, dataE: base + end } : { ...node.properties, dataO: base + at, dataE: base + at + code.length, dataLin: true };
        continue;
      }
      visit(node);
    }
  };
  return () => (tree: Root) => {
    visit(tree);
  };
}

/** Math as remark-math hands it over: `code.language-math`, or flow math's `<pre>` around one. */
function isMathElement(el: Element): boolean {
  const math = (e: Element) => {
    const c = classes(e);
    return c.includes("language-math") || c.includes("math-inline") || c.includes("math-display");
  };
  if (math(el)) return true;
  return el.tagName === "pre" && el.children.some((c) => c.type === "element" && c.tagName === "code" && math(c));
}

function textOf(node: Element | ElementContent): string {
  if (node.type === "text") return node.value;
  if (node.type !== "element") return "";
  return node.children.map(textOf).join("");
}

/** `\boxed{…}` with balanced braces starting at i; the end index, or -1. */
function boxedEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i + "\\boxed".length; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j + 1;
    else if (depth === 0 && c !== " ") return -1;
  }
  return -1;
}

/**
 * A remark plugin: `\boxed{…}` written in prose (R1 distills end with a bare `\boxed{42}` as
 * often as with `$\boxed{42}$`) becomes inline math, rendered by KaTeX like any other. Only in
 * text that maps one for one to its source, so offsets stay exact.
 */
export function remarkBareBoxed() {
  return (tree: MdastRoot) => {
    const walk = (node: { children?: unknown[] }) => {
      const kids = node.children as PhrasingContent[] | undefined;
      if (!kids) return;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i]!;
        if (k.type !== "text") {
          walk(k as { children?: unknown[] });
          continue;
        }
        const parts = splitBoxed(k);
        if (parts) {
          kids.splice(i, 1, ...parts);
          i += parts.length - 1;
        }
      }
    };
    walk(tree);
  };
}

function splitBoxed(t: MdastText): PhrasingContent[] | undefined {
  const s = t.position?.start.offset;
  const e = t.position?.end.offset;
  if (!t.value.includes("\\boxed") || s === undefined || e === undefined || e - s !== t.value.length) return undefined;
  const out: PhrasingContent[] = [];
  let last = 0;
  const at = (o: number) => ({ line: 1, column: 1, offset: s + o });
  for (let i = t.value.indexOf("\\boxed"); i !== -1; i = t.value.indexOf("\\boxed", i + 1)) {
    const end = boxedEnd(t.value, i);
    if (end === -1) continue;
    if (i > last) out.push({ type: "text", value: t.value.slice(last, i), position: { start: at(last), end: at(i) } });
    const value = t.value.slice(i, end);
    out.push({
      type: "inlineMath",
      value,
      position: { start: at(i), end: at(end) },
      data: { hName: "code", hProperties: { className: ["language-math", "math-inline"] }, hChildren: [{ type: "text", value }] },
    } as PhrasingContent);
    last = end;
    i = end - 1;
  }
  if (!out.length) return undefined;
  if (last < t.value.length) out.push({ type: "text", value: t.value.slice(last), position: { start: at(last), end: at(t.value.length) } });
  return out;
}

/**
 * A remark plugin: raw HTML in model text is shown as the characters it is, never as markup and
 * never dropped. Models write `</think>`, `<|im_end|>`, `<br>` and, if hostile, `<script>`; a
 * reader debugging hints must see every one of them (react-markdown would silently drop them).
 */
export function remarkHtmlAsText() {
  return (tree: MdastRoot) => {
    const walk = (node: { type: string; children?: unknown[] }, inPhrasing: boolean) => {
      const kids = node.children as { type: string; value?: string; position?: MdastText["position"]; children?: unknown[] }[] | undefined;
      if (!kids) return;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i]!;
        if (k.type === "html") {
          const text: MdastText = { type: "text", value: k.value ?? "", position: k.position };
          // Block HTML sits where a paragraph would: give it one.
          kids[i] = (inPhrasing ? text : { type: "paragraph", children: [text], position: k.position }) as (typeof kids)[number];
          continue;
        }
        walk(k as { type: string; children?: unknown[] }, inPhrasing || k.type === "paragraph" || k.type === "heading" || k.type === "tableCell");
      }
    };
    walk(tree, false);
  };
}
