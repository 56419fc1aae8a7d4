import { createStore } from "zustand/vanilla";
import { applyEdits } from "@/lib/export";
import { TraceSchema, type Annotation, type Edit, type ReviewStatus, type Segment, type Trace } from "@/lib/protocol";
import { rebaseChange, tagChange, tagsAfter, type NewEdit, type Theirs, type TraceChange } from "./trace-rebase";

export * from "./trace-rebase";

/** The edited view of a trace: edits applied as `edit` segments (stored segments never change). */
export function selectEditedSegments(trace: Pick<Trace, "segments" | "edits">): Segment[] {
  return applyEdits(trace.segments, trace.edits);
}

/**
 * State of the single-trace page (annotators): the trace as the server has it, the undo/redo
 * stacks of this session's edits, and the user's drafts (edit replacement, review note). Every
 * write sends the version it was based on. On a 409 the fresh trace is fetched and the change is
 * carried over (trace-rebase.ts): re-sent when it still applies, else kept as a `conflict` with
 * both sides for the user to choose. Drafts live here, not in components, so a reload of the
 * trace or closing a dialog never loses typed text; only an explicit discard does.
 */
export type EditAction = { type: "add"; edit: Edit } | { type: "remove"; edit: Edit };

/** A replacement being written in the edit dialog; kept (closed) when the dialog is closed with changes. */
export interface EditDraft {
  segment: number;
  start: number;
  end: number;
  /** The model text the draft replaces, as it was when the dialog opened. */
  original: string;
  replacement: string;
  open: boolean;
}

/** A change the server refused because someone else's change collides with it; the user picks a side. */
export interface TraceConflict {
  change: TraceChange;
  /** The version the change was made on (Reload compares the latest one against it again). */
  base: Trace;
  reason: string;
  theirs: Theirs;
  canKeepMine: boolean;
}

export const REAPPLIED_NOTICE = "Someone else changed this trace; your change was re-applied to the latest version.";

/** Re-sends after a 409 before giving up (each one means yet another write landed in between). */
const MAX_REBASES = 3;

type Committed = { status: "saved"; result: unknown } | { status: "done" } | { status: "conflict" } | { status: "failed" };

export interface TraceDetailState {
  trace?: Trace;
  loadError?: string;
  writeError?: { message: string; conflict: boolean };
  conflict?: TraceConflict;
  /** What happened to the user's last change when it was not simply saved (re-applied, already there). */
  notice?: string;
  busy: boolean;
  undo: EditAction[];
  redo: EditAction[];
  editDraft?: EditDraft;
  /** The review note as typed; undefined while it is the stored note. */
  reviewNote?: string;
  actions: {
    load(id: string): Promise<void>;
    setReview(status: ReviewStatus, note?: string): Promise<boolean>;
    setTags(tags: string[]): Promise<boolean>;
    addAnnotation(a: Omit<Annotation, "id" | "author" | "createdAt">): Promise<boolean>;
    removeAnnotation(id: string): Promise<boolean>;
    addEdit(e: NewEdit): Promise<boolean>;
    removeEdit(id: string): Promise<boolean>;
    undoEdit(): Promise<void>;
    redoEdit(): Promise<void>;
    dismissError(): void;
    dismissNotice(): void;
    /** Open the edit dialog on a span; a kept draft with changes is reopened instead of being replaced. */
    openEdit(span: { segment: number; start: number; end: number }): void;
    setEditReplacement(replacement: string): void;
    /** Close the dialog; a draft with changes is kept (and can be reopened), an unchanged one is dropped. */
    closeEdit(): void;
    discardEdit(): void;
    saveEdit(): Promise<boolean>;
    setReviewNote(note: string): void;
    /** Conflict: save the user's change on the latest version, replacing what collides with it. */
    keepMine(): Promise<boolean>;
    /** Conflict: keep the other person's change and drop the user's. */
    takeTheirs(): void;
    /** Conflict: fetch the latest version and carry the change over again (re-applied if it now applies). */
    reloadConflict(): Promise<void>;
  };
}

