"use client";

import { useEffect } from "react";
import { selectPickerHints, useActions, useHintlab, useHintlabStore } from "@/lib/store";
import { keyFocusOf, pauseCommandOf } from "./pause-keys";

/** The pause's keys (pause-keys.ts) on the window, while the run is paused. */
export function usePauseKeys(): void {
  const paused = useHintlab((s) => s.engine?.phase === "paused");
  const store = useHintlabStore();
  const actions = useActions();
  // External system: the keyboard.
  useEffect(() => {
    if (!paused) return;
    const onKey = (e: KeyboardEvent) => {
      // Handled already (a focused token of the trace view branches on 1–9).
      if (e.defaultPrevented) return;
      const command = pauseCommandOf(e, keyFocusOf(e.target));
      if (!command) return;
      e.preventDefault();
      switch (command.type) {
        case "pick": {
          const hint = selectPickerHints(store.getState())[command.index];
          if (!hint) return;
          actions.selectHint(hint.id);
          document.querySelector(`[data-testid="hint-option"][data-hint-id="${CSS.escape(hint.id)}"]`)?.scrollIntoView({ block: "nearest" });
          return;
        }
        case "inject":
          return actions.injectHint();
        case "continue":
          return actions.continueWithoutHint();
        case "step":
          return actions.step();
        case "stop":
          return actions.stop();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [paused, store, actions]);
}
