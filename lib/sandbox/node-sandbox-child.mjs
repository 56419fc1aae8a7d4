// The isolated Python process behind NodeSandbox (lib/sandbox/node-sandbox.ts), started with
// an empty environment and Node's permission model (read-only access to the Pyodide package,
// this file and the sympy bundle; no writes, no child processes; worker threads only for the
// one below). Plain .mjs on purpose: under the permission model a TypeScript loader could not
// read its own files, and nothing here needs the app's code.
//
// Two roles in one file:
//  - main thread: the controller. Talks to the parent over IPC, owns the interrupt buffer
//    and the timers, and checks the process's resident memory against the cap every 10 ms
//    (V8's heap limits do not count ArrayBuffers). It never runs Python, so it stays
//    responsive while Python loops.
//  - worker thread: Pyodide itself. Model code runs here, after `lockDown()` removed every
//    JavaScript door to the network, processes and host files that Pyodide's `js` module
//    would otherwise hand to Python, and after `trackTimers()` made every timer it can set
//    die with the execution that set it.
// The parent uses one such process per trace (see NodeSandbox): nothing here needs to be
// cleaned for a next trace, because there is none.
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

/** How long an interrupt Pyodide consumed may go unanswered before it is sent again. */
const INTERRUPT_RESEND_MS = 100;
/** How often the controller checks the process's resident memory against the cap. */
const RSS_CHECK_MS = 10;
/** Exit code telling the parent the process stopped itself over the memory cap. */
const MEMORY_EXIT_CODE = 86;

if (isMainThread) runController();
else await runPythonThread();

// ---------------------------------------------------------------------------------------
// Controller (main thread)

