import { CreateTraceBodySchema, TraceListQuerySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = (request: Request) => handle(() => Response.json(traceStore().list(parseQuery(request, TraceListQuerySchema))));

export const POST = (request: Request) =>
  handle(async () => Response.json(traceStore().create(await parseJsonBody(request, CreateTraceBodySchema)), { status: 201 }));
