import { ConnectionBodySchema } from "@/lib/protocol";
import { ConnectionStore, listPublicConnections, readServerConfig, toPublicConnection } from "@/lib/providers";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: the connections Model settings may choose (no keys). */
export const GET = guarded("run", () => Response.json({ connections: listPublicConnections(readServerConfig()) }));

/** POST (admin): add a model server the app may call; its key stays on the server. */
export const POST = guarded("admin", async (request) =>
  Response.json(toPublicConnection(new ConnectionStore().create(await parseJsonBody(request, ConnectionBodySchema))), { status: 201 }),
);
