import { AppError, SignInBodySchema } from "@/lib/protocol";
import { burnPasswordCheck, checkRequest, readAuthConfig, sessionCookie, signInLimiter, userStore, verifyPassword } from "@/lib/auth";
import { handle, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const WRONG = "wrong name or password";

/**
 * POST /api/auth/signin `{ name, password }` or `{ token }` (a one-time sign-in link): sets the
 * session cookie. Failed attempts are limited per name and for the server (429 with Retry-After).
 */
export const POST = (request: Request) =>
  handle(async () => {
    checkRequest(request);
    const body = await parseJsonBody(request, SignInBodySchema);
    const store = userStore();
    const key = "token" in body ? "link" : body.name;
    const limiter = signInLimiter();
    const wait = limiter.retryAfter(key);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return Response.json(
        { error: { code: "too-many-requests", message: `too many failed sign-ins; try again in ${seconds} s` } },
        { status: 429, headers: { "Retry-After": String(seconds) } },
      );
    }
    let user;
    if ("token" in body) {
      user = store.consumeSignInLink(body.token);
      if (!user) {
        limiter.fail(key);
        throw new AppError("unauthenticated", "this sign-in link is unknown, used or expired; ask an admin for a new one (npx hintlab users link NAME)");
      }
    } else {
      const found = store.byName(body.name);
      const ok = found?.passwordHash ? await verifyPassword(body.password, found.passwordHash) : (await burnPasswordCheck(body.password), false);
      if (!found || !ok) {
        limiter.fail(key);
        throw new AppError("unauthenticated", WRONG);
      }
      user = { id: found.id, name: found.name, role: found.role };
    }
    limiter.succeed(key);
    const { token, expiresAt } = store.createSession(user.id, readAuthConfig().sessionMs);
    return Response.json({ user }, { headers: { "Set-Cookie": sessionCookie(request, token, expiresAt), "Cache-Control": "no-store" } });
  });
