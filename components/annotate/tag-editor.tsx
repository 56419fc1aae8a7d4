"use client";

import { useState } from "react";

/**
 * The trace's tags: remove one, add one with Enter. Writes send what was added or removed, not
 * the whole list, so someone else's tags saved meanwhile are kept (see trace-rebase.ts).
 */
export function TagEditor({ tags, busy, onChange }: { tags: string[]; busy: boolean; onChange: (tags: string[]) => Promise<boolean> }) {
  const [draft, setDraft] = useState("");
  const add = async () => {
    const tag = draft.trim();
    if (!tag || tags.includes(tag)) return setDraft("");
    // The typed tag stays in the box until it is saved.
    if (await onChange([...tags, tag])) setDraft("");
  };
  return (
    <section className="panel tags" data-testid="tag-editor">
      <h3>Tags</h3>
      <div className="row">
        {tags.map((t) => (
          <span key={t} className="tag-chip" data-testid="tag">
            {t}
            <button className="small" aria-label={`remove tag ${t}`} disabled={busy} onClick={() => void onChange(tags.filter((x) => x !== t))}>
              ×
            </button>
          </span>
        ))}
        <input
          data-testid="tag-input"
          placeholder="add a tag (Enter)"
          value={draft}
          maxLength={50}
          style={{ width: 160 }}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void add();
            }
          }}
        />
      </div>
    </section>
  );
}
