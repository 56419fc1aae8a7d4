import { NextResponse, type NextRequest } from "next/server";
import { readAuthConfig } from "@/lib/auth/config";
import { checkHost, checkSameOrigin } from "@/lib/auth/request-guard";

/**
 * The network boundary, before any page or route runs: a request must name one of our hosts
 * (a DNS-rebound name resolves to us but carries its own Host), and a state change must come
 * from our own pages (no cross-site forms or no-cors POSTs). Sessions and roles are checked by
 * each API route (lib/auth authorize, which repeats these checks) and by the signed-in layout.
 */
export function proxy(request: NextRequest) {
  const config = readAuthConfig();
  const refusal = checkHost(request.headers, config) ?? checkSameOrigin(request.method, request.headers, config);
  if (refusal) return NextResponse.json({ error: { code: refusal.code, message: refusal.message } }, { status: refusal.status });
  return NextResponse.next();
}

// The upload routes are left out: Next clones a request body for the proxy, reads it to the end
// before the route runs, and hands the route only its first 10 MB (proxyClientMaxBodySize) — an
// upload would be read whole before its size is checked, and a larger one silently cut short.
// Those routes run the same Host and same-origin checks themselves (authorize), before reading.
export const config = { matcher: "/((?!api/traces/import|api/datasets/import).*)" };
