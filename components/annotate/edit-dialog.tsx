"use client";

import dynamic from "next/dynamic";
import type { EditDraft, TraceConflict } from "@/lib/store/trace-detail";
import { ConflictCard } from "./conflict-card";

const DiffEditor = dynamic(() => import("./monaco-diff"), {
  ssr: false,
  loading: () => <p className="muted">Loading editor…</p>,
});

/**
 * Original span on the left, the replacement (editable) on the right. The replacement is the
 * store's draft, so closing the dialog or reloading the trace keeps it; only Discard drops it.
 * A conflict or a failed save is shown here, with its Reload, not under the backdrop.
 */
export function EditDialog(p: {
  draft: EditDraft;
  conflict?: TraceConflict;
  error?: { message: string; conflict: boolean };
  busy: boolean;
  onChange: (replacement: string) => void;
  onSave: () => void;
  onClose: () => void;
  onDiscard: () => void;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
  onReload: () => void;
  onDismissError: () => void;
}) {
  const { draft } = p;
  const dirty = draft.replacement !== draft.original;
  return (
    <div className="dialog-backdrop" role="dialog" aria-label="Edit span">
      <div className="dialog panel" data-testid="edit-dialog">
        <h3>Edit span — the original is kept; exports use the replacement</h3>
        <span className="muted small">
          segment {draft.segment} · characters {draft.start}–{draft.end}
        </span>
        {p.conflict && <ConflictCard conflict={p.conflict} busy={p.busy} onKeepMine={p.onKeepMine} onTakeTheirs={p.onTakeTheirs} onReload={p.onReload} />}
        {p.error && (
          <div className="error-banner" role="alert" data-testid="edit-error">
            <span>{p.error.message}</span>
            <span className="row">
              {p.error.conflict && (
                <button data-testid="edit-reload" onClick={p.onReload}>
                  Reload
                </button>
              )}
              <button onClick={p.onDismissError}>Dismiss</button>
            </span>
          </div>
        )}
        <DiffEditor
          original={draft.original}
          modified={draft.replacement}
          onChange={p.onChange}
          onSubmit={() => dirty && !p.busy && !p.conflict && p.onSave()}
          onCancel={p.onClose}
        />
        <div className="row">
          {/* While a conflict is open Save would only collide again: the card's buttons decide. */}
          <button className="primary" data-testid="save-edit" disabled={p.busy || !dirty || Boolean(p.conflict)} onClick={p.onSave}>
            Save edit <kbd>Ctrl+Enter</kbd>
          </button>
          <button data-testid="close-edit" onClick={p.onClose} title={dirty ? "your replacement is kept; reopen it from the annotation panel" : undefined}>
            {dirty ? "Close (keep draft)" : "Cancel"}
          </button>
          {dirty && (
            <button data-testid="discard-edit" onClick={p.onDiscard}>
              Discard my edit
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
