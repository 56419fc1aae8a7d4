import { loadPyodide, type PyodideAPI } from "pyodide";
import { beforeAll, describe, expect, it } from "vitest";
import { PYTHON_RUNNER_SOURCE } from "./python-runner";

// The runner in an in-process Pyodide, for what the sandboxes cannot provoke on demand: an
// interrupt landing in the runner's own bookkeeping rather than in the model's code.
type PyFn = (...args: unknown[]) => string;
let pyodide: PyodideAPI;
let run: PyFn;
let recover: PyFn;
const flag = new Int32Array(new SharedArrayBuffer(4));

beforeAll(async () => {
  pyodide = await loadPyodide({ stdout: () => {}, stderr: () => {} });
  const ns = pyodide.globals.get("dict")();
  pyodide.runPython(PYTHON_RUNNER_SOURCE, { globals: ns, filename: "<hintlab-runner>" });
  run = ns.get("run");
  recover = ns.get("recover");
  pyodide.setInterruptBuffer(flag);
}, 60_000);

/** What the hosts do: run, and recover when the interrupt escaped run(). */
function execute(code: string, maxChars = 1000) {
  try {
    return JSON.parse(run(code, maxChars));
  } catch (err) {
    if ((err as Error).constructor.name !== "PythonError") throw err;
    Atomics.store(flag, 0, 0);
    return { ...JSON.parse(recover(maxChars)), recovered: true };
  }
}

describe("python runner", () => {
  it("survives an interrupt arriving before the code starts, wherever it lands", () => {
    let recovered = 0;
    for (let i = 0; i < 20; i++) {
      Atomics.store(flag, 0, 2);
      const r = execute("x = 1\nprint('never reached?')");
      expect(r.interrupted).toBe(true);
      expect(r.error).toMatch(/KeyboardInterrupt\s*$/);
      if (r.recovered) recovered++;
    }
    expect(recovered).toBeGreaterThan(0); // the escape path really ran
    // Streams are the real ones again: the next run captures normally.
    const ok = execute("print('fine')");
    expect(ok).toMatchObject({ stdout: "fine\n", interrupted: false, error: null });
    expect(pyodide.runPython("import sys; sys.stdout is sys.__stdout__")).toBe(true);
  });

  it("recover() restores stale captures and returns the partial output", () => {
    pyodide.runPython("import sys; sys.stdout.write('partial'); sys.stdout = object()");
    const r = JSON.parse(recover(100));
    expect(r).toMatchObject({ interrupted: true, error: "KeyboardInterrupt" });
    expect(pyodide.runPython("import sys; sys.stdout is sys.__stdout__")).toBe(true);
  });

  it("cuts long tracebacks from the top, keeping the exception", () => {
    const r = execute("raise ValueError('x' * 5000)", 300);
    expect(r.truncated).toBe(true);
    expect(r.error).toMatch(/^… \[traceback truncated: \d+ characters\]\n/);
    expect(r.error).toMatch(/x{10}\n?$/);
  });
});
