/**
 * Accounts, roles, sessions and request guards (server side). `authorize(request, capability)`
 * is every API route's gate: Host allowlist, same-origin state changes, content type, body size,
 * then a session (or the loopback local user when no accounts exist) whose role grants the
 * capability. `UserStore` keeps accounts, hashed session tokens and one-time sign-in links.
 */
export * from "./config";
export * from "./request-guard";
export * from "./password";
export * from "./rate-limit";
export * from "./users";
export * from "./session";
