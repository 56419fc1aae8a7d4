import "server-only";
import {
  apisOf,
  LOCAL_CONNECTION_ID,
  REMOTE_PROVIDER_KINDS,
  REMOTE_PROVIDERS,
  parseEndpointList,
  type EndpointSpec,
  SERVER_CONNECTION_ID,
  TEMPLATE_IDS,
  type ProviderKind,
  type ModelSettings,
  type PublicModelConfig,
  type TemplateId,
} from "@/lib/protocol";
import { readLocalConfig, type LocalServerConfig } from "./local/config";
import { resolveSessionModel, type LocalModelSource } from "./local/source";
import { ModelError } from "./types";
import { ConnectionStore, type StoredConnection } from "./connections";

/** Provider kinds a server can be configured with (the scripted one is a test fixture, not a provider). */
export const SERVER_PROVIDER_KINDS = [...REMOTE_PROVIDER_KINDS, "local"] as const;
export type ServerProviderKind = (typeof SERVER_PROVIDER_KINDS)[number];
export type RemoteProviderKind = Exclude<ServerProviderKind, "local">;

const DEFAULT_TIMEOUT_MS = 300_000;

/** The model connection as configured by the server's environment. */
export interface ServerModelConfig {
  provider: ServerProviderKind;
  /** The first (or only) server of HINTLAB_BASE_URL. */
  baseUrl?: string;
  /** Every server of HINTLAB_BASE_URL, when it lists several or caps one (`URL@N`). */
  endpoints?: EndpointSpec[];
  model?: string;
  apiKey?: string;
  template: TemplateId;
  /** Longest silence tolerated from the server: before its response headers, and between chunks. */
  timeoutMs: number;
  /** The local GGUF model used when no model server is configured (or HINTLAB_PROVIDER=local). */
  local: LocalServerConfig;
  /** Environment values that are set but unusable, as messages that say what to fix. */
  issues: string[];
}

/** A complete connection, ready for {@link createProvider}. */
export type ModelConfig = RemoteModelConfig | LocalModelConfig;

/** A GGUF model run in this process (see lib/providers/local). */
export interface LocalModelConfig {
  provider: "local";
  /** The model reference as configured or chosen (recorded in traces). */
  model: string;
  source: LocalModelSource;
  local: LocalServerConfig;
  template: TemplateId;
  timeoutMs: number;
}

/** An OpenAI-compatible model server. */
export interface RemoteModelConfig {
  provider: RemoteProviderKind;
  /** The server requests go to; with `endpoints`, the first of them. */
  baseUrl: string;
  /**
   * Several servers of the same model, or one with a cap: createProvider routes over them
   * (EndpointPool). Absent for one URL without a cap, which is called directly as before.
   */
  endpoints?: RemoteEndpoint[];
  model: string;
  /** Only present when `baseUrl` is on the origin of HINTLAB_BASE_URL (see resolveModelConfig). */
  apiKey?: string;
  template: TemplateId;
  timeoutMs: number;
  /** The server has a key but did not send it, because the base URL was overridden to another origin. */
  apiKeyWithheld?: boolean;
}

/** One server of a pool; its key follows the same origin rule as `apiKey`. */
export interface RemoteEndpoint extends EndpointSpec {
  apiKey?: string;
}

/**
 * Read HINTLAB_BASE_URL (one URL, or several `URL[@N]` separated by commas or spaces: see
 * lib/protocol/endpoints.ts), HINTLAB_MODEL, HINTLAB_API_KEY (fallback OPENAI_API_KEY),
 * HINTLAB_TEMPLATE (qwq|qwen3|deepseek-r1|raw, default qwq), HINTLAB_PROVIDER
 * (openai-completions|openai-chat|ollama|lmstudio|local; default openai-completions with a base URL,
 * else local; ollama and lmstudio default the base URL to their servers' own, on this machine),
 * HINTLAB_TIMEOUT_MS (default 300000) and the HINTLAB_LOCAL_* settings of the local model.
 * Never throws: unusable values are reported in `issues`.
 */
