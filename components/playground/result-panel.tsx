"use client";

import { useHintlab } from "@/lib/store";
import { AnswerMath } from "@/components/markdown/answer-math";

export function FinalAnswer() {
  const engine = useHintlab((s) => s.engine);
  const gold = useHintlab((s) => s.problem.gold);
  if (!engine || !(engine.phase === "finished" || engine.phase === "stopped")) return null;
  const graded = engine.events.some((e) => e.type === "answer-graded");
  if (!graded) return null;
  return (
    <div className="final" data-testid="final-answer-panel">
      <span>
        Final answer:{" "}
        {engine.answer !== undefined ? (
          <AnswerMath answer={engine.answer} testId="final-answer" />
        ) : (
          <code data-testid="final-answer" className="answer">
            (none found)
          </code>
        )}
      </span>
      {engine.verdict && engine.verdict !== "ungraded" ? (
        <span data-testid="verdict" className={`verdict ${engine.verdict}`}>
          {engine.verdict === "correct" ? "✓ correct" : engine.verdict === "ungradable" ? "? ungradable (too complex to compare)" : "✗ incorrect"} (gold: <AnswerMath answer={gold ?? ""} />)
        </span>
      ) : (
        <span data-testid="verdict" className="verdict ungraded">
          ungraded
        </span>
      )}
    </div>
  );
}

export function SandboxStatus() {
  const sandbox = useHintlab((s) => s.sandbox);
  return (
    <span className={`sandbox-status ${sandbox.state}`} data-testid="sandbox-status" title={sandbox.message}>
      Python: {sandbox.state === "ready" ? `ready (${Math.round(sandbox.loadMs ?? 0)} ms)` : sandbox.state === "failed" ? `unavailable — ${sandbox.message}` : "loading…"}
    </span>
  );
}

export function SaveStatusView() {
  const save = useHintlab((s) => s.save);
  const traceId = useHintlab((s) => s.traceId);
  if (!traceId) return null;
  const text =
    save.state === "saving"
      ? "saving…"
      : save.state === "saved"
        ? `saved ${save.at ? new Date(save.at).toLocaleTimeString() : ""}`
        : save.state === "error"
          ? `not saved: ${save.message}`
          : save.state === "lost"
            ? "not saving: another tab took this trace over"
            : "not saved yet";
  return (
    <span className={`save-status ${save.state}`} data-testid="save-status">
      <a href={`/traces/${encodeURIComponent(traceId)}`}>trace</a> · {text}
    </span>
  );
}
