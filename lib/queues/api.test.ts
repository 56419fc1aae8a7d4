// The /api/queues routes on a temp database: who may do what (researcher, the queue's annotators,
// an annotator outside it, nobody signed in), and the export scoped to a queue.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as listQueues, POST as createQueue } from "@/app/api/queues/route";
import { GET as annotators } from "@/app/api/queues/annotators/route";
import { GET as getQueue, DELETE as deleteQueue } from "@/app/api/queues/[id]/route";
import { POST as next } from "@/app/api/queues/[id]/next/route";
import { GET as getItem } from "@/app/api/queues/[id]/items/[idx]/route";
import { POST as adjudicate } from "@/app/api/queues/[id]/items/[idx]/adjudicate/route";
import { GET as getAssignment } from "@/app/api/queues/[id]/assignments/[aid]/route";
import { GET as getAssignmentTrace } from "@/app/api/queues/[id]/assignments/[aid]/trace/route";
import { PUT as review } from "@/app/api/queues/[id]/assignments/[aid]/review/route";
import { POST as addEdit } from "@/app/api/queues/[id]/assignments/[aid]/edits/route";
import { POST as skip } from "@/app/api/queues/[id]/assignments/[aid]/skip/route";
import { GET as exportRoute } from "@/app/api/export/route";
import { userStore } from "@/lib/auth";
import { getDb, TraceStore } from "@/lib/db";
import { backends, closeSharedDb, stubTestDbEnv } from "@/lib/db/test-backends";
import { AssignmentSchema, QueueDetailSchema, TraceSchema, type CreateTraceBody } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";

