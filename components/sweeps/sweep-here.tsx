"use client";

import { useState } from "react";
import { useHintlab } from "@/lib/store";
import { pointAtTextOffset } from "@/lib/sweeps";
import { StartSweepDialog } from "./start-sweep-dialog";

/**
 * "Sweep hints here…" at a live pause of the playground. The sweep runs on the server from the
 * stored trace, so it is offered once the writer has saved the pause (live traces are saved as
 * they run); the point is the pause's offset in that trace.
 */
export function SweepHereButton() {
  const engine = useHintlab((s) => (s.engine?.phase === "paused" ? s.engine : undefined));
  const traceId = useHintlab((s) => s.traceId);
  const saved = useHintlab((s) => s.save.state === "saved");
  const settings = useHintlab((s) => s.model);
  const [open, setOpen] = useState(false);
  if (!engine?.pause || !traceId) return null;
  const point = pointAtTextOffset(engine.segments, engine.pause.offset);
  return (
    <>
      <button data-testid="sweep-here" disabled={!saved} onClick={() => setOpen(true)} title={saved ? "K samples per hint from this pause, graded" : "waiting for the trace to be saved"}>
        Sweep hints here…
      </button>
      {open && (
        <StartSweepDialog
          trace={{ id: traceId, segments: engine.segments, events: engine.events, config: engine.config, problem: engine.problem }}
          at={{ segment: point.segment, offset: point.offset }}
          atLabel={`this pause (${engine.pause.reason === "trigger" ? `trigger “${engine.pause.word}”` : engine.pause.reason}, char ${engine.pause.offset.toLocaleString("en")})`}
          settings={settings}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