export function readServerConfig(env: Readonly<Record<string, string | undefined>> = process.env): ServerModelConfig {
  const issues: string[] = [];
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };

  let baseUrl: string | undefined;
  let endpoints: EndpointSpec[] | undefined;
  const rawBaseUrl = value("HINTLAB_BASE_URL");
  if (rawBaseUrl) {
    try {
      const list = checkEndpoints(parseEndpointList(rawBaseUrl));
      baseUrl = list[0]!.baseUrl;
      if (list.length > 1 || list[0]!.maxConcurrent !== undefined) endpoints = list;
    } catch (error) {
      issues.push(`HINTLAB_BASE_URL ${(error as Error).message}`);
    }
  }

  // With no model server configured, the local GGUF model is the zero-setup default.
  const provider = value("HINTLAB_PROVIDER") ?? (baseUrl ? "openai-completions" : "local");
  // Ollama and LM Studio listen on fixed local ports: naming the provider is enough.
  if (!baseUrl && (provider === "ollama" || provider === "lmstudio")) baseUrl = REMOTE_PROVIDERS[provider].defaultBaseUrl;
  // The default local model is a DeepSeek-R1 distill; remote servers default to QwQ.
  const template = value("HINTLAB_TEMPLATE") ?? (provider === "local" ? "deepseek-r1" : "qwq");
  if (!(TEMPLATE_IDS as readonly string[]).includes(template)) {
    issues.push(`HINTLAB_TEMPLATE="${template}" is not a template; use one of ${TEMPLATE_IDS.join(", ")}.`);
  }

  if (!(SERVER_PROVIDER_KINDS as readonly string[]).includes(provider)) {
    issues.push(`HINTLAB_PROVIDER="${provider}" is not a provider; use one of ${SERVER_PROVIDER_KINDS.join(", ")}.`);
  }
  const timeoutRaw = value("HINTLAB_TIMEOUT_MS");
  const timeoutMs = timeoutRaw === undefined ? DEFAULT_TIMEOUT_MS : Number(timeoutRaw);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    issues.push(`HINTLAB_TIMEOUT_MS="${timeoutRaw}" must be a positive number of milliseconds.`);
  }

  return {
    provider: (SERVER_PROVIDER_KINDS as readonly string[]).includes(provider) ? (provider as ServerProviderKind) : "openai-completions",
    baseUrl,
    ...(endpoints ? { endpoints } : {}),
    model: value("HINTLAB_MODEL"),
    apiKey: value("HINTLAB_API_KEY") ?? value("OPENAI_API_KEY"),
    template: (TEMPLATE_IDS as readonly string[]).includes(template) ? (template as TemplateId) : "qwq",
    timeoutMs: Number.isInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS,
    local: readLocalConfig(env, issues),
    issues,
  };
}

/** What resolveModelConfig merges: the browser's Model settings, or a CLI's spec (which alone may carry base URLs). */
export type ModelChoice = Omit<ModelSettings, "baseUrl"> & { baseUrl?: string; endpoints?: EndpointSpec[] };

/**
 * Merge per-session Model settings over the server's configuration. The browser chooses a
 * connection by id (`local`, `server` = HINTLAB_BASE_URL, or one an admin added); only headless
 * callers (the CLI) pass a `baseUrl` of their own. A connection's key goes only to its own base
 * URL; the environment's key only to the origin of HINTLAB_BASE_URL.
 * @throws ModelError "not-configured" when no base URL or model results, or the environment is unusable;
 *         "bad-request" for an unknown connection or a provider that cannot serve requests (the scripted fixture).
 */
