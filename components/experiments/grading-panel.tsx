import type { GradingInfo } from "@/lib/experiments/registry";

const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);

/**
 * Which grader (and version) gave the verdicts above — results of two experiments compare only
 * when graded alike — with the pass@1 each earlier grader gave, and a Regrade button that grades
 * the finished items again with this server's grader (the earlier verdicts are kept).
 */
export function GradingPanel({ grading, canRegrade, onRegrade }: { grading: GradingInfo; canRegrade: boolean; onRegrade: () => void }) {
  const job = grading.regrade;
  return (
    <section className="panel" data-testid="experiment-grading">
      <h3>Grading</h3>
      <p className="small">
        Graded by <strong data-testid="experiment-grader">{grading.current.length ? grading.current.join(" + ") : "— (nothing graded yet)"}</strong>
        {grading.current.length > 1 && <span className="error"> · mixed graders: regrade before comparing</span>}
      </p>
      {grading.earlier.length > 0 && (
        <table className="table small" data-testid="earlier-graders">
          <thead>
            <tr>
              <th>earlier grader</th>
              {grading.earlier[0]!.policies.map((p) => (
                <th key={p.policy}>{p.policy}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grading.earlier.map((g) => (
              <tr key={g.grader} data-testid="earlier-grader" data-grader={g.grader}>
                <td>{g.grader}</td>
                {g.policies.map((p) => (
                  <td key={p.policy}>
                    {pct(p.pass1)} <span className="muted">({p.graded} graded)</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        {canRegrade && !job?.running && (
          <button data-testid="regrade-experiment" onClick={onRegrade} title="Extract and grade every finished item again with this server's grader; the current verdicts are kept in the history">
            Regrade with this server&apos;s grader
          </button>
        )}
        {job && (
          <span className="small" data-testid="regrade-progress">
            {job.running ? "regrading" : "regraded"} {job.done}/{job.total} · {job.changed} verdicts changed · {job.skipped} already current
            {job.error && <span className="error"> · stopped: {job.error}</span>}
          </span>
        )}
      </div>
    </section>
  );
}
