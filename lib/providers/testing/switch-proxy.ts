// A model server that can be switched off and on in a test (not shipped: only *.test.ts files
// import this): a plain HTTP proxy in front of a scripted server. Down, it cuts every stream in
// flight and answers 503 (models included, so health checks fail) while still recording each
// request — a test can then assert that nothing was sent to it.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxyRecord {
  method: string;
  path: string;
  at: number;
  /** The proxy was down when the request arrived (it was answered 503). */
  whileDown: boolean;
}

export interface SwitchProxy {
  baseUrl: string;
  records: ProxyRecord[];
  /** Completion requests recorded (chat or raw), whatever their answer. */
  completions(): ProxyRecord[];
  /** Completion streams open now, and the most ever open at once. */
  inFlight(): number;
  maxInFlight(): number;
  /** Streams cut by down(). */
  cut(): number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startSwitchProxy(targetBaseUrl: string): Promise<SwitchProxy> {
  const target = new URL(targetBaseUrl);
  const records: ProxyRecord[] = [];
  const open = new Set<http.ServerResponse>();
  let isDown = false;
  let max = 0;
  let cut = 0;
  const isCompletion = (path: string) => /\/completions$/.test(path.split("?")[0]!);

  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    records.push({ method: req.method ?? "GET", path, at: Date.now(), whileDown: isDown });
    if (isDown) {
      req.resume();
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ object: "error", message: "switched off by the test", type: "ServiceUnavailable", code: 503 }));
      return;
    }
    const completion = isCompletion(path);
    if (completion) {
      open.add(res);
      max = Math.max(max, open.size);
      res.on("close", () => open.delete(res));
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, "")}`,
    records,
    completions: () => records.filter((r) => isCompletion(r.path)),
    inFlight: () => open.size,
    maxInFlight: () => max,
    cut: () => cut,
    down() {
      isDown = true;
      for (const res of open) {
        cut++;
        res.destroy();
      }
    },
    up() {
      isDown = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
