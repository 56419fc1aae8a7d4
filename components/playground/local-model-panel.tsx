"use client";

import { useActions, useHintlab, usesLocalModel } from "@/lib/store";
import type { DownloadProgress } from "@/lib/protocol";

/**
 * The local GGUF model of this session: ready, downloading (bytes, speed, ETA), not downloaded
 * yet, or why it cannot be (offline: the three ways forward). Hidden when a model server is used.
 */
export function LocalModelPanel() {
  const local = useHintlab((s) => usesLocalModel(s.model, s.serverConfig?.provider));
  const { status, progress, error, runWhenReady } = useHintlab((s) => s.localModel);
  const { downloadLocalModel, cancelLocalDownload, refreshLocalModel } = useActions();
  if (!local || !status) return null;
  const downloading = status.state === "downloading" || progress !== undefined;

  if (status.state === "ready" && !error) {
    return (
      <div className="notice local-model" data-testid="local-model" data-state="ready">
        Local model <strong>{status.name}</strong> ({formatBytes(status.bytes ?? 0)}) runs inside the hintlab server with llama.cpp; each trace keeps its
        own KV cache, so a hint is evaluated without re-reading the trace.
      </div>
    );
  }
  if (error?.code === "offline") {
    return (
      <div className="notice error local-model" data-testid="offline-notice" data-state="offline">
        <p>
          <strong>This machine cannot reach the internet, so the local model {status.name} cannot be downloaded.</strong> Three ways forward:
        </p>
        <ol>
          <li>
            Put a GGUF file at <code data-testid="model-path">{status.path}</code>, then <button onClick={() => void refreshLocalModel()}>check again</button>.
          </li>
          <li>
            Set <code>HINTLAB_LOCAL_MODEL=/path/to/model.gguf</code> (or an <code>hf:owner/repo/file.gguf</code> URI) and restart hintlab.
          </li>
          <li>
            Connect a model server: <code>HINTLAB_BASE_URL=http://localhost:8000/v1 HINTLAB_MODEL=…</code>, or a base URL in Model settings.
          </li>
        </ol>
      </div>
    );
  }
  return (
    <div className="notice local-model" data-testid="local-model" data-state={downloading ? "downloading" : status.state}>
      {downloading ? (
        <>
          <div>
            Downloading <strong>{status.name}</strong>
            {runWhenReady ? "; the run starts when it is done." : "."}
          </div>
          <ProgressLine progress={progress} />
          <button data-testid="cancel-download" onClick={cancelLocalDownload}>
            Cancel
          </button>
        </>
      ) : (
        <>
          {error ? (
            <p className="error-text" data-testid="download-error">
              {error.message}
            </p>
          ) : (
            <p>
              The local model <strong>{status.name}</strong> is not downloaded yet. It is saved to <code>{status.path}</code>
              {status.kind === "hf" ? " from Hugging Face" : ""}; Run downloads it first.
            </p>
          )}
          <button data-testid="download-model" className="primary" onClick={() => void downloadLocalModel()}>
            {error ? "Retry download" : "Download"}
          </button>
        </>
      )}
    </div>
  );
}

function ProgressLine({ progress }: { progress?: DownloadProgress }) {
  if (!progress) return <div className="muted small">connecting…</div>;
  const { receivedBytes, totalBytes, bytesPerSecond, etaSeconds } = progress;
  const percent = totalBytes ? Math.min(100, (receivedBytes / totalBytes) * 100) : undefined;
  return (
    <div data-testid="download-progress" data-received={receivedBytes} data-total={totalBytes ?? ""}>
      <span className="progress" role="progressbar" aria-valuenow={percent === undefined ? undefined : Math.round(percent)} aria-valuemin={0} aria-valuemax={100}>
        <span className="bar running" style={{ width: `${percent ?? 0}%` }} />
      </span>{" "}
      <span className="small">
        {formatBytes(receivedBytes)}
        {totalBytes ? ` of ${formatBytes(totalBytes)}` : ""} · {formatBytes(bytesPerSecond)}/s
        {etaSeconds !== undefined ? ` · ${formatDuration(etaSeconds)} left` : ""}
      </span>
    </div>
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
