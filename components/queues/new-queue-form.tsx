"use client";

import { useEffect, useMemo, useState } from "react";
import { useRouter, useSearchParams } from "next/navigation";
import { z } from "zod";
import { QueueSummarySchema, RoleSchema, type QueueSource } from "@/lib/protocol";
import { DEFAULT_LABELS } from "@/components/annotate/annotation-panel";
import { MarkdownText } from "@/components/markdown/deferred";
import { FILTER_KEYS } from "@/components/library/list-params";
import { call } from "./api";
import "./queues.css";

const AnnotatorsSchema = z.object({ items: z.array(z.object({ name: z.string(), role: RoleSchema })) });
const TotalSchema = z.object({ total: z.number() });

/** The selection a queue is made from: `?rft=EXPERIMENT` (a Hint-RFT selection) or the library's filter params. */
function sourceFrom(sp: URLSearchParams): QueueSource {
  const rft = sp.get("rft");
  if (rft) return { type: "rft", experimentId: rft };
  const filter: Record<string, string> = {};
  for (const k of [...FILTER_KEYS.filter((k) => k !== "queue"), "q"]) {
    const v = sp.get(k);
    if (v) filter[k] = v;
  }
  return { type: "filter", filter };
}

function describe(source: QueueSource): string {
  if (source.type === "rft") return `the Hint-RFT selection of experiment ${source.experimentId} (traces tagged rft:${source.experimentId})`;
  const parts = Object.entries(source.filter).map(([k, v]) => `${k} = ${v}`);
  return parts.length ? `traces where ${parts.join(", ")}` : "every trace in the library";
}

/** A new annotation queue: the selection, instructions, labels, annotators and the review rule. */
export function NewQueueForm() {
  const router = useRouter();
  const sp = useSearchParams();
  const source = useMemo(() => sourceFrom(new URLSearchParams(sp.toString())), [sp]);
  const [name, setName] = useState(source.type === "rft" ? `Hint-RFT ${source.experimentId.slice(0, 8)} corrections` : "Annotation queue");
  const [instructions, setInstructions] = useState("Read the thinking. Mark **unreasonable** or **wrong** steps, edit them where a short fix makes the trace right, then accept, reject or mark it as needing work.");
  const [labels, setLabels] = useState(DEFAULT_LABELS.join(", "));
  const [people, setPeople] = useState<{ name: string; role: string }[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [perItem, setPerItem] = useState(2);
  const [share, setShare] = useState(20);
  const [assignment, setAssignment] = useState<"even" | "claim">("even");
  const [leaseMinutes, setLeaseMinutes] = useState(30);
  const [seed, setSeed] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // External system: the accounts, and how many traces the selection has now.
  useEffect(() => {
    call("/api/queues/annotators", AnnotatorsSchema)
      .then((r) => {
        setPeople(r.items);
        setChosen(new Set(r.items.filter((u) => u.role === "annotator").map((u) => u.name)));
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    const q = new URLSearchParams(source.type === "rft" ? { tag: `rft:${source.experimentId}` } : (source.filter as Record<string, string>));
    q.set("limit", "1");
    call(`/api/traces?${q}`, TotalSchema)
      .then((r) => setTotal(r.total))
      .catch(() => setTotal(null));
  }, [source]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const spec = {
        name,
        instructions,
        labels: labels.split(",").map((l) => l.trim()).filter(Boolean),
        annotators: [...chosen],
        perItem: share > 0 ? perItem : 1,
        overlapShare: share / 100,
        assignment,
        leaseMinutes,
        seed,
      };
      const q = await call("/api/queues", QueueSummarySchema, "POST", { spec, source });
      router.push(`/queues/${encodeURIComponent(q.id)}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  const toggle = (n: string) => setChosen((s) => (s.has(n) ? new Set([...s].filter((x) => x !== n)) : new Set([...s, n])));
  return (
    <main className="page queues new-queue">
      <h2>New annotation queue</h2>
      <p data-testid="queue-source">
        From {describe(source)}: <strong data-testid="queue-source-count">{total ?? "…"}</strong> traces (the queue keeps the ones that match now, oldest first).
      </p>
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="queue-name" />
      </label>
      <div className="queue-instructions-edit">
        <label>
          Instructions (Markdown)
          <textarea rows={5} value={instructions} onChange={(e) => setInstructions(e.target.value)} data-testid="queue-instructions" />
        </label>
        <div className="panel">
          <span className="muted small">Preview</span>
          <MarkdownText text={instructions} />
        </div>
      </div>
      <label>
        Labels (comma-separated) <input value={labels} onChange={(e) => setLabels(e.target.value)} data-testid="queue-labels" />
      </label>
      <fieldset>
        <legend>Annotators</legend>
        {people.map((u) => (
          <label key={u.name} className="inline">
            <input type="checkbox" checked={chosen.has(u.name)} onChange={() => toggle(u.name)} data-testid={`queue-annotator-${u.name}`} /> {u.name} <span className="muted small">{u.role}</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Review rule</legend>
        <label className="inline">
          Overlap on <input type="number" min={0} max={100} value={share} onChange={(e) => setShare(Number(e.target.value))} data-testid="queue-overlap" style={{ width: 70 }} /> % of items,
        </label>
        <label className="inline">
          with <input type="number" min={2} max={10} value={perItem} onChange={(e) => setPerItem(Number(e.target.value))} data-testid="queue-per-item" style={{ width: 60 }} /> annotators each
        </label>
        <label className="inline">
          Assignment
          <select value={assignment} onChange={(e) => setAssignment(e.target.value as "even" | "claim")} data-testid="queue-assignment">
            <option value="even">split evenly now</option>
            <option value="claim">claimed on demand (Next)</option>
          </select>
        </label>
        <label className="inline">
          Lease <input type="number" min={1} max={1440} value={leaseMinutes} onChange={(e) => setLeaseMinutes(Number(e.target.value))} style={{ width: 70 }} /> min
        </label>
        <label className="inline">
          Seed <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value))} style={{ width: 70 }} />
        </label>
        <p className="muted small">
          Overlapping items are chosen by the seed; agreement (kappa on the decision, span F1 per label) is measured on them, and disagreements wait for your adjudication.
        </p>
      </fieldset>
      {error && (
        <div className="error-banner" role="alert" data-testid="queue-error">
          {error}
        </div>
      )}
      <button className="primary" disabled={busy || chosen.size === 0 || total === 0} onClick={() => void submit()} data-testid="create-queue">
        Create queue
      </button>
    </main>
  );
}
