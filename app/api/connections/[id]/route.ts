import { ConnectionPatchSchema } from "@/lib/protocol";
import { ConnectionStore, toPublicConnection } from "@/lib/providers";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** PATCH (admin): change a connection; `apiKey: null` removes its key. */
export const PATCH = guarded("admin", async (request, _user, { params }: IdParams) =>
  Response.json(toPublicConnection(new ConnectionStore().update((await params).id, await parseJsonBody(request, ConnectionPatchSchema)))),
);

export const DELETE = guarded("admin", async (_request, _user, { params }: IdParams) => {
  new ConnectionStore().remove((await params).id);
  return new Response(null, { status: 204 });
});