const JSON_TYPE = { "content-type": "application/json" };
const cookies: Record<string, { cookie: string }> = {};
const q = (id: string) => ({ params: Promise.resolve({ id }) });
const a = (id: string, aid: string) => ({ params: Promise.resolve({ id, aid }) });
const item = (id: string, idx: number) => ({ params: Promise.resolve({ id, idx: String(idx) }) });
const req = (who: string | undefined, method = "GET", body?: unknown) =>
  new Request("http://localhost/api/queues", { method, headers: { ...(body !== undefined ? JSON_TYPE : {}), ...(who ? cookies[who] : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

describe.each(backends)("%s", (backend) => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-queue-api-"));
    stubTestDbEnv(vi.stubEnv, backend, dir);
    const users = userStore();
    for (const [name, role] of [["rita", "researcher"], ["ann", "annotator"], ["bob", "annotator"], ["cy", "annotator"]] as const) {
      const u = await users.create(name, role, `${name}-password-123`);
      cookies[name] = { cookie: `hintlab_session=${users.createSession(u.id, 3600_000).token}` };
    }
    const traces = new TraceStore(getDb());
    for (let i = 0; i < 4; i++) {
      const body: CreateTraceBody = {
        id: `qt${i}`,
        problem: { id: `p${i}`, kind: "math", statement: `Problem ${i}`, gold: "2" },
        config: testTraceConfig(),
        segments: [
          { id: "s0", kind: "prompt", text: "<prompt>" },
          { id: "s1", kind: "model", text: `Let me think about ${i}. Wait, 1+1 is 2. \\boxed{2}` },
        ],
        events: [],
        status: "finished",
        tags: ["rft:e1"],
        createdAt: 100 + i,
      };
      traces.create(body);
    }
  });
  afterAll(() => {
    closeSharedDb();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = { name: "R1 corrections", instructions: "Mark **unreasonable** steps.", labels: ["unreasonable"], annotators: ["ann", "bob"], perItem: 2, overlapShare: 0.5, assignment: "claim", leaseMinutes: 30, seed: 3 };

  describe("/api/queues", () => {
    let id = "";

    it("lets researchers create queues and list annotators; refuses annotators and strangers", async () => {
      expect((await createQueue(req("ann", "POST", { spec, source: { type: "rft", experimentId: "e1" } }))).status).toBe(403);
      expect((await createQueue(req(undefined, "POST", { spec, source: { type: "rft", experimentId: "e1" } }))).status).toBe(401);
      expect((await annotators(req("ann"))).status).toBe(403);
      const names = (await (await annotators(req("rita"))).json()) as { items: { name: string }[] };
      expect(names.items.map((n) => n.name)).toEqual(["ann", "bob", "cy", "rita"]);
      const bad = await createQueue(req("rita", "POST", { spec: { ...spec, perItem: 3 }, source: { type: "rft", experimentId: "e1" } }));
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/need at least 3 annotators/);
      // Another site's page cannot use rita's session to make (or work in) a queue.
      const crossSite = (make: (r: Request) => Promise<Response>) => {
        const r = req("rita", "POST", { spec, source: { type: "rft", experimentId: "e1" } });
        r.headers.set("origin", "https://evil.example");
        r.headers.set("sec-fetch-site", "cross-site");
        return make(r);
      };
      expect((await crossSite((r) => createQueue(r))).status).toBe(403);
      const res = await createQueue(req("rita", "POST", { spec, source: { type: "rft", experimentId: "e1" } }));
      expect(res.status).toBe(201);
      id = ((await res.json()) as { id: string }).id;
    });

    it("shows a queue to its annotators only", async () => {
      const annList = (await (await listQueues(req("ann"))).json()) as { items: { id: string; mine?: { remaining: number } }[] };
      expect(annList.items).toHaveLength(1);
      expect(annList.items[0]!.mine?.remaining).toBe(4);
      expect(((await (await listQueues(req("cy"))).json()) as { items: unknown[] }).items).toHaveLength(0);
      expect((await getQueue(req("cy"), q(id))).status).toBe(403);
      expect((await next(req("cy", "POST"), q(id))).status).toBe(403);
      const foreign = req("ann", "POST");
      foreign.headers.set("origin", "https://evil.example");
      expect((await next(foreign, q(id))).status).toBe(403);
      const detail = QueueDetailSchema.parse(await (await getQueue(req("rita"), q(id))).json());
      expect(detail.items).toBe(4);
    });

    it("keeps each assignment to its annotator; researchers may read it, adjudicate and export", async () => {
      const n = (await (await next(req("ann", "POST"), q(id))).json()) as { assignment: unknown };
      const mine = AssignmentSchema.parse(n.assignment);
      expect(mine.item).toBe(0);
      expect((await getAssignment(req("bob"), a(id, mine.id))).status).toBe(403);
      expect((await getAssignment(req("rita"), a(id, mine.id))).status).toBe(200);
      expect((await review(req("bob", "PUT", { baseVersion: 1, status: "accepted" }), a(id, mine.id))).status).toBe(403);
      expect((await review(req("rita", "PUT", { baseVersion: 1, status: "accepted" }), a(id, mine.id))).status).toBe(403);
      const edit = await addEdit(req("ann", "POST", { baseVersion: 1, edit: { segment: 1, start: 0, end: 12, replacement: "I will compute" } }), a(id, mine.id));
      expect(edit.status).toBe(201);
      const t = TraceSchema.parse(await (await getAssignmentTrace(req("ann"), a(id, mine.id))).json());
      expect(t.edits?.map((e) => [e.author, e.original])).toEqual([["ann", "Let me think"]]);
      expect((await review(req("ann", "PUT", { baseVersion: 1, status: "accepted" }), a(id, mine.id))).status).toBe(409);
      expect((await review(req("ann", "PUT", { baseVersion: 2, status: "accepted" }), a(id, mine.id))).status).toBe(200);
      expect((await getItem(req("ann"), item(id, mine.item))).status).toBe(403);
      expect((await adjudicate(req("ann", "POST", { choose: "ann" }), item(id, mine.item))).status).toBe(403);
      expect((await getItem(req("rita"), item(id, mine.item))).status).toBe(200);
      expect((await getItem(req("rita"), item(id, 99))).status).toBe(404);
      expect((await getItem(req("rita"), item(id, -1))).status).toBe(400);
      // bob skips his first item: recorded, and it comes back last.
      const b = AssignmentSchema.parse(((await (await next(req("bob", "POST"), q(id))).json()) as { assignment: unknown }).assignment);
      expect((await skip(req("ann", "POST"), a(id, b.id))).status).toBe(403);
      expect((await skip(req("bob", "POST"), a(id, b.id))).status).toBe(204);
      // Export scoped to the queue: only items whose final version is accepted, with the annotator as author.
      const single = QueueDetailSchema.parse(await (await getQueue(req("rita"), q(id))).json());
      const exported = await exportRoute(new Request(`http://localhost/api/export?format=edits&queue=${id}`, { headers: cookies.rita }));
      expect(exported.status).toBe(200);
      const lines = (await exported.text()).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { author: string; queue?: { id: string }; replacement: string });
      // Seed 3 makes items 1 and 3 the overlapping ones: ann's first item (0) is hers alone, so it is final.
      expect(single.final).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ author: "ann", replacement: "I will compute", queue: { id, name: "R1 corrections" } });
      expect((await exportRoute(new Request(`http://localhost/api/export?format=edits&queue=${id}`, { headers: cookies.ann }))).status).toBe(403);
      expect((await deleteQueue(req("ann", "DELETE"), q(id))).status).toBe(403);
      expect((await deleteQueue(req("rita", "DELETE"), q(id))).status).toBe(204);
      expect((await getQueue(req("rita"), q(id))).status).toBe(404);
    });
  });
});