function runController() {
  /** @type {{pyodideDir: string, sympyBundlePath?: string, snapshotPath?: string, runnerSource: string, maxMemoryMb: number, graceMs: number} | undefined} */
  let config;
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  /** @type {Worker | undefined} */
  let worker;
  let workerReady = Promise.resolve();
  let firstReady = true;
  /** The parent asked for a fresh Python thread (`fresh`): its readiness is reported, unlike a restart's. */
  let announceReady = false;
  /** @type {{id: number, interruptSent: boolean, timers: NodeJS.Timeout[], started: number} | undefined} */
  let job;
  /** @type {((msg: any) => void) | undefined} */
  let onWorkerMessage;
  /**
   * Pyodide's wasm, compiled once per process and handed to every Python thread: a fresh thread
   * (a new trace, after a restart) then only instantiates it — bench/tool-concurrency.mjs
   * profile: ~0.42 → ~0.29 s of CPU per fresh thread — and code V8 optimised in one thread's run
   * is the next one's too. A Module is code only: each instance has its own memory and imports.
   * @type {WebAssembly.Module | undefined}
   */
  let wasmModule;

  const send = (msg) => process.send?.(msg);

  function startWorker() {
    const w = new Worker(new URL(import.meta.url), {
      workerData: { config, interrupt: interrupt.buffer, wasmModule },
      env: {},
      // JS heap of the Python thread; the wasm heap is capped by --wasm-max-mem-pages and
      // everything else (ArrayBuffers) by the resident-memory check below.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, Math.floor(config.maxMemoryMb / 4)) },
      stdout: true, // stray console output of the runtime must not reach our stdio
      stderr: true,
    });
    w.stdout.resume();
    w.stderr.on("data", (d) => process.stderr.write(d)); // diagnostics for the parent's log
    worker = w;
    workerReady = new Promise((resolve) => {
      onWorkerMessage = (msg) => {
        if (msg.type === "ready") {
          if (firstReady || announceReady) send(msg); // restarts after a crash are internal: the parent already knows
          firstReady = false;
          announceReady = false;
          resolve();
        } else if (msg.type === "load-failed") {
          send(msg);
          // A restart that cannot load leaves nothing to serve; exiting lets the parent
          // start a fresh process (or report the failure) instead of hanging.
          if (!firstReady) process.exit(1);
          resolve();
        } else {
          handleWorkerMessage(msg);
        }
      };
    });
    w.on("message", (msg) => onWorkerMessage?.(msg));
    w.on("error", (err) => crashed(w, `${err?.name ?? "Error"}: ${err?.message ?? err}`));
    w.on("exit", (code) => crashed(w, `exit code ${code}`));
  }

  function restartWorker() {
    const old = worker;
    worker = undefined;
    old?.removeAllListeners("exit");
    old?.removeAllListeners("error");
    old?.on("error", () => {});
    void old?.terminate();
    // A pending SIGINT would hit the new runtime while it boots.
    Atomics.store(interrupt, 0, 0);
    startWorker();
  }

  function finishJob(msg) {
    if (!job) return;
    for (const t of job.timers) clearTimeout(t);
    job = undefined;
    send(msg);
  }

  function crashed(w, detail) {
    if (w !== worker) return;
    const current = job;
    restartWorker();
    if (current) {
      finishJob({
        type: "result",
        id: current.id,
        result: emptyResult(performance.now() - current.started, detail),
        interrupted: false,
        restarted: true,
      });
    }
  }

  function handleWorkerMessage(msg) {
    if (msg.type === "result" && job && msg.id === job.id) {
      // `interrupted` tells the parent the stop came from *our* timeout interrupt.
      finishJob({ ...msg, interrupted: Boolean(msg.interrupted && job.interruptSent) });
    } else if (msg.type === "crashed" && job && msg.id === job.id) {
      crashed(worker, msg.message);
    } else if (msg.type === "reset-done") {
      send(msg);
    }
  }

  async function execute(msg) {
    await workerReady;
    const started = performance.now();
    job = { id: msg.id, interruptSent: false, timers: [], started };
    Atomics.store(interrupt, 0, 0);
    const current = job;
    current.timers.push(
      setTimeout(() => {
        current.interruptSent = true;
        Atomics.store(interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt at its next check
        // Pyodide occasionally consumes the flag (resets it to 0) without raising (seen ~1 in
        // 50 runs under load); raising it again recovers instead of losing the namespace.
        current.timers.push(
          setInterval(() => {
            if (job === current && Atomics.load(interrupt, 0) === 0) Atomics.store(interrupt, 0, 2);
          }, INTERRUPT_RESEND_MS),
        );
        current.timers.push(
          setTimeout(() => {
            // Stuck in code that never checks for signals (a huge C-level computation,
            // Atomics.wait...): only throwing the runtime away stops it.
            if (job !== current) return;
            restartWorker();
            finishJob({
              type: "result",
              id: current.id,
              result: emptyResult(performance.now() - started),
              interrupted: true,
              restarted: true,
            });
          }, config.graceMs),
        );
      }, msg.options.timeoutMs),
    );
    worker.postMessage(msg);
  }

  async function reset(msg) {
    await workerReady;
    worker.postMessage(msg);
  }

  /**
   * The memory cap for everything this process holds. V8's heap limits do not count
   * ArrayBuffers (js.ArrayBuffer.new, js.Buffer.alloc, extra WebAssembly.Memory objects are all
   * reachable from Python), and RLIMIT_AS would break WebAssembly's large virtual reservations,
   * so resident memory is checked from this thread, which Python never runs on. Over the cap
   * the whole process stops at once (the parent reports a MemoryError and the trace continues
   * in a fresh process); the parent polls /proc too, for a controller that cannot run.
   */
  function watchMemory() {
    const limit = config.maxMemoryMb * 1024 * 1024;
    const timer = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss <= limit) return;
      clearInterval(timer);
      const die = () => process.kill(process.pid, "SIGKILL");
      try {
        process.send?.({ type: "memory-exceeded", rssMb: Math.round(rss / 1048576) }, undefined, {}, die);
      } catch {
        /* the channel is gone: exit below */
      }
      setTimeout(() => process.exit(MEMORY_EXIT_CODE), 50).unref();
    }, RSS_CHECK_MS);
    timer.unref();
  }

  process.on("message", (msg) => {
    if (msg?.type === "init" && !config) {
      config = msg;
      watchMemory();
      try {
        wasmModule = new WebAssembly.Module(readFileSync(`${config.pyodideDir}/pyodide.asm.wasm`));
      } catch {
        wasmModule = undefined; // each thread compiles its own, as Pyodide does by itself
      }
      startWorker();
    } else if (msg?.type === "execute") {
      void execute(msg);
    } else if (msg?.type === "reset") {
      void reset(msg);
    } else if (msg?.type === "fresh" && config && !job) {
      // A new trace in this process: throw the whole Python thread away (its isolate, wasm
      // memory, JS globals, timers — everything the last trace could touch) and start another.
      // V8 keeps the compiled wasm per process, so this costs about half a new process.
      announceReady = true;
      restartWorker();
    }
  });
  // The parent is gone (crashed, killed): nothing left to serve.
  process.on("disconnect", () => process.exit(0));
}

