// Attack programs against the Node sandbox, written as model code would be: Python that
// reaches JavaScript through `import js` / `pyodide.ffi`. Every test asserts that the attack
// fails *and* that the legitimate path still works afterwards (Python runs, interrupts work,
// sympy imports). The memory, timer and cross-trace classes each got through the sandbox as
// it was before issue 9 (a 1 GB cap that held 4 GB of ArrayBuffers, timers firing after their
// execution, reset() cleaning in place); the first classes (environment, files, the database,
// processes, sockets, code from strings) were already blocked and stay so.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionResultSchema } from "@/lib/protocol";
import { NodeSandbox } from "./node-sandbox";

const OPTS = { timeoutMs: 10_000, maxOutputChars: 10_000 };
const HAS_BUNDLE = fs.existsSync(path.resolve(import.meta.dirname, "../../public/pyodide/sympy-bundle.zip"));
const SECRET = "hintlab-attack-secret-5d21a9";

let sandbox: NodeSandbox;
beforeAll(async () => {
  process.env.HINTLAB_ATTACK_SECRET = SECRET;
  sandbox = new NodeSandbox();
  await sandbox.ready;
}, 90_000);
afterAll(async () => {
  delete process.env.HINTLAB_ATTACK_SECRET;
  await sandbox?.dispose();
});

const run = async (code: string, opts = OPTS) => ExecutionResultSchema.parse(await sandbox.execute(code, opts));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The legitimate path, after an attack: Python runs, keeps a namespace, and is interruptible. */
async function stillWorks() {
  expect(await run("legit = 6 * 7\nprint(legit)")).toMatchObject({ stdout: "42\n", timedOut: false });
  expect((await run("print(legit + 1)")).stdout).toBe("43\n");
}

describe("attacks: environment, host files, database, processes, sockets, code from strings (kept blocked)", () => {
  let dir: string;
  let server: net.Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hintlab-attack-"));
    fs.writeFileSync(path.join(dir, "hintlab.db"), `SQLite format 3\u0000${SECRET}`);
    server = net.createServer((s) => {
      connections++;
      s.end("reached");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reads the host's environment through os.environ and js.process", async () => {
    const r = await run("import os, js\nprint(dict(os.environ))\nprint(js.process.env)\nprint(js.Object.keys(js.process.env))");
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain("HINTLAB_ATTACK_SECRET");
    await stillWorks();
  });

  it("reads the experiment database and host files", async () => {
    for (const code of [
      `print(open(${JSON.stringify(path.join(dir, "hintlab.db"))}, 'rb').read())`,
      `import pyodide_js\npyodide_js.FS.mount(pyodide_js.FS.filesystems.NODEFS, {'root': ${JSON.stringify(dir)}}, '/mnt')\nprint(open('/mnt/hintlab.db', 'rb').read())`,
      `import js\nprint(js.process.getBuiltinModule('fs').readFileSync(${JSON.stringify(path.join(dir, "hintlab.db"))}, 'utf8'))`,
    ]) {
      const r = await run(code);
      expect(r.stdout, code).not.toContain(SECRET);
      expect(r.error, code).toBeTruthy();
    }
    await stillWorks();
  });

  it("starts a process", async () => {
    for (const code of ["import subprocess\nprint(subprocess.check_output(['id']))", "import js\nprint(js.require('child_process').execSync('id'))"]) {
      const r = await run(code);
      expect(r.stdout, code).not.toMatch(/uid=/);
      expect(r.error, code).toBeTruthy();
    }
    await stillWorks();
  });

  it("opens a socket to a local service", async () => {
    for (const code of [
      `import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=2)\nprint(s.recv(10))`,
      `import js\njs.process.getBuiltinModule("net").connect(${port}, "127.0.0.1")`,
      `import js\njs.fetch("http://127.0.0.1:${port}/")`,
    ]) {
      expect((await run(code)).stdout, code).not.toContain("reached");
    }
    await sleep(300);
    expect(connections).toBe(0);
    await stillWorks();
  });

  it("builds JavaScript from strings to undo the lockdown", async () => {
    for (const code of [
      `import js\nprint(js.eval("typeof require"))`,
      `import js\nprint(js.Function.new("return globalThis.process.env")())`,
      `import js\nprint(js.Object.constructor.new("return 1")())`,
    ]) {
      const r = await run(code);
      expect(r.error, code).toMatch(/EvalError|Code generation from strings disallowed/);
    }
    await stillWorks();
  });
});

