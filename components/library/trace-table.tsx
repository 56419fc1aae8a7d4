"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { TraceSummary } from "@/lib/protocol";
import { shortModel } from "./api";
import type { LibraryParams, TraceSort } from "./list-params";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

/** A header that sorts by `sort` when clicked; the arrow shows the current order. */
function SortHeader({ label, sort, params, onSort }: { label: string; sort: TraceSort; params: LibraryParams; onSort: (s: TraceSort) => void }) {
  const active = params.sort === sort;
  return (
    <th aria-sort={active ? (params.order === "asc" ? "ascending" : "descending") : "none"} className="num">
      <button type="button" className="sort-button" data-testid={`sort-${sort}`} onClick={() => onSort(sort)}>
        {label}
        {active ? (params.order === "asc" ? " ▲" : " ▼") : ""}
      </button>
    </th>
  );
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

/** Enter on a focused link or button already does something: do not also open the selection. */
function isActivatable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "A" || el.tagName === "BUTTON");
}

/**
 * One page of traces. `j`/`k` move a selection through the rows and Enter opens the selected
 * trace; keys typed into the search box or a menu are left alone.
 */
export function TraceTable({
  items,
  pageKey,
  params,
  onSort,
}: {
  items: TraceSummary[];
  /** Identifies the page shown; a new page starts with no selection. */
  pageKey: string;
  params: LibraryParams;
  onSort: (s: TraceSort) => void;
}) {
  const router = useRouter();
  const [selection, setSelection] = useState({ pageKey, index: -1 });
  const selected = selection.pageKey === pageKey ? selection.index : -1;
  const body = useRef<HTMLTableSectionElement>(null);

  // External system: keyboard events on the document (re-subscribed when the page or selection changes).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
      if (e.key === "j" || e.key === "k") {
        if (!items.length) return;
        const index = e.key === "j" ? Math.min(selected + 1, items.length - 1) : Math.max(selected - 1, 0);
        setSelection({ pageKey, index });
        body.current?.querySelector<HTMLElement>(`tr[data-index="${index}"]`)?.scrollIntoView({ block: "nearest" });
      } else if (e.key === "Enter" && selected >= 0 && !isActivatable(e.target)) {
        const item = items[selected];
        if (item) router.push(`/traces/${encodeURIComponent(item.id)}`);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [items, selected, pageKey, router]);

  return (
    <table className="trace-table" data-testid="trace-list">
      <thead>
        <tr>
          <th>Problem</th>
          <th>Model</th>
          <th>Policy</th>
          <th>Hints</th>
          <SortHeader label="Tool calls" sort="tool_calls" params={params} onSort={onSort} />
          <SortHeader label="Tokens" sort="tokens" params={params} onSort={onSort} />
          <SortHeader label="Chars" sort="chars" params={params} onSort={onSort} />
          <th>Verdict</th>
          <th>Review</th>
          <th>Status</th>
          <SortHeader label="Created" sort="created" params={params} onSort={onSort} />
        </tr>
      </thead>
      <tbody ref={body}>
        {items.map((t, i) => (
          <tr
            key={t.id}
            data-testid="trace-row"
            data-index={i}
            data-trace-id={t.id}
            aria-selected={i === selected}
            className={i === selected ? "selected" : undefined}
            onClick={() => setSelection({ pageKey, index: i })}
          >
            <td className="problem-cell">
              <Link href={`/traces/${encodeURIComponent(t.id)}`} title={t.problemStatement}>
                {t.problemStatement || "(no statement)"}
              </Link>
              {t.parentId && (
                <span className="badge fork-badge" title={`fork of ${t.parentId}`}>
                  fork
                </span>
              )}
              <span className="muted small">{[t.dataset, ...t.tags.map((tag) => `#${tag}`)].filter(Boolean).join(" · ")}</span>
            </td>
            <td title={t.model}>{shortModel(t.model)}</td>
            <td>{t.policy}</td>
            <td>{t.hintsUsed.join(", ") || <span className="muted">—</span>}</td>
            <td className="num">{t.toolCalls}</td>
            <td className="num">{t.tokens.toLocaleString()}</td>
            <td className="num">{t.chars.toLocaleString()}</td>
            <td>
              <span className={`verdict ${t.verdict ?? ""}`}>{t.verdict ?? "—"}</span>
            </td>
            <td>
              <span className={`review review-${t.reviewStatus}`}>{t.reviewStatus}</span>
            </td>
            <td>
              <span className={`phase phase-${t.status}`}>{t.status}</span>
            </td>
            <td className="num">{dateFormat.format(t.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
