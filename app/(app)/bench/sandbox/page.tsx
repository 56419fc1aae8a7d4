"use client";

import { useEffect, useState } from "react";
import { BrowserSandbox, type SandboxStatus } from "@/lib/sandbox";

/** What the page exposes to bench/sandbox.mjs (a cast, not a global declaration, so it cannot clash with other pages'). */
interface BenchWindow {
  __hintlabSandbox?: BrowserSandbox;
  /** performance.now() (ms since navigation start) when the sandbox was created / became ready. */
  __hintlabSandboxCreatedAt?: number;
  __hintlabSandboxReadyAt?: number;
}

/**
 * Bench/e2e page: creates only the Python sandbox and exposes it as `window.__hintlabSandbox`
 * (bench/sandbox.mjs measures load time, round trips and interrupt latency through it).
 */
export default function SandboxBenchPage() {
  const [status, setStatus] = useState<SandboxStatus>("loading");
  const [detail, setDetail] = useState("");

  // Effect: owns the sandbox frame and its worker (an external system) for the page's lifetime.
  useEffect(() => {
    const w = window as unknown as BenchWindow;
    w.__hintlabSandboxCreatedAt = performance.now();
    const sandbox = new BrowserSandbox();
    w.__hintlabSandbox = sandbox;
    const unsubscribe = sandbox.onStatusChange(setStatus);
    sandbox.ready.then(
      (info) => {
        w.__hintlabSandboxReadyAt = performance.now();
        setDetail(`Python ${info.python ?? "?"}, loaded in ${Math.round(info.loadMs)} ms, sympy: ${info.sympy ? "yes" : "no"}, interrupts: ${sandbox.canInterrupt ? "yes" : "no (restart fallback)"}`);
      },
      (err: Error) => setDetail(err.message),
    );
    return () => {
      unsubscribe();
      delete w.__hintlabSandbox;
      void sandbox.dispose();
    };
  }, []);

  return (
    <main style={{ padding: "1rem" }}>
      <h1>Python sandbox</h1>
      <p data-testid="sandbox-status" data-status={status}>
        {status}
      </p>
      <p>{detail}</p>
    </main>
  );
}
