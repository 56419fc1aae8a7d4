"use client";

import { useState } from "react";
import { TEMPLATES } from "@/lib/engine";
import type { ProviderKind, TemplateId } from "@/lib/protocol";
import { useActions, useHintlab } from "@/lib/store";

const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

/** Per-session overrides of the server's model connection and sampling. Keys never come here. */
export function ModelSettings() {
  const model = useHintlab((s) => s.model);
  const server = useHintlab((s) => s.serverConfig);
  const sampling = useHintlab((s) => s.sampling);
  const { setModel, setSampling } = useActions();
  // Open by default only when the server has no model; after that the user decides.
  const [userOpen, setUserOpen] = useState<boolean | null>(null);
  const open = userOpen ?? (server ? !server.configured : false);
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
        <span className="muted small">
          {server?.configured ? `${model.model ?? server.model} @ ${model.baseUrl ?? server.baseUrl}` : model.baseUrl ? model.baseUrl : "not connected"}
        </span>
      </summary>
      <div className="grid2">
        <label>
          Base URL
          <input
            data-testid="base-url"
            placeholder={server?.baseUrl ?? "http://localhost:8000/v1"}
            value={model.baseUrl ?? ""}
            onChange={(e) => setModel({ baseUrl: e.target.value.trim() || undefined })}
          />
        </label>
        <label>
          Model
          <input data-testid="model-name" placeholder={server?.model ?? "Qwen/QwQ-32B"} value={model.model ?? ""} onChange={(e) => setModel({ model: e.target.value.trim() || undefined })} />
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
        <label>
          API
          <select
            data-testid="provider"
            value={model.provider ?? server?.provider ?? "openai-completions"}
            onChange={(e) => setModel({ provider: e.target.value as ProviderKind })}
          >
            <option value="openai-completions">completions (raw prompt)</option>
            <option value="openai-chat">chat (assistant prefill)</option>
          </select>
        </label>
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
      </div>
      <p className="muted small">API keys stay on the server (HINTLAB_API_KEY); {server?.hasApiKey ? "a key is configured." : "no key is configured."}</p>
    </details>
  );
}

/** With nothing configured, say plainly how to connect a model. */
export function ConnectNotice() {
  const server = useHintlab((s) => s.serverConfig);
  const model = useHintlab((s) => s.model);
  if (!server || server.configured || (model.baseUrl && model.model)) return null;
  return (
    <div className="notice" data-testid="connect-notice">
      <strong>No model is connected.</strong> Start an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama…) and either restart hintlab with{" "}
      <code>HINTLAB_BASE_URL=http://localhost:8000/v1 HINTLAB_MODEL=Qwen/QwQ-32B</code> (see README) or enter a base URL and model in Model settings.
    </div>
  );
}
