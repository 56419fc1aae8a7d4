"use client";

import dynamic from "next/dynamic";
import { useState } from "react";

const DiffEditor = dynamic(() => import("./monaco-diff"), {
  ssr: false,
  loading: () => <p className="muted">Loading editor…</p>,
});

/** Original span on the left, the replacement (editable) on the right. */
export function EditDialog({ original, onSave, onCancel }: { original: string; onSave: (replacement: string) => Promise<void>; onCancel: () => void }) {
  const [replacement, setReplacement] = useState(original);
  const [saving, setSaving] = useState(false);
  return (
    <div className="dialog-backdrop" role="dialog" aria-label="Edit span">
      <div className="dialog panel" data-testid="edit-dialog">
        <h3>Edit span — the original is kept; exports use the replacement</h3>
        <DiffEditor original={original} modified={replacement} onChange={setReplacement} />
        <div className="row">
          <button
            className="primary"
            data-testid="save-edit"
            disabled={saving || replacement === original}
            onClick={async () => {
              setSaving(true);
              await onSave(replacement);
              setSaving(false);
            }}
          >
            Save edit
          </button>
          <button onClick={onCancel}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
