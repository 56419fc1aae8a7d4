import { branchPrefix } from "@/lib/engine";
import { LeaseGrantSchema, TraceSchema, type ForkAlternative, type Trace } from "@/lib/protocol";
import type { HintlabState } from "./create-store";

/**
 * Reopening a saved trace when another tab may be writing it (one live writer per trace, see
 * lib/db/live-writes.ts): ask the server for the trace's lease; when someone else holds it, the
 * user chooses to take over or to fork; a tab that lost its trace can keep its run as a fork.
 */
export interface ResumeDeps {
  fetch: typeof fetch;
  newId: () => string;
  get: () => HintlabState;
  set: (patch: Partial<HintlabState>) => void;
  /** Restore the granted trace in the playground with this tab as its writer. */
  openGranted: (fresh: Trace, lease: string) => void;
}

type Answer = Record<string, unknown> & { error?: { message?: string; reason?: string } };

/** The fork point at the very end of a trace. */
function endOf(segments: readonly { text: string }[]): { segment: number; offset: number } {
  const last = Math.max(0, segments.length - 1);
  return { segment: last, offset: segments[last]?.text.length ?? 0 };
}

async function postJson(f: typeof fetch, url: string, body: unknown): Promise<{ res: Response; json: Answer }> {
  const res = await f(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { res, json: ((await res.json().catch(() => null)) ?? {}) as Answer };
}

export function resumeActions(deps: ResumeDeps) {
  const openTrace = async (trace: Trace, options: { takeOver?: boolean } = {}): Promise<void> => {
    deps.set({ leaseConflict: undefined });
    const { res, json } = await postJson(deps.fetch, `/api/traces/${encodeURIComponent(trace.id)}/lease`, { takeOver: options.takeOver === true });
    if (res.status === 409 && json.error?.reason === "lease-held") {
      deps.set({ leaseConflict: { trace, message: json.error.message ?? "This trace is being written elsewhere." } });
      return;
    }
    if (!res.ok) throw new Error(json.error?.message ?? `the server answered ${res.status}`);
    const grant = LeaseGrantSchema.safeParse(json);
    if (!grant.success) throw new Error("the server's lease answer was malformed; reload the page");
    // The trace as stored when the lease changed hands: a tab that wrote it until then is
    // refused from now on, so this is where it really ends.
    deps.openGranted(grant.data.trace, grant.data.lease);
  };

  /** Create a trace (a fork) on the server and open it here. */
  const openCreated = async (url: string, body: unknown) => {
    const { res, json } = await postJson(deps.fetch, url, body);
    if (!res.ok) throw new Error(json.error?.message ?? `the server answered ${res.status}`);
    await openTrace(TraceSchema.parse(json));
  };

  return {
    openTrace,
    /**
     * Branch this tab's trace from an alternative token: a new fork with the text before the
     * token and then the alternative (see branchPrefix), recorded in `forkAt.alternative`, opened
     * here. Built from what is on screen, so text not yet saved is kept too.
     */
    branchFromAlternative: async (at: { segment: number; offset: number; alternative: ForkAlternative }) => {
      const s = deps.get().engine;
      const parentId = deps.get().traceId;
      if (!s || !parentId) return;
      const prefix = branchPrefix(s.segments, s.events, { segment: at.segment, offset: at.offset, text: at.alternative.text });
      await openCreated("/api/traces", {
        id: deps.newId(),
        problem: s.problem,
        config: s.config,
        parentId,
        forkAt: at,
        segments: prefix.segments,
        events: prefix.events,
        status: "stopped",
      });
    },
    takeOverTrace: async () => {
      const c = deps.get().leaseConflict;
      if (c) await openTrace(c.trace, { takeOver: true });
    },
    /** Continue from the stored end in a new fork, leaving the other tab alone. */
    forkConflictingTrace: async () => {
      const c = deps.get().leaseConflict;
      if (c) await openCreated(`/api/traces/${encodeURIComponent(c.trace.id)}/fork`, endOf(c.trace.segments));
    },
    /** Keep this tab's run (everything on screen, saved or not) as a new fork of the trace it lost. */
    saveLostRunAsFork: async () => {
      const s = deps.get().engine;
      const parentId = deps.get().traceId;
      if (!s || !parentId) return;
      await openCreated("/api/traces", {
        id: deps.newId(),
        problem: s.problem,
        config: s.config,
        parentId,
        forkAt: endOf(s.segments),
        segments: s.segments,
        events: s.events,
        status: "stopped",
        ...(s.answer !== undefined ? { answer: s.answer } : {}),
        ...(s.verdict ? { verdict: s.verdict } : {}),
      });
    },
  };
}
