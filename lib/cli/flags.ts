import { MAX_ENDPOINTS, parseEndpointList, TemplateIdSchema, type EndpointSpec, type TemplateId } from "@/lib/protocol";

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

/**
 * `--base-url` (repeatable, each `URL` or `URL@N`: N requests in flight at most on that server;
 * a comma-separated list counts as several), `--model`, `--template`, `--chat` as the model part
 * of a run's settings. One URL without a cap stays `baseUrl`, exactly as before; otherwise `endpoints`.
 */
export function modelFlags(values: { "base-url"?: string | string[]; model?: string; chat?: boolean }, template: TemplateId | undefined) {
  const raw = values["base-url"];
  const endpoints = endpointFlags(typeof raw === "string" ? [raw] : raw);
  const single = endpoints?.length === 1 && endpoints[0]!.maxConcurrent === undefined;
  return {
    ...(endpoints && single ? { baseUrl: endpoints[0]!.baseUrl } : endpoints ? { endpoints } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(template ? { template } : {}),
    ...(values.chat ? { provider: "openai-chat" as const } : {}),
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
