import "server-only";
import { existsSync, statSync } from "node:fs";
import type { DownloadErrorCode, DownloadProgress, LocalModelStatus } from "@/lib/protocol";
import { DownloadError, downloadFile } from "./download";
import type { LocalModelSource } from "./source";

type Listener = (event: { type: "progress"; progress: DownloadProgress } | { type: "end"; status: LocalModelStatus }) => void;

interface Download {
  progress?: DownloadProgress;
  promise: Promise<string>;
  controller: AbortController;
  listeners: Set<Listener>;
}

/**
 * Downloads of local models, one at a time per file, shared by every request that asks: a page
 * that reloads during a download re-attaches to the same one, and the CLI and the UI never write
 * the same file twice. The last failure of each model is kept so the status can say why.
 */
export class LocalModels {
  private readonly downloads = new Map<string, Download>();
  private readonly failures = new Map<string, { code: DownloadErrorCode; message: string }>();

  constructor(private readonly defaultRef: string) {}

  status(source: LocalModelSource): LocalModelStatus {
    const base = { ref: source.ref, name: source.name, kind: source.kind, path: source.path, isDefault: source.ref === this.defaultRef };
    const download = this.downloads.get(source.path);
    if (download) return { ...base, state: "downloading", ...(download.progress ? { progress: download.progress } : {}) };
    if (existsSync(source.path)) return { ...base, state: "ready", bytes: statSync(source.path).size };
    const failure = this.failures.get(source.path);
    if (failure) return { ...base, state: "failed", error: failure };
    return { ...base, state: "missing" };
  }

  /**
   * Start (or join) the download of `source`, calling `listener` with progress and at the end.
   * Resolves to the file path; rejects with a DownloadError. Files given as paths are never
   * downloaded: a missing one is an error that says where hintlab looked.
   */
  ensure(source: LocalModelSource, listener?: Listener, signal?: AbortSignal): Promise<string> {
    if (existsSync(source.path)) return Promise.resolve(source.path);
    if (source.kind === "file" || !source.url) {
      return Promise.reject(
        new DownloadError("not-found", `There is no GGUF file at ${source.path}; put the model there or point HINTLAB_LOCAL_MODEL at the file.`),
      );
    }
    let download = this.downloads.get(source.path);
    if (!download) download = this.start(source);
    if (listener) {
      const active = download;
      active.listeners.add(listener);
      const detach = () => active.listeners.delete(listener);
      active.promise.then(detach, detach);
      signal?.addEventListener("abort", detach, { once: true });
    }
    return download.promise;
  }

  /** Stop a running download; its partial file stays for a later resume. */
  cancel(source: LocalModelSource): boolean {
    const download = this.downloads.get(source.path);
    download?.controller.abort();
    return Boolean(download);
  }

  private start(source: LocalModelSource): Download {
    const controller = new AbortController();
    const download: Download = { controller, listeners: new Set(), promise: Promise.resolve("") };
    this.failures.delete(source.path);
    download.promise = downloadFile({
      url: source.url!,
      dest: source.path,
      signal: controller.signal,
      ...(process.env.HF_TOKEN ? { headers: { authorization: `Bearer ${process.env.HF_TOKEN}` } } : {}),
      onProgress: (progress) => {
        download.progress = progress;
        for (const listener of download.listeners) listener({ type: "progress", progress });
      },
    }).then(
      (result) => {
        this.downloads.delete(source.path);
        this.emitEnd(download, source);
        return result.path;
      },
      (error: unknown) => {
        this.downloads.delete(source.path);
        const code: DownloadErrorCode = error instanceof DownloadError ? error.code : "disk";
        const message = error instanceof Error ? error.message : String(error);
        this.failures.set(source.path, { code, message });
        this.emitEnd(download, source);
        throw error instanceof DownloadError ? error : new DownloadError("disk", message, { cause: error });
      },
    );
    this.downloads.set(source.path, download);
    return download;
  }

  private emitEnd(download: Download, source: LocalModelSource): void {
    const status = this.status(source);
    for (const listener of download.listeners) listener({ type: "end", status });
  }
}
