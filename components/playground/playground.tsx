"use client";

import { useRef, useState } from "react";
import { TraceView } from "@/components/trace/trace-view";
import { TraceMinimap } from "@/components/trace/minimap";
import { HintLibrary } from "@/components/hints/hint-library";
import { HintPicker } from "@/components/hints/hint-picker";
import { HintlabProvider, useHintlab, type SandboxFactory } from "@/lib/store";
import { EventsPanel } from "./events-panel";
import { LocalModelPanel } from "./local-model-panel";
import { ConnectNotice, ModelSettings } from "./model-settings";
import { ProblemInput } from "./problem-input";
import { FinalAnswer, SandboxStatus, SaveStatusView } from "./result-panel";
import { TraceLoader } from "./trace-loader";
import { LeaseBanner } from "./lease-banner";
import { ErrorBanner, PauseBanner, RunControls } from "./run-controls";
import { usePauseInView } from "./use-pause-in-view";
import { usePauseKeys } from "./use-pause-keys";

const EMPTY: never[] = [];

function LiveTrace() {
  const segments = useHintlab((s) => s.engine?.segments ?? EMPTY);
  const events = useHintlab((s) => s.engine?.events ?? EMPTY);
  const triggers = useHintlab((s) => s.engine?.config.triggers ?? s.triggers);
  const live = useHintlab((s) => s.engine?.phase === "generating");
  const pause = useHintlab((s) => (s.engine?.phase === "paused" ? s.engine.pause : undefined));
  // Filled live while "Token probabilities" is on (segment index → tokens); {} before any arrive.
  const logprobs = useHintlab((s) => s.logprobs);
  const { branchFromAlternative } = useHintlab((s) => s.actions);
  const canBranch = useHintlab((s) => !!s.traceId && !!s.engine);
  const [branchError, setBranchError] = useState<string | null>(null);
  const pane = useRef<HTMLDivElement>(null);
  // One key per pause (the text grows between two pauses, so their offsets differ).
  usePauseInView(pane, pause && `${pause.reason}:${pause.offset}`);
  return (
    <div className="trace-pane minimap-host" ref={pane}>
      {branchError && (
        <div className="error-banner" role="alert">
          Could not branch: {branchError}
        </div>
      )}
      <TraceView
        segments={segments}
        events={events}
        triggers={triggers}
        live={live}
        pause={pause}
        logprobs={logprobs}
        onBranch={
          canBranch
            ? (r) => {
                setBranchError(null);
                branchFromAlternative(r).catch((e: Error) => setBranchError(e.message));
              }
            : undefined
        }
      />
      <TraceMinimap segments={segments} triggers={triggers} host={pane} />
    </div>
  );
}

/**
 * The trace and, while paused, the hint picker beside it (wide main column: trace left) or under
 * it (narrow: trace first), so the place of the pause stays in view while picking (globals.css).
 */
function TraceAndPicker() {
  usePauseKeys();
  return (
    <div className="trace-and-picker">
      <LiveTrace />
      <HintPicker />
    </div>
  );
}

export function Playground({ sandboxFactory }: { sandboxFactory: SandboxFactory }) {
  return (
    <HintlabProvider sandboxFactory={sandboxFactory}>
      <TraceLoader />
      <div className="playground">
        <div className="col-left">
          <ConnectNotice />
          <LocalModelPanel />
          <ProblemInput />
          <RunControls />
          <ModelSettings />
          <HintLibrary />
          <SandboxStatus />
          <SaveStatusView />
        </div>
        <main className="col-main">
          <LeaseBanner />
          <ErrorBanner />
          <PauseBanner />
          <TraceAndPicker />
          <FinalAnswer />
        </main>
        <EventsPanel />
      </div>
    </HintlabProvider>
  );
}
