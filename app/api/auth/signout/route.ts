import { checkRequest, clearedSessionCookie, readCookie, SESSION_COOKIE, userStore } from "@/lib/auth";
import { handle } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/auth/signout: ends this browser's session (the cookie and the server's record of it). */
export const POST = (request: Request) =>
  handle(() => {
    checkRequest(request);
    const token = readCookie(request.headers, SESSION_COOKIE);
    if (token) userStore().deleteSession(token);
    return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie(request) } });
  });