/**
 * While Pyodide loads, make its `WebAssembly.instantiate(bytes, imports)` instantiate the
 * controller's compiled module instead of compiling the bytes again. Returns the undo, called as
 * soon as Pyodide is loaded: model code later sees the real function.
 */
function useCompiled(module) {
  const real = WebAssembly.instantiate;
  if (!module) return () => undefined;
  WebAssembly.instantiate = async function instantiate(source, imports) {
    if (source instanceof WebAssembly.Module) return real.call(WebAssembly, source, imports);
    return { module, instance: await real.call(WebAssembly, module, imports) };
  };
  return () => {
    WebAssembly.instantiate = real;
  };
}

function emptyResult(durationMs, error) {
  return { stdout: "", stderr: "", error, timedOut: false, truncated: false, durationMs };
}

// ---------------------------------------------------------------------------------------
// Python thread (worker)

async function runPythonThread() {
  const { config, interrupt, wasmModule } = workerData;
  const started = performance.now();
  const stray = { stdout: "", stderr: "" };
  let pyodide;
  let runner;
  let timers;
  const interruptFlag = new Int32Array(interrupt);
  const logStray = (err) => {
    stray.stderr += `${String(err?.message ?? err).split("\n").pop()}\n`;
  };
  try {
    const { pathToFileURL } = await import("node:url");
    const { constants: fsConstants } = await import("node:fs");
    // Emscripten's NODEFS reads open flags from process.binding("constants"), which the
    // permission model denies; the public fs.constants hold the same values.
    process.binding = (name) => {
      if (name === "constants") return { fs: fsConstants };
      throw new Error(`process.binding(${name}) is not available`);
    };
    const { loadPyodide } = await import(pathToFileURL(`${config.pyodideDir}/pyodide.mjs`).href);
    const options = {
      indexURL: `${config.pyodideDir}/`,
      env: { HOME: "/home/pyodide" },
      stdin: () => null, // input() sees end of file instead of blocking on our stdin
      // Python-level output is captured by the runner; this only catches fd-level writes.
      stdout: (s) => (stray.stdout += `${s}\n`),
      stderr: (s) => (stray.stderr += `${s}\n`),
    };
    const restoreInstantiate = useCompiled(wasmModule);
    let snapshot = false;
    if (config.snapshotPath) {
      try {
        const [fs, zlib] = await Promise.all([import("node:fs"), import("node:zlib")]);
        const bytes = fs.readFileSync(config.snapshotPath);
        pyodide = await loadPyodide({ ...options, _loadSnapshot: config.snapshotPath.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes });
        snapshot = true;
      } catch (err) {
        process.stderr.write(`hintlab sandbox: booting without the snapshot: ${err?.message ?? err}\n`);
      }
    }
    pyodide ??= await loadPyodide(options);
    restoreInstantiate();
    const ns = pyodide.globals.get("dict")();
    pyodide.runPython(config.runnerSource, { globals: ns, filename: "<hintlab-runner>" });
    runner = { run: ns.get("run"), recover: ns.get("recover"), reset: ns.get("reset"), enableGate: ns.get("enable_gate") };
    let sympy = false;
    if (config.sympyBundlePath) {
      try {
        const fs = await import("node:fs");
        pyodide.FS.mkdirTree("/lib/hintlab");
        pyodide.FS.writeFile("/lib/hintlab/sympy-bundle.zip", fs.readFileSync(config.sympyBundlePath));
        ns.get("add_zip_to_path")("/lib/hintlab/sympy-bundle.zip");
        sympy = true;
      } catch {
        sympy = false; // reported through `ready.sympy`
      }
    }
    Atomics.store(interruptFlag, 0, 0);
    pyodide.setInterruptBuffer(interruptFlag);
    const python = pyodide.runPython("import sys; sys.version.split()[0]");
    timers = trackTimers();
    // From here on no Python of ours runs except the runner's run/recover, so the runner may
    // refuse everything else between executions (see python-runner.ts).
    runner.enableGate();
    // Callbacks Python left behind (promise reactions, listeners) are refused by the runner's
    // gate between executions; the error they then throw must not take the runtime down.
    process.on("uncaughtException", (err) => logStray(err));
    process.on("unhandledRejection", (err) => logStray(err));
    lockDown(pyodide);
    parentPort.postMessage({ type: "ready", loadMs: performance.now() - started, sympy, python, snapshot });
  } catch (err) {
    parentPort.postMessage({ type: "load-failed", message: String(err?.message ?? err).slice(0, 2000) });
    return;
  }

  parentPort.on("message", (msg) => {
    if (msg.type === "reset") {
      runner.reset();
      parentPort.postMessage({ type: "reset-done", id: msg.id });
      return;
    }
    if (msg.type !== "execute") return;
    const t0 = performance.now();
    stray.stdout = stray.stderr = "";
    timers.clearAll(); // anything scheduled between executions
    let raw;
    // While model code runs, promise reactions it registers are dropped (see trackTimers).
    timers.executing(true);
    try {
      // A missing seed arrives as None (a JS null would arrive as jsnull).
      raw = JSON.parse(runner.run(msg.code, msg.options.maxOutputChars, msg.options.seed));
    } catch (err) {
      if (err?.constructor?.name === "PythonError") {
        // The timeout interrupt landed in the runner's own bookkeeping, outside its try. The
        // controller sends one interrupt per run, so recovering cannot be interrupted again.
        Atomics.store(interruptFlag, 0, 0);
        raw = JSON.parse(runner.recover(msg.options.maxOutputChars));
      } else {
        // A JS-level failure (stack overflow in wasm, Pyodide fatal error): the runtime is
        // in an unknown state; the controller restarts it.
        parentPort.postMessage({ type: "crashed", id: msg.id, message: `${err?.name ?? "Error"}: ${err?.message ?? err}`.slice(0, 500) });
        return;
      }
    } finally {
      timers.executing(false);
    }
    if (!isRawRun(raw)) {
      // The model's code broke the runner's reporting (it can patch anything in its own
      // interpreter): nothing it says can be trusted, so the runtime is replaced.
      parentPort.postMessage({ type: "crashed", id: msg.id, message: "the sandbox runner's report was tampered with" });
      return;
    }
    // Timers die with the execution that made them: model code runs synchronously, so none
    // of them could ever fire *during* it, only later, into a run or trace that is not theirs.
    timers.clearAll();
    const max = msg.options.maxOutputChars;
    parentPort.postMessage({
      type: "result",
      id: msg.id,
      interrupted: raw.interrupted,
      result: {
        stdout: raw.stdout + stray.stdout.slice(0, Math.max(0, max - raw.stdout.length)),
        stderr: raw.stderr + stray.stderr.slice(0, Math.max(0, max - raw.stderr.length)),
        ...(raw.error != null ? { error: raw.error } : {}),
        timedOut: false,
        truncated: raw.truncated,
        durationMs: performance.now() - t0,
      },
    });
  });
}

