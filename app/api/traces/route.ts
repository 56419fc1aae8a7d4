import { CreateTraceBodySchema, TraceListQuerySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", (request) => Response.json(traceStore().list(parseQuery(request, TraceListQuerySchema))));

export const POST = guarded("run", async (request) => Response.json(traceStore().create(await parseJsonBody(request, CreateTraceBodySchema)), { status: 201 }));
