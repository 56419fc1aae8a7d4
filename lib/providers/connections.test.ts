import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "@/lib/db/sqlite";
import { PublicConnectionSchema } from "@/lib/protocol";
import { readServerConfig, resolveModelConfig } from "./config";
import { ConnectionStore, listPublicConnections } from "./connections";
import { backends, testDbLocation } from "@/lib/db/test-backends";

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-conn-"));
    db = openDb(testDbLocation(backend, dir, "c.db"));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("Ollama and LM Studio connections", () => {
    it("are stored with their kind and resolve to their own API", () => {
      const store = new ConnectionStore(db);
      const o = store.create({ name: "ollama-box", provider: "ollama", baseUrl: "http://box:11434/", model: "qwq:32b" });
      const l = store.create({ name: "lms", provider: "lmstudio", baseUrl: "http://localhost:1234/v1" });
      expect(store.get(o.id)).toMatchObject({ provider: "ollama", baseUrl: "http://box:11434" });
      const server = readServerConfig({});
      expect(resolveModelConfig({ connection: o.id }, server, (id) => store.get(id))).toMatchObject({ provider: "ollama", baseUrl: "http://box:11434", model: "qwq:32b" });
      expect(resolveModelConfig({ connection: l.id, model: "qwq-32b" }, server, (id) => store.get(id))).toMatchObject({ provider: "lmstudio", baseUrl: "http://localhost:1234/v1" });
      const listed = listPublicConnections(server, store).map((c) => PublicConnectionSchema.parse(c));
      expect(listed.map((c) => [c.name, c.provider])).toEqual([
        ["Local model", "local"],
        ["lms", "lmstudio"],
        ["ollama-box", "ollama"],
      ]);
    });

    it("HINTLAB_PROVIDER=ollama makes the built-in server connection an Ollama one", () => {
      const listed = listPublicConnections(readServerConfig({ HINTLAB_PROVIDER: "ollama", HINTLAB_MODEL: "qwq:32b" }), new ConnectionStore(db));
      expect(listed.find((c) => c.id === "server")).toMatchObject({ provider: "ollama", baseUrl: "http://localhost:11434", hasApiKey: false });
    });
  });
});
