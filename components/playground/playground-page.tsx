"use client";

import { BrowserSandbox } from "@/lib/sandbox";
import type { SandboxFactory } from "@/lib/store";
import { Playground } from "./playground";

// Module-level so the factory's identity is stable across renders (the provider's effect depends on it).
const browserSandboxFactory: SandboxFactory = {
  create() {
    const sandbox = new BrowserSandbox();
    return { sandbox, ready: sandbox.ready };
  },
};

export function PlaygroundPage() {
  return <Playground sandboxFactory={browserSandboxFactory} />;
}
