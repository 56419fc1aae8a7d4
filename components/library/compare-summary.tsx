import type { BranchSummary } from "./compare-split";

/** One side's figures after the common point, next to its continuation. */
export function CompareSummary({ summary }: { summary: BranchSummary }) {
  const s = summary;
  return (
    <table className="compare-summary" data-testid="compare-summary">
      <tbody>
        <tr>
          <th>Hints after the fork</th>
          <td data-field="hints">{s.hints.length ? s.hints.join(", ") : <span className="muted">none</span>}</td>
        </tr>
        <tr>
          <th>Tool calls</th>
          <td data-field="tool-calls">
            {s.toolCallsAfter} after the fork <span className="muted">({s.toolCallsTotal} in all)</span>
          </td>
        </tr>
        <tr>
          <th>Answer</th>
          <td data-field="answer">{s.answer ?? <span className="muted">none</span>}</td>
        </tr>
        <tr>
          <th>Verdict</th>
          <td data-field="verdict">
            <span className={`verdict ${s.verdict ?? ""}`}>{s.verdict ?? "—"}</span>
          </td>
        </tr>
        <tr>
          <th>Length</th>
          <td data-field="length">
            {s.charsAfter.toLocaleString()} chars after the fork{" "}
            <span className="muted">
              ({s.charsTotal.toLocaleString()} chars, {s.tokens.toLocaleString()} tokens in all)
            </span>
          </td>
        </tr>
      </tbody>
    </table>
  );
}
