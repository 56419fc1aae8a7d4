"use client";

import { useEffect, useState } from "react";
import { TEMPLATES } from "@/lib/engine";
import { apisOf, ModelListSchema, REMOTE_PROVIDERS, type ModelList, type ProviderKind, type RemoteProviderKind, type TemplateId } from "@/lib/protocol";
import { useActions, useHintlab, usesLocalModel } from "@/lib/store";
import { formatBytes } from "./local-model-panel";

const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

/** Per-session overrides of the server's model connection and sampling. Keys never come here. */
export function ModelSettings() {
  const model = useHintlab((s) => s.model);
  const server = useHintlab((s) => s.serverConfig);
  const sampling = useHintlab((s) => s.sampling);
  const tokenProbabilities = useHintlab((s) => s.tokenProbabilities);
  const { setModel, setSampling, setTokenProbabilities, refreshConnections } = useActions();
  // Open by default only when the server has no model; after that the user decides.
  const [userOpen, setUserOpen] = useState<boolean | null>(null);
  const open = userOpen ?? (server ? !server.configured : false);
  // External system: the server's connections, fetched again each time the settings open.
  useEffect(() => {
    if (open) void refreshConnections();
  }, [open, refreshConnections]);
  const connections = useHintlab((s) => s.connections);
  const local = usesLocalModel(model, server?.provider);
  const connectionId = model.connection ?? server?.connection;
  const connection = connections.find((c) => c.id === connectionId);
  // The APIs this connection offers: completions or chat on an OpenAI-compatible server; Ollama and LM Studio one each.
  const connectionKind = (connection?.provider ?? server?.provider ?? "openai-completions") as ProviderKind;
  const apis = apisOf(connectionKind === "local" || connectionKind === "scripted" ? "openai-completions" : connectionKind);
  const summary = local
    ? `${model.provider === "local" && model.model ? model.model : (server?.model ?? "")} (local)`
    : connection
      ? `${model.model ?? connection.model ?? ""} @ ${connection.name}`
      : server?.configured
        ? `${model.model ?? server?.model ?? ""} @ ${server?.baseUrl ?? ""}`
        : "not connected";
  return (
    <details
      className="panel settings"
      data-testid="model-settings"
      open={open}
      onToggle={(e) => {
        const next = e.currentTarget.open;
        if (next !== open) setUserOpen(next);
      }}
    >
      <summary>
        Model settings{" "}
        <span className="muted small" data-testid="model-summary">
          {summary}
        </span>
      </summary>
      {open ? <ModelChoice /> : null}
      <div className="grid2">
        <label>
          Connection
          <select
            data-testid="connection"
            value={connectionId ?? ""}
            onChange={(e) => {
              const id = e.target.value;
              const next = connections.find((c) => c.id === id);
              // A connection brings its own API style, model and template; the fields below override them.
              setModel({ connection: id, provider: next?.provider === "local" ? "local" : undefined, model: undefined, template: next?.template });
            }}
          >
            {connectionId && !connection ? <option value={connectionId}>{connectionId}</option> : null}
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
                {c.baseUrl ? ` — ${c.baseUrl}` : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input data-testid="model-name" placeholder={local ? "hf:owner/repo/file.gguf" : (server?.model ?? "Qwen/QwQ-32B")} value={model.model ?? ""} onChange={(e) => setModel({ model: e.target.value.trim() || undefined })} />
        </label>
        <label>
          Template
          <select data-testid="template" value={model.template ?? server?.template ?? "qwq"} onChange={(e) => setModel({ template: e.target.value as TemplateId })}>
            {Object.values(TEMPLATES).map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        {!local ? (
          <label>
            API
            <select
              data-testid="provider"
              value={model.provider && (apis as string[]).includes(model.provider) ? model.provider : (apis as string[]).includes(connectionKind) ? connectionKind : apis[0]}
              disabled={apis.length < 2}
              onChange={(e) => setModel({ provider: e.target.value as RemoteProviderKind })}
            >
              {apis.map((k) => (
                <option key={k} value={k}>
                  {REMOTE_PROVIDERS[k].label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Temperature
          <input type="number" step="0.05" min="0" max="2" value={sampling.temperature ?? ""} onChange={(e) => setSampling({ temperature: num(e.target.value) })} />
        </label>
        <label>
          Top-p
          <input type="number" step="0.05" min="0.05" max="1" value={sampling.topP ?? ""} onChange={(e) => setSampling({ topP: num(e.target.value) })} />
        </label>
        <label>
          Seed
          <input type="number" value={sampling.seed ?? ""} onChange={(e) => setSampling({ seed: num(e.target.value) })} />
        </label>
        <label>
          Max tokens
          <input
            data-testid="max-tokens"
            type="number"
            min="1"
            value={sampling.maxTokens}
            onChange={(e) => setSampling({ maxTokens: Math.max(1, Number(e.target.value) || 1) })}
          />
        </label>
        <label title="Ask the model for each token's probability and its 5 likeliest alternatives (vLLM, SGLang, llama.cpp, the local model); stored with the trace. From the next run.">
          <span>
            <input data-testid="token-probabilities" type="checkbox" checked={tokenProbabilities} onChange={(e) => setTokenProbabilities(e.target.checked)} /> Token probabilities
          </span>
        </label>
      </div>
      <p className="muted small">
        Base URLs and API keys are set on the server (an admin adds connections in Settings);{" "}
        {(connection?.hasApiKey ?? server?.hasApiKey) ? "this connection has a key." : "this connection has no key."}
      </p>
    </details>
  );
}

/**
 * The models to choose from: local GGUF files in the server's cache (and its default model) next
 * to the models of the configured endpoint. Fetched when the settings open.
 */
function ModelChoice() {
  const model = useHintlab((s) => s.model);
  const server = useHintlab((s) => s.serverConfig);
  const remoteConnection = model.connection && model.connection !== "local" ? model.connection : undefined;
  const { setModel } = useActions();
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  // External system: the server's model list, fetched once per opening.
  useEffect(() => {
    let live = true;
    fetch(`/api/models${remoteConnection ? `?connection=${encodeURIComponent(remoteConnection)}` : ""}`)
      .then((r) => r.json())
      .then((body: unknown) => live && setList(ModelListSchema.parse(body)))
      .catch((e: Error) => live && setError(`Could not list models: ${e.message}`));
    return () => {
      live = false;
    };
  }, [remoteConnection]);
  if (error) return <p className="error small">{error}</p>;
  if (!list) return <p className="muted small">Listing models…</p>;
  const local = usesLocalModel(model, server?.provider);
  const current = local ? `local:${model.provider === "local" && model.model ? model.model : list.local.default.ref}` : `remote:${model.model ?? server?.model ?? ""}`;
  const def = list.local.default;
  // The default model, once downloaded, is also a file in the cache: list it once.
  const cached = list.local.models.filter((m) => !def.path.replace(/\\/g, "/").endsWith(`/${m.ref}`));
  return (
    <label className="model-choice">
      Model
      <select
        data-testid="model-choice"
        value={current}
        onChange={(e) => {
          const [kind, ...rest] = e.target.value.split(":");
          const id = rest.join(":");
          if (kind === "local") setModel({ connection: "local", provider: "local", model: id === def.ref ? undefined : id });
          else
            setModel({
              connection: remoteConnection ?? "server",
              provider: model.provider === "local" ? undefined : model.provider,
              model: id,
            });
        }}
      >
        <optgroup label={`Local GGUF (${list.local.dir})`}>
          <option value={`local:${def.ref}`}>
            {def.name} — default, {def.state === "ready" ? formatBytes(def.bytes ?? 0) : def.state === "downloading" ? "downloading" : "not downloaded"}
          </option>
          {cached.map((m) => (
            <option key={m.ref} value={`local:${m.ref}`}>
              {m.ref} — {formatBytes(m.bytes)}
            </option>
          ))}
        </optgroup>
        {list.remote ? (
          <optgroup label={`Server ${list.remote.baseUrl}${list.remote.error ? " (unreachable)" : ""}`}>
            {list.remote.models.map((id) => (
              <option key={id} value={`remote:${id}`}>
                {id}
              </option>
            ))}
            {!list.remote.models.includes(model.model ?? server?.model ?? "") && !local ? <option value={current}>{model.model ?? server?.model}</option> : null}
          </optgroup>
        ) : null}
      </select>
      {list.remote?.error ? <span className="muted small">{list.remote.error}</span> : null}
    </label>
  );
}

/** With nothing configured, say plainly how to connect a model. */
export function ConnectNotice() {
  const server = useHintlab((s) => s.serverConfig);
  const model = useHintlab((s) => s.model);
  if (!server || server.configured || model.connection) return null;
  return (
    <div className="notice" data-testid="connect-notice">
      <strong>No model is connected.</strong> Start a model server (vLLM, SGLang, llama.cpp, Ollama, LM Studio…) and either restart hintlab with{" "}
      <code>HINTLAB_BASE_URL=http://localhost:8000/v1 HINTLAB_MODEL=Qwen/QwQ-32B</code> (Ollama: <code>HINTLAB_PROVIDER=ollama HINTLAB_MODEL=qwq:32b</code>; see README) or have an admin add it in{" "}
      <a href="/settings">Settings → Model connections</a>, then choose it in Model settings.
    </div>
  );
}
