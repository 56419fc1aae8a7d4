"use client";

import { useState } from "react";
import {
  HintSchema,
  describeZodError,
  type Hint,
  type ProblemKind,
} from "@/lib/protocol";
import { useActions, useHintlab } from "@/lib/store";
import { useCan } from "@/components/ui/session";
import { HintTextEditor } from "./hint-editor";

const KINDS: ProblemKind[] = ["math", "code", "free"];

async function saveUserHints(hints: Hint[]): Promise<Hint[]> {
  const res = await fetch("/api/hints", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hints }),
  });
  const body = (await res.json()) as {
    hints?: Hint[];
    error?: { message: string };
  };
  if (!res.ok || !body.hints)
    throw new Error(body.error?.message ?? `saving failed (${res.status})`);
  return body.hints;
}

/** Manage the library: built-ins are read-only (duplicate them); user hints are saved on the server. */
export function HintLibrary() {
  const hints = useHintlab((s) => s.hints);
  const { setHints } = useActions();
  const [editing, setEditing] = useState<{
    original?: string;
    hint: Hint;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const userHints = hints.filter((h) => !h.builtIn);
  // The Hint-Library is the admins' (the server refuses other roles' writes too).
  const canEdit = useCan("admin");

  const persist = async (next: Hint[]) => {
    try {
      setHints(await saveUserHints(next));
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };

  const saveEdit = async () => {
    if (!editing) return;
    const parsed = HintSchema.safeParse({ ...editing.hint, builtIn: false });
    if (!parsed.success) return setError(describeZodError(parsed.error));
    const rest = userHints.filter((h) => h.id !== editing.original);
    if (await persist([...rest, parsed.data])) setEditing(null);
  };

  return (
    <details className="panel hint-library" data-testid="hint-library">
      <summary>Hint-Library ({hints.length})</summary>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="hint-list">
        {hints.map((h) => (
          <li key={h.id}>
            <span>
              <strong>{h.title}</strong> <code className="small">{h.id}</code>{" "}
              <span className="muted small">{h.kinds.join(", ")}</span>
              {h.builtIn ? (
                <span className="badge">built-in</span>
              ) : (
                <span className="badge yours">yours</span>
              )}
            </span>
            {canEdit && (
              <span className="row">
                <button
                  onClick={() =>
                    setEditing({
                      hint: {
                        ...h,
                        id: `${h.id}-copy`.slice(0, 60),
                        title: `${h.title} (copy)`,
                        builtIn: false,
                      },
                    })
                  }
                >
                  Duplicate
                </button>
                {!h.builtIn && (
                  <>
                    <button
                      onClick={() => setEditing({ original: h.id, hint: h })}
                    >
                      Edit
                    </button>
                    <button
                      onClick={() =>
                        void persist(userHints.filter((u) => u.id !== h.id))
                      }
                    >
                      Delete
                    </button>
                  </>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {!canEdit && (
        <p className="muted small">
          Only admins change the Hint-Library; edit a hint&apos;s text in the
          hint editor before injecting it.
        </p>
      )}
      {canEdit && (
        <button
          data-testid="new-hint"
          onClick={() =>
            setEditing({
              hint: {
                id: "my-hint",
                kinds: ["math"],
                title: "My hint",
                text: "Wait, let me verify this with Python.\n```python\n",
                builtIn: false,
              },
            })
          }
        >
          New hint
        </button>
      )}
      {editing && (
        <div className="hint-form" data-testid="hint-form">
          <label>
            Id
            <input
              value={editing.hint.id}
              onChange={(e) =>
                setEditing({
                  ...editing,
                  hint: { ...editing.hint, id: e.target.value },
                })
              }
            />
          </label>
          <label>
            Title
            <input
              value={editing.hint.title}
              onChange={(e) =>
                setEditing({
                  ...editing,
                  hint: { ...editing.hint, title: e.target.value },
                })
              }
            />
          </label>
          <span className="row">
            {KINDS.map((k) => (
              <label key={k} className="inline">
                <input
                  type="checkbox"
                  checked={editing.hint.kinds.includes(k)}
                  onChange={(e) =>
                    setEditing({
                      ...editing,
                      hint: {
                        ...editing.hint,
                        kinds: e.target.checked
                          ? [...editing.hint.kinds, k]
                          : editing.hint.kinds.filter((x) => x !== k),
                      },
                    })
                  }
                />
                {k}
              </label>
            ))}
          </span>
          <HintTextEditor
            value={editing.hint.text}
            onChange={(text) =>
              setEditing({ ...editing, hint: { ...editing.hint, text } })
            }
            height={160}
          />
          <span className="row">
            <button
              className="primary"
              data-testid="save-hint"
              onClick={() => void saveEdit()}
            >
              Save
            </button>
            <button onClick={() => setEditing(null)}>Cancel</button>
          </span>
        </div>
      )}
    </details>
  );
}