/** What runner.run()/recover() return, checked before anything of it is passed on. */
function isRawRun(raw) {
  return (
    raw !== null &&
    typeof raw === "object" &&
    typeof raw.stdout === "string" &&
    typeof raw.stderr === "string" &&
    (raw.error === null || raw.error === undefined || typeof raw.error === "string") &&
    typeof raw.truncated === "boolean" &&
    typeof raw.interrupted === "boolean"
  );
}

/**
 * Replaces the worker's timer functions (what Python gets as js.setTimeout & co.) with ones
 * whose handles are remembered, so `clearAll()` at the end of every execution cancels every
 * timeout, interval and immediate it made. Microtasks cannot be cancelled, so those queued
 * after boot are dropped: queued during a synchronous run, they would only ever run after it.
 * The originals stay in this closure, out of Python's reach.
 */
function trackTimers() {
  const real = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    setImmediate: globalThis.setImmediate,
    clearImmediate: globalThis.clearImmediate,
  };
  /** @type {Map<unknown, (h: unknown) => void>} */
  const live = new Map();
  const track = (make, clear) =>
    function (...args) {
      const handle = make(...args);
      live.set(handle, clear);
      return handle;
    };
  const untrack = (clear) =>
    function (handle) {
      live.delete(handle);
      clear(handle);
    };
  const replace = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: false, configurable: false });
  replace("setTimeout", track(real.setTimeout, real.clearTimeout));
  replace("setInterval", track(real.setInterval, real.clearInterval));
  replace("setImmediate", track(real.setImmediate, real.clearImmediate));
  replace("clearTimeout", untrack(real.clearTimeout));
  replace("clearInterval", untrack(real.clearInterval));
  replace("clearImmediate", untrack(real.clearImmediate));
  replace("queueMicrotask", function queueMicrotask() {});
  // Promise reactions are microtasks too: one registered while model code runs could only run
  // after it (a JS function such as a bound Atomics.wait needs no Python to outlive the run;
  // Python callbacks are also refused by the runner's gate). Node's internals use their own
  // captured `then`, so only code running on this thread's globals is affected.
  let executing = false;
  const realThen = Promise.prototype.then;
  Object.defineProperty(Promise.prototype, "then", {
    value: function then(onFulfilled, onRejected) {
      return executing ? realThen.call(this, undefined, () => {}) : realThen.call(this, onFulfilled, onRejected);
    },
    writable: false,
    configurable: false,
  });
  return {
    /** Model code is about to run / has returned. */
    executing(on) {
      executing = on;
    },
    clearAll() {
      for (const [handle, clear] of live) clear(handle);
      live.clear();
    },
  };
}

