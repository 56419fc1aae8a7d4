"use client";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import {
  ApiErrorBodySchema,
  PublicConnectionSchema,
  REMOTE_PROVIDER_KINDS,
  REMOTE_PROVIDERS,
  ROLES,
  TEMPLATE_IDS,
  UserListItemSchema,
  type PublicConnection,
  type RemoteProviderKind,
  type UserListItem,
} from "@/lib/protocol";

async function api<T>(path: string, method = "GET", body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: body === undefined ? undefined : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ApiErrorBodySchema.safeParse(json);
    throw new Error(parsed.success ? parsed.data.error.message : `HTTP ${res.status}`);
  }
  return json as T;
}

/** Admin settings: accounts (with one-time sign-in links) and the model connections the app may call. */
export function SettingsPage({ localUser }: { localUser: boolean }) {
  return (
    <main className="settings-page">
      <Users localUser={localUser} />
      <Connections />
    </main>
  );
}

function Users({ localUser }: { localUser: boolean }) {
  const [users, setUsers] = useState<UserListItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ name: string; url: string } | null>(null);
  const reload = useCallback(() => {
    api<{ users: unknown[] }>("/api/users").then(
      (b) => setUsers(b.users.map((u) => UserListItemSchema.parse(u))),
      (e: Error) => setError(e.message),
    );
  }, []);
  // External system: the server's account list.
  useEffect(reload, [reload]);
  const act = (fn: () => Promise<unknown>) => {
    setError(null);
    fn().then(reload, (e: Error) => setError(e.message));
  };
  const add = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get("name") ?? "");
    const target = e.currentTarget;
    act(async () => {
      const r = await api<{ link?: string }>("/api/users", "POST", { name, role: form.get("role") });
      if (r.link) setLink({ name, url: r.link });
      target.reset();
    });
  };
  return (
    <section className="panel" data-testid="users-panel">
      <h3>Accounts</h3>
      {localUser && (
        <p className="notice small">
          You are the automatic local user. The first account you create turns sign-in on for everyone (this browser too): create your own
          admin first and keep its link.
        </p>
      )}
      <table className="table small">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Password</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid="user-row">
              <td>{u.name}</td>
              <td>
                <select value={u.role} onChange={(e) => act(() => api(`/api/users/${u.id}`, "PATCH", { role: e.target.value }))}>
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{u.hasPassword ? "set" : "link only"}</td>
              <td>
                <button type="button" onClick={() => act(async () => setLink({ name: u.name, url: (await api<{ link: string }>(`/api/users/${u.id}`, "PATCH", { newLink: true })).link }))}>
                  New sign-in link
                </button>{" "}
                <button type="button" onClick={() => confirm(`Remove ${u.name}?`) && act(() => api(`/api/users/${u.id}`, "DELETE"))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={add} className="row">
        <input name="name" placeholder="name" required data-testid="new-user-name" />
        <select name="role" defaultValue="annotator" data-testid="new-user-role">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="submit" data-testid="add-user">
          Add account
        </button>
      </form>
      {link && (
        <p className="small" data-testid="sign-in-link">
          One-time sign-in link for <strong>{link.name}</strong> (valid 24 h, send it privately): <code>{link.url}</code>
        </p>
      )}
      {error && <p className="error small">{error}</p>}
    </section>
  );
}

function Connections() {
  const [connections, setConnections] = useState<PublicConnection[]>([]);
  const [error, setError] = useState<string | null>(null);
  // The kind chosen in the form: its server's usual address and whether it takes a key.
  const [kind, setKind] = useState<RemoteProviderKind>("openai-completions");
  const info = REMOTE_PROVIDERS[kind];
  // Ollama and LM Studio listen on fixed ports: an empty base URL means theirs on the hintlab server's machine.
  const ownServer = kind === "ollama" || kind === "lmstudio";
  const reload = useCallback(() => {
    api<{ connections: unknown[] }>("/api/connections").then(
      (b) => setConnections(b.connections.map((c) => PublicConnectionSchema.parse(c))),
      (e: Error) => setError(e.message),
    );
  }, []);
  // External system: the server's connection list.
  useEffect(reload, [reload]);
  const add = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim() || undefined;
    const target = e.currentTarget;
    setError(null);
    const baseUrl = text("baseUrl") ?? (ownServer ? info.defaultBaseUrl : undefined);
    api("/api/connections", "POST", { name: text("name"), baseUrl, model: text("model"), provider: kind, template: text("template"), apiKey: text("apiKey") }).then(
      () => {
        target.reset();
        setKind("openai-completions");
        reload();
      },
      (err: Error) => setError(err.message),
    );
  };
  return (
    <section className="panel" data-testid="connections-panel">
      <h3>Model connections</h3>
      <p className="muted small">The only model servers the app calls. Users choose among them in Model settings; keys never leave the server.</p>
      <table className="table small">
        <thead>
          <tr>
            <th>Name</th>
            <th>Base URL</th>
            <th>Model</th>
            <th>API</th>
            <th>Key</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {connections.map((c) => (
            <tr key={c.id} data-testid="connection-row">
              <td>{c.name}</td>
              <td>{c.baseUrl ?? "—"}</td>
              <td>{c.model ?? "—"}</td>
              <td>{c.provider}</td>
              <td>{c.hasApiKey ? "yes" : "no"}</td>
              <td>
                {c.builtIn ? (
                  <span className="muted">built in</span>
                ) : (
                  <button type="button" onClick={() => api(`/api/connections/${c.id}`, "DELETE").then(reload, (e: Error) => setError(e.message))}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={add} className="grid2">
        <input name="name" placeholder="name, e.g. vllm-a100" required data-testid="new-connection-name" />
        <input name="baseUrl" placeholder={ownServer ? `${info.defaultBaseUrl} (default)` : info.defaultBaseUrl} title="One base URL, or several servers of the same model separated by commas; URL@N caps a server at N requests in flight" required={!ownServer} data-testid="new-connection-url" />
        <input name="model" placeholder={kind === "ollama" ? "model, e.g. qwq:32b (ollama list)" : kind === "lmstudio" ? "model, e.g. qwq-32b (lms ls)" : "model, e.g. Qwen/QwQ-32B"} data-testid="new-connection-model" />
        <select name="provider" value={kind} onChange={(e) => setKind(e.target.value as RemoteProviderKind)} data-testid="new-connection-provider">
          {REMOTE_PROVIDER_KINDS.map((k) => (
            <option key={k} value={k}>
              {REMOTE_PROVIDERS[k].label}
            </option>
          ))}
        </select>
        <select name="template" defaultValue="">
          <option value="">template: server default</option>
          {TEMPLATE_IDS.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <input name="apiKey" type="password" placeholder={info.needsKey ? "API key" : ownServer ? "API key (none for a local server; a proxy's)" : "API key (optional)"} autoComplete="off" />
        <button type="submit" data-testid="add-connection">
          Add connection
        </button>
      </form>
      {error && <p className="error small">{error}</p>}
    </section>
  );
}