/**
 * Where the page reads the trace and sends its writes. Default: the trace itself. An annotation
 * queue's item reads and writes the annotator's own assignment instead (same sub-routes, its own
 * version), so the page, its drafts and its conflict handling are the same in both.
 */
export interface TraceDetailPaths {
  read(id: string): string;
  write(id: string): string;
}
const TRACE_PATHS: TraceDetailPaths = {
  read: (id) => `/api/traces/${encodeURIComponent(id)}`,
  write: (id) => `/api/traces/${encodeURIComponent(id)}`,
};

export function createTraceDetailStore(deps: { fetch: typeof fetch; paths?: TraceDetailPaths }) {
  const paths = deps.paths ?? TRACE_PATHS;
  return createStore<TraceDetailState>()((set, get) => {
    const api = async (path: string, method: string, body?: unknown): Promise<unknown> => {
      const res = await deps.fetch(path, {
        method,
        headers: body ? { "content-type": "application/json" } : undefined,
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = res.status === 204 ? null : ((await res.json().catch(() => null)) as unknown);
      if (!res.ok) {
        const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
        throw Object.assign(new Error(err?.message ?? `the server answered ${res.status}`), { conflict: res.status === 409 });
      }
      return json;
    };

    const reload = async (id: string) => {
      const trace = TraceSchema.parse(await api(paths.read(id), "GET"));
      set({ trace, loadError: undefined });
      return trace;
    };

    const request = (c: TraceChange, t: Trace): [string, string, Record<string, unknown>] => {
      const b = paths.write(t.id);
      switch (c.kind) {
        case "review":
          return [`${b}/review`, "PUT", { status: c.status, ...(c.note !== undefined ? { note: c.note } : {}) }];
        case "tags":
          return [`${b}/tags`, "PUT", { tags: tagsAfter(t, c) }];
        case "annotation":
          return [`${b}/annotations`, "POST", { annotation: c.annotation }];
        case "remove-annotation":
          return [`${b}/annotations/${encodeURIComponent(c.id)}`, "DELETE", {}];
        case "edit":
          return [`${b}/edits`, "POST", { edit: c.edit }];
        case "remove-edit":
          return [`${b}/edits/${encodeURIComponent(c.id)}`, "DELETE", {}];
      }
    };

    /** Drafts a change came from are cleared once it holds on the server. */
    const settled = (c: TraceChange) => {
      const d = get().editDraft;
      if (c.kind === "edit" && d && d.segment === c.edit.segment && d.replacement === c.edit.replacement) set({ editDraft: undefined });
      if (c.kind === "review") set({ reviewNote: undefined });
    };

    /**
     * One annotator write, based on the current version (the server records the signed-in account
     * as its author); reloads after. On a 409: fetch, carry over, re-send (MAX_REBASES times).
     */
    const commit = async (change: TraceChange): Promise<Committed> => {
      let base = get().trace;
      if (!base) throw new Error("no trace loaded");
      set({ busy: true, notice: undefined });
      let current = change;
      let rebased = false;
      try {
        for (let attempt = 0; ; attempt++) {
          let refused: Error & { conflict?: boolean };
          try {
            const [path, method, body] = request(current, base);
            const result = await api(path, method, { ...body, baseVersion: base.version });
            await reload(base.id);
            set({ writeError: undefined, conflict: undefined, notice: rebased ? REAPPLIED_NOTICE : undefined });
            settled(current);
            return { status: "saved", result: result ?? true };
          } catch (e) {
            refused = e as Error & { conflict?: boolean };
          }
          if (!refused.conflict) {
            set({ writeError: { message: refused.message, conflict: false } });
            return { status: "failed" };
          }
          const fresh = await reload(base.id);
          const r = rebaseChange(current, base, fresh);
          if (r.outcome === "done") {
            set({ writeError: undefined, conflict: undefined, notice: `Someone else changed this trace. ${r.reason}` });
            settled(current);
            return { status: "done" };
          }
          if (r.outcome === "conflict") {
            set({ writeError: undefined, conflict: { change: current, base, reason: r.reason, theirs: r.theirs, canKeepMine: r.canKeepMine } });
            return { status: "conflict" };
          }
          // Refused although nobody else wrote: not a stale version, so re-sending would be refused again.
          if (fresh.version === base.version || attempt >= MAX_REBASES) {
            set({ writeError: { message: refused.message, conflict: true } });
            return { status: "failed" };
          }
          current = r.change;
          base = fresh;
          rebased = true;
        }
      } catch (e) {
        set({ writeError: { message: (e as Error).message, conflict: false } });
        return { status: "failed" };
      } finally {
        set({ busy: false });
      }
    };

    const held = (c: Committed) => c.status === "saved" || c.status === "done";

    /** A conflict's change as the drafts are now: the user may have gone on typing after seeing theirs. */
    const asDrafted = (c: TraceChange): TraceChange => {
      const { editDraft, reviewNote } = get();
      if (c.kind === "edit" && editDraft && editDraft.segment === c.edit.segment && editDraft.original === c.original) {
        return { ...c, edit: { ...c.edit, replacement: editDraft.replacement } };
      }
      if (c.kind === "review" && reviewNote !== undefined) {
        const { note: _old, ...rest } = c;
        return reviewNote ? { ...rest, note: reviewNote } : rest;
      }
      return c;
    };

    /** A user's edit (not an undo/redo) that now holds on the server goes on the undo stack. */
    const recordEdit = (c: Committed, removed?: Edit) => {
      if (c.status !== "saved") return;
      const added = (c.result as { result?: Edit }).result;
      if (removed) set((s) => ({ undo: [...s.undo, { type: "remove", edit: removed }], redo: [] }));
      else if (added) set((s) => ({ undo: [...s.undo, { type: "add", edit: added }], redo: [] }));
    };

    const addEdit = async (edit: NewEdit) => {
      const t = get().trace;
      if (!t) return false;
      const original = t.segments[edit.segment]?.text.slice(edit.start, edit.end) ?? "";
      const c = await commit({ kind: "edit", edit, original });
      recordEdit(c);
      return held(c);
    };

    const removeEdit = async (id: string) => {
      const edit = get().trace?.edits?.find((e) => e.id === id);
      const c = await commit({ kind: "remove-edit", id });
      recordEdit(c, edit);
      return held(c);
    };

    /** Undo an "add" by removing that edit; undo a "remove" by adding it again. Returns the inverse action. */
    const applyInverse = async (action: EditAction): Promise<EditAction | undefined> => {
      if (action.type === "add") {
        return held(await commit({ kind: "remove-edit", id: action.edit.id })) ? { type: "remove", edit: action.edit } : undefined;
      }
      const { segment, start, end, replacement, original } = action.edit;
      const c = await commit({ kind: "edit", edit: { segment, start, end, replacement }, original });
      const added = c.status === "saved" ? (c.result as { result?: Edit }).result : undefined;
      return added ? { type: "add", edit: added } : undefined;
    };

    return {
      busy: false,
      undo: [],
      redo: [],
      actions: {
        load: async (id) => {
          // Drafts belong to one trace; reloading the same one keeps them.
          if (get().trace && get().trace?.id !== id) set({ editDraft: undefined, reviewNote: undefined, conflict: undefined, notice: undefined, undo: [], redo: [] });
          try {
            await reload(id);
          } catch (e) {
            set({ loadError: (e as Error).message });
          }
        },
        setReview: async (status, note) => held(await commit({ kind: "review", status, ...(note !== undefined ? { note } : {}) })),
        setTags: async (tags) => held(await commit({ kind: "tags", ...tagChange(get().trace?.tags ?? [], tags) })),
        addAnnotation: async (annotation) => {
          const text = get().trace?.segments[annotation.segment]?.text.slice(annotation.start, annotation.end) ?? "";
          return held(await commit({ kind: "annotation", annotation, text }));
        },
        removeAnnotation: async (id) => held(await commit({ kind: "remove-annotation", id })),
        addEdit,
        removeEdit,
        undoEdit: async () => {
          const last = get().undo.at(-1);
          if (!last) return;
          const ok = await applyInverse(last);
          if (ok) set((s) => ({ undo: s.undo.slice(0, -1), redo: [...s.redo, ok] }));
        },
        redoEdit: async () => {
          const last = get().redo.at(-1);
          if (!last) return;
          const ok = await applyInverse(last);
          if (ok) set((s) => ({ redo: s.redo.slice(0, -1), undo: [...s.undo, ok] }));
        },
        dismissError: () => set({ writeError: undefined }),
        dismissNotice: () => set({ notice: undefined }),

        openEdit: (span) => {
          const { trace, editDraft } = get();
          if (editDraft && editDraft.replacement !== editDraft.original) return set({ editDraft: { ...editDraft, open: true } });
          const original = trace?.segments[span.segment]?.text.slice(span.start, span.end);
          if (original === undefined) return;
          set({ editDraft: { ...span, original, replacement: original, open: true }, writeError: undefined });
        },
        setEditReplacement: (replacement) => {
          const d = get().editDraft;
          if (d) set({ editDraft: { ...d, replacement } });
        },
        closeEdit: () => {
          const d = get().editDraft;
          if (!d) return;
          set({ editDraft: d.replacement !== d.original ? { ...d, open: false } : undefined });
        },
        discardEdit: () => {
          const { conflict } = get();
          set({ editDraft: undefined, ...(conflict?.change.kind === "edit" ? { conflict: undefined } : {}) });
        },
        saveEdit: async () => {
          const d = get().editDraft;
          if (!d) return false;
          const edit = { segment: d.segment, start: d.start, end: d.end, replacement: d.replacement };
          const c = await commit({ kind: "edit", edit, original: d.original });
          recordEdit(c);
          return held(c);
        },
        setReviewNote: (note) => set({ reviewNote: note }),

        keepMine: async () => {
          const conflict = get().conflict;
          const trace = get().trace;
          if (!conflict?.canKeepMine || !trace) return false;
          let change = asDrafted(conflict.change);
          if (change.kind === "edit" && conflict.theirs.kind === "edits") {
            // The server refuses overlapping edits: theirs go first (each removal is undoable), then mine.
            for (const e of conflict.theirs.edits) {
              const c = await commit({ kind: "remove-edit", id: e.id });
              if (!held(c)) return false;
              recordEdit(c, e);
            }
            // Offsets are checked against the text once more: the server takes `original` from them.
            const latest = get().trace!;
            const r = rebaseChange(change, latest, latest);
            if (r.outcome !== "applies") return false;
            change = r.change;
          }
          const c = await commit(change);
          if (change.kind === "edit") recordEdit(c);
          return held(c);
        },
        takeTheirs: () => {
          const conflict = get().conflict;
          if (!conflict) return;
          set({
            conflict: undefined,
            writeError: undefined,
            ...(conflict.change.kind === "edit" ? { editDraft: undefined } : {}),
            ...(conflict.change.kind === "review" ? { reviewNote: undefined } : {}),
          });
        },
        reloadConflict: async () => {
          const conflict = get().conflict;
          const trace = get().trace;
          if (!trace) return;
          let fresh: Trace;
          try {
            fresh = await reload(trace.id);
          } catch (e) {
            return set({ writeError: { message: (e as Error).message, conflict: false } });
          }
          if (!conflict) return;
          const r = rebaseChange(asDrafted(conflict.change), conflict.base, fresh);
          if (r.outcome === "conflict") return set({ conflict: { ...conflict, reason: r.reason, theirs: r.theirs, canKeepMine: r.canKeepMine } });
          if (r.outcome === "done") {
            settled(conflict.change);
            return set({ conflict: undefined, notice: `Someone else changed this trace. ${r.reason}` });
          }
          const c = await commit(r.change);
          if (r.change.kind === "edit") recordEdit(c);
          if (c.status === "saved") set({ notice: REAPPLIED_NOTICE });
        },
      },
    };
  });
}

export type TraceDetailStore = ReturnType<typeof createTraceDetailStore>;
