/**
 * The keys of a pause, as a pure mapping from a key press and where the focus is to a command:
 * 1–9 pick the Nth hint of the picker, Enter injects the selected hint, c continues without one,
 * s steps, Esc stops. The playground binds it to the window while paused (use-pause-keys.ts).
 */
export type PauseCommand = { type: "pick"; index: number } | { type: "inject" } | { type: "continue" } | { type: "step" } | { type: "stop" };

/**
 * Where the key press lands:
 * - `typing`: an input, textarea, select, Monaco or contenteditable: its keys are text, never ours;
 * - `own-keys`: an element with keys of its own (a focused token of the trace view, a dialog);
 * - `button`: a focused button or link, whose Enter already activates it;
 * - `hint-option`: a focused hint of the picker, where Enter means "inject this one";
 * - `page`: anywhere else.
 */
export type KeyFocus = "typing" | "own-keys" | "button" | "hint-option" | "page";

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Held down: no command repeats (holding c would continue through every pause). */
  repeat?: boolean;
}

/** The shortcut shown on each control. */
export const PAUSE_KEY_LABELS = { inject: "Enter", continue: "c", step: "s", stop: "Esc" } as const;

export function pauseCommandOf(k: KeyPress, focus: KeyFocus): PauseCommand | null {
  if (k.ctrlKey || k.metaKey || k.altKey || k.repeat) return null;
  if (focus === "typing" || focus === "own-keys") return null;
  if (/^[1-9]$/.test(k.key)) return { type: "pick", index: Number(k.key) - 1 };
  switch (k.key) {
    case "Enter":
      return focus === "button" ? null : { type: "inject" };
    case "c":
    case "C":
      return { type: "continue" };
    case "s":
    case "S":
      return { type: "step" };
    case "Escape":
      return { type: "stop" };
    default:
      return null;
  }
}

/** The focus kind of a key event's target (DOM side of pauseCommandOf). */
export function keyFocusOf(target: EventTarget | null): KeyFocus {
  const el = target instanceof Element ? target : null;
  if (!el) return "page";
  if ((el as HTMLElement).isContentEditable || el.closest("input, textarea, select, .monaco-editor, [contenteditable]")) return "typing";
  if (el.closest("[data-tok], [role=dialog], .dialog")) return "own-keys";
  if (el.closest('[data-testid="hint-option"]')) return "hint-option";
  if (el.closest("button, a[href], summary")) return "button";
  return "page";
}
