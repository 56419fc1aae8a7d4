import { LOCAL_CONNECTION_ID, DownloadFrameSchema, LocalModelStatusSchema, readNdjson, type DownloadFrame, type LocalModelStatus, type ModelSettings } from "@/lib/protocol";

/**
 * The browser side of the local model: its status, and its download streamed as progress
 * frames. The download runs on the server; a page that reloads re-attaches to it.
 */

/** Does this session run the server's local model (its "local" connection, or the server's default when that is local)? */
export function usesLocalModel(model: ModelSettings, serverProvider: string | undefined): boolean {
  if (model.connection) return model.connection === LOCAL_CONNECTION_ID;
  return (model.provider ?? serverProvider) === "local";
}

/** The model reference the server should use: the one chosen in Model settings, else its default. */
export function localRef(model: ModelSettings): string | undefined {
  return model.provider === "local" ? model.model : undefined;
}

export async function fetchLocalStatus(fetchFn: typeof fetch, ref: string | undefined): Promise<LocalModelStatus> {
  const response = await fetchFn(`/api/local-model${ref ? `?ref=${encodeURIComponent(ref)}` : ""}`);
  const body: unknown = await response.json();
  if (!response.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `status ${response.status}`);
  return LocalModelStatusSchema.parse(body);
}

/** Start (or join) the download and report each frame; resolves with the last one. */
export async function streamDownload(fetchFn: typeof fetch, ref: string | undefined, onFrame: (frame: DownloadFrame) => void): Promise<DownloadFrame> {
  const response = await fetchFn("/api/local-model/download", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ref ? { ref } : {}),
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    const frame: DownloadFrame = { type: "error", code: "bad-request", message: body.error?.message ?? `The download request failed (${response.status}).` };
    onFrame(frame);
    return frame;
  }
  let last: DownloadFrame | undefined;
  for await (const batch of readNdjson(response.body)) {
    for (const raw of batch) {
      const frame = DownloadFrameSchema.parse(raw);
      last = frame;
      onFrame(frame);
    }
  }
  return last ?? { type: "error", code: "http", message: "The download stream ended without a result; press Download again to resume." };
}

export async function cancelDownload(fetchFn: typeof fetch, ref: string | undefined): Promise<void> {
  await fetchFn(`/api/local-model/download${ref ? `?ref=${encodeURIComponent(ref)}` : ""}`, { method: "DELETE" });
}