export function resolveModelConfig(
  settings: ModelChoice = {},
  server: ServerModelConfig = readServerConfig(),
  lookup: (id: string) => StoredConnection | undefined = (id) => new ConnectionStore().get(id),
): ModelConfig {
  if (server.issues.length) {
    throw new ModelError("not-configured", `The hintlab server's model configuration is invalid: ${server.issues.join(" ")}`);
  }
  if (settings.provider === "scripted") {
    throw new ModelError(
      "bad-request",
      'Provider "scripted" only exists in tests. Choose a connection and its API (e.g. raw completions, openai-completions) in Model settings.',
    );
  }
  const connection = settings.connection;
  if (connection === LOCAL_CONNECTION_ID || (settings.provider === "local" && !connection)) return resolveLocalConfig({ ...settings, provider: "local" }, server);
  const remoteKind = isRemoteKind(settings.provider) ? settings.provider : undefined;
  if (connection && connection !== SERVER_CONNECTION_ID) {
    const stored = lookup(connection);
    if (!stored) throw new ModelError("bad-request", `There is no model connection "${connection}" on this server; choose another in Model settings.`);
    const model = settings.model ?? stored.model;
    if (!model) throw new ModelError("not-configured", `The connection "${stored.name}" names no model; type the model name in Model settings.`);
    // An admin may list several servers of the model in one connection (`URL, URL@N`); its key goes to each.
    let list: EndpointSpec[];
    try {
      list = checkEndpoints(parseEndpointList(stored.baseUrl));
    } catch (error) {
      throw new ModelError("not-configured", `The connection "${stored.name}" has an unusable base URL: it ${(error as Error).message}`);
    }
    const several = list.length > 1 || list[0]!.maxConcurrent !== undefined;
    return {
      provider: apiOn(stored.provider, remoteKind, `The connection "${stored.name}"`),
      baseUrl: list[0]!.baseUrl,
      ...(several ? { endpoints: list.map((e) => ({ ...e, ...(stored.apiKey ? { apiKey: stored.apiKey } : {}) })) } : {}),
      model,
      ...(stored.apiKey ? { apiKey: stored.apiKey } : {}),
      template: settings.template ?? stored.template ?? server.template,
      timeoutMs: server.timeoutMs,
    };
  }
  if (!connection && !settings.baseUrl && !settings.endpoints?.length && server.provider === "local") return resolveLocalConfig({ ...settings, provider: "local" }, server);
  let baseUrl = server.baseUrl;
  let endpoints: EndpointSpec[] | undefined = server.endpoints;
  const own = connection !== SERVER_CONNECTION_ID;
  if (own && settings.endpoints?.length) {
    try {
      endpoints = checkEndpoints(settings.endpoints);
    } catch (error) {
      throw new ModelError("bad-request", `The base URL ${(error as Error).message}`);
    }
    baseUrl = endpoints[0]!.baseUrl;
    if (endpoints.length === 1 && endpoints[0]!.maxConcurrent === undefined) endpoints = undefined;
  } else if (own && settings.baseUrl) {
    const problem = checkBaseUrl(settings.baseUrl);
    if (problem) throw new ModelError("bad-request", `The base URL ${problem}`);
    baseUrl = trimSlashes(settings.baseUrl);
    endpoints = undefined;
  }
  const model = settings.model ?? server.model;
  if (!baseUrl || !model) {
    const missing = [!baseUrl && "a base URL", !model && "a model name"].filter(Boolean).join(" and ");
    throw new ModelError("not-configured", notConfiguredMessage(missing));
  }
  // The environment's key goes only to the origins HINTLAB_BASE_URL names.
  const keyOrigins = new Set((server.endpoints ?? (server.baseUrl ? [{ baseUrl: server.baseUrl }] : [])).map((e) => new URL(e.baseUrl).origin));
  const keyFor = (url: string) => (server.apiKey !== undefined && keyOrigins.has(new URL(url).origin) ? server.apiKey : undefined);
  const keyApplies = keyFor(baseUrl) !== undefined;
  const withheld = server.apiKey !== undefined && [baseUrl, ...(endpoints ?? []).map((e) => e.baseUrl)].some((u) => keyFor(u) === undefined);
  const serverKind: RemoteProviderKind = server.provider === "local" ? "openai-completions" : server.provider;
  // A base URL of the caller's own (the CLI) comes with the caller's API; the server's connection offers only its own.
  const provider = settings.baseUrl && connection !== SERVER_CONNECTION_ID ? (remoteKind ?? serverKind) : apiOn(serverKind, remoteKind, "The server's connection (HINTLAB_BASE_URL)");
  return {
    provider,
    baseUrl,
    ...(endpoints ? { endpoints: endpoints.map((e) => ({ ...e, ...(keyFor(e.baseUrl) !== undefined ? { apiKey: keyFor(e.baseUrl) } : {}) })) } : {}),
    model,
    ...(keyApplies ? { apiKey: server.apiKey } : {}),
    template: settings.template ?? server.template,
    timeoutMs: server.timeoutMs,
    ...(withheld ? { apiKeyWithheld: true } : {}),
  };
}

