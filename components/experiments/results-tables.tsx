"use client";

import type { ExperimentSummary } from "@/lib/protocol";
import type { EndpointResult, HintResult, PolicyResult } from "@/lib/experiments/results";
import { SortHeader, useSort } from "./sortable-header";
import type { SortValue } from "./sort";
import { tracesHref } from "./traces-href";

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "—" : x.toLocaleString(undefined, { maximumFractionDigits: digits }));

// Columns in the order shown; existing e2e reads cells by position, so new columns go last.
const POLICY_COLUMNS = [
  ["policy", "Policy"],
  ["n", "n"],
  ["failed", "failed"],
  ["pass1", "pass@1"],
  ["ci95", "95% CI"],
  ["toolCallRate", "tool-call rate"],
  ["meanToolCalls", "mean tool calls"],
  ["meanTokens", "mean tokens"],
  ["meanTimeMs", "mean time"],
  ["ungradable", "ungradable"],
  ["graded", "correct / graded"],
  ["vsGreedy", "vs greedy (paired)"],
  ["passAtK", "pass@k"],
  ["codeFailures", "failed tests (code)"],
] as const;
type PolicyColumn = (typeof POLICY_COLUMNS)[number][0];

/** What a policy column sorts by: the interval by its lower bound (the cautious reading), counts by graded. */
function policyValue(r: PolicyResult, key: PolicyColumn): SortValue {
  if (key === "ci95") return r.ci95?.[0];
  if (key === "vsGreedy") return r.vsGreedy?.diff;
  if (key === "passAtK") return r.passAtK.at(-1)?.value;
  if (key === "codeFailures") return Object.values(r.codeFailures).reduce((a, b) => a + (b ?? 0), 0);
  return r[key];
}

export function PolicyTable({ rows, exp }: { rows: readonly PolicyResult[]; exp: Pick<ExperimentSummary, "id"> }) {
  const { sort, sorted, toggle } = useSort(rows, policyValue);
  return (
    <table className="table" data-testid="policy-results">
      <thead>
        <tr>
          {POLICY_COLUMNS.map(([key, label]) => (
            <SortHeader key={key} label={label} column={key} sort={sort} onSort={toggle} testIdPrefix="policy" />
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={row.policy} data-testid="policy-row" data-policy={row.policy}>
            <td>
              <a href={tracesHref(exp, { policy: row.policy })}>{row.policy}</a>
            </td>
            <td>{row.n}</td>
            <td>{row.failed ? <a href={tracesHref(exp, { policy: row.policy })}>{row.failed}</a> : 0}</td>
            <td>
              <a href={tracesHref(exp, { policy: row.policy, verdict: "correct" })}>{pct(row.pass1)}</a>
            </td>
            <td className="small" data-testid="policy-ci">
              {row.ci95 ? `${pct(row.ci95[0])} – ${pct(row.ci95[1])}` : "—"}
            </td>
            <td>{pct(row.toolCallRate)}</td>
            <td>{num(row.meanToolCalls, 2)}</td>
            <td>{num(row.meanTokens)}</td>
            <td>{row.meanTimeMs === null ? "—" : `${(row.meanTimeMs / 1000).toFixed(1)} s`}</td>
            <td>{row.ungradable ? <a href={tracesHref(exp, { policy: row.policy, verdict: "ungradable" })}>{row.ungradable}</a> : 0}</td>
            <td>{row.graded ? `${row.correct}/${row.graded}` : "—"}</td>
            <td className="small" data-testid="policy-vs-greedy">
              <VsGreedy v={row.vsGreedy} />
            </td>
            <td className="small" data-testid="policy-pass-at-k">
              {row.passAtK.length ? row.passAtK.map((p) => `@${p.k} ${pct(p.value)}`).join(" · ") : "—"}
            </td>
            <td className="small" data-testid="policy-code-failures">
              {FAILURE_LABELS.flatMap(([k, label]) => (row.codeFailures[k] ? [`${label} ${row.codeFailures[k]}`] : [])).join(" · ") || "—"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// "not run" (tests after the first failure, which grading skips) is left out: it says nothing of the program.
const FAILURE_LABELS = [
  ["wrong-answer", "wrong answer"],
  ["timeout", "timeout"],
  ["runtime-error", "runtime error"],
  ["output-limit", "output limit"],
] as const;

const signed = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : "±"}${(100 * Math.abs(x)).toFixed(1)}`;
const pValue = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);

/** The paired difference with greedy in points, its interval and test, e.g. "+12.5 pts [+3.1, +21.9], p = 0.03 (McNemar)". */
function VsGreedy({ v }: { v: PolicyResult["vsGreedy"] }) {
  if (!v) return <>—</>;
  const test = v.test === "mcnemar-exact" ? "McNemar exact" : "sign-flip test";
  return (
    <span title={`${v.pairs} paired samples on ${v.problems} problems; greedy wrong → right ${v.wrongToRight}, right → wrong ${v.rightToWrong}`}>
      {signed(v.diff)} pts [{signed(v.ci95[0])}, {signed(v.ci95[1])}], {pValue(v.pValue)} ({test})
    </span>
  );
}

const HINT_COLUMNS = [
  ["hint", "Hint"],
  ["injected", "injected"],
  ["ledToCode", "led to code"],
  ["correct", "correct"],
  ["wrongToRight", "wrong → right (vs greedy)"],
  ["rightToWrong", "right → wrong"],
  ["pairedWithGreedy", "paired with greedy"],
] as const;
type HintColumn = (typeof HINT_COLUMNS)[number][0];
const hintValue = (h: HintResult, key: HintColumn): SortValue => h[key];

export function HintTable({ rows, exp }: { rows: readonly HintResult[]; exp: Pick<ExperimentSummary, "id"> }) {
  const { sort, sorted, toggle } = useSort(rows, hintValue);
  return (
    <table className="table" data-testid="hint-results">
      <thead>
        <tr>
          {HINT_COLUMNS.map(([key, label]) => (
            <SortHeader key={key} label={label} column={key} sort={sort} onSort={toggle} testIdPrefix="hint" />
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((h) => (
          <tr key={h.hint} data-testid="hint-row">
            <td>
              <a href={tracesHref(exp, { hint: h.hint })}>{h.hint}</a>
            </td>
            <td>{h.injected}</td>
            <td>{h.ledToCode}</td>
            <td>{h.correct}</td>
            <td>{h.wrongToRight}</td>
            <td>{h.rightToWrong}</td>
            <td>{h.pairedWithGreedy}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Items per model server, when the run used several (issue 14); the URL is recorded without credentials. */
export function EndpointTable({ rows }: { rows: readonly EndpointResult[] }) {
  return (
    <table className="table" data-testid="endpoint-results">
      <thead>
        <tr>
          <th>Model server</th>
          <th>done</th>
          <th>failed</th>
          <th>mean tokens</th>
          <th>mean time</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((e) => (
          <tr key={e.endpoint} data-testid="endpoint-row">
            <td>
              <code>{e.endpoint}</code>
            </td>
            <td>{e.done}</td>
            <td>{e.failed}</td>
            <td>{num(e.meanTokens)}</td>
            <td>{e.meanTimeMs === null ? "—" : `${(e.meanTimeMs / 1000).toFixed(1)} s`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
