"use client";

import Link from "next/link";
import { useMemo } from "react";
import type { Trace } from "@/lib/protocol";
import { TraceView } from "@/components/trace/trace-view";
import { ForkTree } from "@/components/trace/fork-tree";
import { getFamily, getTrace, shortId, shortModel } from "./api";
import { ComparePrefix } from "./compare-prefix";
import { branchAfter, commonChars, summarizeBranch, type Branch, type BranchSummary } from "./compare-split";
import { CompareSummary } from "./compare-summary";
import { useFetched } from "./use-fetched";
import "./library.css";
import { MarkdownText } from "@/components/markdown/deferred";

function Side({ side, trace, branch, summary }: { side: "left" | "right"; trace: Trace; branch: Branch; summary: BranchSummary }) {
  return (
    <section className="compare-side" data-testid={`compare-${side}`} data-trace-id={trace.id}>
      <h3>
        <Link href={`/traces/${encodeURIComponent(trace.id)}`} title={trace.id}>
          {side === "left" ? "A" : "B"} · {shortId(trace.id)}
        </Link>{" "}
        <span className="muted small">
          {shortModel(trace.config.model)} · {trace.config.policy.type} · {trace.status}
        </span>
      </h3>
      <CompareSummary summary={summary} />
      {branch.segments.length ? (
        <TraceView segments={branch.segments} events={branch.events} triggers={trace.config.triggers} live={false} />
      ) : (
        <p className="muted">Nothing after the common point: this trace ends there.</p>
      )}
    </section>
  );
}

/**
 * Two branches side by side from the point where they part: the shared text once (collapsed),
 * then each continuation with its hints, tool calls, answer, verdict and length.
 */
export function CompareView({ a, b }: { a: string; b: string }) {
  const loaded = useFetched(`${a}\n${b}`, (_, signal) => Promise.all([getTrace(a, signal), getTrace(b, signal), getFamily(a, signal)]));
  // Slicing makes new segment objects; memoized so TraceView's per-segment memo holds across renders.
  const view = useMemo(() => {
    if (!loaded.data) return null;
    const [left, right, family] = loaded.data;
    const chars = commonChars(left, right, family);
    const sides = [left, right].map((trace) => {
      const branch = branchAfter(trace, chars);
      return { trace, branch, summary: summarizeBranch(trace, branch) };
    });
    return { left, chars, sides, related: family.some((t) => t.id === right.id) };
  }, [loaded.data]);

  if (loaded.error) {
    return (
      <div className="error-banner" role="alert">
        Could not load the traces: {loaded.error}
      </div>
    );
  }
  if (!view) return <p className="muted">Loading both traces…</p>;
  return (
    <div className="compare" data-testid="compare-view">
      <div className="small compare-problem">
        <span className="muted">Problem:</span> <MarkdownText inline text={view.left.problem.statement.slice(0, 300)} />
      </div>
      {!view.related && <p className="notice">These traces are not forks of one another: they are compared by their text alone.</p>}
      <ComparePrefix trace={view.left} chars={view.chars} />
      <div className="compare-columns">
        {view.sides.map((s, i) => (
          <Side key={s.trace.id + i} side={i === 0 ? "left" : "right"} {...s} />
        ))}
      </div>
      <details className="panel compare-family" open>
        <summary>Fork family (tick two to compare another pair)</summary>
        <ForkTree traceId={a} currentId={a} />
      </details>
    </div>
  );
}
