import type { ExperimentWorker } from "@/lib/protocol";

const STATE_LABEL: Record<ExperimentWorker["state"], string> = {
  working: "working",
  left: "finished",
  gone: "gone — its items were taken over",
};

/** Progress per `hintlab worker` process, for an experiment that several of them share. */
export function WorkersPanel({ workers }: { workers: ExperimentWorker[] }) {
  return (
    <section className="panel" data-testid="experiment-workers">
      <h3>Workers</h3>
      <table className="table small">
        <thead>
          <tr>
            <th>worker</th>
            <th>state</th>
            <th>running</th>
            <th>done</th>
            <th>failed</th>
            <th>concurrency</th>
            <th>joined</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.id} data-testid="experiment-worker" data-state={w.state}>
              <td title={w.id}>
                {w.host} · pid {w.pid}
              </td>
              <td className={`worker-${w.state}`}>{STATE_LABEL[w.state]}</td>
              <td>{w.running}</td>
              <td>{w.done}</td>
              <td>{w.failed}</td>
              <td>{w.concurrency}</td>
              <td>{new Date(w.joinedAt).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
