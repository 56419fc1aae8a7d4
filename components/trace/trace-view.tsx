"use client";

import { useEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type MouseEvent, type ReactNode } from "react";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { triggerRegex } from "./highlight";
import type { TokenLogprob } from "./logprob-types";
import { allCandidatePoints, ProbToolbar, type CandidatePoint } from "./prob-toolbar";
import { HintSegmentView, ModelSegmentView, PromptView, ToolOutputView } from "./segment-view";
import { alternativesOf } from "./token-probs";
import { TokenTooltip, type ActiveToken, type BranchRequest } from "./token-tooltip";
import { FindBar } from "./find-bar";
import { useReadingView } from "./reading-view";
import "./token-probs.css";

const OPENS_CODE = /```(python|py)[ \t]*\n$/;

/**
 * The trace as segments: model text (triggers highlighted, code blocks), injected hints, tool
 * outputs. Segments are memoized by identity, so while streaming only the last one re-renders.
 *
 * With `logprobs` (segment index → tokens; {} while none are known) the view offers the model's
 * own view of its text: a toggle (key p) colours model tokens by probability, hovering or
 * focusing a token shows its candidates, and `onBranch` forks from another candidate.
 *
 * Two views of the same characters (key v): rendered (Markdown and math) and exact (every
 * character as stored); selections, triggers and find map to the same offsets in both
 * (components/markdown/dom-offsets.ts). The choice is remembered per `viewKey` (a trace id).
 */
export function TraceView({
  segments,
  events,
  triggers,
  live,
  pause,
  logprobs,
  onBranch,
  viewKey = "playground",
  toolOutputAside,
}: {
  segments: Segment[];
  events: TraceEvent[];
  triggers: string[];
  live: boolean;
  /** While paused: the pause point that was cut from the text (trigger or end-of-thinking marker). */
  pause?: { word: string; reason: string };
  logprobs?: Record<number, readonly TokenLogprob[]>;
  onBranch?: (r: BranchRequest) => void;
  /** Whose reading view this is (a trace id, or "playground"). */
  viewKey?: string;
  /** Shown beside a tool output (its execution's index among the trace's executions): a replay's re-run. */
  toolOutputAside?: (exec: number, segment: Segment) => ReactNode;
}) {
  const [view, setView] = useReadingView(viewKey);
  const re = useMemo(() => triggerRegex(triggers), [triggers]);
  // Each tool_output segment comes from one execution or one skipped block, in order.
  const executions = useMemo(() => events.filter((e) => e.type === "code-executed" || e.type === "code-skipped"), [events]);
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const tailKey = `${segments.length}:${segments[segments.length - 1]?.text.length ?? 0}`;
  const [showProbs, setShowProbs] = useState(false);
  const [active, setActive] = useState<ActiveToken | null>(null);
  const probsOn = showProbs && logprobs !== undefined;
  const hasTokens = !!logprobs && Object.values(logprobs).some((t) => t.length > 0);
  const points = useMemo(() => (probsOn && logprobs ? allCandidatePoints(logprobs) : []), [probsOn, logprobs]);

  // External system: the scroll position. Follow the tail while the user is at the bottom.
  useEffect(() => {
    const el = scroller.current;
    if (el && live && follow.current) el.scrollTop = el.scrollHeight;
  }, [tailKey, live]);

  // External system: the keyboard — p toggles the colouring (outside inputs and editors).
  // External system: the keyboard — v switches rendered/exact (outside inputs and editors).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key !== "v" || e.ctrlKey || e.metaKey || e.altKey || t?.closest("input, textarea, select, .monaco-editor, [contenteditable]")) return;
      e.preventDefault();
      setView(view === "rendered" ? "exact" : "rendered");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [view, setView]);

  const canColour = logprobs !== undefined;
  useEffect(() => {
    if (!canColour) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key !== "p" || e.ctrlKey || e.metaKey || e.altKey || t?.closest("input, textarea, select, .monaco-editor, [contenteditable]")) return;
      e.preventDefault();
      setShowProbs((on) => !on);
      setActive(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canColour]);

  /** The token under a DOM node, looked up in the segment's tokens. */
  const tokenOf = (node: EventTarget | null, pinned: boolean): ActiveToken | null => {
    const el = (node as HTMLElement | null)?.closest?.<HTMLElement>("[data-tok]");
    const seg = el?.closest<HTMLElement>("[data-seg-index]");
    if (!el || !seg || !logprobs) return null;
    const segment = Number(seg.dataset.segIndex);
    const index = Number(el.dataset.tok);
    const token = logprobs[segment]?.[index];
    if (!token) return null;
    const r = el.getBoundingClientRect();
    return { segment, index, token, rect: { left: r.left, bottom: r.bottom }, pinned };
  };
  const tokenEl = (segment: number, index: number) => scroller.current?.querySelector<HTMLElement>(`[data-seg-index="${segment}"] [data-tok="${index}"]`) ?? null;

  const handlers = probsOn
    ? {
        onMouseOver: (e: MouseEvent) => {
          if (active?.pinned) return;
          const t = tokenOf(e.target, false);
          if (t && (t.segment !== active?.segment || t.index !== active.index)) setActive(t);
        },
        onMouseLeave: () => {
          if (active && !active.pinned) setActive(null);
        },
        onClick: (e: MouseEvent) => {
          if ((e.target as HTMLElement).closest(".token-tooltip")) return;
          const t = tokenOf(e.target, true);
          // A click that ends a text selection is not a pin.
          if (t && window.getSelection()?.isCollapsed !== false) setActive(t);
          else if (!t) setActive(null);
        },
        onFocus: (e: FocusEvent) => {
          const t = tokenOf(e.target, true);
          if (t) setActive(t);
        },
        onKeyDown: (e: KeyboardEvent) => {
          const t = tokenOf(e.target, true);
          if (!t) return;
          if (e.key === "Escape") {
            setActive(null);
            (e.target as HTMLElement).blur();
          } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
            const next = tokenEl(t.segment, t.index + (e.key === "ArrowRight" ? 1 : -1));
            if (next) {
              e.preventDefault();
              next.focus();
            }
          } else if (/^[1-9]$/.test(e.key) && onBranch) {
            const alt = alternativesOf(t.token)[Number(e.key) - 1];
            if (alt) {
              e.preventDefault();
              onBranch({ segment: t.segment, offset: t.token.start, alternative: { text: alt.text, logprob: alt.logprob, replaced: t.token.text } });
            }
          }
        },
      }
    : {};

  const jump = (p: CandidatePoint) => {
    const el = tokenEl(p.segment, p.index);
    if (!el) return;
    el.scrollIntoView({ block: "center" });
    el.focus();
  };

  let execIndex = 0;
  return (
    <>
      <div className="reading-toolbar row small" data-testid="reading-toolbar">
        <span className="view-switch" role="group" aria-label="Reading view (key v)">
          <button type="button" aria-pressed={view === "rendered"} data-testid="view-rendered" onClick={() => setView("rendered")} title="Markdown and math (key v)">
            Rendered
          </button>
          <button type="button" aria-pressed={view === "exact"} data-testid="view-exact" onClick={() => setView("exact")} title="Every character as stored (key v)">
            Exact
          </button>
        </span>
        {probsOn && view === "rendered" && <span className="muted">colouring shows the exact characters</span>}
        <FindBar segments={segments} root={scroller} />
      </div>
      {logprobs !== undefined && (
        <ProbToolbar
          on={showProbs}
          onToggle={(on) => {
            setShowProbs(on);
            setActive(null);
          }}
          hasTokens={hasTokens}
          points={points}
          onJump={jump}
        />
      )}
      <div
        className={`trace-view view-${view}${probsOn ? " probs-on" : ""}`}
        data-testid="trace-view"
        data-view={view}
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          // The tooltip is placed in the viewport: move it with its token.
          if (active) {
            const r = tokenEl(active.segment, active.index)?.getBoundingClientRect();
            setActive(r ? { ...active, rect: { left: r.left, bottom: r.bottom } } : null);
          }
        }}
        {...handlers}
      >
        {segments.length === 0 && <p className="muted">The model&apos;s chain of thought will stream here.</p>}
        {segments.map((s, i) => {
          switch (s.kind) {
            case "prompt":
              return <PromptView key={s.id} segment={s} index={i} />;
            case "hint":
              return <HintSegmentView key={s.id} segment={s} index={i} view={view} />;
            case "tool_output": {
              const k = execIndex++;
              return <ToolOutputView key={s.id} segment={s} execution={executions[k]} index={i} aside={toolOutputAside?.(k, s)} />;
            }
            default: {
              const prev = segments[i - 1];
              return (
                <ModelSegmentView
                  key={s.id}
                  segment={s}
                  index={i}
                  startsInCode={!!prev && prev.kind === "hint" && OPENS_CODE.test(prev.text)}
                  triggers={re}
                  tokens={probsOn && s.kind === "model" ? logprobs[i] : undefined}
                  view={view}
                />
              );
            }
          }
        })}
        {pause && (
          <mark className="pause-marker" data-testid="pause-marker" title={`paused here (${pause.reason}); not yet in the text`}>
            ⏸ {pause.word}
          </mark>
        )}
        {active && probsOn && <TokenTooltip active={active} onBranch={onBranch} onClose={() => setActive(null)} />}
      </div>
    </>
  );
}
