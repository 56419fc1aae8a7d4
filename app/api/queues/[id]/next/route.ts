import { queueWork } from "@/lib/queues";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The signed-in annotator's next item, leased to them (their open one first). */
export const POST = guarded("annotate", async (_request, user, { params }: IdParams) => Response.json(queueWork().next((await params).id, user.name)));
