"use client";

import { useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { getTemplate } from "@/lib/engine";
import type { Hint, ModelSettings, Problem, Segment, SweepPoint, TraceConfig, TraceEvent } from "@/lib/protocol";
import { triggerPositions } from "@/lib/sweeps";
import { checkSweepForm, defaultSampling, HintsResponseSchema, pointLabel, startSweep, sweepHints, type SweepForm } from "@/lib/store/sweep-form";
import "./sweeps.css";

/** The stored trace a sweep starts from (a `Trace`, or the live engine state once it is saved). */
export interface SweepSourceTrace {
  id: string;
  segments: readonly Segment[];
  events: readonly TraceEvent[];
  config: Pick<TraceConfig, "triggers" | "template" | "sampling">;
  problem: Pick<Problem, "kind" | "starterCode" | "tests">;
}

export interface StartSweepDialogProps {
  trace: SweepSourceTrace;
  /** Where the opener points (a live pause, the player's position, a selection); absent: pick a trigger. */
  at?: SweepPoint;
  atLabel?: string;
  type?: SweepForm["type"];
  /** The playground's model settings; without them the server uses the trace's own. */
  settings?: ModelSettings;
  onClose: () => void;
}

/**
 * Start a sweep (issue 11): which arms (library hints, edited texts, no hint) at one point, or
 * one arm over many positions; K samples each with the source's temperature and seed as
 * defaults. Checked with the server's own schema and planner as it is typed; submitting POSTs
 * /api/sweeps and opens the sweep's page.
 */
export function StartSweepDialog(p: StartSweepDialogProps) {
  const router = useRouter();
  const source = useMemo(
    () => ({ segments: p.trace.segments, events: p.trace.events, triggers: p.trace.config.triggers, endOfThinking: getTemplate(p.trace.config.template).endOfThinking }),
    [p.trace],
  );
  const triggers = useMemo(() => triggerPositions(source), [source]);
  const [library, setLibrary] = useState<{ hints?: Hint[]; error?: string }>({});
  const [form, setForm] = useState<SweepForm>(() => ({
    type: p.type ?? "hints",
    ...(p.at ? { at: p.at } : {}),
    hintIds: [],
    texts: [],
    includeNone: true,
    positions: "triggers",
    positionHintId: null,
    samples: 8,
    concurrency: 4,
    ...defaultSampling(p.trace.config.sampling),
  }));
  // "given": the opener's point; otherwise the index of a trigger position in `triggers`.
  const [where, setWhere] = useState<"given" | number>(p.at ? "given" : 0);
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // External system: the server's Hint-Library.
  useEffect(() => {
    let stop = false;
    void (async () => {
      try {
        const res = await fetch("/api/hints", { cache: "no-store" });
        const body = (await res.json()) as unknown;
        if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
        if (!stop) setLibrary({ hints: HintsResponseSchema.parse(body).hints });
      } catch (e) {
        if (!stop) setLibrary({ error: (e as Error).message });
      }
    })();
    return () => {
      stop = true;
    };
  }, []);

  const hints = useMemo(() => sweepHints(library.hints ?? [], p.trace.problem), [library.hints, p.trace.problem]);
  const at: SweepPoint | undefined = where === "given" ? p.at : triggers[where] ? { segment: triggers[where].segment, offset: triggers[where].offset } : undefined;
  const effective = { ...form, at };
  const check = checkSweepForm(p.trace.id, effective, source, p.settings);
  const set = (patch: Partial<SweepForm>) => {
    setServerError(null);
    setForm((f) => ({ ...f, ...patch }));
  };
  const toggleHint = (id: string, on: boolean) => set({ hintIds: on ? [...form.hintIds, id] : form.hintIds.filter((h) => h !== id) });
  const setText = (i: number, patch: Partial<SweepForm["texts"][number]>) => set({ texts: form.texts.map((t, k) => (k === i ? { ...t, ...patch } : t)) });
  const num = (v: string, min: number) => Math.max(min, Math.floor(Number(v)) || min);

  const submit = async () => {
    if (!check.ok) return;
    setBusy(true);
    setServerError(null);
    const r = await startSweep(check.body);
    setBusy(false);
    if ("error" in r) return setServerError(r.error);
    router.push(`/sweeps/${encodeURIComponent(r.id)}`);
  };

  return (
    <div className="dialog-backdrop" role="dialog" aria-label="Start a sweep">
      <div className="dialog panel sweep-dialog" data-testid="sweep-dialog">
        <div className="row">
          <strong className="grow">Start a sweep</strong>
          <label className="inline">
            <input type="radio" name="sweep-type" data-testid="sweep-type-hints" checked={form.type === "hints"} onChange={() => set({ type: "hints" })} /> hints at one point
          </label>
          <label className="inline">
            <input type="radio" name="sweep-type" data-testid="sweep-type-positions" checked={form.type === "positions"} onChange={() => set({ type: "positions" })} /> one hint over positions
          </label>
        </div>

        {form.type === "hints" ? (
          <>
            <label>
              Where
              <select data-testid="sweep-point" value={String(where)} onChange={(e) => setWhere(e.target.value === "given" ? "given" : Number(e.target.value))}>
                {p.at && <option value="given">{p.atLabel ?? "here"}</option>}
                {triggers.map((t, i) => (
                  <option key={i} value={i}>
                    trigger {i + 1}: {pointLabel(t, p.trace.segments)}
                  </option>
                ))}
              </select>
              {!p.at && triggers.length === 0 && <span className="error small">The trace has no trigger in its model text; sweep from a selection or the player&apos;s position.</span>}
            </label>
            <h4>Arms</h4>
            {library.error && <p className="error small">Could not load the Hint-Library: {library.error}</p>}
            <ul className="sweep-arms">
              <li>
                <label className="inline">
                  <input type="checkbox" data-testid="sweep-none" checked={form.includeNone} onChange={(e) => set({ includeNone: e.target.checked })} />
                  <strong>no hint</strong> <span className="muted small">the model goes on as it would (the baseline of the difference column)</span>
                </label>
              </li>
              {hints.map((h) => (
                <li key={h.id}>
                  <label className="inline" title={h.text}>
                    <input type="checkbox" data-testid="sweep-hint-option" data-hint-id={h.id} checked={form.hintIds.includes(h.id)} onChange={(e) => toggleHint(h.id, e.target.checked)} />
                    <strong>{h.title}</strong> <span className="muted small">{h.text.split("\n")[0]!.slice(0, 90)}</span>
                  </label>
                </li>
              ))}
              {form.texts.map((t, i) => (
                <li key={i} className="sweep-text-arm">
                  <div className="row">
                    <input className="grow" placeholder="title (optional)" value={t.title} onChange={(e) => setText(i, { title: e.target.value })} data-testid="sweep-text-title" />
                    <button className="small" onClick={() => set({ texts: form.texts.filter((_, k) => k !== i) })}>
                      Remove
                    </button>
                  </div>
                  <textarea rows={3} value={t.text} data-testid="sweep-text-input" placeholder={"Wait, let me check this with code.\n```python\n"} onChange={(e) => setText(i, { text: e.target.value })} />
                </li>
              ))}
            </ul>
            <div className="row">
              <button className="small" data-testid="sweep-add-text" onClick={() => set({ texts: [...form.texts, { title: "", text: "" }] })}>
                + edited text
              </button>
            </div>
          </>
        ) : (
          <div className="grid2">
            <label>
              Positions
              <select
                data-testid="sweep-positions"
                value={form.positions === "triggers" ? "triggers" : "sentences"}
                onChange={(e) => set({ positions: e.target.value === "triggers" ? "triggers" : { sentences: 5 } })}
              >
                <option value="triggers">every trigger ({triggers.length})</option>
                <option value="sentences">every k-th sentence</option>
              </select>
            </label>
            {form.positions !== "triggers" && (
              <label>
                k (every k-th sentence)
                <input type="number" min={1} data-testid="sweep-sentences" value={form.positions.sentences} onChange={(e) => set({ positions: { sentences: num(e.target.value, 1) } })} />
              </label>
            )}
            <label>
              Hint
              <select data-testid="sweep-position-hint" value={form.positionHintId ?? ""} onChange={(e) => set({ positionHintId: e.target.value || null })}>
                <option value="">no hint (where does the model alone go right?)</option>
                {hints.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.title}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}

        <div className="grid2 sweep-sampling">
          <label>
            Samples per arm (K)
            <input type="number" min={1} max={256} data-testid="sweep-samples" value={form.samples} onChange={(e) => set({ samples: Math.floor(Number(e.target.value)) || 0 })} />
          </label>
          <label>
            Concurrency
            <input type="number" min={1} max={64} data-testid="sweep-concurrency" value={form.concurrency} onChange={(e) => set({ concurrency: Math.floor(Number(e.target.value)) || 0 })} />
          </label>
          <label>
            Temperature <span className="small muted">(empty: the model server&apos;s default)</span>
            <input
              type="number"
              min={0}
              max={2}
              step={0.1}
              data-testid="sweep-temperature"
              value={form.temperature ?? ""}
              onChange={(e) => set(e.target.value === "" ? { temperature: undefined } : { temperature: Number(e.target.value) })}
            />
          </label>
          <label>
            Seed <span className="small muted">(sample k uses seed + k in every arm: arms are paired)</span>
            <input type="number" data-testid="sweep-seed" value={form.seed} onChange={(e) => set({ seed: Math.floor(Number(e.target.value)) || 0 })} />
          </label>
          <label>
            Name
            <input value={form.name ?? ""} placeholder="optional" onChange={(e) => set({ name: e.target.value })} />
          </label>
        </div>
        {form.temperature === 0 && <p className="muted small">At temperature 0 every sample of an arm is likely the same continuation.</p>}

        {check.ok ? (
          <p className="small" data-testid="sweep-count">
            {check.positions > 1 ? `${check.positions} positions × ` : ""}
            {check.items / Math.max(1, check.positions) / form.samples} arm{check.items / Math.max(1, check.positions) / form.samples === 1 ? "" : "s"} × {form.samples} samples = {check.items} runs
          </p>
        ) : (
          <p className="error small" data-testid="sweep-invalid">
            {check.error}
          </p>
        )}
        {serverError && (
          <div className="error-banner" role="alert" data-testid="sweep-error">
            {serverError}
          </div>
        )}
        <div className="row">
          <button className="primary" data-testid="sweep-submit" disabled={!check.ok || busy} onClick={() => void submit()}>
            {busy ? "Starting…" : "Start sweep"}
          </button>
          <button onClick={p.onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
