import { readdirSync, readFileSync, existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { test, expect, type APIRequestContext } from "@playwright/test";
import { APP_PORT } from "../playwright.config";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { freePort, startExposedApp, type ExposedApp } from "./security/exposed-app";

// The web surface as an attacker on another site, another host or the LAN sees it: no session
// means 401 on every API route of an exposed server; roles limit what each account can do; a
// cross-site form or no-cors POST, a foreign Host (DNS rebinding), a URL for the server to call
// (SSRF), a path out of the models directory and an oversized body are all refused. Each check
// also shows the legitimate path still works.

test.describe.configure({ mode: "serial" });

let model: ScriptedServer; // answers only with the environment's key (401 otherwise)
let model2: ScriptedServer; // answers only with the key of the admin's "second" connection
let app: ExposedApp;
const PASSWORDS = { root: "root-password-123", rita: "rita-password-123", ann: "ann-password-1234", tess: "tess-password-123" };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  model = await startScriptedServer({ chunksPerSecond: 0, apiKey: "sk-exposed-secret" });
  model2 = await startScriptedServer({ chunksPerSecond: 0, apiKey: "sk-second-key" });
  app = await startExposedApp(model.url, "exposed");
  expect(app.users(["add", "root", "--role", "admin", "--password"], PASSWORDS.root).status).toBe(0);
  expect(app.users(["add", "rita", "--role", "researcher", "--password"], PASSWORDS.rita).status).toBe(0);
  expect(app.users(["add", "ann", "--role", "annotator", "--password"], PASSWORDS.ann).status).toBe(0);
  // tess is locked out by the rate-limit test; nobody else uses her account.
  expect(app.users(["add", "tess", "--role", "researcher", "--password"], PASSWORDS.tess).status).toBe(0);
});

test.afterAll(async () => {
  await app?.stop();
  await model?.close();
  await model2?.close();
});

/** Every method of every route file under app/api, with placeholder ids. */
function allRoutes(): { method: string; path: string }[] {
  const root = path.resolve("app/api");
  const out: { method: string; path: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts") {
        const url = "/api/" + path.relative(root, dir).split(path.sep).map((p) => p.replace(/^\[.+\]$/, "x")).join("/");
        for (const m of readFileSync(full, "utf8").matchAll(/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/g)) out.push({ method: m[1]!, path: url });
      }
    }
  };
  walk(root);
  return out;
}

/** Routes that answer without a session, by design. */
const PUBLIC = new Set(["GET /api/health", "POST /api/auth/signin", "POST /api/auth/signout"]);

async function signIn(request: APIRequestContext, name: keyof typeof PASSWORDS): Promise<void> {
  const res = await request.post(`${app.url}/api/auth/signin`, { data: { name, password: PASSWORDS[name] } });
  expect(res.status(), await res.text()).toBe(200);
}

/** A raw HTTP request with a Host header of our choosing (fetch will not let us set it). */
function rawRequest(port: number, options: { method?: string; path: string; host: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path, headers: { host: options.host, ...options.headers } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

test("an exposed server answers 401 on every API route without a session, and pages send you to sign in", async ({ request, page }) => {
  const routes = allRoutes();
  expect(routes.length).toBeGreaterThan(35);
  const open: string[] = [];
  for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    if (PUBLIC.has(key)) continue;
    const res = await request.fetch(`${app.url}${r.path}`, { method: r.method, headers: { "content-type": "application/json" }, data: r.method === "GET" ? undefined : "{}" });
    if (res.status() !== 401) open.push(`${key} → ${res.status()}`);
  }
  expect(open).toEqual([]);
  expect((await request.get(`${app.url}/api/health`)).status()).toBe(200);
  // Pages: straight to the sign-in form, no app shell.
  await page.goto(`${app.url}/traces`);
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByTestId("signin-form")).toBeVisible();
  // Legitimate path: signing in with the form opens the app as that user.
  await page.getByTestId("signin-name").fill("ann");
  await page.getByTestId("signin-password").fill(PASSWORDS.ann);
  await page.getByTestId("signin-submit").click();
  await expect(page.getByTestId("user-name")).toHaveText("ann");
  await page.goto(`${app.url}/traces`);
  await expect(page.getByTestId("trace-list")).toBeVisible();
});

