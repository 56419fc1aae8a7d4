import { AppError, OwnPasswordBodySchema } from "@/lib/protocol";
import { hashToken, readCookie, SESSION_COOKIE, userStore, verifyPassword } from "@/lib/auth";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** PUT /api/auth/password `{ current?, password }`: set your own password (the current one is needed when you have one). Other sessions end. */
export const PUT = guarded("read", async (request, user) => {
  if (user.local) throw new AppError("bad-request", "the automatic local user has no password; create accounts with npx hintlab users add");
  const body = await parseJsonBody(request, OwnPasswordBodySchema);
  const store = userStore();
  const hash = store.byName(user.name)?.passwordHash;
  if (hash && !(body.current && (await verifyPassword(body.current, hash)))) throw new AppError("forbidden", "your current password is wrong");
  const token = readCookie(request.headers, SESSION_COOKIE);
  await store.setPassword(user.id, body.password, token ? hashToken(token) : undefined);
  return new Response(null, { status: 204 });
});
