import "server-only";
import { randomBytes } from "node:crypto";
import { AppError, type LiveAppendBody, type Segment, type TraceStatus } from "@/lib/protocol";
import { currentOwner, ownerAlive } from "./owners";
import type { Db } from "./sqlite";

/**
 * One live writer per trace. The tab (or runner) generating a trace holds its *lease*: a
 * random token the server hands out when the trace is created live or when someone resumes it.
 * Every live write carries the lease and a sequence number that rises with each request:
 *
 * - a write with another lease is refused (reason "lease-lost": someone took over);
 * - a write whose seq is not above the last stored one is refused (reason "stale-write": a late
 *   or replayed request) and changes nothing;
 * - a write may only *extend* stored text and events, never shorten or rewrite them (reason
 *   "would-shorten"), so no request can move a trace back to an earlier state.
 *
 * A lease is *held* while its writer has spoken in the last LIVE_TIMEOUT_MS and the server
 * process it spoke through is alive; a second tab that resumes a held trace gets a 409 with
 * reason "lease-held" and chooses: take over (the first tab's next write is refused and it
 * stops) or open a fork. Live writes do not bump the annotators' version: annotations and
 * edits address stored text, which live writes only extend, so both go on at once.
 */

/** A running trace whose writer has been silent this long is shown as interrupted. */
export const LIVE_TIMEOUT_MS = 15_000;
export const LIVE_STATUSES: ReadonlySet<TraceStatus> = new Set<TraceStatus>(["generating", "paused", "executing", "idle"]);

interface LeaseRow {
  status: TraceStatus;
  version: number;
  updated_at: number;
  writer_lease: string | null;
  writer_seq: number;
  writer_owner: string | null;
  writer_at: number | null;
}

function leaseRow(db: Db, id: string): LeaseRow {
  const row = db.prepare("SELECT status, version, updated_at, writer_lease, writer_seq, writer_owner, writer_at FROM traces WHERE id = ?").get(id) as
    | LeaseRow
    | undefined;
  if (!row) throw new AppError("not-found", `no trace with id ${id}`);
  return row;
}

export function newLease(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether someone is writing the trace right now (their lease blocks a second writer). */
export function leaseHeld(db: Db, row: Pick<LeaseRow, "writer_lease" | "writer_owner" | "writer_at">, now = Date.now()): boolean {
  return row.writer_lease !== null && row.writer_at !== null && now - row.writer_at <= LIVE_TIMEOUT_MS && ownerAlive(db, row.writer_owner, now);
}

/** Columns for a trace created live: its creator holds the lease. */
export function initialLease(db: Db, now = Date.now()): { writer_lease: string; writer_owner: string; writer_at: number } {
  return { writer_lease: newLease(), writer_owner: currentOwner(db, now), writer_at: now };
}

export function acquireLease(db: Db, id: string, takeOver: boolean, now = Date.now()): string {
  return db.transaction(() => {
    const row = leaseRow(db, id);
    if (leaseHeld(db, row, now) && !takeOver) {
      const since = Math.round((now - (row.writer_at ?? now)) / 1000);
      throw new AppError(
        "conflict",
        `This trace is being written by another tab or user right now (last save ${since} s ago). Take over — that tab stops saving — or open a fork to continue separately.`,
        undefined,
        "lease-held",
      );
    }
    const lease = newLease();
    db.prepare("UPDATE traces SET writer_lease = ?, writer_seq = 0, writer_owner = ?, writer_at = ? WHERE id = ?").run(lease, currentOwner(db, now), now, id);
    return lease;
  })();
}

function checkLease(row: LeaseRow, lease: string): void {
  if (row.writer_lease !== lease) {
    throw new AppError(
      "conflict",
      row.writer_lease === null
        ? "This tab's live session of the trace has ended (it was released or the trace was reset); nothing was saved from this request. Reopen the trace to go on."
        : "Another tab or user took over this trace; this tab stopped saving. Open the trace again to see where it is, or fork it.",
      undefined,
      "lease-lost",
    );
  }
}

/** A heartbeat of a writer that has nothing new (a paused or finished run still open in a tab). */
export function renewLease(db: Db, id: string, lease: string, now = Date.now()): void {
  db.transaction(() => {
    checkLease(leaseRow(db, id), lease);
    db.prepare("UPDATE traces SET writer_owner = ?, writer_at = ? WHERE id = ?").run(currentOwner(db, now), now, id);
  })();
}

/** The writer goes away: a run it left live is interrupted now, not after a timeout. Releasing a lease one does not hold does nothing. */
export function releaseLease(db: Db, id: string, lease: string, now = Date.now()): void {
  db.transaction(() => {
    const row = leaseRow(db, id);
    if (row.writer_lease !== lease) return;
    db.prepare(
      `UPDATE traces SET writer_lease = NULL, writer_at = NULL, status = CASE WHEN status IN ('generating','paused','executing','idle') THEN 'interrupted' ELSE status END, updated_at = ? WHERE id = ?`,
    ).run(now, id);
  })();
}

/**
 * Check a live write against the lease and the stored trace; throws the 409 that says why
 * when it must be refused. `stored` are the trace's segments and event JSON as stored.
 */
export function checkLiveWrite(db: Db, id: string, body: LiveAppendBody, stored: { segments: Segment[]; events: string[] }): LeaseRow {
  const row = leaseRow(db, id);
  checkLease(row, body.lease);
  if (body.seq <= row.writer_seq) {
    throw new AppError(
      "conflict",
      `This save is out of date (request ${body.seq}; the trace already has request ${row.writer_seq} of this session); it was ignored and nothing changed.`,
      undefined,
      "stale-write",
    );
  }
  const shorten = (what: string) =>
    new AppError("conflict", `This save would ${what}; stored text is only ever extended. Nothing changed; reload the trace.`, undefined, "would-shorten");
  if (body.segmentsFrom > stored.segments.length) {
    throw new AppError("conflict", `segments from ${body.segmentsFrom} but only ${stored.segments.length} are stored; resend from ${stored.segments.length}`);
  }
  if (body.eventsFrom > stored.events.length) {
    throw new AppError("conflict", `events from ${body.eventsFrom} but only ${stored.events.length} are stored; resend from ${stored.events.length}`);
  }
  if (body.segmentsFrom + body.segments.length < stored.segments.length) throw shorten(`drop segments ${body.segmentsFrom + body.segments.length}–${stored.segments.length - 1}`);
  for (let i = body.segmentsFrom; i < stored.segments.length; i++) {
    const old = stored.segments[i]!;
    const next = body.segments[i - body.segmentsFrom]!;
    if (next.kind !== old.kind || !next.text.startsWith(old.text)) throw shorten(`change or shorten segment ${i} (${old.text.length} characters stored)`);
  }
  if (body.eventsFrom + body.events.length < stored.events.length) throw shorten("drop events");
  for (let i = body.eventsFrom; i < stored.events.length; i++) {
    if (JSON.stringify(body.events[i - body.eventsFrom]) !== stored.events[i]) throw shorten(`rewrite event ${i}`);
  }
  return row;
}