test("sessions: HttpOnly SameSite cookie, wrong passwords rate-limited, sign-out ends the session", async ({ playwright }) => {
  const request = await playwright.request.newContext();
  const wrong = await request.post(`${app.url}/api/auth/signin`, { data: { name: "tess", password: "not-her-password" } });
  expect(wrong.status()).toBe(401);
  expect((await wrong.json()).error.message).toBe("wrong name or password");
  // An unknown name gets the same answer (no account discovery).
  expect((await (await request.post(`${app.url}/api/auth/signin`, { data: { name: "nobody", password: "x" } })).json()).error.message).toBe("wrong name or password");
  for (let i = 0; i < 4; i++) await request.post(`${app.url}/api/auth/signin`, { data: { name: "tess", password: `guess-${i}` } });
  const limited = await request.post(`${app.url}/api/auth/signin`, { data: { name: "tess", password: PASSWORDS.tess } });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  // Another account is not locked by tess's failures.
  const ok = await request.post(`${app.url}/api/auth/signin`, { data: { name: "root", password: PASSWORDS.root } });
  expect(ok.status()).toBe(200);
  const cookie = ok.headers()["set-cookie"] ?? "";
  expect(cookie).toMatch(/^hintlab_session=[A-Za-z0-9_-]{43};/);
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Lax");
  expect(cookie).not.toContain("Secure"); // plain http here; Secure is set behind https (x-forwarded-proto)
  expect((await (await request.get(`${app.url}/api/auth/me`)).json()).user).toMatchObject({ name: "root", role: "admin" });
  const token = /hintlab_session=([^;]+)/.exec(cookie)![1]!;
  expect((await request.post(`${app.url}/api/auth/signout`)).status()).toBe(204);
  // The old cookie is dead on the server, not only forgotten by the browser.
  // A request context of its own (not the test process's fetch, whose pooled keep-alive socket can
  // be closed by the server just as it is reused: "fetch failed", seen once in CI).
  const stranger = await playwright.request.newContext();
  const replay = await stranger.get(`${app.url}/api/traces`, { headers: { cookie: `hintlab_session=${token}` } });
  expect(replay.status()).toBe(401);
  await stranger.dispose();
  const https = await request.post(`${app.url}/api/auth/signin`, { data: { name: "root", password: PASSWORDS.root }, headers: { "x-forwarded-proto": "https" } });
  expect(https.headers()["set-cookie"]).toContain("Secure");
  await request.dispose();
});

test("a one-time sign-in link from `hintlab users add` signs in once, then is spent", async ({ page }) => {
  const added = app.users(["add", "lena", "--role", "annotator"]);
  expect(added.status, added.stderr).toBe(0);
  const { link } = JSON.parse(added.stdout) as { link: string };
  expect(link).toMatch(new RegExp(`^${app.url}/signin\\?token=`));
  await page.goto(link);
  // Opening the link does not spend it (previews and prefetchers open links too): pressing the button does.
  await page.getByTestId("signin-link-button").click();
  await expect(page.getByTestId("user-name")).toHaveText("lena");
  const second = await page.context().browser()!.newContext();
  const other = await second.newPage();
  await other.goto(link);
  await other.getByTestId("signin-link-button").click();
  await expect(other.getByTestId("signin-error")).toContainText("unknown, used or expired");
  await second.close();
});

