#!/usr/bin/env node
// Streaming-view benchmark: how much main-thread work the playground spends per streamed chunk,
// early vs. late in a long trace, and whether any task blocks the page for more than 50 ms.
//
//   node bench/streaming.mjs [appURL]      appURL default $HINTLAB_URL; without either, the app
//                                           is started here (node scripts/start.mjs, builds if
//                                           needed; HINTLAB_DIST_DIR is honoured)
//   BENCH_CPS=2000 chunks per second of the scripted server; BENCH_RUNS=3 runs (median reported);
//   BENCH_PROFILE=1 adds a JS CPU profile; BENCH_CSS='rules' adds style rules (try a layout idea);
//   BENCH_VIEW=exact measures the exact view instead of the rendered one (Markdown and math)
//
// The scripted model server (e2e/fixtures, a replay of real recorded traces, not a model) runs in
// its own process and streams the longest fixture trace; the page is pointed at it through Model
// settings, so an attached app needs no particular configuration. Pause mode "never".
//
// Method: Chrome tracing (devtools.timeline) records every main-thread task of the page
// (RunTask); a fetch wrapper injected before load marks each network read of /api/generate with
// the number of NDJSON frames it carried (one frame = one model chunk). The stream is cut by time
// into its first 20% and last 20%; main-thread busy time in each, divided by the chunks that
// arrived in it, is the cost per chunk. A PerformanceObserver('longtask') counts tasks > 50 ms.
// Targets: no task over 50 ms; late/early cost per chunk <= 1.5.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freePort, ROOT, startApp, waitFor } from "./lib/app.mjs";
const CPS = Number(process.env.BENCH_CPS ?? 2000);
// BENCH_LONG=7: the scripted model repeats the recorded thinking 7 times ([[long:N]] in the
// problem), so the stream is a 160k-character trace (the issue's target); 1 streams it as recorded.
const LONG = Math.max(1, Math.min(99, Number(process.env.BENCH_LONG ?? 7)));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const EDGE = 0.2;

// The longest completion among the fixture traces; its problem text selects it in the scripted
// server (correct traces first, so pasting the problem replays exactly this one).
function longestTrace() {
  const traces = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const ordered = [...traces.filter((t) => t.is_correct), ...traces.filter((t) => !t.is_correct)];
  const longest = traces.reduce((a, b) => (b.completion.length > a.completion.length ? b : a));
  const replayed = ordered.find((t) => t.problem.trim() === longest.problem.trim());
  const problem = LONG > 1 ? `${longest.problem} [[long:${LONG}]]` : longest.problem;
  const thinking = longest.completion.indexOf("</think>");
  const chars = LONG > 1 && thinking !== -1 ? thinking * LONG + longest.completion.length - thinking : longest.completion.length;
  return { ...longest, problem, chars, replayedId: replayed.id };
}

/**
 * The scripted server in its own process (as playwright.config.ts runs it): in this process its
 * timers would share an event loop with the browser's trace stream and release chunks in bursts.
 * `--log` prints one line per finished request, which gives the characters streamed.
 */
