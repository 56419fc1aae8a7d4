"use client";

import { HINTLAB_UNREACHABLE, useActions, useHintlab, type PauseMode, type PolicyMode } from "@/lib/store";
import { PAUSE_KEY_LABELS } from "./pause-keys";

const PAUSE_LABELS: Record<PauseMode, string> = {
  triggers: "at every trigger",
  end: "at the end of thinking",
  both: "at triggers and end of thinking",
  never: "never",
};

export function RunControls() {
  const phase = useHintlab((s) => s.engine?.phase ?? "idle");
  const hasProblem = useHintlab((s) => s.problem.statement.trim().length > 0);
  const pauseMode = useHintlab((s) => s.pauseMode);
  const policyMode = useHintlab((s) => s.policyMode);
  const rounds = useHintlab((s) => s.rounds);
  const budget = useHintlab((s) => s.budget);
  const triggers = useHintlab((s) => s.triggers);
  const toolTimeoutMs = useHintlab((s) => s.toolTimeoutMs);
  const { run, stop, setPauseMode, setPolicyMode, setRounds, setBudget, setTriggers, setToolLimits } = useActions();
  const active = phase === "generating" || phase === "executing" || phase === "paused";
  return (
    <section className="panel controls">
      <div className="row">
        <button data-testid="run-button" className="primary" disabled={!hasProblem || active} onClick={run}>
          Run
        </button>
        <button data-testid="stop-button" disabled={!active} onClick={stop}>
          Stop
        </button>
        <span className={`phase phase-${phase}`} data-testid="phase">
          {phase}
        </span>
      </div>
      <div className="row">
        <label>
          Policy
          <select data-testid="policy-mode" value={policyMode} disabled={active} onChange={(e) => setPolicyMode(e.target.value as PolicyMode)}>
            <option value="manual">manual (I pick hints)</option>
            <option value="paper">paper (auto hint at end of thinking)</option>
            <option value="greedy">greedy (no hints)</option>
            <option value="budget">budget forcing (s1: Wait until min, end at max)</option>
          </select>
        </label>
        {policyMode === "manual" && (
          <label>
            Pause
            <select data-testid="pause-mode" value={pauseMode} onChange={(e) => setPauseMode(e.target.value as PauseMode)}>
              {(Object.keys(PAUSE_LABELS) as PauseMode[]).map((m) => (
                <option key={m} value={m}>
                  {PAUSE_LABELS[m]}
                </option>
              ))}
            </select>
          </label>
        )}
        {policyMode === "paper" && (
          <label>
            Rounds
            <input type="number" min="0" max="16" value={rounds} disabled={active} onChange={(e) => setRounds(Math.max(0, Number(e.target.value) || 0))} />
          </label>
        )}
        {policyMode === "budget" && (
          <>
            <label title="Below this many thinking tokens an end of thinking is replaced by the word">
              Min thinking tokens
              <input data-testid="budget-min" type="number" min="0" step="1" value={budget.minThinking} disabled={active} onChange={(e) => setBudget({ minThinking: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
            </label>
            <label title="At this many thinking tokens the end of thinking is forced; empty: no cap">
              Max thinking tokens
              <input
                data-testid="budget-max"
                type="number"
                min="1"
                step="1"
                value={budget.maxThinking ?? ""}
                placeholder="no cap"
                disabled={active}
                onChange={(e) => {
                  const n = Math.floor(Number(e.target.value));
                  setBudget({ maxThinking: e.target.value.trim() && n >= 1 ? n : undefined });
                }}
              />
            </label>
            <label title="Appended where the model tried to end its thinking too early (s1: Wait)">
              Word
              <input data-testid="budget-word" value={budget.word} maxLength={40} disabled={active} onChange={(e) => setBudget({ word: e.target.value.replace(/[\r\n,:]/g, "") })} />
            </label>
          </>
        )}
        <label>
          Code time limit (s)
          <input
            data-testid="tool-timeout"
            type="number"
            min="0.1"
            step="0.5"
            defaultValue={toolTimeoutMs / 1000}
            disabled={active}
            onChange={(e) => {
              const seconds = Number(e.target.value);
              if (seconds > 0) setToolLimits({ toolTimeoutMs: Math.round(seconds * 1000) });
            }}
          />
        </label>
      </div>
      <label>
        Triggers <span className="muted small">(comma-separated; /regex/ allowed)</span>
        <input
          data-testid="triggers-input"
          defaultValue={triggers.join(", ")}
          disabled={active}
          onBlur={(e) =>
            setTriggers(
              e.target.value
                .split(",")
                .map((t) => t.trim())
                .filter(Boolean),
            )
          }
        />
      </label>
    </section>
  );
}

/** Why and where the run is paused, with the moves available and their keys (pause-keys.ts). */
export function PauseBanner() {
  const pause = useHintlab((s) => (s.engine?.phase === "paused" ? s.engine.pause : undefined));
  const { continueWithoutHint, step, stop } = useActions();
  if (!pause) return null;
  return (
    <div className="pause-banner" data-testid="pause-banner" role="status">
      <span>
        {pause.reason === "trigger" ? (
          <>
            Paused at trigger <strong>&ldquo;{pause.word}&rdquo;</strong>
          </>
        ) : pause.reason === "resume" ? (
          <>Reopened a saved trace: it goes on from its end</>
        ) : (
          <>
            Paused before the end of thinking (<code>{pause.word}</code>)
          </>
        )}{" "}
        at character {pause.offset.toLocaleString()}. Pick a hint to inject, or go on without one.
      </span>
      <span className="row">
        <button data-testid="continue-button" onClick={continueWithoutHint} title="Resume without a hint; pauses stay as configured">
          Continue without hint <kbd>{PAUSE_KEY_LABELS.continue}</kbd>
        </button>
        <button data-testid="step-button" onClick={step} title="Resume and pause at the next pause point of any kind">
          Step <kbd>{PAUSE_KEY_LABELS.step}</kbd>
        </button>
        <button data-testid="pause-stop-button" onClick={stop}>
          Stop <kbd>{PAUSE_KEY_LABELS.stop}</kbd>
        </button>
      </span>
    </div>
  );
}

/**
 * A model-server error, in the words the server side chose (what to fix), with retry; or the
 * hintlab server itself gone (crashed, restarted): the trace is kept as interrupted, not failed.
 */
export function ErrorBanner() {
  const error = useHintlab((s) => (s.engine?.phase === "failed" ? s.engine.error : undefined));
  const { continueWithoutHint } = useActions();
  if (!error) return null;
  const lostServer = error.code === HINTLAB_UNREACHABLE;
  return (
    <div className="error-banner" data-testid="error-banner" role="alert">
      <span>
        <strong>{lostServer ? "Lost the hintlab server; the trace is kept as interrupted." : `Model error (${error.code}).`}</strong> {error.message}
      </span>
      <button onClick={continueWithoutHint} data-testid="retry-button">
        Retry from here
      </button>
    </div>
  );
}