describe("attacks: memory beyond the 1 GB cap", () => {
  // Each allocates more than the whole cap and touches it. Before issue 9 only V8's heap and
  // Pyodide's wasm heap were capped, so all of these were held (4 GB was seen).
  const cases: [string, string][] = [
    ["JS ArrayBuffer", "import js\nbuf = js.ArrayBuffer.new(1536 * 2**20)\njs.Uint8Array.new(buf).fill(1)\nprint('held')"],
    // Pyodide cannot wrap a Buffer it gets back (an "unknown typed array" error), but by then
    // the 1.5 GB is allocated and filled.
    ["Node Buffer.alloc", "import js\ntry:\n    js.Buffer.alloc(1536 * 2**20, 1)\nexcept Exception:\n    pass\nprint('held')"],
    [
      "WebAssembly.Memory objects",
      "import js\nfrom pyodide.ffi import to_js\nmems = []\nfor _ in range(3):\n    m = js.WebAssembly.Memory.new(to_js({'initial': 9000}, dict_converter=js.Object.fromEntries))\n    js.Uint8Array.new(m.buffer).fill(1)\n    mems.append(m)\nprint('held')",
    ],
    ["many typed arrays", "import js\nkeep = []\nfor _ in range(12):\n    a = js.Float64Array.new(16 * 2**20)\n    a.fill(1.5)\n    keep.append(a)\nprint('held')"],
  ];
  for (const [what, code] of cases) {
    it(`${what}: the process is stopped with a MemoryError and the trace goes on in a fresh one`, async () => {
      await run("before = 1");
      const r = await run(code, { ...OPTS, timeoutMs: 30_000 });
      expect(r.stdout).not.toContain("held");
      expect(r.error).toMatch(/MemoryError: the code used more than the memory limit/);
      expect(r.timedOut).toBe(false);
      expect((await run("print('before' in globals())")).stdout).toBe("False\n");
      await stillWorks();
    }, 90_000);
  }

  it("Python bytearray under the old wasm cap but over the process cap ends in MemoryError, namespace kept", async () => {
    await run("kept = 'yes'");
    const r = await run("b = bytearray(900 * 10**6)\nfor i in range(0, len(b), 4096):\n    b[i] = 1\nprint('held')", { ...OPTS, timeoutMs: 30_000 });
    expect(r.stdout).not.toContain("held");
    expect(r.error).toContain("MemoryError");
    expect((await run("print(kept)")).stdout).toBe("yes\n");
    await stillWorks();
  }, 60_000);
});

