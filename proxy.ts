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

// API requests that carry a body are left out: Next clones a body for the proxy, reads it to the
// end before the route runs (even when the proxy refuses it) and hands the route only its first
// 10 MB (proxyClientMaxBodySize), so a 600 MB upload was read whole before its 413 and a larger
// import was silently cut short. Every API handler that takes a body runs these same Host and
// same-origin checks itself (authorize / checkRequest) before reading a byte, and then enforces
// its own limit while streaming. Pages, and API requests without a body, still pass here.
export const config = {
  matcher: [
    "/((?!api/).*)",
    { source: "/api/:path*", missing: [{ type: "header", key: "content-length" }, { type: "header", key: "transfer-encoding" }] },
  ],
};
