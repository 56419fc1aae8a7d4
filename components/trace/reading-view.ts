"use client";

import { useCallback, useSyncExternalStore } from "react";

/**
 * Which view a trace is read in: "rendered" (Markdown and math) or "exact" (every character as
 * stored, whitespace and special tokens visible). Per trace, remembered in this browser
 * (localStorage: a reading preference, not data), rendered by default. The playground uses the key
 * "playground".
 */
export type ReadingView = "rendered" | "exact";

const PREFIX = "hintlab.view.";
const listeners = new Set<() => void>();
// This tab's choices, so a switch works even where storage is refused.
const chosen = new Map<string, ReadingView>();

function read(key: string): ReadingView {
  const mine = chosen.get(key);
  if (mine) return mine;
  try {
    return window.localStorage.getItem(PREFIX + key) === "exact" ? "exact" : "rendered";
  } catch {
    return "rendered"; // storage refused (private mode): the default
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => e.key?.startsWith(PREFIX) && listener();
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

export function useReadingView(key: string): [ReadingView, (view: ReadingView) => void] {
  const view = useSyncExternalStore(
    subscribe,
    () => read(key),
    () => "rendered" as const,
  );
  const set = useCallback(
    (next: ReadingView) => {
      chosen.set(key, next);
      try {
        if (next === "exact") window.localStorage.setItem(PREFIX + key, "exact");
        else window.localStorage.removeItem(PREFIX + key);
      } catch {
        // not remembered; this render still switches below
      }
      for (const l of listeners) l();
    },
    [key],
  );
  return [view, set];
}
