import { autoSignIn, checkRequest, requestUser } from "@/lib/auth";
import { handle } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/auth/me: the signed-in user (401 when none), and whether sign-in is automatic (loopback, no accounts). */
export const GET = (request: Request) =>
  handle(() => {
    const config = checkRequest(request);
    const user = requestUser(request.headers, config);
    if (!user) return Response.json({ error: { code: "unauthenticated", message: "not signed in" } }, { status: 401 });
    return Response.json({ user, automatic: autoSignIn(config) });
  });
