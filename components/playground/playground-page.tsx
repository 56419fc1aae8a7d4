"use client";

import { BrowserSandbox } from "@/lib/sandbox";
import type { SandboxFactory } from "@/lib/store";
import { Playground } from "./playground";

// Start the Python sandbox (its frame and worker) as soon as this module is evaluated in the browser, before React
// hydrates and runs effects: it is warm sooner (the worker-ready target is 3 s from page load).
let eager: BrowserSandbox | undefined = typeof window !== "undefined" && typeof Worker !== "undefined" ? new BrowserSandbox() : undefined;

// Module-level so the factory's identity is stable across renders (the provider's effect depends on it).
const browserSandboxFactory: SandboxFactory = {
  create() {
    // The eager sandbox is handed out once; a remount (dev StrictMode) gets a fresh one.
    const sandbox = eager ?? new BrowserSandbox();
    eager = undefined;
    return { sandbox, ready: sandbox.ready };
  },
};

export function PlaygroundPage() {
  return <Playground sandboxFactory={browserSandboxFactory} />;
}