/**
 * Python reaches JavaScript through Pyodide's `js` module (globalThis) and `pyodide_js`
 * (the Pyodide API). The permission model already denies file reads outside the allowed
 * paths, writes and child processes, but Node 20 has no network permission, so every path
 * from Python to a socket is cut here: the fetch family, the `require` Pyodide installs
 * (it exposes `ws` and `child_process`), `process` (getBuiltinModule, binding, kill…), and
 * Pyodide's own socket/host-filesystem bridges. Code generation from strings (eval,
 * Function) is disabled by the process flags, so none of this can be rebuilt.
 */
function lockDown(pyodide) {
  const deny = (what) =>
    function denied() {
      throw new Error(`${what} is not available in the hintlab sandbox`);
    };
  for (const name of ["fetch", "WebSocket", "XMLHttpRequest", "EventSource", "require", "module", "navigator"]) {
    try {
      Object.defineProperty(globalThis, name, { value: undefined, writable: false, configurable: false });
    } catch {
      /* not present */
    }
  }
  const realProcess = globalThis.process;
  const stubProcess = Object.freeze({
    env: Object.freeze({}),
    argv: Object.freeze([]),
    platform: "emscripten",
    versions: Object.freeze({}),
    exitCode: undefined,
    cwd: () => "/",
    hrtime: Object.assign((t) => realProcess.hrtime(t), { bigint: () => realProcess.hrtime.bigint() }),
    nextTick: () => {}, // like queueMicrotask: nothing may run after the execution
  });
  Object.defineProperty(globalThis, "process", { value: stubProcess, writable: false, configurable: false });

  const api = pyodide;
  for (const name of ["mountNodeFS", "mountNativeFS", "useNodeSockFS", "loadPackage", "loadPackagesFromImports", "unpackArchive"]) {
    try {
      api[name] = deny(`pyodide.${name}`);
    } catch {
      /* frozen: covered by the permission model */
    }
  }
  try {
    if (api._api) api._api.initializeNodeSockFS = deny("sockets");
    delete api.FS.filesystems.NODEFS;
    delete api.FS.filesystems.NODESOCKFS;
    if (api._module) {
      api._module.NODEFS = undefined;
    }
  } catch {
    /* best effort: the permission model still denies host files */
  }
}
