import { describe, expect, it } from "vitest";
import type { Segment, Trace } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import type { HintlabState } from "./create-store";
import { resumeActions } from "./resume-actions";

const segments: Segment[] = [
  { id: "s0", kind: "prompt", text: "<prompt>" },
  { id: "s1", kind: "model", text: "So it is 42. Wait, check." },
];

describe("branchFromAlternative", () => {
  it("creates a fork of what is on screen with the text before the token and the alternative, records it, and opens it", async () => {
    const posts: { url: string; body: Record<string, unknown> }[] = [];
    let created: Trace | undefined;
    const fetch = (async (url: string, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>;
      posts.push({ url, body });
      if (url === "/api/traces") {
        created = { ...(body as unknown as Trace), version: 1, createdAt: 1, updatedAt: 1 };
        return new Response(JSON.stringify(created), { status: 201 });
      }
      return new Response(JSON.stringify({ lease: "lease-0123456789abcdef", trace: created }), { status: 200 });
    }) as typeof globalThis.fetch;
    const state = {
      traceId: "parent",
      engine: { segments, events: [{ type: "run-started", at: 0 }], problem: { id: "p", kind: "math", statement: "6*7?" }, config: testTraceConfig() },
    } as unknown as HintlabState;
    const opened: Trace[] = [];
    const r = resumeActions({ fetch, newId: () => "fork-1", get: () => state, set: () => {}, openGranted: (t) => opened.push(t) });

    const alternative = { text: " Hmm", logprob: -1.2, replaced: " Wait" };
    await r.branchFromAlternative({ segment: 1, offset: 12, alternative });
    expect(posts[0]!.url).toBe("/api/traces");
    expect(posts[0]!.body).toMatchObject({ id: "fork-1", parentId: "parent", forkAt: { segment: 1, offset: 12, alternative }, status: "stopped" });
    expect(posts[1]!.url).toBe("/api/traces/fork-1/lease");
    expect(opened[0]!.segments.map((s) => s.text)).toEqual(["<prompt>", "So it is 42. Hmm"]);
    await expect(r.branchFromAlternative({ segment: 0, offset: 3, alternative })).rejects.toThrow(/segment 0 is prompt/);
  });
});
