/**
 * Who may reach the server and how it signs people in, read from the environment at request
 * time (a restart with new variables needs no rebuild). Pure: no Node or DB imports, so the
 * request proxy can use it.
 */
export interface AuthConfig {
  /** Address `npm start` binds to: HINTLAB_HOST, default 127.0.0.1. */
  bindHost: string;
  /** Host names (no port) a request's Host header may carry: HINTLAB_ALLOWED_HOSTS plus the defaults. */
  allowedHosts: Set<string>;
  /** "auto": on a loopback bind with no accounts, the local user is signed in by itself; "required": always sign in. */
  mode: "auto" | "required";
  /** Largest JSON body a route reads (HINTLAB_JSON_MAX_BYTES, default 8 MiB); imports keep their own limit. */
  jsonMaxBytes: number;
  /** Session lifetime (HINTLAB_SESSION_DAYS, default 14). */
  sessionMs: number;
}

const DEFAULT_JSON_MAX_BYTES = 8 * 1024 * 1024;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function readAuthConfig(env: Readonly<Record<string, string | undefined>> = process.env): AuthConfig {
  const bindHost = env.HINTLAB_HOST?.trim() || "127.0.0.1";
  const allowedHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
  const bind = normalizeHostName(bindHost);
  // 0.0.0.0 / :: are not names a client sends; the admin lists the real names in HINTLAB_ALLOWED_HOSTS.
  if (bind !== "0.0.0.0" && bind !== "::" && bind !== "[::]") allowedHosts.add(bind);
  for (const h of (env.HINTLAB_ALLOWED_HOSTS ?? "").split(",")) if (h.trim()) allowedHosts.add(normalizeHostName(h.trim()));
  const mode = env.HINTLAB_AUTH?.trim() === "required" ? "required" : "auto";
  const jsonMax = Number(env.HINTLAB_JSON_MAX_BYTES);
  const days = Number(env.HINTLAB_SESSION_DAYS);
  return {
    bindHost,
    allowedHosts,
    mode,
    jsonMaxBytes: Number.isFinite(jsonMax) && jsonMax > 0 ? jsonMax : DEFAULT_JSON_MAX_BYTES,
    sessionMs: (Number.isFinite(days) && days > 0 ? days : 14) * 24 * 3600 * 1000,
  };
}

/** The host name of a Host header or URL host (port removed, lower case; IPv6 keeps its brackets). */
export function normalizeHostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colons = h.split(":").length - 1;
  if (colons === 1) return h.slice(0, h.indexOf(":"));
  return h; // a name, an IPv4 address, or a bare IPv6 address
}

/** The local user may sign in by itself only when nobody else can reach the server. */
export function loopbackOnly(config: AuthConfig): boolean {
  return isLoopbackHost(config.bindHost);
}