const isRemoteKind = (kind: ProviderKind | undefined): kind is RemoteProviderKind => (REMOTE_PROVIDER_KINDS as readonly string[]).includes(kind ?? "");

/**
 * The API a session calls a connection of kind `base` with: its own choice when the connection
 * offers it (completions or chat on an OpenAI-compatible server), else the connection's own. A
 * choice the connection cannot serve (chat on Ollama's native API, Ollama's protocol on vLLM)
 * is refused rather than quietly replaced, so a trace never records an API it did not run on.
 */
function apiOn(base: RemoteProviderKind, chosen: RemoteProviderKind | undefined, what: string): RemoteProviderKind {
  if (!chosen || apisOf(base).includes(chosen)) return chosen ?? base;
  const offered = apisOf(base).map((k) => REMOTE_PROVIDERS[k].label).join(" or ");
  throw new ModelError(
    "bad-request",
    `${what} is ${REMOTE_PROVIDERS[base].label}; it cannot be called as ${REMOTE_PROVIDERS[chosen].label}. Choose ${offered} as API in Model settings, or another connection.`,
  );
}

/**
 * The local model a session runs: the one chosen in Model settings (a file in the models cache,
 * or an `hf:` URI to download into it), else HINTLAB_LOCAL_MODEL, else the built-in default.
 */
function resolveLocalConfig(settings: ModelChoice, server: ServerModelConfig): LocalModelConfig {
  const chosen = settings.provider === "local" && settings.model ? settings.model : undefined;
  let source: LocalModelSource;
  try {
    source = resolveSessionModel(chosen, server.local);
  } catch (error) {
    throw new ModelError("bad-request", (error as Error).message);
  }
  return { provider: "local", model: source.ref, source, local: server.local, template: settings.template ?? server.template, timeoutMs: server.timeoutMs };
}

/** What the browser may see of the server's configuration: never the key, only whether there is one. */
export function publicConfig(server: ServerModelConfig = readServerConfig()): PublicModelConfig {
  const local = server.provider === "local";
  const configured = (local || Boolean(server.baseUrl && server.model)) && server.issues.length === 0;
  const missing = [!server.baseUrl && "a base URL", !server.model && "a model name"].filter(Boolean).join(" and ");
  const message = server.issues.length
    ? `The hintlab server's model configuration is invalid: ${server.issues.join(" ")}`
    : configured
      ? undefined
      : notConfiguredMessage(missing);
  return {
    configured,
    connection: local ? LOCAL_CONNECTION_ID : SERVER_CONNECTION_ID,
    provider: server.provider,
    ...(server.baseUrl ? { baseUrl: server.baseUrl } : {}),
    ...(local ? { model: server.local.model } : server.model ? { model: server.model } : {}),
    template: server.template,
    hasApiKey: server.apiKey !== undefined,
    ...(message ? { message } : {}),
  };
}

function notConfiguredMessage(missing: string): string {
  return (
    `No model server is configured: ${missing} ${missing.includes(" and ") ? "are" : "is"} missing. ` +
    "Set HINTLAB_BASE_URL (e.g. http://localhost:8000/v1 for vLLM) and HINTLAB_MODEL in the hintlab server's environment, " +
    "or ask an admin to add a model connection (Settings → Model connections) and choose it in Model settings."
  );
}

function checkBaseUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL; write it in full, e.g. http://localhost:8000/v1.`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `"${raw}" must start with http:// or https://, e.g. http://localhost:8000/v1.`;
  }
  return null;
}

/** Every endpoint a usable http(s) URL, none twice; the list back with trailing slashes trimmed. */
function checkEndpoints(list: readonly EndpointSpec[]): EndpointSpec[] {
  if (list.length === 0) throw new Error("names no URL; write one, e.g. http://localhost:8000/v1.");
  const seen = new Set<string>();
  return list.map((e) => {
    const problem = checkBaseUrl(e.baseUrl);
    if (problem) throw new Error(problem);
    const baseUrl = trimSlashes(e.baseUrl);
    if (seen.has(baseUrl)) throw new Error(`lists ${baseUrl} twice; give each server once (a cap is written URL@N).`);
    seen.add(baseUrl);
    return { ...e, baseUrl };
  });
}

const trimSlashes = (url: string) => url.replace(/\/+$/, "");
