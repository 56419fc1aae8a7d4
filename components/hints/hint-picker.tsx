"use client";

import { useMemo } from "react";
import { selectPickerHints, useActions, useHintlab, useHintlabStore } from "@/lib/store";
import { useStore } from "zustand";
import { SweepHereButton } from "@/components/sweeps/sweep-here";
import { PAUSE_KEY_LABELS } from "@/components/playground/pause-keys";
import { HintTextEditor } from "./hint-editor";

// Lines of the hint editor until it is focused: the picker stays small beside the trace.
const COMPACT_EDITOR_PX = 84;
const FULL_EDITOR_PX = 220;

/**
 * Shown while paused: the Hint-Library for this problem's kind, an editor for the text, Inject.
 * The first nine hints carry their key (1–9), Inject its Enter (keys: use-pause-keys.ts).
 */
export function HintPicker() {
  const paused = useHintlab((s) => s.engine?.phase === "paused");
  const store = useHintlabStore();
  const hints = useStore(store, (s) => s.hints);
  const problem = useStore(store, (s) => s.problem);
  const picker = useMemo(() => selectPickerHints({ hints, problem }), [hints, problem]);
  const selected = useHintlab((s) => s.selectedHintId);
  const draft = useHintlab((s) => s.hintDraft);
  const error = useHintlab((s) => s.hintsError);
  const { selectHint, setHintDraft, injectHint } = useActions();
  if (!paused) return null;
  const valid = /```(python|py)[ \t]*\n?$/.test(draft);
  return (
    <section className="panel hint-picker" data-testid="hint-picker">
      <h3>Hint-Library · {problem.kind}</h3>
      {error && <p className="error">{error}</p>}
      <ul className="hint-options">
        {picker.map((h, i) => (
          <li key={h.id}>
            <button data-testid="hint-option" data-hint-id={h.id} className={h.id === selected ? "selected" : ""} onClick={() => selectHint(h.id)} title={h.text} aria-pressed={h.id === selected}>
              {i < 9 && <kbd>{i + 1}</kbd>}
              <strong>{h.title}</strong>
              {!h.builtIn && <span className="badge">yours</span>}
              <span className="muted small">{h.text.split("\n")[0]!.slice(0, 90)}</span>
            </button>
          </li>
        ))}
      </ul>
      <HintTextEditor value={draft} onChange={setHintDraft} testId="hint-editor" height={FULL_EDITOR_PX} compactHeight={COMPACT_EDITOR_PX} />
      <div className="row">
        <button data-testid="inject-button" className="primary" disabled={!draft.trim()} onClick={injectHint}>
          Inject hint <kbd>{PAUSE_KEY_LABELS.inject}</kbd>
        </button>
        <SweepHereButton />
        {!valid && draft.trim() && <span className="muted small">No opened ```python fence at the end: the model may not write code next.</span>}
      </div>
    </section>
  );
}
