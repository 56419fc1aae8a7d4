import { CreateQueueBodySchema, roleCan } from "@/lib/protocol";
import { queueStore } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";
import { annotatorNames } from "./annotators/names";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Queues: all of them for researchers, the ones they annotate in for annotators. */
export const GET = guarded("read", async (_request, user) => Response.json({ items: queueStore().list({ name: user.name, researcher: roleCan(user.role, "run") }) }));

/** A new queue from a trace filter or a Hint-RFT selection (researchers). */
export const POST = guarded("run", async (request, user) => {
  const body = await parseJsonBody(request, CreateQueueBodySchema);
  return Response.json(queueStore().create(body, user.name, new Set(annotatorNames(user).map((a) => a.name))), { status: 201 });
});
