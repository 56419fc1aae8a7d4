"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { ActivityItem } from "@/lib/protocol";
import { getActivity, shortId } from "@/components/library/api";
import { useFetched } from "@/components/library/use-fetched";
import { activityKey, describeActivity, relativeTime } from "./activity-text";
import "./activity.css";

/** Entries rendered before "show all": a trace reviewed in many rounds keeps the side column short. */
export const ACTIVITY_SHOWN = 30;

const exact = (at: number) => new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  // External system: the clock, so "3 minutes ago" stays true while the page is open.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function Entry({ item, now }: { item: ActivityItem; now: number }) {
  const t = describeActivity(item);
  return (
    <li className={`activity-entry activity-${item.source}`} data-testid="activity-entry" data-kind={item.kind} data-source={item.source}>
      <div className="activity-line">
        <strong className="activity-who" data-testid="activity-author">
          {item.author}
        </strong>{" "}
        <span className="activity-what">{t.action}</span>
        {t.link && (
          <>
            {" "}
            <Link href={`/traces/${encodeURIComponent(t.link.id)}`} title={t.link.id}>
              {t.link.label} {shortId(t.link.id)}
            </Link>
          </>
        )}
        <time className="activity-when muted" dateTime={new Date(item.at).toISOString()} title={exact(item.at)}>
          {relativeTime(item.at, now)}
        </time>
      </div>
      {t.quote !== undefined && (t.replacement !== undefined ? <del>{t.quote}</del> : <blockquote>{t.quote}</blockquote>)}
      {t.replacement !== undefined && <ins>{t.replacement}</ins>}
      {t.note && <p className="activity-note">{t.note}</p>}
      {(t.where || item.queueId || item.source === "trace" || item.detail.inherited === true) && (
        <div className="muted activity-meta">
          {[
            t.where,
            item.queueId && `queue ${shortId(item.queueId)}`,
            item.source === "trace" && "on the trace, not in the activity log (imported or older)",
            item.detail.inherited === true && "copied from the parent when forked",
          ]
            .filter(Boolean)
            .join(" · ")}
        </div>
      )}
    </li>
  );
}

/**
 * Who did what to the trace: annotator writes, forks, queue work, and the run's own events
 * (GET /api/traces/:id/activity). Newest first: the panel answers "who touched this last and
 * how", and with the list capped the newest entries are the ones left in view (oldest first would
 * fill the cap with the run's events, which every trace starts with). `version` refetches after
 * each write of the page (the store reloads the trace and its version rises).
 */
export function ActivityPanel({ traceId, version }: { traceId: string; version: number }) {
  const fetched = useFetched(`${traceId}@${version}`, (_key, signal) => getActivity(traceId, signal));
  const [showAll, setShowAll] = useState(false);
  const now = useNow(30_000);
  // The data of another trace (kept while the next loads) is never shown under this one.
  const items = fetched.data?.traceId === traceId ? fetched.data.items : [];
  const newest = [...items].reverse();
  const shown = showAll ? newest : newest.slice(0, ACTIVITY_SHOWN);
  return (
    <section className="panel activity" data-testid="activity-panel" aria-busy={fetched.loading}>
      <h3>
        Activity <span className="muted small">({items.length})</span>
      </h3>
      {fetched.error && (
        <p className="error-banner small" role="alert">
          Could not load the activity: {fetched.error}
        </p>
      )}
      {!fetched.data && !fetched.error && <p className="muted small">Loading…</p>}
      {fetched.data && items.length === 0 && <p className="muted small">Nothing recorded yet.</p>}
      <ol className="ann-list activity-list" data-testid="activity-list">
        {shown.map((item) => (
          <Entry key={activityKey(item)} item={item} now={now} />
        ))}
      </ol>
      {newest.length > ACTIVITY_SHOWN && (
        <button className="small" data-testid="activity-show-all" onClick={() => setShowAll(!showAll)}>
          {showAll ? `Show the newest ${ACTIVITY_SHOWN}` : `Show all ${newest.length}`}
        </button>
      )}
    </section>
  );
}
