/**
 * Annotation queues (server side). A researcher makes a queue from a trace filter or a Hint-RFT
 * selection (store.ts: a snapshot of the traces, oldest first), with instructions, labels and a
 * review rule: one annotator per item, or `perItem` on a seeded share of the items (assign.ts),
 * split evenly up front or claimed on demand. Annotators work through it (work.ts): "Next" leases
 * an item, their marks, edits and review go to their own assignment (never the trace's own), and
 * the review marks it done. Per item the final version — what exports and what the library's
 * `queue` filter reads — is the single annotator's, the agreeing annotators', or the researcher's
 * adjudication (final.ts). report.ts computes progress, time per item, Cohen's/Fleiss' kappa on the
 * decisions and span F1 per label (agreement.ts) on the overlapping items. Every write appends to
 * the trace's activity log.
 */
export { QueueStore, queueScopedLines, type Viewer } from "./store";
export { QueueWork } from "./work";
export { cohenKappa, fleissKappa, spanOverlap, queueAgreement } from "./agreement";
export { requiredPerItem, evenSplit } from "./assign";
import { getDb } from "@/lib/db";
import { QueueStore } from "./store";
import { QueueWork } from "./work";

export const queueStore = () => new QueueStore(getDb());
export const queueWork = () => new QueueWork(getDb());
