"use client";

import Link from "next/link";
import { useState } from "react";
import type { TraceSummary } from "@/lib/protocol";
import { getFamily, shortId } from "@/components/library/api";
import { useFetched } from "@/components/library/use-fetched";
import "./fork-tree.css";

type Children = Map<string | undefined, TraceSummary[]>;

/** Children by parent id; a node whose parent is not in the family is a root (normally just one). */
function childrenByParent(family: TraceSummary[]): Children {
  const ids = new Set(family.map((t) => t.id));
  const map: Children = new Map();
  for (const t of [...family].sort((a, b) => a.createdAt - b.createdAt)) {
    const parent = t.parentId && ids.has(t.parentId) ? t.parentId : undefined;
    map.set(parent, [...(map.get(parent) ?? []), t]);
  }
  return map;
}

/** Where a fork was cut from its parent, and how it differs there (another token, a correction). */
function forkLabel(at: NonNullable<TraceSummary["forkAt"]>): string {
  if (at.edit) return `continued from ${at.edit.author}’s edit (segment ${at.segment} @ offset ${at.offset})`;
  return `fork at segment ${at.segment} @ offset ${at.offset}${at.alternative ? ` with ${JSON.stringify(at.alternative.text)}` : ""}`;
}

function ForkNode({
  node,
  children,
  currentId,
  picked,
  onPick,
}: {
  node: TraceSummary;
  children: Children;
  currentId: string;
  picked: string[];
  onPick: (id: string, on: boolean) => void;
}) {
  const isCurrent = node.id === currentId;
  const kids = children.get(node.id) ?? [];
  return (
    <li>
      <div className={isCurrent ? "fork-node current" : "fork-node"} data-testid="fork-node" data-trace-id={node.id} aria-current={isCurrent ? "page" : undefined}>
        <input type="checkbox" aria-label={`pick ${shortId(node.id)} to compare`} checked={picked.includes(node.id)} onChange={(e) => onPick(node.id, e.target.checked)} />
        <Link href={`/traces/${encodeURIComponent(node.id)}`} title={node.id} className="fork-id">
          {shortId(node.id)}
        </Link>
        <span className="muted small" data-fork-kind={node.forkAt?.edit ? "edit" : node.forkAt?.alternative ? "alternative" : node.forkAt ? "point" : "root"}>
          {node.forkAt ? forkLabel(node.forkAt) : "root"} · {node.policy} · hints:{" "}
          {node.hintsUsed.join(", ") || "none"} · {node.toolCalls} tool call{node.toolCalls === 1 ? "" : "s"}
        </span>
        <span className={`verdict ${node.verdict ?? ""}`}>{node.verdict ?? node.status}</span>
      </div>
      {kids.length > 0 && (
        <ul>
          {kids.map((k) => (
            <ForkNode key={k.id} node={k} children={children} currentId={currentId} picked={picked} onPick={onPick} />
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * The fork family of `traceId`: the root and every fork below it, indented, each labelled with
 * where it was cut from its parent. Tick two nodes to compare their branches. Remount it (key)
 * to reload after a new fork.
 */
export function ForkTree({ traceId, currentId }: { traceId: string; currentId: string }) {
  const family = useFetched(traceId, (id, signal) => getFamily(id, signal));
  const [pickedRaw, setPicked] = useState<string[]>([]);
  const nodes = family.data ?? [];
  // Picks of traces no longer in the family (another trace opened) are dropped, derived here.
  const picked = pickedRaw.filter((id) => nodes.some((n) => n.id === id));
  // Ticking a third node lets go of the oldest pick.
  const onPick = (id: string, on: boolean) => setPicked(on ? [...picked.filter((p) => p !== id), id].slice(-2) : picked.filter((p) => p !== id));
  const children = childrenByParent(nodes);
  const [a, b] = picked;

  return (
    <div className="fork-tree" data-testid="fork-tree">
      {family.error && <p className="error">Could not load the fork tree: {family.error}</p>}
      {family.loading && !family.data && <p className="muted small">Loading forks…</p>}
      <ul>
        {(children.get(undefined) ?? []).map((root) => (
          <ForkNode key={root.id} node={root} children={children} currentId={currentId} picked={picked} onPick={onPick} />
        ))}
      </ul>
      {family.data && nodes.length < 2 && <p className="muted small">No forks yet.</p>}
      {nodes.length >= 2 && (
        <p className="row small">
          {a && b ? (
            <Link href={`/traces/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`} data-testid="compare-link" className="button-link">
              Compare {shortId(a)} ↔ {shortId(b)}
            </Link>
          ) : (
            <span className="muted">Tick two traces to compare their branches.</span>
          )}
        </p>
      )}
    </div>
  );
}