async function startModelServer() {
  const port = await freePort();
  const lines = [];
  let log = "";
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "e2e/fixtures/run-scripted-server.ts", "--port", String(port), "--chunks-per-second", String(CPS), "--log"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let pending = "";
  child.stdout.on("data", (d) => {
    pending += d;
    const parts = pending.split("\n");
    pending = parts.pop();
    lines.push(...parts);
  });
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/v1/models`, child, 30, () => log);
  return {
    baseUrl: `${url}/v1`,
    model: "scripted-r1",
    lines,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

/** Start the built app on a free port, pointed at the bench's scripted server. */
function startBenchApp(modelBaseUrl) {
  return startApp({
    HINTLAB_BASE_URL: modelBaseUrl,
    HINTLAB_MODEL: "scripted-r1",
    HINTLAB_TEMPLATE: "deepseek-r1",
    HINTLAB_DATA_DIR: path.join(ROOT, "bench/out/data"),
  });
}

// Injected before the page's own scripts.
function instrumentPage() {
  const w = window;
  w.__bench = { longtasks: [], reads: 0, frames: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  const originalFetch = w.fetch.bind(w);
  w.fetch = async (input, init) => {
    const response = await originalFetch(input, init);
    const url = typeof input === "string" ? input : input.url;
    if (!url.includes("/api/generate") || !response.body) return response;
    // Count frames (NDJSON lines) per network read and mark the read on the trace's clock.
    const counted = response.body.pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          let frames = 0;
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) frames++;
          w.__bench.reads++;
          w.__bench.firstRead ??= performance.now();
          w.__bench.lastRead = performance.now();
          w.__bench.frames += frames;
          performance.mark("hl-net", { detail: frames });
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function analyse(traceJson) {
  const events = JSON.parse(traceJson).traceEvents ?? JSON.parse(traceJson);
  const marks = events.filter((e) => e.name === "hl-net" && e.cat?.includes("user_timing"));
  if (!marks.length) throw new Error("no network reads of /api/generate were marked in the trace");
  const { pid, tid } = marks[0];
  // user timing events carry their detail as JSON in args.data on recent Chrome
  const framesOf = (m) => {
    const d = m.args?.data?.detail ?? m.args?.detail;
    const n = typeof d === "string" ? Number(JSON.parse(d)) : Number(d);
    return Number.isFinite(n) ? n : 1;
  };
  const reads = marks.filter((m) => m.pid === pid).map((m) => ({ ts: m.ts, frames: framesOf(m) })).sort((a, b) => a.ts - b.ts);
  const tasks = events
    .filter((e) => e.ph === "X" && e.name === "RunTask" && e.pid === pid && e.tid === tid && e.dur !== undefined)
    .map((e) => ({ start: e.ts, end: e.ts + e.dur, dur: e.dur, cpu: e.tdur ?? e.dur }));
  const hasCpu = tasks.some((t) => t.cpu !== t.dur);
  const t0 = reads[0].ts;
  const t1 = reads[reads.length - 1].ts;
  const span = t1 - t0;
  // Cost = the main thread's CPU time (trace "tdur"), not wall time: on a loaded machine a task
  // descheduled half-way would otherwise count the other processes' time as ours.
  const clipped = (t, a, b) => {
    const overlap = Math.max(0, Math.min(b, t.end) - Math.max(a, t.start));
    return t.dur ? (overlap / t.dur) * (t.cpu ?? t.dur) : 0;
  };
  const busyIn = (a, b) => tasks.reduce((sum, t) => sum + clipped(t, a, b), 0);
  const bucket = (a, b) => {
    const inside = reads.filter((r) => r.ts >= a && r.ts < b);
    const frames = inside.reduce((s, r) => s + r.frames, 0);
    const busyMs = busyIn(a, b) / 1000;
    return { frames, reads: inside.length, busyMs, perChunk: frames ? busyMs / frames : NaN, perRead: inside.length ? busyMs / inside.length : NaN, durationMs: (b - a) / 1000 };
  };
  const early = bucket(t0, t0 + EDGE * span);
  const late = bucket(t1 - EDGE * span, t1 + 1);
  const deciles = Array.from({ length: 10 }, (_, i) => bucket(t0 + (i / 10) * span, i === 9 ? t1 + 1 : t0 + ((i + 1) / 10) * span));
  // Where the time goes: the timeline's own event kinds (script, style, layout, paint…), early vs late,
  // per chunk. Nested events of the same kind are counted once (outermost only).
  const KINDS = { FunctionCall: "script", EvaluateScript: "script", RunMicrotasks: "script", TimerFire: "script", FireAnimationFrame: "script", "v8.run": "script", UpdateLayoutTree: "style", Layout: "layout", PrePaint: "paint", Paint: "paint", Layerize: "paint", UpdateLayer: "paint", CompositeLayers: "paint", ScrollLayer: "paint", HitTest: "other", ParseHTML: "other", GCEvent: "gc", MinorGC: "gc", MajorGC: "gc", "V8.GC_SCAVENGER": "gc" };
  const timeline = events
    .filter((e) => e.ph === "X" && e.pid === pid && e.tid === tid && KINDS[e.name] && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts);
  const outer = [];
  const openEnds = {};
  for (const e of timeline) {
    const kind = KINDS[e.name];
    if ((openEnds[kind] ?? -1) > e.ts) continue;
    openEnds[kind] = e.ts + e.dur;
    outer.push({ kind, start: e.ts, end: e.ts + e.dur, dur: e.dur, cpu: e.tdur ?? e.dur });
  }
  const breakdown = (a, b, frames) => {
    const out = {};
    for (const e of outer) {
      const d = clipped(e, a, b);
      if (d) out[e.kind] = (out[e.kind] ?? 0) + d / 1000;
    }
    for (const k of Object.keys(out)) out[k] = out[k] / Math.max(1, frames);
    return out;
  };
  if (process.env.BENCH_DETAIL) {
    // Every complete event on the main thread, by name (nested ones included), early vs late.
    const names = {};
    for (const e of events) {
      if (e.ph !== "X" || e.pid !== pid || e.tid !== tid || e.dur === undefined) continue;
      const t = { start: e.ts, end: e.ts + e.dur, dur: e.dur, cpu: e.tdur ?? e.dur };
      const n = (names[e.name] ??= [0, 0]);
      n[0] += clipped(t, t0, t0 + EDGE * span) / 1000 / Math.max(1, early.frames);
      n[1] += clipped(t, t1 - EDGE * span, t1 + 1) / 1000 / Math.max(1, late.frames);
    }
    console.log("\nmain-thread events, ms per chunk first 20% -> last 20% (nested events counted in each):");
    for (const [name, [a, b]] of Object.entries(names).sort((x, y) => y[1][1] - x[1][1]).slice(0, 25)) {
      console.log(`  ${name.padEnd(40)} ${a.toFixed(4)} -> ${b.toFixed(4)}`);
    }
  }
  early.kinds = breakdown(t0, t0 + EDGE * span, early.frames);
  late.kinds = breakdown(t1 - EDGE * span, t1 + 1, late.frames);
  const during = tasks.filter((t) => t.end > t0 && t.start < t1);
  const maxTaskMs = Math.max(0, ...during.map((t) => t.dur / 1000));
  const maxTaskCpuMs = Math.max(0, ...during.map((t) => t.cpu / 1000));
  return { window: [t0, t1], early, late, deciles, reads: reads.length, frames: reads.reduce((s, r) => s + r.frames, 0), streamMs: span / 1000, maxTaskMs, maxTaskCpuMs, hasCpu, tasksOver50: during.filter((t) => t.dur > 50_000).length, busyMs: busyIn(t0, t1) / 1000 };
}

async function measureOnce(browser, appUrl, model, trace) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(instrumentPage);
  // BENCH_VIEW=exact measures the exact view; the rendered view (Markdown and math) is the default.
  if (process.env.BENCH_VIEW === "exact") await context.addInitScript(() => localStorage.setItem("hintlab.view.playground", "exact"));
  // BENCH_CSS='…': extra style rules, to try a layout change without a rebuild.
  if (process.env.BENCH_CSS) {
    await context.addInitScript((css) => {
      document.addEventListener("DOMContentLoaded", () => {
        const style = document.createElement("style");
        style.textContent = css;
        document.head.append(style);
      });
    }, process.env.BENCH_CSS);
  }
  const page = await context.newPage();
  try {
    await page.goto(appUrl);
    await page.getByTestId("sandbox-status").getByText("ready").waitFor({ timeout: 60_000 });
    // Point the page at this bench's scripted server, whatever the app was started with: a saved
    // connection (admins add them; the app signs in as admin on loopback), chosen in Model settings.
    const name = `bench ${model.baseUrl}`;
    const created = await page.request.post(`${appUrl}/api/connections`, { data: { name, baseUrl: model.baseUrl, model: model.model, template: "deepseek-r1" } });
    let id = created.status() === 201 ? (await created.json()).id : undefined;
    if (!id) id = (await (await page.request.get(`${appUrl}/api/connections`)).json()).connections.find((c) => c.name === name)?.id;
    if (!id) throw new Error(`could not add the connection: ${created.status()} ${await created.text()}`);
    const settings = page.getByTestId("model-settings");
    if ((await settings.getAttribute("open")) === null) await settings.locator("summary").click();
    await page.getByTestId("connection").locator(`option[value="${id}"]`).waitFor({ state: "attached" });
    await page.getByTestId("connection").selectOption(id);
    // Room for the whole trace (the scripted model streams about one token per chunk).
    await page.getByTestId("max-tokens").fill(String(Math.ceil(trace.chars / 2)));
    await page.getByTestId("problem-input").fill(trace.problem);
    await page.getByTestId("pause-mode").selectOption("never");
    await page.waitForTimeout(500); // let the page settle: measure streaming, not start-up

    const before = model.lines.length;
    // BENCH_PROFILE=1: also a JS CPU profile, to say which functions the late chunks cost.
    const cdp = process.env.BENCH_PROFILE ? await context.newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      await cdp.send("Profiler.start");
    }
    await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing"] });
    const started = Date.now();
    await page.getByTestId("run-button").click();
    await page.getByTestId("final-answer").waitFor({ timeout: 300_000 });
    const wallMs = Date.now() - started;
    const traceBuffer = await browser.stopTracing();
    const analysed = analyse(traceBuffer.toString("utf8"));
    // The profile and the trace share Chrome's monotonic clock (microseconds).
    if (cdp) printProfile((await cdp.send("Profiler.stop")).profile, analysed.window);
    // Long tasks of the streaming itself (page start-up is not what is measured here).
    const bench = await page.evaluate(() => {
      const b = window.__bench;
      return { ...b, longtasks: b.longtasks.filter((t) => t.start + t.duration > b.firstRead && t.start < b.lastRead) };
    });
    // "POST /v1/completions 200 continue 24430 chars finish=stop": one line per finished request.
    const completions = () => model.lines.slice(before).filter((l) => /^POST \S*\/completions /.test(l));
    for (let i = 0; i < 20 && completions().length === 0; i++) await new Promise((r) => setTimeout(r, 250));
    const requests = completions();
    const chars = requests.reduce((sum, l) => sum + Number(/ (\d+) chars/.exec(l)?.[1] ?? 0), 0);
    const shownChars = (await page.getByTestId("trace-view").innerText()).length;
    return { ...analysed, longtasks: bench.longtasks, pageFrames: bench.frames, wallMs, chars, requests: requests.length, shownChars };
  } finally {
    await context.close();
  }
}

/** Self time by function in the first and last 20% of the profile (BENCH_PROFILE=1). */
function printProfile(profile, [t0, t1]) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const times = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const span = t1 - t0;
  const top = (from, to) => {
    const self = new Map();
    profile.samples.forEach((id, i) => {
      if (times[i] < from || times[i] >= to) return;
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + 1);
    });
    return [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  };
  for (const [label, from, to] of [["first 20%", t0, t0 + EDGE * span], ["last 20%", t1 - EDGE * span, t1 + 1]]) {
    console.log(`\nCPU profile, ${label} of the stream (samples of 0.1 ms, self time; profile ${profile.startTime}..${profile.endTime}, stream ${t0}..${t1}):`);
    for (const [key, n] of top(from, to)) console.log(`  ${String(n).padStart(6)}  ${key}`);
  }
}

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

async function main() {
  const model = await startModelServer();
  const trace = longestTrace();
  let app;
  const attachUrl = process.argv[2] ?? process.env.HINTLAB_URL;
  const { chromium } = await import("@playwright/test");
  let browser;
  try {
    app = attachUrl ? { url: attachUrl.replace(/\/$/, ""), stop: async () => {} } : await startBenchApp(model.baseUrl);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const results = [];
    // One unmeasured run first: the app server's first requests (route modules, database) would
    // otherwise stall the stream and deliver its start in a few large bursts.
    await measureOnce(browser, app.url, model, trace);
    for (let i = 0; i < RUNS; i++) results.push(await measureOnce(browser, app.url, model, trace));
    report(results, trace, app.url);
  } finally {
    await browser?.close();
    await app?.stop();
    await model.close();
  }
}

function median(xs) {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function report(results, trace, appUrl) {
  console.log(`\nStreaming view (app ${appUrl}, scripted server at ${CPS} chunks/s, Chromium ${process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"}, ${new Date().toISOString()})`);
  console.log(`trace: ${trace.id} (${trace.chars.toLocaleString()} chars${LONG > 1 ? `: its thinking ${LONG} times` : ""}; replayed: ${trace.replayedId}), pause mode "never", ${process.env.BENCH_VIEW === "exact" ? "exact" : "rendered"} view`);
  console.log(`main-thread cost = ${results.every((r) => r.hasCpu) ? "CPU time of its tasks (trace tdur)" : "wall time of its tasks"}; long tasks in wall time\n`);
  const ratio = (r) => r.late.perChunk / r.early.perChunk;
  const kind = (r, k, side) => r[side].kinds[k] ?? 0;
  const otherKinds = (r, side) => r[side].perChunk - ["script", "layout", "paint", "style", "gc"].reduce((sum, k) => sum + kind(r, k, side), 0);
  // [label, value(r), format, target]
  const metrics = [
    ["chunks received (NDJSON frames)", (r) => r.frames, (x) => x.toLocaleString()],
    ["network reads of the stream", (r) => r.reads, (x) => x.toLocaleString()],
    ["model requests", (r) => r.requests, String],
    ["characters streamed", (r) => r.chars, (x) => x.toLocaleString()],
    ["stream time, first to last chunk (ms)", (r) => r.streamMs, (x) => fmt(x, 0)],
    ["Run click to final answer (ms)", (r) => r.wallMs, (x) => fmt(x, 0)],
    ["main thread busy while streaming (ms)", (r) => r.busyMs, (x) => fmt(x, 0)],
    ["max main-thread task (ms, wall)", (r) => r.maxTaskMs, (x) => fmt(x), "<= 50"],
    ["max main-thread task (ms, CPU)", (r) => r.maxTaskCpuMs, (x) => fmt(x)],
    ["tasks > 50 ms (trace, wall)", (r) => r.tasksOver50, String, "0"],
    ["longtask entries while streaming", (r) => r.longtasks.length, String, "0"],
    ["longest longtask entry (ms)", (r) => Math.max(0, ...r.longtasks.map((t) => t.duration)), (x) => (x ? fmt(x) : "none")],
    ["chunks in first 20% / last 20%", (r) => `${r.early.frames} / ${r.late.frames}`, String],
    ["network reads in first 20% / last 20%", (r) => `${r.early.reads} / ${r.late.reads}`, String],
    ["ms per chunk, first 20%", (r) => r.early.perChunk, (x) => fmt(x, 3)],
    ["ms per chunk, last 20%", (r) => r.late.perChunk, (x) => fmt(x, 3)],
    ["late / early", ratio, (x) => fmt(x, 2), "<= 1.5"],
    // Each network read is one engine step and (at most) one React commit: its cost is mostly
    // per read, so fewer chunks per read raises the cost per chunk without the trace being slower.
    ["chunks per network read, first 20% / last 20%", (r) => `${fmt(r.early.frames / r.early.reads)} / ${fmt(r.late.frames / r.late.reads)}`, String],
    ["ms per network read, first 20%", (r) => r.early.perRead, (x) => fmt(x, 2)],
    ["ms per network read, last 20%", (r) => r.late.perRead, (x) => fmt(x, 2)],
    ["late / early, per network read", (r) => r.late.perRead / r.early.perRead, (x) => fmt(x, 2)],
    ...["script", "layout", "paint", "style", "gc"].flatMap((k) => [
      [`  ${k}: ms per chunk, first 20%`, (r) => kind(r, k, "early"), (x) => fmt(x, 3)],
      [`  ${k}: ms per chunk, last 20%`, (r) => kind(r, k, "late"), (x) => fmt(x, 3)],
    ]),
    ["  other (tasks' own overhead, IPC…), first 20%", (r) => otherKinds(r, "early"), (x) => fmt(x, 3)],
    ["  other, last 20%", (r) => otherKinds(r, "late"), (x) => fmt(x, 3)],
  ];
  const header = ["metric", ...results.map((_, i) => `run ${i + 1}`), ...(results.length > 1 ? ["median"] : []), "target"];
  const rows = metrics.map(([label, value, format, target = ""]) => {
    const values = results.map(value);
    const cells = values.map((v) => format(v));
    // rows of two figures ("a / b") have no median
    const med = values.some((v) => typeof v === "string") ? "" : format(median(values));
    return [label, ...cells, ...(results.length > 1 ? [med] : []), target];
  });
  const deciles = results.map((r) => r.deciles.map((d) => fmt(d.perChunk, 2)).join(" "));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log("\nms per chunk by tenth of the stream:");
  deciles.forEach((d, i) => console.log(`  run ${i + 1}: ${d}`));
  const worstTask = Math.max(...results.map((r) => r.maxTaskMs));
  const medianRatio = median(results.map(ratio));
  const failed = worstTask > 50 || medianRatio > 1.5;
  const perRead = median(results.map((r) => r.late.perRead / r.early.perRead));
  console.log(
    `\n${failed ? "TARGETS MISSED" : "targets met"}: longest main-thread task ${fmt(worstTask)} ms wall, ${fmt(Math.max(...results.map((r) => r.maxTaskCpuMs)))} ms CPU (target <= 50); ` +
      `late/early cost per chunk ${fmt(medianRatio, 2)} (median; target <= 1.5), per network read ${fmt(perRead, 2)}.`,
  );
  process.exitCode = failed ? 1 : 0;
}

await main();
