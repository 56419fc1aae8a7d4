import { expect, type CDPSession, type Page, type Request } from "@playwright/test";

export interface SandboxRunResult {
  stdout: string;
  stderr: string;
  error?: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** Wall time of the execute() call, measured in the page. */
  ms: number;
}

/** Files the sandbox frame and its worker may load (everything else is an escape). */
const SANDBOX_ASSETS = /\/pyodide\/(hintlab-frame\.js|hintlab-worker\.js|pyodide\.mjs|pyodide\.asm\.mjs|pyodide\.asm\.wasm|python_stdlib\.zip|pyodide-lock\.json|python-snapshot\.bin\.gz|sympy-bundle\.zip)$/;

/**
 * Page object of /bench/sandbox: a page that holds only the Python sandbox and exposes it as
 * `window.__hintlabSandbox`. Calls go through a CDP session rather than page.evaluate: when the
 * sandbox frame's process dies (a memory bomb), Playwright marks the whole page as crashed even
 * though the page itself is alive — which is exactly what these tests must be able to see.
 */
export class SandboxPage {
  /** Every request the browser made for this page, its frames and workers, after open(). */
  readonly requests: { url: string; method: string; resourceType: string }[] = [];
  private cdp: CDPSession | undefined;

  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    const track = (r: Request) => this.requests.push({ url: r.url(), method: r.method(), resourceType: r.resourceType() });
    this.page.context().on("request", track);
    await this.page.goto("/bench/sandbox");
    this.cdp = await this.page.context().newCDPSession(this.page);
    await expect(this.page.getByTestId("sandbox-status")).toHaveAttribute("data-status", "ready", { timeout: 30_000 });
  }

  /** Evaluate an expression in the page (awaiting promises) without Playwright's crash bookkeeping. */
  async evaluate<T>(expression: string): Promise<T> {
    if (!this.cdp) throw new Error("SandboxPage: open() first");
    const { result, exceptionDetails } = await this.cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`in page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  run(code: string, options: { timeoutMs?: number; maxOutputChars?: number } = {}): Promise<SandboxRunResult> {
    const opts = { timeoutMs: options.timeoutMs ?? 5000, maxOutputChars: options.maxOutputChars ?? 8000 };
    return this.evaluate<SandboxRunResult>(`(async () => {
      const t = performance.now();
      const r = await window.__hintlabSandbox.execute(${JSON.stringify(code)}, ${JSON.stringify(opts)});
      return { ...r, ms: performance.now() - t };
    })()`);
  }

  reset(): Promise<void> {
    return this.evaluate("window.__hintlabSandbox.reset()");
  }

  /** The page is alive and its own script still runs. */
  async alive(): Promise<boolean> {
    return (await this.evaluate<number>("6 * 7").catch(() => 0)) === 42;
  }

  /**
   * Requests that are neither the sandbox's boot files nor the page's own loading (its document,
   * Next chunks and link prefetches, the frame document): anything else was made by model code.
   */
  escapes(appOrigin: string): string[] {
    const own = (u: URL) =>
      u.origin === appOrigin &&
      (SANDBOX_ASSETS.test(u.pathname) ||
        u.pathname.startsWith("/_next/") ||
        u.searchParams.has("_rsc") ||
        ["/bench/sandbox", "/sandbox/frame", "/icon.svg", "/favicon.ico"].includes(u.pathname));
    return this.requests
      .filter((r) => !r.url.startsWith("blob:") && !r.url.startsWith("data:") && !own(new URL(r.url)))
      .map((r) => `${r.method} ${r.url}`);
  }

  /** The legitimate path still works: Python runs, the time limit interrupts (namespace kept), sympy imports. */
  async expectHealthy(): Promise<void> {
    expect(await this.alive(), "the page is alive").toBe(true);
    // The first run after an attack may land on a frame that has just booted on a loaded machine
    // (CI measured over 5 s): this checks that Python runs; the time limit is checked just below.
    const basic = await this.run("healthy = 6 * 7\nprint(healthy)", { timeoutMs: 30_000 });
    expect(basic).toMatchObject({ stdout: "42\n", timedOut: false });
    expect(basic.error).toBeUndefined();
    const loop = await this.run("while True: pass", { timeoutMs: 300 });
    expect(loop.timedOut).toBe(true);
    expect(loop.error).toContain("stopped after 0.3 s (time limit).");
    expect(loop.error).not.toContain("restarted");
    expect((await this.run("print(healthy)")).stdout).toBe("42\n");
    const sympy = await this.run("import sympy\nprint(sympy.factorint(2**16 + 1), sympy.Rational(1, 3) + sympy.Rational(1, 6))", { timeoutMs: 60_000 });
    expect(sympy.error).toBeUndefined();
    expect(sympy.stdout).toBe("{65537: 1} 1/2\n");
  }
}
