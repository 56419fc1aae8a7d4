/**
 * Network-boundary checks every request passes before any handler runs (proxy.ts) and again
 * inside each API route (defence in depth): the Host must be one of ours (DNS rebinding), a
 * state change must come from our own pages (cross-site forms and no-cors fetches), and a body
 * must have a content type a browser cannot send cross-site without asking (CSRF).
 * Pure: headers in, a refusal or null out.
 */
import { normalizeHostName, type AuthConfig } from "./config";

export interface Refusal {
  status: 403 | 413 | 415;
  code: "forbidden" | "payload-too-large" | "unsupported-media-type";
  message: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const isSafeMethod = (method: string) => SAFE_METHODS.has(method.toUpperCase());

/** Content types a state-changing API route accepts: JSON, and for uploads multipart or NDJSON (never text/plain: a form can send it). */
export const JSON_TYPES = ["application/json"];
export const UPLOAD_TYPES = ["application/json", "application/x-ndjson", "application/jsonl", "application/jsonlines", "multipart/form-data"];

/** The Host header must name this server: a DNS-rebound name resolves to us but carries its own name. */
export function checkHost(headers: Headers, config: AuthConfig, urlHost?: string): Refusal | null {
  // HTTP/1.1 and 2 always carry a host; Next builds request.url from it, so the URL's host is the same value.
  const host = headers.get("host") ?? urlHost;
  if (!host) return { status: 403, code: "forbidden", message: "the request has no Host header" };
  if (config.allowedHosts.has(normalizeHostName(host))) return null;
  return {
    status: 403,
    code: "forbidden",
    message: `this hintlab server does not answer to the host "${normalizeHostName(host)}"; an admin can add it to HINTLAB_ALLOWED_HOSTS`,
  };
}

/**
 * A state change must not come from another site. Browsers send Sec-Fetch-Site (and Origin) on
 * every POST/PUT/PATCH/DELETE; tools such as curl send neither and are judged by their session alone.
 */
export function checkSameOrigin(method: string, headers: Headers, config: AuthConfig): Refusal | null {
  if (isSafeMethod(method)) return null;
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    return { status: 403, code: "forbidden", message: `cross-site request refused (Sec-Fetch-Site: ${site})` };
  }
  const origin = headers.get("origin");
  if (origin !== null) {
    let originHost: string | undefined;
    try {
      originHost = origin === "null" ? undefined : new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    // Same origin: the host and port this request was sent to (behind a proxy, the one it forwards).
    const hosts = [headers.get("host"), headers.get("x-forwarded-host")].filter((h): h is string => Boolean(h)).map((h) => h.toLowerCase());
    if (!originHost || !hosts.includes(originHost.toLowerCase()) || !config.allowedHosts.has(normalizeHostName(originHost))) {
      return { status: 403, code: "forbidden", message: `cross-origin request refused (Origin: ${origin.slice(0, 100)})` };
    }
  }
  return null;
}

/** A body of a state change must have one of `accepted` content types; an empty body needs none. */
export function checkContentType(method: string, headers: Headers, accepted: readonly string[] = JSON_TYPES): Refusal | null {
  if (isSafeMethod(method)) return null;
  const type = headers.get("content-type");
  const length = headers.get("content-length");
  const hasBody = type !== null || headers.has("transfer-encoding") || (length !== null && length !== "0");
  if (!hasBody) return null;
  const essence = (type ?? "").split(";")[0]!.trim().toLowerCase();
  if (accepted.includes(essence)) return null;
  return {
    status: 415,
    code: "unsupported-media-type",
    message: `send the body as ${accepted.join(" or ")} (got ${essence || "no Content-Type"})`,
  };
}

/** Declared bodies over the limit are refused before a byte is read (chunked ones are cut while reading). */
export function checkDeclaredLength(headers: Headers, maxBytes: number): Refusal | null {
  const declared = Number(headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    return { status: 413, code: "payload-too-large", message: `the request body is larger than ${maxBytes} bytes (HINTLAB_JSON_MAX_BYTES sets the limit for JSON bodies)` };
  }
  return null;
}
