import { CreateUserBodySchema } from "@/lib/protocol";
import { userStore } from "@/lib/auth";
import { guarded, parseJsonBody } from "@/app/api/http";
import { signInLinkFor } from "./link";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET (admin): every account. POST (admin): a new account, with a one-time sign-in link unless a password was set. */
export const GET = guarded("admin", () => Response.json({ users: userStore().list() }));

export const POST = guarded("admin", async (request) => {
  const body = await parseJsonBody(request, CreateUserBodySchema);
  const store = userStore();
  const user = await store.create(body.name, body.role, body.password);
  const link = body.password ? undefined : signInLinkFor(request, store.createSignInLink(user.id));
  return Response.json({ user, ...(link ? { link } : {}) }, { status: 201 });
});
