import { MAX_ENDPOINTS, parseEndpointList, REMOTE_PROVIDER_KINDS, REMOTE_PROVIDERS, RemoteProviderKindSchema, TemplateIdSchema, type EndpointSpec, type RemoteProviderKind, type TemplateId } from "@/lib/protocol";

/**
 * Flag parsing shared by the CLI commands: a bad flag is a UsageError whose message says which
 * flag and what it must be; the command prints it with its usage text and exits 2.
 */
export class UsageError extends Error {}

/** `--name` as a number that passes `check` (described by `what`), or undefined when absent. An empty value is never a number. */
export function num(name: string, raw: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what} (got "${raw}")`);
  return n;
}

export const int = (n: number) => Number.isInteger(n);

/** `--template`, checked against the templates hintlab knows. */
export function templateFlag(raw: string | undefined): TemplateId | undefined {
  if (raw === undefined) return undefined;
  const template = TemplateIdSchema.safeParse(raw);
  if (!template.success) throw new UsageError(`--template must be one of qwq, qwen3, deepseek-r1, raw (got "${raw}")`);
  return template.data;
}

/** `--provider KIND` (`--chat` is short for `--provider openai-chat`), checked against the model servers hintlab speaks. */
export function providerFlag(raw: string | undefined, chat: boolean | undefined): RemoteProviderKind | undefined {
  if (raw === undefined) return chat ? "openai-chat" : undefined;
  const provider = RemoteProviderKindSchema.safeParse(raw);
  if (!provider.success) throw new UsageError(`--provider must be one of ${REMOTE_PROVIDER_KINDS.join(", ")} (got "${raw}")`);
  if (chat && provider.data !== "openai-chat") throw new UsageError(`--chat means --provider openai-chat; it cannot go with --provider ${raw}`);
  return provider.data;
}

/**
 * `--base-url` (repeatable, each `URL` or `URL@N`: N requests in flight at most on that server;
 * a comma-separated list counts as several), `--model`, `--template`, `--provider`/`--chat` as
 * the model part of a run's settings. One URL without a cap stays `baseUrl`, exactly as before;
 * otherwise `endpoints`. `--provider ollama` (or lmstudio) alone means that server on this
 * machine, unless the environment already configures one (HINTLAB_PROVIDER of the same kind,
 * with its HINTLAB_BASE_URL).
 */
export function modelFlags(
  values: { "base-url"?: string | string[]; model?: string; chat?: boolean; provider?: string },
  template: TemplateId | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
) {
  const provider = providerFlag(values.provider, values.chat);
  const ownServer = provider === "ollama" || provider === "lmstudio";
  const given = values["base-url"];
  const raw = given ?? (ownServer && env.HINTLAB_PROVIDER?.trim() !== provider ? REMOTE_PROVIDERS[provider].defaultBaseUrl : undefined);
  const endpoints = endpointFlags(typeof raw === "string" ? [raw] : raw);
  const single = endpoints?.length === 1 && endpoints[0]!.maxConcurrent === undefined;
  return {
    ...(endpoints && single ? { baseUrl: endpoints[0]!.baseUrl } : endpoints ? { endpoints } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(template ? { template } : {}),
    ...(provider ? { provider } : {}),
  };
}


/** `--retries N` and `--retry-delays-ms LIST` (each undefined when absent). */
export function retryFlags(values: { retries?: string; "retry-delays-ms"?: string }): { tries?: number; delays?: number[] } {
  const tries = num("retries", values.retries, (n) => int(n) && n >= 1 && n <= 10, "an integer from 1 to 10");
  const delays = values["retry-delays-ms"]?.split(",").map((d) => num("retry-delays-ms", d.trim(), (n) => int(n) && n >= 0, "integers ≥ 0")!);
  return { ...(tries !== undefined ? { tries } : {}), ...(delays ? { delays } : {}) };
}

function endpointFlags(raw: string[] | undefined): EndpointSpec[] | undefined {
  if (!raw?.length) return undefined;
  let list: EndpointSpec[];
  try {
    list = raw.flatMap(parseEndpointList);
  } catch (e) {
    throw new UsageError(`--base-url ${(e as Error).message}`);
  }
  if (list.length === 0) throw new UsageError("--base-url names no URL");
  if (list.length > MAX_ENDPOINTS) throw new UsageError(`--base-url: at most ${MAX_ENDPOINTS} servers (got ${list.length})`);
  return list;
}
