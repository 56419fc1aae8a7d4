import type { ExperimentEndpoint } from "@/lib/protocol";

const STATE_LABEL: Record<ExperimentEndpoint["state"], string> = {
  up: "up",
  down: "down — health checks only",
  idle: "idle",
};

function nextCheck(at: number | null, now: number): string {
  if (at === null) return "";
  const s = Math.max(0, Math.round((at - now) / 1000));
  return ` · next check in ${s} s`;
}

/**
 * Live counters per model server of an experiment run over several (an endpoint pool), summed
 * over the app's run and every worker: what is in flight now, what each served, which one is out
 * and why. Refreshed with the page's poll.
 */
export function EndpointsPanel({ endpoints, now = Date.now() }: { endpoints: ExperimentEndpoint[]; now?: number }) {
  return (
    <section className="panel" data-testid="experiment-endpoints">
      <h3>Model servers</h3>
      <table className="table small">
        <thead>
          <tr>
            <th>server</th>
            <th>state</th>
            <th title="requests in flight now / cap per runner">in flight</th>
            <th>served</th>
            <th title="failed requests and health checks">failures</th>
            <th>last error</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((e) => (
            <tr key={e.url} data-testid="experiment-endpoint" data-state={e.state}>
              <td>{e.url}</td>
              <td className={e.state === "down" ? "error" : e.state === "idle" ? "muted" : undefined}>
                {STATE_LABEL[e.state]}
                {e.state === "down" ? nextCheck(e.nextProbeAt, now) : ""}
              </td>
              <td data-testid="endpoint-outstanding">
                {e.outstanding}
                {e.maxConcurrent !== null ? ` / ${e.maxConcurrent}` : ""}
              </td>
              <td data-testid="endpoint-served">{e.served}</td>
              <td>{e.failures}</td>
              <td className="muted" title={e.lastError ?? undefined}>
                {e.lastError ? (e.lastError.length > 80 ? `${e.lastError.slice(0, 80)}…` : e.lastError) : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
