import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CreateTraceBody, LiveAppendBody, Segment } from "@/lib/protocol";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { LIVE_TIMEOUT_MS } from "./live-writes";
import { currentOwner, ownerAlive, sweepOrphans, OWNER_TIMEOUT_MS } from "./owners";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const config = testTraceConfig();
  const seg = (i: number, kind: Segment["kind"], text: string): Segment => ({ id: `seg-${i}`, kind, text });
  const live = (over: Partial<CreateTraceBody> = {}): CreateTraceBody => ({
    problem: { id: "p1", kind: "math", statement: "What is 6*7?", gold: "42" },
    config,
    segments: [seg(1, "prompt", "<p>")],
    events: [{ type: "run-started", at: 1 }],
    status: "generating",
    ...over,
  });

  let dir: string;
  let db: Db;
  let store: TraceStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-live-"));
    db = openDb(testDbLocation(backend, dir, "t.db"));
    store = new TraceStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A write of `text` as the growing model segment, as TraceWriter sends it. */
  function write(lease: string, seq: number, text: string, status: LiveAppendBody["status"] = "generating"): LiveAppendBody {
    return { lease, seq, segmentsFrom: 1, segments: [seg(2, "model", text)], eventsFrom: 1, events: [], status };
  }

  describe("live writes under a lease", () => {
    it("a late request of the same writer changes nothing (it was overtaken by a newer one)", () => {
      const t = store.create(live());
      store.liveAppend(t.id, write(t.lease!, 2, "Hello world, and more"));
      expect(() => store.liveAppend(t.id, write(t.lease!, 1, "Hello"))).toThrow(expect.objectContaining({ reason: "stale-write" }));
      expect(store.get(t.id).segments[1]!.text).toBe("Hello world, and more");
    });

    it("a stale request replayed after the trace finished and was annotated changes nothing", () => {
      const long = "Let me think. ".repeat(1200);
      const t = store.create(live());
      const early = write(t.lease!, 1, long.slice(0, 50));
      store.liveAppend(t.id, early);
      store.liveAppend(t.id, { ...write(t.lease!, 2, long), status: "finished", release: true });
      const annotated = store.addAnnotation(t.id, { baseVersion: 1, author: "ann", annotation: { segment: 1, start: 0, end: 13, label: "good", comment: "" } });
      // The tester's replay: the early request again, and again with a fresh seq.
      expect(() => store.liveAppend(t.id, early)).toThrow(expect.objectContaining({ reason: "lease-lost" }));
      expect(() => store.liveAppend(t.id, { ...early, seq: 99 })).toThrow(expect.objectContaining({ reason: "lease-lost" }));
      const got = store.get(t.id);
      expect(got.segments[1]!.text).toBe(long);
      expect(got.status).toBe("finished");
      expect(got.version).toBe(annotated.version);
      expect(got.annotations).toHaveLength(1);
    });

    it("even the lease holder cannot shorten or rewrite stored text or events", () => {
      const t = store.create(live());
      store.liveAppend(t.id, write(t.lease!, 1, "Hello world"));
      expect(() => store.liveAppend(t.id, write(t.lease!, 2, "Hello"))).toThrow(expect.objectContaining({ reason: "would-shorten" }));
      expect(() => store.liveAppend(t.id, write(t.lease!, 3, "Jello world!"))).toThrow(expect.objectContaining({ reason: "would-shorten" }));
      expect(() => store.liveAppend(t.id, { ...write(t.lease!, 4, "Hello world"), segmentsFrom: 0, segments: [] })).toThrow(/drop segments/);
      expect(() => store.liveAppend(t.id, { ...write(t.lease!, 5, "Hello world"), eventsFrom: 0, events: [{ type: "run-started", at: 999 }] })).toThrow(/rewrite event 0/);
      expect(store.get(t.id).segments[1]!.text).toBe("Hello world");
    });

    it("a second writer is refused while the first is live, and takes over only when asked; the first is then refused", () => {
      const t = store.create(live(), 1000);
      store.liveAppend(t.id, write(t.lease!, 1, "Tab A writes"), 2000);
      expect(() => store.acquireLease(t.id, false, 3000)).toThrow(expect.objectContaining({ reason: "lease-held" }));
      const b = store.acquireLease(t.id, true, 3000);
      expect(b.trace.segments[1]!.text).toBe("Tab A writes");
      expect(() => store.liveAppend(t.id, write(t.lease!, 2, "Tab A writes more"), 3500)).toThrow(expect.objectContaining({ reason: "lease-lost" }));
      store.liveAppend(t.id, write(b.lease, 1, "Tab A writes, then tab B"), 4000);
      expect(store.get(t.id, 4000).segments[1]!.text).toBe("Tab A writes, then tab B");
    });

    it("a lease whose writer went silent, or was released, no longer blocks a resume", () => {
      const t = store.create(live(), 1000);
      expect(store.acquireLease(t.id, false, 1000 + LIVE_TIMEOUT_MS + 1).lease).not.toBe(t.lease);
      const u = store.create(live({ id: "u" }), 1000);
      store.releaseLease(u.id, u.lease!, 1500);
      expect(store.get(u.id, 1500).status).toBe("interrupted");
      expect(store.acquireLease(u.id, false, 1600).lease).toBeDefined();
    });

    it("a release with the keepalive write stores the text and reads interrupted at once", () => {
      const t = store.create(live(), 1000);
      store.liveAppend(t.id, { ...write(t.lease!, 1, "closing the tab"), release: true }, 1100);
      const got = store.get(t.id, 1100);
      expect(got.status).toBe("interrupted");
      expect(got.segments[1]!.text).toBe("closing the tab");
    });

    it("the list's interrupted filter finds traces stored as interrupted and live ones gone silent, not live ones", () => {
      const handedBack = store.create(live({ id: "handed-back" }), 1000);
      store.releaseLease(handedBack.id, handedBack.lease!, 1000);
      store.create(live({ id: "silent" }), 1000);
      store.create(live({ id: "speaking" }), 1000 + LIVE_TIMEOUT_MS);
      const { items } = store.list({ status: "interrupted", sort: "created", order: "asc", limit: 10, offset: 0 }, 1000 + LIVE_TIMEOUT_MS + 1);
      expect(items.map((i) => i.id).sort()).toEqual(["handed-back", "silent"]);
    });

    it("annotations and edits on a trace that is generating are accepted (live writes do not bump the version)", () => {
      const t = store.create(live());
      store.liveAppend(t.id, write(t.lease!, 1, "Wait, let me check that again."));
      const a = store.addAnnotation(t.id, { baseVersion: 1, author: "ann", annotation: { segment: 1, start: 0, end: 4, label: "good", comment: "" } });
      store.liveAppend(t.id, write(t.lease!, 2, "Wait, let me check that again. And again."));
      store.liveAppend(t.id, write(t.lease!, 3, "Wait, let me check that again. And again. Done."));
      const e = store.addEdit(t.id, { baseVersion: a.version, author: "ann", edit: { segment: 1, start: 6, end: 29, replacement: "I will use Python" } });
      expect(e.version).toBe(a.version + 1);
      const got = store.get(t.id);
      expect(got.annotations).toHaveLength(1);
      expect(got.edits?.[0]?.original).toBe("let me check that again");
    });
  });

  describe("run owners", () => {
    it("this process is alive; a dead pid on this host is not, nor is this pid under another owner id", () => {
      const me = currentOwner(db);
      expect(ownerAlive(db, me)).toBe(true);
      const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
      db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES ('gone', ?, ?, 0, ?)").run(hostname(), dead, Date.now());
      db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES ('reused', ?, ?, 0, ?)").run(hostname(), process.pid, Date.now());
      db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES ('far', 'elsewhere', 1, 0, ?)").run(Date.now());
      expect(ownerAlive(db, "gone")).toBe(false);
      expect(ownerAlive(db, "reused")).toBe(false);
      expect(ownerAlive(db, "far")).toBe(true);
      expect(ownerAlive(db, "far", Date.now() + OWNER_TIMEOUT_MS + 1)).toBe(false);
    });

    it("a restarted server finds the runs of its dead predecessor interrupted before its first read", () => {
      const t = store.create(live(), Date.now());
      const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
      db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES ('old-server', ?, ?, 0, ?)").run(hostname(), dead, Date.now());
      db.prepare("UPDATE traces SET writer_owner = 'old-server' WHERE id = ?").run(t.id);
      db.prepare("INSERT INTO datasets (id, name, content_hash, problem_count, created_at) VALUES ('d', 'd', 'h', 0, 0)").run();
      db.prepare(
        "INSERT INTO experiments (id, name, dataset_id, spec, status, heartbeat_at, created_at, updated_at, owner_id) VALUES ('e1', 'e', 'd', '{}', 'running', ?, 0, 0, 'old-server')",
      ).run(Date.now());
      // Fresh heartbeats, so only the owner's death can tell.
      expect(store.get(t.id).status).toBe("generating");
      expect(sweepOrphans(db)).toEqual({ traces: 1, experiments: 1 });
      expect(store.get(t.id).status).toBe("interrupted");
      expect((db.prepare("SELECT status FROM experiments WHERE id = 'e1'").get() as { status: string }).status).toBe("interrupted");
      expect(store.acquireLease(t.id, false).lease).toBeDefined();
    });

    it("the runs of a live owner are left alone", () => {
      const t = store.create(live(), Date.now());
      expect(sweepOrphans(db)).toEqual({ traces: 0, experiments: 0 });
      expect(store.get(t.id).status).toBe("generating");
    });
  });
});
