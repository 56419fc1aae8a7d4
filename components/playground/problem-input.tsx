"use client";

import { useEffect, useState } from "react";
import { ProblemSchema, type Problem, type ProblemKind } from "@/lib/protocol";
import { useActions, useHintlab } from "@/lib/store";
import { MarkdownText } from "@/components/markdown/deferred";

/** Problem text, kind and gold answer, or one of the bundled real benchmark problems. */
export function ProblemInput() {
  const problem = useHintlab((s) => s.problem);
  const running = useHintlab((s) => s.engine?.phase === "generating" || s.engine?.phase === "executing");
  const { setProblem, loadProblem } = useActions();
  const [bundled, setBundled] = useState<Problem[]>([]);

  // External system: the bundled problem file served from public/.
  useEffect(() => {
    fetch("/problems/bundled.json")
      .then((r) => r.json() as Promise<{ problems: unknown[] }>)
      .then((b) => setBundled(b.problems.map((p) => ProblemSchema.parse(p))))
      .catch(() => setBundled([]));
  }, []);

  return (
    <section className="panel problem">
      <div className="row">
        <label className="grow">
          Bundled problem
          <select
            data-testid="bundled-problem"
            value={problem.id ?? ""}
            onChange={(e) => {
              const p = bundled.find((b) => b.id === e.target.value);
              if (p) loadProblem(p);
            }}
          >
            <option value="">— pick a real benchmark problem —</option>
            {bundled.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id} · {p.statement.slice(0, 60)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <textarea
        data-testid="problem-input"
        placeholder="Type or paste a problem…"
        value={problem.statement}
        rows={6}
        disabled={running}
        onChange={(e) => setProblem({ statement: e.target.value, id: undefined, tests: undefined, starterCode: undefined })}
      />
      {/* How the model's reader sees it: math typeset (the box above keeps the exact characters). */}
      {/[$\\]/.test(problem.statement) && <MarkdownText className="problem-preview small" text={problem.statement} />}
      <div className="row">
        <label>
          Kind
          <select data-testid="problem-kind" value={problem.kind} onChange={(e) => setProblem({ kind: e.target.value as ProblemKind })}>
            <option value="math">math</option>
            <option value="code">code</option>
            <option value="free">free</option>
          </select>
        </label>
        <label className="grow">
          Gold answer
          <input data-testid="gold-input" value={problem.gold} placeholder="optional, e.g. 6.17" onChange={(e) => setProblem({ gold: e.target.value })} />
        </label>
      </div>
      {problem.tests?.length ? <p className="muted small">{problem.tests.length} sample test(s) fill the debug hint&apos;s {"{testcase}"} slot.</p> : null}
    </section>
  );
}