test("roles: an annotator reads, annotates and reviews as themself, but cannot run, delete, export or change hints", async ({ playwright }) => {
  const researcher = await playwright.request.newContext();
  await signIn(researcher, "rita");
  // The researcher imports a real R1-distill trace for the annotator to work on.
  const line = readFileSync("e2e/fixtures/data/r1-distill-math-40.jsonl", "utf8").split("\n")[0]!;
  const imported = await researcher.post(`${app.url}/api/traces/import?dataset=sec`, { data: line, headers: { "content-type": "application/x-ndjson" } });
  expect(imported.status(), await imported.text()).toBe(200);
  const listed = (await (await researcher.get(`${app.url}/api/traces?dataset=sec`)).json()) as { items: { id: string }[] };
  const traceId = encodeURIComponent(listed.items[0]!.id);
  expect((await researcher.get(`${app.url}/api/export?format=segments`)).status()).toBe(200);

  const ann = await playwright.request.newContext();
  await signIn(ann, "ann");
  const trace = await (await ann.get(`${app.url}/api/traces/${traceId}`)).json();
  const annotated = await ann.post(`${app.url}/api/traces/${traceId}/annotations`, {
    data: { baseVersion: trace.version, author: "someone-else", annotation: { segment: 1, start: 0, end: 20, label: "repetitive" } },
  });
  expect(annotated.status(), await annotated.text()).toBe(201);
  const after = await (await ann.get(`${app.url}/api/traces/${traceId}`)).json();
  expect(after.annotations[0].author).toBe("ann"); // the account, not the typed name
  expect((await ann.put(`${app.url}/api/traces/${traceId}/review`, { data: { baseVersion: after.version, status: "accepted" } })).status()).toBe(200);
  expect((await (await ann.get(`${app.url}/api/traces/${traceId}`)).json()).review).toMatchObject({ status: "accepted", author: "ann" });

  const forbidden = [
    await ann.post(`${app.url}/api/generate`, { data: { request: { prompt: "x", userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 } } }),
    await ann.delete(`${app.url}/api/traces/${traceId}`),
    await ann.get(`${app.url}/api/export?format=segments`),
    await ann.put(`${app.url}/api/hints`, { data: { hints: [] } }),
    await ann.post(`${app.url}/api/traces/${traceId}/fork`, { data: { segment: 1, offset: 5 } }),
    await ann.post(`${app.url}/api/local-model/download`, { data: {} }),
    await ann.post(`${app.url}/api/connections`, { data: { name: "x", baseUrl: "http://127.0.0.1:1/v1" } }),
    await ann.get(`${app.url}/api/users`),
    // Live writing is running: an annotator can neither take a trace's lease nor append to it.
    await ann.post(`${app.url}/api/traces/${traceId}/lease`, { data: { takeOver: true } }),
    await ann.patch(`${app.url}/api/traces/${traceId}/live`, { data: { lease: "x".repeat(32), seq: 1, segments: [], events: [] } }),
    // Sweeps run the model: starting, cancelling or resuming one needs a researcher.
    await ann.post(`${app.url}/api/sweeps`, { data: { spec: { type: "hints", traceId: listed.items[0]!.id, at: { segment: 1, offset: 5 }, arms: [{ kind: "none" }], samples: 1 } } }),
    await ann.post(`${app.url}/api/sweeps/x/cancel`),
    await ann.post(`${app.url}/api/sweeps/x/resume`),
    // Regrading an experiment rewrites its verdicts and runs code: a researcher's, like a run.
    await ann.post(`${app.url}/api/experiments/x/regrade`),
  ];
  expect(forbidden.map((r) => r.status())).toEqual(Array(forbidden.length).fill(403));
  expect(model.requests.length).toBe(0); // the annotator's generate never reached the model server
  expect((await ann.get(`${app.url}/api/traces/${traceId}`)).status()).toBe(200); // not deleted

  // A researcher cannot manage accounts, connections or the Hint-Library either.
  expect((await researcher.put(`${app.url}/api/hints`, { data: { hints: [] } })).status()).toBe(403);
  expect((await researcher.post(`${app.url}/api/users`, { data: { name: "mallory", role: "admin" } })).status()).toBe(403);
  expect((await researcher.post(`${app.url}/api/connections`, { data: { name: "x", baseUrl: "http://127.0.0.1:1/v1" } })).status()).toBe(403);
  // The researcher's own runs work: generate streams from the configured server with its key.
  const gen = await researcher.post(`${app.url}/api/generate`, { data: { request: { prompt: "x", userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 } } });
  expect(gen.status()).toBe(200);
  expect(await gen.text()).toContain('"type":"done"'); // the server sent its key: the model server answers only with it
  await researcher.dispose();
  await ann.dispose();
});

