import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { FRAME_SCRIPT, SANDBOX_ASSET_PATH, WORKER_SCRIPT, sandboxFrameDocument, type SandboxScripts } from "@/lib/sandbox/frame-document";

// The opaque-origin frame that holds the Python worker (see lib/sandbox/sandbox-frame.ts).
// Dynamic because its CSP names the host the page was loaded from; COOP/COEP come from next.config.ts.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ASSETS = path.join(/* turbopackIgnore: true */ process.cwd(), "public", SANDBOX_ASSET_PATH);
let cached: { scripts: SandboxScripts | undefined; mtimeKey: string } | undefined;

/** The built scripts (scripts/prepare-assets.mjs), re-read when they change; undefined before the first build. */
function scripts(): SandboxScripts | undefined {
  try {
    const frame = readFileSync(path.join(ASSETS, FRAME_SCRIPT), "utf8");
    const worker = readFileSync(path.join(ASSETS, WORKER_SCRIPT), "utf8");
    const key = `${frame.length}:${worker.length}:${frame.slice(-64)}:${worker.slice(-64)}`;
    if (cached?.mtimeKey !== key) cached = { scripts: { frame, worker }, mtimeKey: key };
    return cached.scripts;
  } catch {
    return undefined;
  }
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

export function GET(request: Request): Response {
  const doc = sandboxFrameDocument(request.headers.get("host") ?? "", scripts(), sha256);
  if (!doc) return new Response("bad host", { status: 400 });
  return new Response(doc.html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": doc.csp,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Referrer-Policy": "no-referrer",
    },
  });
}
