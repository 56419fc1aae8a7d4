import { z } from "zod";
import { MAX_ENDPOINTS, parseEndpointList } from "./endpoints";
import { MAX_TOP_LOGPROBS, TokenLogprobSchema } from "./logprobs";
import { RemoteProviderKindSchema } from "./providers";
import { FinishReasonSchema, ProviderKindSchema, TemplateIdSchema, UsageSchema } from "./trace";

/**
 * What the engine asks a provider for. `prompt` is the fully rendered text so far (template
 * prompt + every later segment); chat-prefill providers instead use `userMessage` and
 * `assistantPrefill`, which together render to the same text on the server's own template.
 */
export const GenerateRequestSchema = z.object({
  prompt: z.string(),
  userMessage: z.string(),
  assistantPrefill: z.string(),
  stop: z.array(z.string()).max(32),
  maxTokens: z.number().int().positive(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  /**
   * The trace this request continues (its id). A local model keeps one context sequence per
   * session, so the next request evaluates only the text added since; servers ignore it.
   */
  session: z.string().min(1).max(200).optional(),
  /**
   * Opt-in token probabilities: with N (0–5) the provider reports every generated token's
   * logprob and its top-N alternatives (`logprobs` frames); absent = not asked, none reported.
   */
  logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).optional(),
  /**
   * Characters of `prompt` that other requests of this session share (a sweep's point). A local
   * model tokenizes them as a piece of their own, so its KV cache can be cut back to exactly there
   * and the prefix is evaluated once for all samples; servers ignore it.
   */
  sharedPrefix: z.number().int().min(0).optional(),
  /**
   * The text so far holds a person's correction of the model's text (`edit` segments: a fork
   * continued from an edit). Only a raw continuation keeps it exactly where it is, inside the
   * thinking; a chat endpoint renders the assistant turn with its own template, which may move or
   * drop the think tags around it, so the chat provider refuses such a request.
   */
  editedPrefix: z.literal(true).optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

/** Ids of the connections every server has: its local GGUF model, and the one of its environment (HINTLAB_BASE_URL). */
export const LOCAL_CONNECTION_ID = "local";
export const SERVER_CONNECTION_ID = "server";

/**
 * Per-session choices among the server's model connections. The browser names a connection by
 * id and never sends a URL or a key: base URLs and keys are set by admins on the server, so a
 * page cannot make the server call a host of its choosing (SSRF).
 */
export const ModelSettingsSchema = z.object({
  connection: z.string().min(1).max(100).optional(),
  provider: ProviderKindSchema.optional(),
  model: z.string().min(1).max(1000).optional(),
  template: TemplateIdSchema.optional(),
  baseUrl: z
    .never({ error: "the browser cannot choose a base URL; choose a connection (an admin adds model servers in Settings → Model connections)" })
    .optional(),
});
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

/** Body of POST /api/generate. */
export const GenerateBodySchema = z.object({
  request: GenerateRequestSchema,
  settings: ModelSettingsSchema.default({}),
});
export type GenerateBody = z.infer<typeof GenerateBodySchema>;

/** What a provider reports when a stream ends. */
export const GenerateResultSchema = z.object({
  finishReason: FinishReasonSchema,
  matchedStop: z.string().optional(),
  usage: UsageSchema.optional(),
});
export type GenerateResult = z.infer<typeof GenerateResultSchema>;

/** Error codes a model connection can fail with; each maps to a message that says what to fix. */
export const ModelErrorCodeSchema = z.enum([
  "not-configured",
  "connection-refused",
  "unauthorized",
  "model-not-found",
  "endpoint-not-found",
  "bad-request",
  "server-error",
  "stream-broken",
  "malformed-stream",
  "timeout",
  "internal",
]);
export type ModelErrorCode = z.infer<typeof ModelErrorCodeSchema>;

/** NDJSON frames of POST /api/generate, one JSON object per line. */
export const GenerateFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  /**
   * Probabilities of tokens whose text has been sent (in the text frames before this one);
   * `start` is the char offset within this generation's text (all its text frames joined).
   */
  z.object({ type: z.literal("logprobs"), tokens: z.array(TokenLogprobSchema).max(4096) }),
  z.object({ type: z.literal("done"), result: GenerateResultSchema }),
  z.object({ type: z.literal("error"), code: ModelErrorCodeSchema, message: z.string() }),
]);
export type GenerateFrame = z.infer<typeof GenerateFrameSchema>;

/**
 * GET /api/config: what the browser may know about the server's model connection (never the
 * key itself). `configured` is false when the server has no base URL/model of its own;
 * `message` then says what to set.
 */
export const PublicModelConfigSchema = z.object({
  configured: z.boolean(),
  /** The connection used when Model settings choose none: "server" (HINTLAB_BASE_URL) or "local". */
  connection: z.string().optional(),
  provider: ProviderKindSchema.optional(),
  baseUrl: z.string().optional(),
  model: z.string().optional(),
  template: TemplateIdSchema.optional(),
  hasApiKey: z.boolean().optional(),
  message: z.string().optional(),
});
export type PublicModelConfig = z.infer<typeof PublicModelConfigSchema>;

/** A model connection as the browser sees it: no key, only whether it has one. */
export const PublicConnectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: ProviderKindSchema,
  baseUrl: z.string().optional(),
  model: z.string().optional(),
  template: TemplateIdSchema.optional(),
  hasApiKey: z.boolean(),
  /** Built-in connections (the local model, the environment's) cannot be edited in the app. */
  builtIn: z.boolean(),
});
export type PublicConnection = z.infer<typeof PublicConnectionSchema>;

/** POST /api/connections (admin): a model server the app may call. */
export const ConnectionBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  provider: RemoteProviderKindSchema.default("openai-completions"),
  /** One URL, or several servers of the same model as `URL, URL@N` (N = cap on requests in flight; lib/protocol/endpoints.ts). */
  baseUrl: z.string().trim().superRefine((raw, ctx) => {
    let list;
    try {
      list = parseEndpointList(raw);
    } catch (error) {
      return void ctx.addIssue({ code: "custom", message: `the base URL ${(error as Error).message}` });
    }
    if (list.length === 0 || list.some((e) => !URL.canParse(e.baseUrl))) return void ctx.addIssue({ code: "custom", message: "the base URL must be a full URL such as http://localhost:8000/v1" });
    if (list.some((e) => !/^https?:\/\//i.test(e.baseUrl))) return void ctx.addIssue({ code: "custom", message: "the base URL must start with http:// or https://" });
    if (list.length > MAX_ENDPOINTS) ctx.addIssue({ code: "custom", message: `at most ${MAX_ENDPOINTS} servers in one connection` });
  }),
  model: z.string().trim().min(1).max(1000).optional(),
  template: TemplateIdSchema.optional(),
  /** Stored on the server, never sent back. */
  apiKey: z.string().min(1).max(4096).optional(),
});
export type ConnectionBody = z.infer<typeof ConnectionBodySchema>;
/** PATCH /api/connections/:id (admin); `apiKey: null` removes the key. */
export const ConnectionPatchSchema = ConnectionBodySchema.partial().extend({ apiKey: z.string().min(1).max(4096).nullable().optional() });
