import { AnnotationBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = (request: Request, { params }: IdParams) =>
  handle(async () => Response.json(traceStore().addAnnotation((await params).id, await parseJsonBody(request, AnnotationBodySchema)), { status: 201 }));
