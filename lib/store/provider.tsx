"use client";

import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useStore } from "zustand";
import { HintSchema, type Sandbox } from "@/lib/protocol";
import { createHintlabStore, type HintlabState, type HintlabStore, type PublicModelConfig } from "./create-store";

const StoreContext = createContext<HintlabStore | null>(null);

export interface SandboxFactory {
  create(): { sandbox: Sandbox; ready: Promise<{ loadMs: number }> };
}

/**
 * Creates the page's store and connects it to the outside: the Python sandbox (started at once
 * so it is warm before the model writes code), the server's public model config and the hints.
 */
export function HintlabProvider({ children, sandboxFactory }: { children: ReactNode; sandboxFactory: SandboxFactory }) {
  const [runtime] = useState(() => ({ sandbox: undefined as Sandbox | undefined }));
  const [store] = useState(() => createHintlabStore({ fetch: (...a) => fetch(...a), sandbox: () => runtime.sandbox }));

  // External system: the Python sandbox (a sandboxed frame holding the Pyodide worker) lives as long as the page.
  useEffect(() => {
    const { sandbox, ready } = sandboxFactory.create();
    runtime.sandbox = sandbox;
    const { setSandboxStatus } = store.getState().actions;
    ready.then(
      ({ loadMs }) => setSandboxStatus({ state: "ready", loadMs }),
      (e: Error) => setSandboxStatus({ state: "failed", message: e.message }),
    );
    (window as unknown as { __hintlabSandbox?: Sandbox }).__hintlabSandbox = sandbox;
    return () => {
      runtime.sandbox = undefined;
      void sandbox.dispose();
    };
  }, [store, runtime, sandboxFactory]);

  // External system: the server's configuration and hint library, fetched once per page.
  useEffect(() => {
    const { setServerConfig, setHints, refreshConnections } = store.getState().actions;
    fetch("/api/config")
      .then((r) => r.json() as Promise<PublicModelConfig>)
      .then(setServerConfig, () => setServerConfig({ configured: false }));
    void refreshConnections();
    fetch("/api/hints")
      .then((r) => r.json() as Promise<{ hints: unknown[] }>)
      .then(
        (body) => setHints(body.hints.map((h) => HintSchema.parse(h))),
        (e: Error) => setHints([], `Could not load the Hint-Library: ${e.message}`),
      );
  }, [store]);

  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useHintlabStore(): HintlabStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error("useHintlab* hooks must be used inside <HintlabProvider>");
  return store;
}

export function useHintlab<T>(selector: (s: HintlabState) => T): T {
  return useStore(useHintlabStore(), selector);
}

export function useActions() {
  return useHintlab((s) => s.actions);
}
