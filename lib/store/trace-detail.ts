import { createStore } from "zustand/vanilla";
import { applyEdits } from "@/lib/export";
import { TraceSchema, type Annotation, type Edit, type ReviewStatus, type Segment, type Trace } from "@/lib/protocol";

/** The edited view of a trace: edits applied as `edit` segments (stored segments never change). */
export function selectEditedSegments(trace: Pick<Trace, "segments" | "edits">): Segment[] {
  return applyEdits(trace.segments, trace.edits);
}

/**
 * State of the single-trace page (annotators): the trace as the server has it, and the undo/redo stacks of this session's edits. Every write sends the
 * version it was based on; a conflict (another annotator saved first) is shown, never merged.
 */
export type EditAction = { type: "add"; edit: Edit } | { type: "remove"; edit: Edit };

export interface TraceDetailState {
  trace?: Trace;
  loadError?: string;
  writeError?: { message: string; conflict: boolean };
  busy: boolean;
  undo: EditAction[];
  redo: EditAction[];
  actions: {
    load(id: string): Promise<void>;
    setReview(status: ReviewStatus, note?: string): Promise<boolean>;
    setTags(tags: string[]): Promise<boolean>;
    addAnnotation(a: Omit<Annotation, "id" | "author" | "createdAt">): Promise<boolean>;
    removeAnnotation(id: string): Promise<boolean>;
    addEdit(e: { segment: number; start: number; end: number; replacement: string }): Promise<boolean>;
    removeEdit(id: string): Promise<boolean>;
    undoEdit(): Promise<void>;
    redoEdit(): Promise<void>;
    dismissError(): void;
  };
}

export function createTraceDetailStore(deps: { fetch: typeof fetch }) {
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
      const trace = TraceSchema.parse(await api(`/api/traces/${encodeURIComponent(id)}`, "GET"));
      set({ trace, loadError: undefined });
      return trace;
    };

    /** One annotator write, based on the current version (the server records the signed-in account as its author); reloads after. */
    const write = async (path: string, method: string, body: Record<string, unknown>): Promise<unknown> => {
      const { trace } = get();
      if (!trace) throw new Error("no trace loaded");
      set({ busy: true });
      try {
        const result = await api(path, method, { ...body, baseVersion: trace.version });
        await reload(trace.id);
        set({ writeError: undefined });
        return result ?? true;
      } catch (e) {
        set({ writeError: { message: (e as Error).message, conflict: Boolean((e as { conflict?: boolean }).conflict) } });
        return undefined;
      } finally {
        set({ busy: false });
      }
    };

    const base = () => `/api/traces/${encodeURIComponent(get().trace!.id)}`;

    return {
      busy: false,
      undo: [],
      redo: [],
      actions: {
        load: async (id) => {
          try {
            await reload(id);
          } catch (e) {
            set({ loadError: (e as Error).message });
          }
        },
        setReview: async (status, note) => (await write(`${base()}/review`, "PUT", { status, ...(note !== undefined ? { note } : {}) })) !== undefined,
        setTags: async (tags) => (await write(`${base()}/tags`, "PUT", { tags })) !== undefined,
        addAnnotation: async (annotation) => (await write(`${base()}/annotations`, "POST", { annotation })) !== undefined,
        removeAnnotation: async (id) => (await write(`${base()}/annotations/${encodeURIComponent(id)}`, "DELETE", {})) !== undefined,
        addEdit: async (edit) => {
          const result = (await write(`${base()}/edits`, "POST", { edit })) as { result?: Edit } | undefined;
          if (!result?.result) return false;
          set((s) => ({ undo: [...s.undo, { type: "add", edit: result.result! }], redo: [] }));
          return true;
        },
        removeEdit: async (id) => {
          const edit = get().trace?.edits?.find((e) => e.id === id);
          const ok = (await write(`${base()}/edits/${encodeURIComponent(id)}`, "DELETE", {})) !== undefined;
          if (ok && edit) set((s) => ({ undo: [...s.undo, { type: "remove", edit }], redo: [] }));
          return ok;
        },
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
      },
    };

    /** Undo an "add" by removing that edit; undo a "remove" by adding it again. Returns the inverse action. */
    async function applyInverse(action: EditAction): Promise<EditAction | undefined> {
      if (action.type === "add") {
        const ok = (await write(`${base()}/edits/${encodeURIComponent(action.edit.id)}`, "DELETE", {})) !== undefined;
        return ok ? { type: "remove", edit: action.edit } : undefined;
      }
      const { segment, start, end, replacement } = action.edit;
      const result = (await write(`${base()}/edits`, "POST", { edit: { segment, start, end, replacement } })) as { result?: Edit } | undefined;
      return result?.result ? { type: "add", edit: result.result } : undefined;
    }
  });
}

export type TraceDetailStore = ReturnType<typeof createTraceDetailStore>;
