import { UpdateUserBodySchema } from "@/lib/protocol";
import { userStore } from "@/lib/auth";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";
import { signInLinkFor } from "../link";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** PATCH (admin) `{ role?, password?, newLink? }`; `newLink` answers a fresh one-time sign-in link. */
export const PATCH = guarded("admin", async (request, _user, { params }: IdParams) => {
  const id = (await params).id;
  const body = await parseJsonBody(request, UpdateUserBodySchema);
  const store = userStore();
  if (body.role) store.setRole(id, body.role);
  if (body.password) await store.setPassword(id, body.password);
  const link = body.newLink ? signInLinkFor(request, store.createSignInLink(id)) : undefined;
  return Response.json({ user: store.byId(id), ...(link ? { link } : {}) });
});

export const DELETE = guarded("admin", async (_request, _user, { params }: IdParams) => {
  userStore().remove((await params).id);
  return new Response(null, { status: 204 });
});