test("no SSRF: the browser cannot give the server a URL to call; only an admin adds connections, and keys never come back", async ({ playwright }) => {
  const listener = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("internal secret page");
  });
  const hits: string[] = [];
  const port = await freePort();
  await new Promise<void>((resolve) => listener.listen(port, "127.0.0.1", resolve));
  try {
    const rita = await playwright.request.newContext();
    await signIn(rita, "rita");
    const ssrf = await rita.post(`${app.url}/api/generate`, {
      data: { request: { prompt: "x", userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 }, settings: { baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" } },
    });
    expect(ssrf.status()).toBe(400);
    expect((await ssrf.json()).error.message).toMatch(/cannot choose a base URL/);
    const exp = await rita.post(`${app.url}/api/experiments`, { data: { datasetId: "d", policies: ["greedy"], model: { baseUrl: `http://127.0.0.1:${port}/v1` } } });
    expect(exp.status()).toBe(400);
    const sweep = await rita.post(`${app.url}/api/sweeps`, {
      data: { spec: { type: "hints", traceId: "t", at: { pause: 0 }, arms: [{ kind: "none" }], samples: 1 }, settings: { baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" } },
    });
    expect(sweep.status()).toBe(400);
    expect((await sweep.json()).error.message).toMatch(/cannot choose a base URL/);
    expect((await rita.get(`${app.url}/api/models?connection=http://127.0.0.1:${port}/v1`)).status()).toBe(200);
    expect(hits).toEqual([]);

    // Legitimate path: the admin adds the server; the researcher chooses it by id; the key stays on the server.
    const root = await playwright.request.newContext();
    await signIn(root, "root");
    const added = await root.post(`${app.url}/api/connections`, { data: { name: "second", baseUrl: `${model2.url}/v1`, model: "scripted-r1", apiKey: "sk-second-key" } });
    expect(added.status()).toBe(201);
    const { id } = (await added.json()) as { id: string };
    const listed = await (await rita.get(`${app.url}/api/connections`)).text();
    expect(listed).toContain('"hasApiKey":true');
    expect(listed).not.toContain("sk-second-key");
    expect(listed).not.toContain("sk-exposed-secret");
    const gen = await rita.post(`${app.url}/api/generate`, { data: { request: { prompt: "x", userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 }, settings: { connection: id } } });
    expect(await gen.text()).toContain('"type":"done"'); // model2 answers only with the connection's own key
    expect(model2.requests.length).toBeGreaterThan(0);
    await rita.dispose();
    await root.dispose();
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
});

test("model references cannot leave the models directory; downloads need a researcher", async ({ playwright }) => {
  const rita = await playwright.request.newContext();
  await signIn(rita, "rita");
  for (const ref of ["hf:../../x/y.gguf", "hf:..%2f/x/y.gguf", "../../etc/passwd", "/etc/passwd", "hf:owner/repo@../../x/y.gguf"]) {
    const status = await rita.get(`${app.url}/api/local-model?ref=${encodeURIComponent(ref)}`);
    expect(status.status(), ref).toBe(400);
    const download = await rita.post(`${app.url}/api/local-model/download`, { data: { ref } });
    expect(download.status(), ref).toBe(400);
    expect((await download.json()).error.message, ref).toMatch(/not a valid Hugging Face URI|refused|may not be absolute|not a local model/);
  }
  expect(existsSync(path.join(app.dataDir, "x"))).toBe(false);
  expect(existsSync("test-results/e2e-security/x")).toBe(false);
  // A legitimate reference resolves (and is simply not downloaded yet).
  const fine = await rita.get(`${app.url}/api/local-model?ref=${encodeURIComponent("hf:owner/repo/model.gguf")}`);
  expect(fine.status()).toBe(200);
  await rita.dispose();
});

test("bodies over the limit are refused with 413, declared or chunked; normal bodies pass", async ({ playwright }) => {
  const rita = await playwright.request.newContext();
  await signIn(rita, "rita");
  const huge = JSON.stringify({ request: { prompt: "x".repeat(9 * 1024 * 1024), userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 } });
  const declared = await rita.post(`${app.url}/api/generate`, { data: huge, headers: { "content-type": "application/json" } });
  expect(declared.status()).toBe(413);
  expect((await declared.json()).error.code).toBe("payload-too-large");
  // Without a Content-Length (chunked), the server stops reading once the limit is passed.
  const cookie = (await rita.storageState()).cookies.find((c) => c.name === "hintlab_session")!.value;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      // 12 MB in 1 MB pieces, never announced: the request goes out chunked.
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"id":"'));
      if (sent >= 12) return controller.close();
      sent++;
      controller.enqueue(new Uint8Array(1024 * 1024).fill(120));
    },
  });
  const chunked = await fetch(`${app.url}/api/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: `hintlab_session=${cookie}` },
    body,
    duplex: "half",
    signal: AbortSignal.timeout(30_000),
  } as RequestInit).then(
    (r) => r.status,
    (e: Error) => {
      if (e.name === "TimeoutError") throw e; // a server that hangs is not one that refuses
      return -1; // the server may also close the connection as it refuses
    },
  );
  expect([413, -1]).toContain(chunked);
  const small = await rita.post(`${app.url}/api/generate`, { data: { request: { prompt: "x", userMessage: "x", assistantPrefill: "", stop: [], maxTokens: 5 } } });
  expect(small.status()).toBe(200);
  await rita.dispose();
});

test("a foreign Host header (DNS rebinding) is refused on pages and API; our own names pass", async () => {
  for (const port of [APP_PORT, app.port]) {
    const page = await rawRequest(port, { path: "/", host: `rebind.attacker.example:${port}` });
    expect(page.status).toBe(403);
    const api = await rawRequest(port, { path: "/api/traces", host: `rebind.attacker.example:${port}` });
    expect(api.status).toBe(403);
    expect(api.body).toContain("HINTLAB_ALLOWED_HOSTS");
    const del = await rawRequest(port, { method: "DELETE", path: "/api/traces/any-trace", host: "attacker.example" });
    expect(del.status).toBe(403);
    expect((await rawRequest(port, { path: "/api/health", host: `localhost:${port}` })).status).toBe(200);
  }
  // The loopback app (signed in automatically) still serves its own names.
  expect((await rawRequest(APP_PORT, { path: "/api/traces", host: `127.0.0.1:${APP_PORT}` })).status).toBe(200);
});

test("no cross-site writes: a plain HTML form or a no-cors fetch on another site cannot import, start or delete on the loopback app", async ({ page, request }) => {
  // The loopback app signs its local user in by itself: exactly the case a cross-site form used to exploit.
  const appUrl = `http://127.0.0.1:${APP_PORT}`;
  const listed = (await (await request.get(`${appUrl}/api/traces?limit=500`)).json()) as { total: number; items: { id: string }[] };
  const before = listed.total;
  const victim = encodeURIComponent(listed.items[0]?.id ?? "no-trace");
  const evilPort = await freePort();
  const line = JSON.stringify({ prompt: "planted by evil", completion: "\\boxed{1}" });
  const evil = http.createServer((req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><body>
      <form id="f1" method="POST" action="${appUrl}/api/traces/import" enctype="text/plain" target="sink1"><input name='${line.slice(0, -1)}' value='"}'></form>
      <form id="f2" method="POST" action="${appUrl}/api/traces/import" enctype="multipart/form-data" target="sink2"><textarea name="file">${line}</textarea></form>
      <iframe name="sink1"></iframe><iframe name="sink2"></iframe>
      <script>
        document.getElementById("f1").submit();
        document.getElementById("f2").submit();
        // A page that knows a trace id tries to steal its live lease (and so stop the user's run).
        fetch("${appUrl}/api/traces/${victim}/lease", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: '{"takeOver":true}' }).catch(() => {});
        const sweep = fetch("${appUrl}/api/sweeps", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: '{"spec":{"type":"hints","traceId":"t","at":{"pause":0},"arms":[{"kind":"none"}]}}' }).catch(() => undefined);
        const cancel = fetch("${appUrl}/api/sweeps/x/cancel", { method: "POST", mode: "no-cors" }).catch(() => undefined);
        Promise.all([sweep, cancel, fetch("${appUrl}/api/traces/import", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: ${JSON.stringify(line)} })]).finally(() => { document.title = "sent"; });
      </script></body>`);
  });
  await new Promise<void>((resolve) => evil.listen(evilPort, "127.0.0.1", resolve));
  const seen: number[] = [];
  page.on("response", (r) => {
    if (r.url().startsWith(`${appUrl}/api/`)) seen.push(r.status());
  });
  try {
    await page.goto(`http://localhost:${evilPort}/`);
    await expect(page).toHaveTitle("sent");
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(seen.every((s) => s === 403)).toBe(true);
    const after = (await (await request.get(`${appUrl}/api/traces?q=planted&limit=5`)).json()) as { total: number };
    expect(after.total).toBe(0);
    expect((await (await request.get(`${appUrl}/api/traces?limit=500`)).json()).total).toBe(before);
    expect(((await (await request.get(`${appUrl}/api/experiments`)).json()) as { kind: string }[]).filter((x) => x.kind === "sweep")).toEqual([]);
  } finally {
    await new Promise((resolve) => evil.close(resolve));
  }
  // Legitimate path: the app's own page still imports (same-origin fetch with the JSON-lines type).
  await page.goto(`${appUrl}/traces`);
  const status = await page.evaluate(async (body) => (await fetch("/api/traces/import?dataset=sec-own", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })).status, line.replace("planted by evil", `own import ${Date.now()}`)); // imports are deduplicated by content: a new line each run
  expect(status).toBe(200);
});

test("npm start binds to loopback only; HINTLAB_HOST=0.0.0.0 binds every interface", async () => {
  // /proc/net/tcp lists listening sockets with their local address (hex, little-endian IPv4).
  const listening = (port: number) =>
    readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === "0A" && f[1]?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, "0")}`))
      .map((f) => f[1]!.split(":")[0]);
  expect(listening(APP_PORT)).toEqual(["0100007F"]); // 127.0.0.1
  expect(listening(app.port)).toEqual(["00000000"]); // 0.0.0.0
});
