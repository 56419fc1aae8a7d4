import "server-only";
import { AppError, type ForkAt, type ForkBody, type Segment, type Trace, type TraceEvent } from "@/lib/protocol";
import { branchPrefix, editForkPrefix, forkPrefix } from "@/lib/engine";
import { recordActivity } from "./activity";
import { copyLogprobsPrefix } from "./logprobs";
import type { Db } from "./sqlite";
import type { TraceStore } from "./traces";

/**
 * Forks (TraceStore.fork). A fork starts with the parent's prefix up to (segment, offset) —
 * then `alternative.text` when it branches from another token — or, with `{ edit }` ("continue
 * from here"), with the parent's edited text up to the end of that edit (editForkPrefix in
 * lib/engine): the model writes the rest. The parent is not changed (its edits stay). Both
 * traces log the fork (`forked` on the parent, `forked-from` on the fork) by `author`, in the
 * fork's transaction; token probabilities are copied up to where the fork's text first differs.
 */
export function forkTrace(db: Db, store: TraceStore, id: string, body: ForkBody, author: string, now: number): Trace {
  return db.transaction(() => {
    const parent = store.get(id, now);
    const made = prefixOf(parent, body);
    const fork = store.create(
      {
        problem: parent.problem,
        parentId: parent.id,
        forkAt: made.forkAt,
        config: parent.config,
        segments: made.segments,
        events: made.events,
        status: "stopped",
        ...(parent.dataset ? { dataset: parent.dataset } : {}),
        tags: parent.tags ?? [],
      },
      now,
    );
    copyLogprobsPrefix(db, parent.id, fork.id, made.unchangedUntil);
    const { edit, ...at } = made.forkAt;
    const viaEdit = edit ? { edit: edit.id } : {};
    recordActivity(db, parent.id, { author, kind: "forked", detail: { child: fork.id, at, ...viaEdit } }, now);
    recordActivity(db, fork.id, { author, kind: "forked-from", detail: { parent: parent.id, at, ...viaEdit } }, now);
    return fork;
  })();
}

/** The fork's segments and events, its `forkAt`, and up to where its text is the parent's. */
function prefixOf(parent: Trace, body: ForkBody): { segments: Segment[]; events: TraceEvent[]; forkAt: ForkAt; unchangedUntil: { segment: number; offset: number } } {
  if ("edit" in body) {
    const edit = parent.edits?.find((e) => e.id === body.edit);
    if (!edit) throw new AppError("not-found", `edit ${body.edit} is not on trace ${parent.id} (it may have been undone)`);
    // The fork continues on its parent's connection and API (resumeSettings in lib/store), and
    // the chat API cannot continue a corrected prefix faithfully (see openai-chat.ts): say so now
    // rather than make a fork that fails on its first request.
    if (parent.config.provider === "openai-chat") {
      throw new AppError(
        "bad-request",
        "This trace ran on a chat endpoint (assistant prefill), whose chat template would move or drop the <think> tags around the corrected text; continuing from an edit needs a raw completions endpoint. Run the problem on a completions connection (API: completions), then edit and continue that trace.",
      );
    }
    const p = badRequest(() => editForkPrefix(parent.segments, parent.events, parent.edits ?? [], edit.id));
    return { ...p, forkAt: { ...p.at, edit: { id: edit.id, author: edit.author } } };
  }
  // Branch from an alternative token: the fork's text is the parent's up to the token, then the
  // alternative; forkAt.alternative records which (see ForkAlternativeSchema).
  const p = badRequest(() =>
    body.alternative
      ? branchPrefix(parent.segments, parent.events, { segment: body.segment, offset: body.offset, text: body.alternative.text })
      : forkPrefix(parent.segments, parent.events, body),
  );
  return { ...p, forkAt: body, unchangedUntil: body };
}

/** The engine's refusals (a point it cannot cut at, an edit that no longer applies) are the client's to fix. */
function badRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new AppError("bad-request", (e as Error).message);
  }
}
