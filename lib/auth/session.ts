import "server-only";
import { getDb } from "@/lib/db";
import { AppError, roleCan, type Capability, type PublicUser } from "@/lib/protocol";
import { loopbackOnly, readAuthConfig, type AuthConfig } from "./config";
import { checkContentType, checkDeclaredLength, checkHost, checkSameOrigin, JSON_TYPES, type Refusal } from "./request-guard";
import { SignInLimiter } from "./rate-limit";
import { UserStore } from "./users";

export const SESSION_COOKIE = "hintlab_session";

/** The single user of a loopback server with no accounts: signed in by itself, admin of its own machine. */
export const LOCAL_USER: PublicUser = { id: "local", name: "local", role: "admin", local: true };

const globalAuth = globalThis as unknown as { __hintlabSignInLimiter?: SignInLimiter };
export const signInLimiter = () => (globalAuth.__hintlabSignInLimiter ??= new SignInLimiter());

export const userStore = () => new UserStore(getDb());

/**
 * True when the local user is signed in by itself: the server is bound to loopback, nobody has
 * created an account, and HINTLAB_AUTH is not "required". Creating the first account ends it.
 */
export function autoSignIn(config: AuthConfig = readAuthConfig(), store: UserStore = userStore()): boolean {
  return config.mode === "auto" && loopbackOnly(config) && store.count() === 0;
}

export function readCookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

/** The signed-in user of a request (cookie session, or the loopback local user), else undefined. */
export function requestUser(headers: Headers, config: AuthConfig = readAuthConfig()): PublicUser | undefined {
  const store = userStore();
  const token = readCookie(headers, SESSION_COOKIE);
  const user = token ? store.sessionUser(token) : undefined;
  if (user) return user;
  return autoSignIn(config, store) ? LOCAL_USER : undefined;
}

export interface GuardOptions {
  /** Content types the route accepts for a body (default JSON only). */
  bodyTypes?: readonly string[];
  /** Largest body the route reads (default HINTLAB_JSON_MAX_BYTES); uploads pass their own. */
  maxBytes?: number;
}

function refuse(r: Refusal): never {
  throw new AppError(r.code, r.message);
}

/** The network-boundary checks alone (Host, same-origin, content type, declared size): for routes used before signing in. */
export function checkRequest(request: Request, options: GuardOptions = {}): AuthConfig {
  const config = readAuthConfig();
  const { headers, method } = request;
  const refusal =
    checkHost(headers, config, new URL(request.url).host) ??
    checkSameOrigin(method, headers, config) ??
    checkContentType(method, headers, options.bodyTypes ?? JSON_TYPES) ??
    checkDeclaredLength(headers, options.maxBytes ?? config.jsonMaxBytes);
  if (refusal) refuse(refusal);
  return config;
}

/**
 * Every API route's gate: Host, same-origin for state changes, content type, declared size,
 * then the session and the role's capability. Throws AppError 401/403/413/415.
 */
export function authorize(request: Request, capability: Capability, options: GuardOptions = {}): PublicUser {
  const config = checkRequest(request, options);
  const user = requestUser(request.headers, config);
  if (!user) throw new AppError("unauthenticated", "sign in first: this hintlab server needs an account (ask an admin for a sign-in link)");
  if (!roleCan(user.role, capability)) {
    throw new AppError("forbidden", `your role (${user.role}) cannot do this; it needs ${capability === "admin" ? "an admin" : capability === "run" ? "a researcher or admin" : "an annotator or above"}`);
  }
  return user;
}

/** Set-Cookie value of a new session; Secure when the request reached us over https (directly or through a proxy). */
export function sessionCookie(request: Request, token: string, expiresAt: number): string {
  const secure = isHttps(request) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${new Date(expiresAt).toUTCString()}${secure}`;
}

export function clearedSessionCookie(request: Request): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${isHttps(request) ? "; Secure" : ""}`;
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}
