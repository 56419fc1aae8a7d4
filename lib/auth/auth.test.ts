// Accounts, sessions, links and the request guards, on a temp database.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "@/lib/db";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";
import { roleCan } from "@/lib/protocol";
import { readAuthConfig } from "./config";
import { hashPassword, verifyPassword } from "./password";
import { SignInLimiter } from "./rate-limit";
import { checkContentType, checkHost, checkSameOrigin, JSON_TYPES, UPLOAD_TYPES } from "./request-guard";
import { UserStore, LINK_TTL_MS } from "./users";
import { autoSignIn } from "./session";

// Each store on a fresh database of the backend the enclosing describe.each runs (closed after the test).
let backend: Backend = "sqlite";
const opened: Db[] = [];
const store = () => {
  const db = openDb(testDbLocation(backend, mkdtempSync(path.join(tmpdir(), "hintlab-auth-"))));
  opened.push(db);
  return new UserStore(db);
};
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});
const onBackend = (b: Backend) => beforeEach(() => void (backend = b));
const h = (o: Record<string, string>) => new Headers(o);
const config = readAuthConfig({});

describe("passwords", () => {
  it("scrypt hashes verify the right password only, and never store it", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain("correct");
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe.each(backends)("UserStore (%s)", (b) => {
  onBackend(b);
  it("sessions: a token signs its user in until it expires or is deleted; only its hash is stored", async () => {
    const s = store();
    const alice = await s.create("alice", "annotator");
    const { token } = s.createSession(alice.id, 1000, 0);
    expect(s.sessionUser(token, 500)).toMatchObject({ name: "alice", role: "annotator" });
    expect(s.sessionUser(token, 1001)).toBeUndefined();
    const again = s.createSession(alice.id, 10_000);
    s.deleteSession(again.token);
    expect(s.sessionUser(again.token)).toBeUndefined();
    expect(s.sessionUser("forged-token")).toBeUndefined();
  });

  it("sign-in links work once, expire after a day, and a new link replaces the old", async () => {
    const s = store();
    const bob = await s.create("bob", "researcher");
    const first = s.createSignInLink(bob.id, 0);
    const second = s.createSignInLink(bob.id, 0);
    expect(s.consumeSignInLink(first, 1)).toBeUndefined();
    expect(s.consumeSignInLink(second, 1)).toMatchObject({ name: "bob" });
    expect(s.consumeSignInLink(second, 2)).toBeUndefined();
    const late = s.createSignInLink(bob.id, 0);
    expect(s.consumeSignInLink(late, LINK_TTL_MS + 1)).toBeUndefined();
  });

  it("names are unique (case-insensitive); the last admin cannot be demoted or removed", async () => {
    const s = store();
    const root = await s.create("root", "admin");
    await expect(s.create("ROOT", "annotator")).rejects.toThrow(/already exists/);
    expect(() => s.setRole(root.id, "annotator")).toThrow(/only admin/);
    expect(() => s.remove(root.id)).toThrow(/only admin/);
    await s.create("other", "admin");
    s.setRole(root.id, "researcher");
    expect(s.byId(root.id)?.role).toBe("researcher");
    expect(s.count()).toBe(2);
    s.remove(root.id);
    expect(s.count()).toBe(1);
  });

  it("a new password ends the user's other sessions", async () => {
    const s = store();
    const u = await s.create("carol", "annotator", "first-password-1");
    const a = s.createSession(u.id, 60_000);
    await s.setPassword(u.id, "second-password-2");
    expect(s.sessionUser(a.token)).toBeUndefined();
    expect(await verifyPassword("second-password-2", s.byName("carol")!.passwordHash!)).toBe(true);
  });
});

describe("roles", () => {
  it("admin ⊇ researcher ⊇ annotator", () => {
    expect(roleCan("annotator", "annotate")).toBe(true);
    expect(roleCan("annotator", "run")).toBe(false);
    expect(roleCan("annotator", "admin")).toBe(false);
    expect(roleCan("researcher", "run")).toBe(true);
    expect(roleCan("researcher", "admin")).toBe(false);
    expect(roleCan("admin", "run")).toBe(true);
  });
});

describe("request guards", () => {
  it("Host: loopback names and the configured ones only (DNS rebinding carries its own name)", () => {
    expect(checkHost(h({ host: "127.0.0.1:3000" }), config)).toBeNull();
    expect(checkHost(h({ host: "localhost:3000" }), config)).toBeNull();
    expect(checkHost(h({ host: "[::1]:3000" }), config)).toBeNull();
    expect(checkHost(h({ host: "rebind.attacker.example:3000" }), config)?.status).toBe(403);
    const lab = readAuthConfig({ HINTLAB_HOST: "0.0.0.0", HINTLAB_ALLOWED_HOSTS: "hintlab.lab.example" });
    expect(checkHost(h({ host: "hintlab.lab.example" }), lab)).toBeNull();
    expect(checkHost(h({ host: "0.0.0.0:3000" }), lab)?.status).toBe(403);
  });

  it("state changes from another site are refused; same-origin and non-browser clients pass", () => {
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", "sec-fetch-site": "cross-site" }), config)?.status).toBe(403);
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", "sec-fetch-site": "same-site" }), config)?.status).toBe(403);
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", origin: "http://evil.example" }), config)?.status).toBe(403);
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", origin: "null" }), config)?.status).toBe(403);
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:4000" }), config)?.status).toBe(403);
    expect(checkSameOrigin("POST", h({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-origin" }), config)).toBeNull();
    expect(checkSameOrigin("DELETE", h({ host: "127.0.0.1:3000" }), config)).toBeNull(); // curl
    expect(checkSameOrigin("GET", h({ host: "127.0.0.1:3000", "sec-fetch-site": "cross-site" }), config)).toBeNull();
  });

  it("content types: JSON routes take JSON only; uploads never text/plain (a form can send it)", () => {
    expect(checkContentType("POST", h({ "content-type": "text/plain;charset=UTF-8" }), JSON_TYPES)?.status).toBe(415);
    expect(checkContentType("POST", h({ "content-type": "application/x-www-form-urlencoded" }), JSON_TYPES)?.status).toBe(415);
    expect(checkContentType("POST", h({ "content-type": "application/json; charset=utf-8" }), JSON_TYPES)).toBeNull();
    expect(checkContentType("POST", h({ "content-type": "text/plain" }), UPLOAD_TYPES)?.status).toBe(415);
    expect(checkContentType("POST", h({ "content-type": "multipart/form-data; boundary=x" }), UPLOAD_TYPES)).toBeNull();
    expect(checkContentType("POST", h({}), JSON_TYPES)).toBeNull(); // no body at all
  });
});

describe("SignInLimiter", () => {
  it("locks a name after 5 failures for the window, and the server after 30", () => {
    const l = new SignInLimiter(5, 30, 60_000);
    for (let i = 0; i < 5; i++) l.fail("alice", 1000);
    expect(l.retryAfter("alice", 1001)).toBeGreaterThan(0);
    expect(l.retryAfter("bob", 1001)).toBe(0);
    expect(l.retryAfter("alice", 61_001)).toBe(0);
    for (let i = 0; i < 30; i++) l.fail(`u${i}`, 2000);
    expect(l.retryAfter("someone-new", 2001)).toBeGreaterThan(0);
  });
});

describe.each(backends)("automatic sign-in of the local user (%s)", (b) => {
  onBackend(b);
  it("only on a loopback bind, with no accounts, unless HINTLAB_AUTH=required", async () => {
    const s = store();
    expect(autoSignIn(readAuthConfig({}), s)).toBe(true);
    expect(autoSignIn(readAuthConfig({ HINTLAB_HOST: "localhost" }), s)).toBe(true);
    expect(autoSignIn(readAuthConfig({ HINTLAB_HOST: "0.0.0.0" }), s)).toBe(false);
    expect(autoSignIn(readAuthConfig({ HINTLAB_HOST: "192.168.1.20" }), s)).toBe(false);
    expect(autoSignIn(readAuthConfig({ HINTLAB_AUTH: "required" }), s)).toBe(false);
    await s.create("first", "admin");
    expect(autoSignIn(readAuthConfig({}), s)).toBe(false); // the first account ends it
  });
});
