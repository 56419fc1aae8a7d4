// The thin route GET /api/traces/:id/logprobs on a temp database (HINTLAB_DB); storage itself is
// tested in logprobs.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/traces/[id]/logprobs/route";
import { logprobsFromBase64, TraceLogprobsSchema, unpackLogprobs } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { traceStore } from "./index";
import { backends, closeSharedDb, stubTestDbEnv } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-logprobs-api-"));
    stubTestDbEnv(vi.stubEnv, backend, dir);
    vi.stubEnv("HINTLAB_DATA_DIR", dir);
  });
  afterEach(() => {
    closeSharedDb();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (id: string) => GET(new Request(`http://localhost/api/traces/${id}/logprobs`), { params: Promise.resolve({ id }) });

  function createTrace(): string {
    return traceStore().create({
      problem: { id: "p", kind: "math", statement: "1+1?", gold: "2" },
      config: testTraceConfig(),
      segments: [
        { id: "s0", kind: "prompt", text: "<p>" },
        { id: "s1", kind: "model", text: "Wait, 2" },
      ],
      events: [],
      status: "finished",
    }).id;
  }

  describe("GET /api/traces/:id/logprobs", () => {
    it("404 for a trace that does not exist", async () => {
      const res = await get("nope");
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe("not-found");
    });

    it("an empty list for a trace without logprobs", async () => {
      const res = await get(createTrace());
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ segments: [] });
    });

    it("each segment's tokens as base64 of the packed form", async () => {
      const id = createTrace();
      const tokens = [
        { start: 0, text: "Wait", logprob: -0.75, top: [{ text: "So", logprob: -0.5 }, { text: "Wait", logprob: -0.75 }] },
        { start: 4, text: ",", logprob: -0.125, top: [] },
        { start: 5, text: " 2", logprob: 0, top: [{ text: " 2", logprob: 0 }] },
      ];
      traceStore().putLogprobs(id, 1, tokens);
      const body = TraceLogprobsSchema.parse(await (await get(id)).json());
      expect(body.segments.map((s) => s.segment)).toEqual([1]);
      expect(unpackLogprobs(logprobsFromBase64(body.segments[0]!.packed))).toEqual(tokens);
    });
  });
});