describe("attacks: timers and callbacks outliving their execution", () => {
  it("setInterval keeps running code after the execution", async () => {
    await run("import js\nfrom pyodide.ffi import create_proxy\nticks = []\njs.setInterval(create_proxy(lambda: ticks.append(1)), 1)");
    await sleep(300);
    expect((await run("print(len(ticks))")).stdout).toBe("0\n");
    await stillWorks();
  });

  it("setTimeout patches print for the next block", async () => {
    await run(
      "import js, builtins\nfrom pyodide.ffi import create_proxy\n_real = builtins.print\ndef forge(*a, **k):\n    _real('FORGED', **k)\njs.setTimeout(create_proxy(lambda: setattr(builtins, 'print', forge)), 0)",
    );
    await sleep(200);
    expect((await run("print('honest')")).stdout).toBe("honest\n");
    await stillWorks();
  });

  it("setImmediate, queueMicrotask and process.nextTick callbacks", async () => {
    await run(
      "import js\nfrom pyodide.ffi import create_proxy\nran = []\njs.setImmediate(create_proxy(lambda: ran.append('immediate')))\njs.queueMicrotask(create_proxy(lambda: ran.append('microtask')))\njs.process.nextTick(create_proxy(lambda: ran.append('tick')))",
    );
    await sleep(200);
    expect((await run("print(ran)")).stdout).toBe("[]\n");
    await stillWorks();
  });

  it("promise reactions and thenables made by create_proxy", async () => {
    await run(
      "import js\nfrom pyodide.ffi import create_proxy\nran = []\njs.Promise.resolve(1).then(create_proxy(lambda x: ran.append('then')))\nclass T:\n    def then(self, ok, bad):\n        ran.append('thenable')\njs.Promise.resolve(create_proxy(T()))",
    );
    await sleep(200);
    expect((await run("print(ran)")).stdout).toBe("[]\n");
    await stillWorks();
  });

  it("asyncio tasks scheduled and left running", async () => {
    await run("import asyncio\nsteps = []\nasync def spin():\n    while True:\n        steps.append(1)\n        await asyncio.sleep(0)\ntask = asyncio.ensure_future(spin())");
    await sleep(300);
    expect((await run("print(len(steps))")).stdout).toBe("0\n");
    await stillWorks();
  });

  it("a timer callback that never returns does not hang or crash the next block", async () => {
    await run("import js\nfrom pyodide.ffi import create_proxy\ndef hog():\n    while True: pass\njs.setTimeout(create_proxy(hog), 20)\nsurvivor = 'here'");
    await sleep(200);
    const r = await run("print(survivor)", { ...OPTS, timeoutMs: 2000 });
    expect(r).toMatchObject({ stdout: "here\n", timedOut: false });
    expect(r.error).toBeUndefined();
    await stillWorks();
  });

  it("a JavaScript function left as a promise reaction blocks the thread after the execution", async () => {
    await run(
      "import js\nflag = js.Int32Array.new(js.SharedArrayBuffer.new(4))\nblock = js.Atomics.wait.bind(js.Atomics, flag, 0, 0)\njs.Promise.resolve(js.Infinity).then(block)\njs.Promise.reject(js.Infinity).catch(block)\nsurvivor = 'here'",
    );
    await sleep(100);
    const r = await run("print(survivor)", { ...OPTS, timeoutMs: 2000 });
    expect(r).toMatchObject({ stdout: "here\n", timedOut: false });
    await stillWorks();
  });

  it("timeouts still interrupt a loop (the legitimate time limit)", async () => {
    const r = await run("while True: pass", { ...OPTS, timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    await stillWorks();
  });
});

// Between traces the sandbox either switches to a fresh process (reset(), the CLI's way) or keeps
// its process and replaces the Python thread in it (recycle(), the experiment pool's way): the
// same attacks must fail across both.
describe.each([
  ["reset() between traces: a fresh process", () => sandbox.reset()],
  ["recycle() between traces: a fresh Python thread in the same process", () => sandbox.recycle()],
] as const)("attacks: one trace leaking into the next, %s", (_how, between) => {
  /** Trace A runs `attack`; after `between`, trace B runs `probe` and must see a clean interpreter. */
  async function acrossTraces(attack: string, probe: string) {
    const a = await run(attack);
    expect(a.error, a.error).toBeUndefined();
    await between();
    return run(probe);
  }

  it("leaves a JavaScript timer running that writes into the next trace's globals", async () => {
    const a = await run("import js\nfrom pyodide.ffi import create_proxy\njs.globalThis.ticks = 0\njs.setInterval(create_proxy(lambda: setattr(js.globalThis, 'ticks', js.globalThis.ticks + 1)), 1)");
    expect(a.error, a.error).toBeUndefined();
    await between();
    await sleep(150);
    expect((await run("import js\nprint(getattr(js.globalThis, 'ticks', None))")).stdout).toBe("None\n");
    await stillWorks();
  });

  it("patches builtins.print to forge answers", async () => {
    const r = await acrossTraces("import builtins\n_p = builtins.print\nbuiltins.print = lambda *a, **k: _p('\\\\boxed{999}')", "print(2 + 2)");
    expect(r.stdout).toBe("4\n");
    await stillWorks();
  });

  it("replaces sys.stdout's class and sys.__stdout__", async () => {
    const r = await acrossTraces(
      "import sys, io\nclass Fake(io.StringIO):\n    def write(self, s):\n        return super().write('FORGED')\nsys.__stdout__ = Fake()\nsys.__stderr__ = Fake()",
      "print('clean')\nimport sys\nprint(type(sys.__stdout__).__name__ != 'Fake')",
    );
    expect(r.stdout).toBe("clean\nTrue\n");
    await stillWorks();
  });

  it("patches the runner itself (its result function, found through gc)", async () => {
    const r = await acrossTraces(
      "import gc, json\nfor f in gc.get_objects():\n    if callable(f) and getattr(f, '__name__', '') == '_result' and '_Capture' in getattr(f, '__globals__', {}):\n        f.__globals__['_result'] = lambda *a: json.dumps({'stdout': 'FORGED\\n', 'stderr': '', 'error': None, 'truncated': False, 'interrupted': False})",
      "print('real')",
    );
    expect(r.stdout).toBe("real\n");
    await stillWorks();
  });

  it("patches json.dumps, which the runner uses to report", async () => {
    const r = await acrossTraces(
      "import json\n_d = json.dumps\njson.dumps = lambda o, *a, **k: _d({**o, 'stdout': 'FORGED'}) if isinstance(o, dict) and 'stdout' in o else _d(o, *a, **k)",
      "print('real')",
    );
    expect(r.stdout).toBe("real\n");
    await stillWorks();
  });

  it("replaces a module in sys.modules", async () => {
    const r = await acrossTraces("import sys, types\nfake = types.ModuleType('math')\nfake.sqrt = lambda x: 42\nsys.modules['math'] = fake", "import math\nprint(math.sqrt(16))");
    expect(r.stdout).toBe("4.0\n");
    await stillWorks();
  });

  it("leaves a secret in Pyodide's in-memory file system (outside HOME and /tmp)", async () => {
    const r = await acrossTraces(
      `import os\nos.makedirs('/var/leak', exist_ok=True)\nopen('/var/leak/secret', 'w').write('${SECRET}')\nopen('/lib/python3.14/site-packages/evil.py' if os.path.isdir('/lib/python3.14/site-packages') else '/evil.py', 'w').write('x = 1')`,
      "import os\nprint(os.path.exists('/var/leak/secret'), os.path.exists('/evil.py') or os.path.exists('/lib/python3.14/site-packages/evil.py'))",
    );
    expect(r.stdout).toBe("False False\n");
    await stillWorks();
  });

  it("sets JavaScript globals", async () => {
    const r = await acrossTraces(
      `import js\njs.globalThis.hintlabLeak = '${SECRET}'\njs.Object.prototype.polluted = 'yes'`,
      "import js\nprint(getattr(js.globalThis, 'hintlabLeak', None), getattr(js.Object.new(), 'polluted', None))",
    );
    expect(r.stdout).toBe("None None\n");
    await stillWorks();
  });

  it("installs an import hook that forges a module", async () => {
    const r = await acrossTraces(
      "import sys, types\nclass Finder:\n    def find_spec(self, name, path=None, target=None):\n        if name == 'fractions':\n            raise ImportError('hijacked')\nsys.meta_path.insert(0, Finder())\nsys.modules.pop('fractions', None)",
      "import fractions\nprint(fractions.Fraction(1, 2))",
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("1/2\n");
    await stillWorks();
  });

  it.skipIf(!HAS_BUNDLE)("a new trace still imports sympy", async () => {
    await between();
    const r = await run("import sympy\nprint(sympy.factorint(2**32 + 1))", { ...OPTS, timeoutMs: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("{641: 1, 6700417: 1}\n");
  }, 90_000);

  it("notebook semantics hold within a trace", async () => {
    await between();
    await run("def f(x):\n    return x * 2\nstate = [1]");
    await run("state.append(f(state[-1]))");
    expect((await run("print(state)")).stdout).toBe("[1, 2]\n");
  });
});
