import "server-only";
import { encodeNdjson, type DownloadFrame, type LocalModelStatus, type ModelList } from "@/lib/protocol";
import { LOCAL_CONNECTION_ID, SERVER_CONNECTION_ID } from "@/lib/protocol";
import { readServerConfig, type ServerModelConfig } from "../config";
import { ConnectionStore } from "../connections";
import { listOllamaModels } from "../ollama-errors";
import { ModelError } from "../types";
import { DownloadError } from "./download";
import { sharedModels } from "./shared";
import { listCachedModels, resolveSessionModel, type LocalModelSource } from "./source";

/**
 * What the local-model routes do: status, the model list of Model settings, and downloads
 * streamed as NDJSON progress frames. References from the browser are limited to cached files
 * and `hf:` URIs (see resolveBrowserModelRef); absent means the server's default model.
 */

/** The source for a reference from the browser. @throws ModelError "bad-request" when not allowed. */
export function sourceFor(ref: string | undefined, server: ServerModelConfig = readServerConfig()): LocalModelSource {
  try {
    return resolveSessionModel(ref, server.local);
  } catch (error) {
    throw new ModelError("bad-request", (error as Error).message);
  }
}

export function localModelStatus(ref?: string, server: ServerModelConfig = readServerConfig()): LocalModelStatus {
  return sharedModels(server.local.model).status(sourceFor(ref, server));
}

/**
 * GET /api/models?connection=ID: the models of a remote connection (the chosen one, else the
 * environment's) and the cached local ones. Only the server's own connections are asked.
 */
export async function listModels(server: ServerModelConfig = readServerConfig(), connectionId?: string): Promise<ModelList> {
  const stored = connectionId && connectionId !== SERVER_CONNECTION_ID && connectionId !== LOCAL_CONNECTION_ID ? new ConnectionStore().get(connectionId) : undefined;
  const remote = stored
    ? { baseUrl: stored.baseUrl, apiKey: stored.apiKey, ollama: stored.provider === "ollama" }
    : server.baseUrl
      ? { baseUrl: server.baseUrl, apiKey: server.apiKey, ollama: server.provider === "ollama" }
      : undefined;
  return {
    remote: remote ? await remoteModels(remote) : null,
    local: {
      dir: server.local.modelsDir,
      models: listCachedModels(server.local.modelsDir),
      default: localModelStatus(undefined, server),
    },
  };
}

async function remoteModels({ baseUrl, apiKey, ollama }: { baseUrl: string; apiKey?: string; ollama: boolean }): Promise<NonNullable<ModelList["remote"]>> {
  if (ollama) {
    // Ollama's own list (its /v1/models exists too, but the native API is at the root, not under /v1).
    const models = await listOllamaModels(baseUrl, apiKey);
    return models ? { baseUrl, models } : { baseUrl, models: [], error: `Could not list the models of ${baseUrl} (GET /api/tags failed): is Ollama running there?` };
  }
  try {
    const response = await fetch(`${baseUrl}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(3000),
      redirect: "error",
    });
    if (!response.ok) return { baseUrl, models: [], error: `GET ${baseUrl}/models answered ${response.status}.` };
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    return { baseUrl, models: (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string") };
  } catch (error) {
    return { baseUrl, models: [], error: `Could not list the models of ${baseUrl} (${(error as Error).message}).` };
  }
}

/**
 * POST /api/local-model/download: start or join the download and stream its progress. The
 * download goes on when the page goes away (another request joins it); DELETE cancels it.
 */
export function downloadResponse(ref: string | undefined, signal: AbortSignal, server: ServerModelConfig = readServerConfig()): Response {
  const source = sourceFor(ref, server);
  const models = sharedModels(server.local.model);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (frame: DownloadFrame) => {
        try {
          controller.enqueue(encoder.encode(encodeNdjson(frame)));
        } catch {
          /* the client went away */
        }
      };
      const close = () => {
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      models
        .ensure(source, (event) => event.type === "progress" && send({ type: "progress", progress: event.progress }), signal)
        .then(
          () => send({ type: "done", status: models.status(source) }),
          (error: unknown) => {
            const code = error instanceof DownloadError ? error.code : "disk";
            send({ type: "error", code, message: (error as Error).message, status: models.status(source) });
          },
        )
        .finally(close);
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-cache, no-transform" } });
}

export function cancelDownload(ref: string | undefined, server: ServerModelConfig = readServerConfig()): boolean {
  return sharedModels(server.local.model).cancel(sourceFor(ref, server));
}
