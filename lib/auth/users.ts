import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "@/lib/db";
import { AppError, type PublicUser, type Role, type UserListItem } from "@/lib/protocol";
import { hashPassword } from "./password";

/** One-time sign-in links expire after a day; a link is spent by its first sign-in. */
export const LINK_TTL_MS = 24 * 3600 * 1000;

interface UserRow {
  id: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
}

export const newToken = () => randomBytes(32).toString("base64url");
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

const toPublic = (r: UserRow): PublicUser => ({ id: r.id, name: r.name, role: r.role });

/** Accounts, sessions and one-time sign-in links over the app database. */
export class UserStore {
  constructor(private readonly db: Db) {}

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM users").get() as { n: number }).n;
  }

  list(): UserListItem[] {
    const rows = this.db.prepare("SELECT * FROM users ORDER BY name").all() as UserRow[];
    return rows.map((r) => ({ ...toPublic(r), hasPassword: r.password_hash !== null, createdAt: r.created_at }));
  }

  byName(name: string): (PublicUser & { passwordHash: string | null }) | undefined {
    const r = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as UserRow | undefined;
    return r && { ...toPublic(r), passwordHash: r.password_hash };
  }

  byId(id: string): PublicUser | undefined {
    const r = this.db.prepare("SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
    return r && toPublic(r);
  }

  async create(name: string, role: Role, password?: string, now = Date.now()): Promise<PublicUser> {
    if (this.byName(name)) throw new AppError("conflict", `a user named "${name}" already exists; choose another name or change that user's role`);
    const hash = password === undefined ? null : await hashPassword(password);
    const user: PublicUser = { id: randomUUID(), name, role };
    this.db.prepare("INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)").run(user.id, name, role, hash, now);
    return user;
  }

  setRole(id: string, role: Role): PublicUser {
    this.mustExist(id);
    if (role !== "admin") this.keepAnAdmin(id);
    this.db.prepare("UPDATE users SET role = ? WHERE id = ?").run(role, id);
    return this.byId(id)!;
  }

  /** A new password signs the user out everywhere else. */
  async setPassword(id: string, password: string, keepSessionHash?: string): Promise<void> {
    this.mustExist(id);
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").run(hash, id);
      this.db.prepare("DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?").run(id, keepSessionHash ?? null);
    })();
  }

  remove(id: string): void {
    this.mustExist(id);
    this.keepAnAdmin(id);
    this.db.prepare("DELETE FROM users WHERE id = ?").run(id); // sessions and links cascade
  }

  /** A one-time sign-in link's token (shown once; only its hash is kept). Older links of the user stop working. */
  createSignInLink(userId: string, now = Date.now()): string {
    this.mustExist(userId);
    const token = newToken();
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM sign_in_links WHERE user_id = ?").run(userId);
      this.db.prepare("INSERT INTO sign_in_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)").run(hashToken(token), userId, now, now + LINK_TTL_MS);
    })();
    return token;
  }

  /** Spend a sign-in link: the user it was made for, or undefined when unknown, used or expired. */
  consumeSignInLink(token: string, now = Date.now()): PublicUser | undefined {
    const hash = hashToken(token);
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT user_id, expires_at FROM sign_in_links WHERE token_hash = ?").get(hash) as { user_id: string; expires_at: number } | undefined;
      if (!row) return undefined;
      this.db.prepare("DELETE FROM sign_in_links WHERE token_hash = ?").run(hash);
      return row.expires_at > now ? this.byId(row.user_id) : undefined;
    })();
  }

  createSession(userId: string, ttlMs: number, now = Date.now()): { token: string; expiresAt: number } {
    const token = newToken();
    const expiresAt = now + ttlMs;
    this.db.prepare("DELETE FROM sessions WHERE expires_at <= ?").run(now);
    this.db.prepare("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)").run(hashToken(token), userId, now, expiresAt);
    return { token, expiresAt };
  }

  sessionUser(token: string, now = Date.now()): PublicUser | undefined {
    const row = this.db
      .prepare("SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?")
      .get(hashToken(token), now) as UserRow | undefined;
    return row && toPublic(row);
  }

  deleteSession(token: string): void {
    this.db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(hashToken(token));
  }

  private mustExist(id: string): void {
    if (!this.byId(id)) throw new AppError("not-found", "no such user");
  }

  /** The last admin cannot be demoted or removed: nobody could manage the server any more. */
  private keepAnAdmin(id: string): void {
    const user = this.byId(id);
    if (user?.role !== "admin") return;
    const admins = (this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
    if (admins <= 1) throw new AppError("conflict", `"${user.name}" is the only admin; make another user admin first`);
  }
}
