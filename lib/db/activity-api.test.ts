// The thin route GET /api/traces/:id/activity and the annotator routes that log as the signed-in
// account, on a temp database (HINTLAB_DB); the merge itself is tested in activity-list.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/traces/[id]/activity/route";
import { POST as mark } from "@/app/api/traces/[id]/annotations/route";
import { DELETE as unmark } from "@/app/api/traces/[id]/annotations/[annotationId]/route";
import { PUT as putTags } from "@/app/api/traces/[id]/tags/route";
import { userStore } from "@/lib/auth";
import { TraceActivitySchema, type Annotation } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { getDb } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, closeSharedDb, stubTestDbEnv } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let id: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-activity-api-"));
    stubTestDbEnv(vi.stubEnv, backend, dir);
    vi.stubEnv("HINTLAB_DATA_DIR", dir);
    id = new TraceStore(getDb()).create({
      problem: { id: "p", kind: "math", statement: "What is 2^10?" },
      config: testTraceConfig(),
      segments: [
        { id: "s0", kind: "prompt", text: "<prompt>" },
        { id: "s1", kind: "model", text: "Let me compute 2^10. So it is 1024." },
      ],
      events: [{ type: "run-started", at: 1 }],
      status: "finished",
    }).id;
  });
  afterEach(() => {
    getDb().close();
    closeSharedDb();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  const params = <P extends Record<string, string>>(p: P) => ({ params: Promise.resolve(p) });
  const url = (rest = "") => `http://localhost/api/traces/${id}${rest}`;
  const activity = (headers: Record<string, string> = {}, traceId = id) => GET(new Request(`http://localhost/api/traces/${traceId}/activity`, { headers }), params({ id: traceId }));
  const json = (cookie: Record<string, string>, method: string, body: object) =>
    ({ method, headers: { ...cookie, "content-type": "application/json" }, body: JSON.stringify(body) }) satisfies RequestInit;

  async function signedIn(name: string, role: "annotator" | "researcher") {
    const users = userStore();
    const user = await users.create(name, role, `${name}-password-1`);
    return { cookie: `hintlab_session=${users.createSession(user.id, 3600_000).token}` };
  }

  describe("GET /api/traces/:id/activity", () => {
    it("refuses a request without a session once accounts exist; an annotator reads it", async () => {
      const anna = await signedIn("anna", "annotator");
      const refused = await activity();
      expect(refused.status).toBe(401);
      expect((await refused.json()).error.code).toBe("unauthenticated");
      const res = await activity(anna);
      expect(res.status).toBe(200);
      expect(TraceActivitySchema.parse(await res.json())).toEqual({ traceId: id, items: [{ source: "run", at: 1, author: "model run", kind: "run-started", detail: { model: "m", policy: "greedy", eventIndex: 0 } }] });
      expect((await activity(anna, "missing")).status).toBe(404);
    });

    it("the annotator routes log the signed-in account, whatever the body says", async () => {
      const anna = await signedIn("anna", "annotator");
      const bob = await signedIn("bob", "researcher");
      const added = await mark(new Request(url("/annotations"), json(anna, "POST", { baseVersion: 1, author: "mallory", annotation: { segment: 1, start: 0, end: 20, label: "good", comment: "" } })), params({ id }));
      expect(added.status).toBe(201);
      const a = ((await added.json()) as { result: Annotation }).result;
      expect((await unmark(new Request(url(`/annotations/${a.id}`), json(bob, "DELETE", { baseVersion: 2 })), params({ id, annotationId: a.id }))).status).toBe(200);
      expect((await putTags(new Request(url("/tags"), json(anna, "PUT", { baseVersion: 3, tags: ["checked"] })), params({ id }))).status).toBe(200);
      const { items } = TraceActivitySchema.parse(await (await activity(anna)).json());
      expect(items.filter((i) => i.source === "log").map((i) => [i.kind, i.author, i.detail.text ?? i.detail.added])).toEqual([
        ["annotation-added", "anna", "Let me compute 2^10."],
        ["annotation-removed", "bob", "Let me compute 2^10."],
        ["tags-set", "anna", ["checked"]],
      ]);
    });
  });
});
