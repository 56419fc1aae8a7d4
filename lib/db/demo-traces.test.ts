import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/demo-traces/route";
import { BUILTIN_HINTS } from "@/hints";
import { DEMO_TAG, loadDemoTraces } from "./demo-traces";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const DIR = path.resolve(import.meta.dirname, "../../demo-traces");
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-demo-test-"));
    db = openDb(testDbLocation(backend, dir, "a.db"));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("demo traces", () => {
    it("load the shipped ToRA trajectories with their code and recorded outputs, tagged demo", async () => {
      const r = await loadDemoTraces(db, { dir: DIR, hints: BUILTIN_HINTS });
      expect(r.added.length).toBe(5);
      expect(r.present).toEqual([]);
      const store = new TraceStore(db);
      for (const id of r.added) {
        const t = store.get(id)!;
        expect(id.startsWith("demo-")).toBe(true);
        expect(t.tags).toEqual([DEMO_TAG]);
        expect(t.config.triggers).toContain("Let's");
        // model text with a python block, the recorded ```output, more model text
        expect(t.segments.map((s) => s.kind)).toEqual(["prompt", "model", "tool_output", "model"]);
        expect(t.segments[1]!.text).toMatch(/```python\n[\s\S]+```\n?$/);
        const exec = t.events.find((e) => e.type === "code-executed");
        expect(exec?.type === "code-executed" && exec.code).toContain("print(");
      }
      const stick = store.get("demo-math-train-2646-0")!;
      expect(stick.segments[2]!.text).toContain("81");
    });

    it("is idempotent, and brings back only what was deleted", async () => {
      const first = await loadDemoTraces(db, { dir: DIR, hints: BUILTIN_HINTS });
      const store = new TraceStore(db);
      // A demo trace the user has worked on is left as it is.
      store.setTags(first.added[0]!, { baseVersion: store.get(first.added[0]!).version, author: "ann", tags: ["demo", "kept"] });
      const again = await loadDemoTraces(db, { dir: DIR, hints: BUILTIN_HINTS });
      expect(again).toEqual({ added: [], present: first.added });
      store.delete(first.added[1]!);
      const third = await loadDemoTraces(db, { dir: DIR, hints: BUILTIN_HINTS });
      expect(third.added).toEqual([first.added[1]]);
      expect(third.present.length).toBe(4);
      expect(store.get(first.added[0]!).tags).toEqual(["demo", "kept"]);
    });
  });

  describe("POST /api/demo-traces", () => {
    beforeEach(() => {
      vi.stubEnv("HINTLAB_DB", path.join(dir, "route.db"));
      vi.stubEnv("HINTLAB_DATA_DIR", dir);
    });
    afterEach(() => vi.unstubAllEnvs());
    const post = () => POST(new Request("http://localhost/api/demo-traces", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));

    it("loads the demo traces for the local user, and again loads nothing twice", async () => {
      const first = await post();
      expect(first.status).toBe(200);
      const a = (await first.json()) as { added: string[]; present: string[] };
      expect(a.added).toHaveLength(5);
      const b = (await (await post()).json()) as { added: string[]; present: string[] };
      expect(b).toEqual({ added: [], present: a.added });
    });
  });
});
