import { describe, expect, it } from "vitest";
import type { ExecutionResult, Sandbox } from "@/lib/protocol";
import { createRerunStore, sameOutput } from "./replay-reruns";

/** A sandbox that answers when told to, in order, and records what it was asked. */
function fakeSandbox() {
  const calls: string[] = [];
  const waiting: ((r: ExecutionResult) => void)[] = [];
  let resets = 0;
  const sandbox: Sandbox = {
    execute: (code) => {
      calls.push(code);
      return new Promise((resolve) => waiting.push(resolve));
    },
    reset: async () => {
      resets++;
    },
    dispose: async () => {},
  };
  const answer = (stdout: string) => waiting.shift()!({ stdout, stderr: "", timedOut: false, truncated: false, durationMs: 3 });
  return { sandbox, calls, answer, resets: () => resets };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

describe("replay re-runs", () => {
  it("runs each closed block once, in order, and keeps the new output", async () => {
    const fake = fakeSandbox();
    let made = 0;
    const store = createRerunStore({ createSandbox: () => (made++, fake.sandbox), options: { timeoutMs: 1000, maxOutputChars: 100 } });
    const { actions } = store.getState();
    actions.warm();
    expect(made).toBe(1);
    actions.ensure([{ exec: 0, code: "print(81)" }]);
    actions.ensure([{ exec: 0, code: "print(81)" }, { exec: 1, code: undefined }, { exec: 2, code: "print(2)" }]);
    expect(fake.calls).toEqual(["print(81)", "print(2)"]);
    expect(store.getState().reruns[0]?.status).toBe("running");
    fake.answer("81\n");
    await flush();
    expect(store.getState().reruns[0]).toMatchObject({ status: "done", output: "81" });
    expect(store.getState().reruns[1]).toBeUndefined(); // skipped when recorded: nothing to re-run
    expect(made).toBe(1);
  });

  it("a new pass resets the namespace and drops late results of the old one", async () => {
    const fake = fakeSandbox();
    const store = createRerunStore({ createSandbox: () => fake.sandbox, options: { timeoutMs: 1000, maxOutputChars: 100 } });
    const { actions } = store.getState();
    actions.ensure([{ exec: 0, code: "x = 1" }]);
    actions.reset();
    expect(fake.resets()).toBe(1);
    fake.answer("late");
    await flush();
    expect(store.getState().reruns).toEqual({});
    actions.ensure([{ exec: 0, code: "x = 1" }]);
    expect(fake.calls.length).toBe(2);
  });

  it("compares outputs ignoring only trailing whitespace", () => {
    expect(sameOutput("81\n", "81")).toBe(true);
    expect(sameOutput("(2*sqrt(2), -3*pi/4)", "(2*sqrt(2), 5*pi/4)")).toBe(false);
    expect(sameOutput(" 1", "1")).toBe(false);
  });
});
