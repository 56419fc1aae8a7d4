import "server-only";
import { randomUUID } from "node:crypto";
import { getDb, type Db } from "@/lib/db";
import {
  AppError,
  LOCAL_CONNECTION_ID,
  SERVER_CONNECTION_ID,
  type ConnectionBody,
  type PublicConnection,
  type TemplateId,
} from "@/lib/protocol";
import type { RemoteProviderKind, ServerModelConfig } from "./config";

/**
 * Model connections an admin added (Settings → Model connections): a base URL, a default model
 * and template, and an API key that never leaves the server. Together with the built-in ones
 * (the local model, and HINTLAB_BASE_URL as "server") they are the only hosts the app calls for
 * a browser: Model settings name a connection by id, never a URL.
 */
export interface StoredConnection {
  id: string;
  name: string;
  provider: RemoteProviderKind;
  baseUrl: string;
  model?: string;
  template?: TemplateId;
  apiKey?: string;
}

interface Row {
  id: string;
  name: string;
  provider: RemoteProviderKind;
  base_url: string;
  model: string | null;
  template: TemplateId | null;
  api_key: string | null;
}

const fromRow = (r: Row): StoredConnection => ({
  id: r.id,
  name: r.name,
  provider: r.provider,
  baseUrl: r.base_url,
  ...(r.model ? { model: r.model } : {}),
  ...(r.template ? { template: r.template } : {}),
  ...(r.api_key ? { apiKey: r.api_key } : {}),
});

export const toPublicConnection = (c: StoredConnection): PublicConnection => ({
  id: c.id,
  name: c.name,
  provider: c.provider,
  baseUrl: c.baseUrl,
  ...(c.model ? { model: c.model } : {}),
  ...(c.template ? { template: c.template } : {}),
  hasApiKey: c.apiKey !== undefined,
  builtIn: false,
});

export class ConnectionStore {
  constructor(private readonly db: Db = getDb()) {}

  list(): StoredConnection[] {
    return (this.db.prepare("SELECT * FROM connections ORDER BY name").all() as Row[]).map(fromRow);
  }

  get(id: string): StoredConnection | undefined {
    const row = this.db.prepare("SELECT * FROM connections WHERE id = ?").get(id) as Row | undefined;
    return row && fromRow(row);
  }

  create(body: ConnectionBody, now = Date.now()): StoredConnection {
    this.checkName(body.name);
    const id = randomUUID();
    this.db
      .prepare("INSERT INTO connections (id, name, provider, base_url, model, template, api_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(id, body.name, body.provider, trimSlashes(body.baseUrl), body.model ?? null, body.template ?? null, body.apiKey ?? null, now, now);
    return this.get(id)!;
  }

  update(id: string, patch: Partial<Omit<ConnectionBody, "apiKey">> & { apiKey?: string | null }, now = Date.now()): StoredConnection {
    const current = this.get(id);
    if (!current) throw new AppError("not-found", "no such connection");
    if (patch.name !== undefined && patch.name.toLowerCase() !== current.name.toLowerCase()) this.checkName(patch.name);
    const next = { ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as StoredConnection & { apiKey?: string | null };
    this.db
      .prepare("UPDATE connections SET name = ?, provider = ?, base_url = ?, model = ?, template = ?, api_key = ?, updated_at = ? WHERE id = ?")
      .run(next.name, next.provider, trimSlashes(next.baseUrl), next.model ?? null, next.template ?? null, next.apiKey ?? null, now, id);
    return this.get(id)!;
  }

  remove(id: string): void {
    if (this.db.prepare("DELETE FROM connections WHERE id = ?").run(id).changes === 0) throw new AppError("not-found", "no such connection");
  }

  private checkName(name: string): void {
    if ([LOCAL_CONNECTION_ID, SERVER_CONNECTION_ID].includes(name.toLowerCase()) || this.db.prepare("SELECT 1 FROM connections WHERE name = ?").get(name)) {
      throw new AppError("conflict", `a connection named "${name}" already exists; choose another name`);
    }
  }
}

/** Every connection a browser may choose: the local model, the environment's server (if set), then the admins'. */
export function listPublicConnections(server: ServerModelConfig, store: ConnectionStore = new ConnectionStore()): PublicConnection[] {
  const builtIn: PublicConnection[] = [
    { id: LOCAL_CONNECTION_ID, name: "Local model", provider: "local", model: server.local.model, hasApiKey: false, builtIn: true },
  ];
  if (server.baseUrl) {
    builtIn.push({
      id: SERVER_CONNECTION_ID,
      name: "Server (HINTLAB_BASE_URL)",
      provider: server.provider === "local" ? "openai-completions" : server.provider,
      baseUrl: server.baseUrl,
      ...(server.model ? { model: server.model } : {}),
      template: server.template,
      hasApiKey: server.apiKey !== undefined,
      builtIn: true,
    });
  }
  return [...builtIn, ...store.list().map(toPublicConnection)];
}

const trimSlashes = (url: string) => url.replace(/\/+$/, "");
