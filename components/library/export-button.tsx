"use client";
import { useCan } from "@/components/ui/session";

import { useState } from "react";
import { FILTER_KEYS, type LibraryParams } from "./list-params";

// The export formats of lib/export (kept as data here: components do not import lib/export).
const FORMATS = [
  ["segments", "segments (native, train flags, edits)"],
  ["openai", "OpenAI fine-tuning messages (weights)"],
  ["sharegpt", "ShareGPT / LLaMA-Factory"],
  ["trl", "TRL prompt/completion + mask"],
  ["edits", "manual edits (before/after)"],
] as const;

/** Download the traces the list shows (same search and filters, every page) as JSONL. */
export function ExportButton({ params, total }: { params: LibraryParams; total?: number }) {
  // Annotators cannot export (the server refuses it too).
  const canExport = useCan("run");
  const [format, setFormat] = useState<string>("segments");
  const sp = new URLSearchParams({ format });
  if (params.q.trim()) sp.set("q", params.q.trim());
  for (const key of FILTER_KEYS) if (params.filters[key]) sp.set(key, params.filters[key]);
  if (!canExport) return null;
  return (
    <span className="row export">
      <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="export-format" aria-label="Export format">
        {FORMATS.map(([id, label]) => (
          <option key={id} value={id}>
            {label}
          </option>
        ))}
      </select>
      <a className="button" data-testid="export-button" href={`/api/export?${sp}`} download={`hintlab-${format}.jsonl`}>
        Export {total !== undefined ? `${total} trace${total === 1 ? "" : "s"}` : ""}
      </a>
      {/* An annotation queue over the same selection (the accepted-in-queue filter is not a selection to queue again). */}
      {!params.filters.queue && (
        <a className="button" data-testid="queue-these" href={`/queues/new?${new URLSearchParams([...sp].filter(([k]) => k !== "format"))}`} title="split these traces among annotators">
          Queue these…
        </a>
      )}
    </span>
  );
}
