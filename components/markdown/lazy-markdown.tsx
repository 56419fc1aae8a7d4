"use client";

import { startTransition, useEffect, useRef, useState } from "react";
import { ExactText, MarkdownBlock } from "./deferred";

/**
 * A block that renders as Markdown once it comes near the visible part of its scroller, and as
 * its exact text (cheap, same offsets tagged) until then. Opening a 160k-character trace then
 * parses only the paragraphs on screen, in a transition (React yields between blocks, so no long
 * task), and scrolling upgrades the next ones a screen ahead. `eager` renders Markdown at once
 * (the streaming tail, which is on screen anyway).
 */
export function LazyMarkdown({ text, base, triggers, eager }: { text: string; base: number; triggers: RegExp | null; eager?: boolean }) {
  const [near, setNear] = useState(false);
  const ref = useRef<HTMLSpanElement>(null);
  const show = eager || near;

  // External system: the block's visibility in its scroller.
  useEffect(() => {
    const el = ref.current;
    if (show || !el) return;
    return observeNear(el, () => startTransition(() => setNear(true)));
  }, [show]);

  if (show) return <MarkdownBlock text={text} base={base} triggers={triggers} />;
  return <ExactText ref={ref} text={text} base={base} triggers={triggers} />;
}

// One IntersectionObserver per scroller (the trace view scrolls itself, so the viewport would clip
// our margin away), looking a screen and a half ahead both ways.
const observers = new WeakMap<Element, IntersectionObserver>();
const callbacks = new WeakMap<Element, () => void>();

function observeNear(el: Element, onNear: () => void): () => void {
  const root = el.closest(".trace-view");
  if (typeof IntersectionObserver === "undefined") {
    onNear();
    return () => {};
  }
  const key = root ?? document.documentElement;
  let io = observers.get(key);
  if (!io) {
    io = new IntersectionObserver(
      (entries, observer) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          observer.unobserve(entry.target);
          callbacks.get(entry.target)?.();
          callbacks.delete(entry.target);
        }
      },
      { root, rootMargin: "150% 0px 150% 0px" },
    );
    observers.set(key, io);
  }
  callbacks.set(el, onNear);
  io.observe(el);
  return () => {
    io.unobserve(el);
    callbacks.delete(el);
  };
}
