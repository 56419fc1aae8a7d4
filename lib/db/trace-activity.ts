import "server-only";
import type { TraceActivity } from "@/lib/protocol";
import { listActivity } from "./activity";
import { activityList } from "./activity-list";
import type { Db } from "./sqlite";
import { TraceStore } from "./traces";

/**
 * GET /api/traces/:id/activity: the trace and its log read in one transaction (one snapshot), so
 * a write landing in between cannot show its annotation as one the log never recorded.
 * not-found when there is no such trace.
 */
export function traceActivity(db: Db, id: string, now = Date.now()): TraceActivity {
  return db.transaction(() => {
    const trace = new TraceStore(db).get(id, now);
    return { traceId: id, items: activityList(trace, listActivity(db, id)) };
  })();
}
