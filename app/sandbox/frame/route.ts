import { SANDBOX_FRAME_HTML, sandboxFrameCsp } from "@/lib/sandbox/frame-document";

// The opaque-origin frame that holds the Python worker (see lib/sandbox/sandbox-frame.ts).
// Dynamic because its CSP names the host the page was loaded from; COOP/COEP come from next.config.ts.
export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  const csp = sandboxFrameCsp(request.headers.get("host") ?? "");
  if (!csp) return new Response("bad host", { status: 400 });
  return new Response(SANDBOX_FRAME_HTML, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": csp,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Referrer-Policy": "no-referrer",
    },
  });
}
