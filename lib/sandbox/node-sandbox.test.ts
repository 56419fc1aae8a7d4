import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionResultSchema } from "@/lib/protocol";
import { NodeSandbox } from "./node-sandbox";

const OPTS = { timeoutMs: 10_000, maxOutputChars: 10_000 };
const BUNDLE = path.resolve(import.meta.dirname, "../../public/pyodide/sympy-bundle.zip");
const HAS_BUNDLE = fs.existsSync(BUNDLE);
const HAS_SNAPSHOT = fs.existsSync(path.resolve(import.meta.dirname, "../../public/pyodide/python-snapshot.bin.gz"));
const SECRET = "hintlab-test-secret-8c1f0e";

let sandbox: NodeSandbox;

beforeAll(async () => {
  // Set in the parent before the child starts: the child must not inherit it.
  process.env.HINTLAB_SANDBOX_TEST_SECRET = SECRET;
  sandbox = new NodeSandbox({ graceMs: 1000 });
  await sandbox.ready;
}, 90_000);

afterAll(async () => {
  delete process.env.HINTLAB_SANDBOX_TEST_SECRET;
  await sandbox?.dispose();
});

const run = async (code: string, opts = OPTS) => ExecutionResultSchema.parse(await sandbox.execute(code, opts));

describe("NodeSandbox: execution", () => {
  it("round-trips print", async () => {
    const r = await run("print('hello', 6 * 7)");
    expect(r).toMatchObject({ stdout: "hello 42\n", stderr: "", timedOut: false, truncated: false });
    expect(r.error).toBeUndefined();
  });

  it("keeps stdout and stderr apart", async () => {
    const r = await run("import sys\nprint('out')\nprint('err', file=sys.stderr)\n_ = sys.stdout.write('more')");
    expect(r.stdout).toBe("out\nmore");
    expect(r.stderr).toBe("err\n");
  });

  it("displays a trailing expression like a notebook, but not None", async () => {
    expect((await run("a = 20\na + 22")).stdout).toBe("42\n");
    expect((await run("None")).stdout).toBe("");
  });

  it("returns the traceback of the model's code, without sandbox frames", async () => {
    const r = await run("def f(x):\n    return 1 / x\n\nprint('before')\nf(0)");
    expect(r.stdout).toBe("before\n");
    expect(r.error).toMatch(/^Traceback \(most recent call last\):/);
    expect(r.error).toContain('line 2, in f\n    return 1 / x');
    expect(r.error).toMatch(/ZeroDivisionError: division by zero\n?$/);
    expect(r.error).not.toMatch(/hintlab-runner|_pyodide|file:\/\//);
  });

  it("reports syntax errors", async () => {
    const r = await run("x = (1 +");
    expect(r.error).toContain("SyntaxError");
  });

  it("keeps the namespace across calls and reset() clears it", async () => {
    await run("counter = 1\ndef bump():\n    global counter\n    counter += 1");
    await run("bump(); bump()");
    expect((await run("print(counter)")).stdout).toBe("3\n");
    await sandbox.reset();
    const r = await run("print(counter)");
    expect(r.error).toContain("NameError: name 'counter' is not defined");
  });

  it("truncates huge output with a visible marker", async () => {
    const r = await run("print('x' * 1_000_000)\nfor i in range(1000): print(i)", { ...OPTS, maxOutputChars: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith("x".repeat(1000))).toBe(true);
    const dropped = 1_000_000 + 1 - 1000 + Array.from({ length: 1000 }, (_, i) => `${i}\n`.length).reduce((a, b) => a + b);
    expect(r.stdout).toBe(`${"x".repeat(1000)}\n… [output truncated: ${dropped} more characters]`);
  });

  it("interrupts an infinite loop and keeps the namespace", async () => {
    await run("kept = 'still here'");
    const r = await run("n = 0\nwhile True:\n    n += 1", { ...OPTS, timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.error).toContain("stopped after 1.5 s");
    expect(r.error).toMatch(/File "<cell-\d+>", line \d+, in <module>/); // where it was stuck
    expect(r.error).not.toContain("lost");
    const after = await run("print(kept, n > 0)");
    expect(after).toMatchObject({ stdout: "still here True\n", timedOut: false });
  });

  it("keeps the namespace through many interrupts in a row (a consumed-but-lost interrupt is re-sent)", async () => {
    await run("streak = 0");
    for (let i = 0; i < 20; i++) {
      const r = await run("streak += 1\nwhile True: pass", { ...OPTS, timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      expect(r.error, `run ${i}`).not.toContain("restarted");
    }
    expect((await run("print(streak)")).stdout).toBe("20\n");
  });

  it("restarts the runtime when the code ignores the interrupt, and says the namespace is lost", async () => {
    await run("doomed = 1");
    // Atomics.wait blocks the thread without ever checking Python's signal flag.
    const r = await run(
      "import js\nbuf = js.Int32Array.new(js.SharedArrayBuffer.new(4))\njs.Atomics.wait(buf, 0, 0)",
      { ...OPTS, timeoutMs: 1000 },
    );
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/restarted.*lost/);
    const after = await run("print('alive')\nprint(doomed)");
    expect(after.stdout).toBe("alive\n");
    expect(after.error).toContain("NameError");
  });

  it("turns a memory bomb into MemoryError", async () => {
    for (const code of ["x = bytearray(2 * 10**9)", "x = [0] * (6 * 10**8)"]) {
      expect((await run(code)).error, code).toContain("MemoryError");
    }
    expect((await run("print('ok')")).stdout).toBe("ok\n");
  });

  it.skipIf(!HAS_BUNDLE)("imports sympy from the bundle (skipped when public/pyodide/sympy-bundle.zip is absent: run scripts/prepare-assets.mjs)", async () => {
    const r = await run(
      "import sympy as sp\nx = sp.symbols('x')\nprint(sp.solve(x**2 - 2, x))\nprint(sp.factorint(2**32 + 1))\nprint(sp.integrate(sp.sin(x)**2, (x, 0, sp.pi)))",
      { ...OPTS, timeoutMs: 30_000 },
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("[-sqrt(2), sqrt(2)]\n{641: 1, 6700417: 1}\npi/2\n");
  });
});

describe("NodeSandbox: startup", () => {
  it.skipIf(!HAS_SNAPSHOT)("boots from the prepare-assets snapshot when present", async () => {
    expect((await sandbox.ready).snapshot).toBe(true);
  });

  it("boots normally when the snapshot is unusable", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hintlab-sandbox-"));
    const bogus = path.join(dir, "snapshot.bin.gz");
    fs.writeFileSync(bogus, "not a snapshot");
    const other = new NodeSandbox({ snapshotPath: bogus, sympyBundlePath: null });
    try {
      expect(await other.ready).toMatchObject({ snapshot: false, sympy: false });
      expect((await other.execute("print(2 ** 10)", OPTS)).stdout).toBe("1024\n");
    } finally {
      await other.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("NodeSandbox: isolation", () => {
  let server: http.Server;
  let url: string;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end("reached");
    });
    server.on("connection", () => hits++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("cannot read host files", async () => {
    for (const code of [
      "print(open('/etc/passwd').read())",
      "import pyodide_js\npyodide_js.mountNodeFS('/host', '/etc')\nprint(open('/host/passwd').read())",
      "import pyodide_js\nFS = pyodide_js.FS\nFS.mount(FS.filesystems.NODEFS, {'root': '/etc'}, '/tmp')\nprint(open('/tmp/passwd').read())",
    ]) {
      const r = await run(code);
      expect(r.stdout, code).not.toContain("root:");
      expect(r.error, code).toBeTruthy();
    }
  });

  it("sees none of the parent's environment variables", async () => {
    const r = await run(
      "import os, js\nprint(sorted(os.environ))\nprint(dict(os.environ))\nprint(js.process.env.to_py() if hasattr(js.process.env, 'to_py') else js.process.env)",
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain("HINTLAB_SANDBOX_TEST_SECRET");
    expect(r.stdout).not.toContain(process.env.HOME ?? "/root");
    expect(r.stdout).not.toContain("/work/");
  });

  it("cannot start processes", async () => {
    for (const code of [
      "import subprocess\nprint(subprocess.run(['id'], capture_output=True).stdout)",
      "import os\nprint(os.system('id'))",
      "import os\nprint(os.popen('id').read())",
      "import js\nprint(js.require('child_process').execSync('id'))",
      "import js\nprint(js.process.getBuiltinModule('child_process').execSync('id'))",
    ]) {
      const r = await run(code);
      expect(r.stdout, code).not.toMatch(/uid=/);
      expect(r.error, code).toBeTruthy();
    }
    // None of these took the runtime down.
    expect((await run("print('alive')")).stdout).toBe("alive\n");
  });

  it("cannot reach the network (fetch, pyodide.http, sockets, urllib, ws, Node modules)", async () => {
    const attempts = [
      `import js\njs.fetch("${url}")`,
      `from pyodide.http import open_url\nprint(open_url("${url}").read())`,
      `import asyncio\nfrom pyodide.http import pyfetch\ntask = asyncio.ensure_future(pyfetch("${url}"))`,
      `import urllib.request\nprint(urllib.request.urlopen("${url}").read())`,
      `import socket\ns = socket.create_connection(("127.0.0.1", ${new URL(url).port}), timeout=2)\ns.send(b"GET / HTTP/1.0\\r\\n\\r\\n")\nprint(s.recv(100))`,
      `import js\nws = js.require("ws")\nws.new("ws://127.0.0.1:${new URL(url).port}/")`,
      `import js\njs.WebSocket.new("ws://127.0.0.1:${new URL(url).port}/")`,
      `import js\njs.process.getBuiltinModule("net").connect(${new URL(url).port}, "127.0.0.1")`,
      `import js\njs.eval("import('node:net')")`,
      `import js\njs.Function.new("return import('node:http')")()`,
      `import js\njs.Object.constructor.new("return fetch")()`,
      `import pyodide_js\npyodide_js.useNodeSockFS()`,
      `import pyodide_js\npyodide_js.loadPackage("${url}x-1.0-py3-none-any.whl")`,
    ];
    for (const code of attempts) {
      const r = await run(code);
      expect(r.stdout, code).not.toContain("reached");
    }
    // Let anything scheduled asynchronously (pyfetch task, promises) run before counting.
    await run("import time\ntime.sleep(0.5)");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(hits).toBe(0);
    expect((await run("print('alive')")).stdout).toBe("alive\n");
  });
});
