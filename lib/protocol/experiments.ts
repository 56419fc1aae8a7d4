import { z } from "zod";
import { EndpointListSchema } from "./endpoints";
import { PolicySchema, ProblemSchema, ProviderKindSchema, TemplateIdSchema, VerdictSchema } from "./trace";

/**
 * Experiments: a dataset × policies × samples run against one model config. Items are keyed by
 * (problem, policy label, sample) so a resumed run skips what already finished.
 */

/** One policy of an experiment. `label` is the CLI spelling (`paper:rounds=1:p=0.5`) and the item key. */
export const ExperimentPolicySchema = z.object({
  label: z.string().min(1).max(200),
  policy: PolicySchema,
});
export type ExperimentPolicy = z.infer<typeof ExperimentPolicySchema>;

/**
 * Model connection of an experiment; the API key is never stored (it comes from the server).
 * `connection` names one of the server's connections; `baseUrl` is for the CLI only (the shell
 * user chose it) and the HTTP API refuses it, so a browser cannot make the server call a URL.
 * `endpoints` (CLI only too) lists several servers of the same model, each with an optional cap
 * (see lib/protocol/endpoints.ts); one URL without a cap stays a plain `baseUrl`.
 */
export const ExperimentModelSchema = z.object({
  connection: z.string().min(1).max(100).optional(),
  baseUrl: z.string().optional(),
  endpoints: EndpointListSchema.optional(),
  model: z.string().optional(),
  template: TemplateIdSchema.optional(),
  provider: ProviderKindSchema.optional(),
});

export const ExperimentSpecSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  datasetId: z.string().min(1),
  /** Either policy labels (`greedy`, `paper:rounds=2`) or full policy objects. */
  policies: z.array(z.union([z.string().min(1), ExperimentPolicySchema])).min(1).max(32),
  samples: z.number().int().min(1).max(1000).default(1),
  /** Run only the first N problems of the dataset (a quick look at a large set); absent = all. */
  problemLimit: z.number().int().min(1).optional(),
  model: ExperimentModelSchema.default({}),
  /** Concurrent sessions against the model server (vLLM batches well: 8 by default). */
  concurrency: z.number().int().min(1).max(1024).default(8),
  maxTokens: z.number().int().positive().default(16384),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** Base seed: sample k of a problem uses seed + k (sampling) and a per-item policy seed. */
  seed: z.number().int().default(0),
  triggers: z.array(z.string().min(1)).default(["Wait", "Alternatively"]),
  maxToolCalls: z.number().int().min(0).max(100).default(6),
  toolTimeoutMs: z.number().int().positive().default(10_000),
  /** Code problems: the time limit of each test when the final program is graded. */
  codeTestTimeoutMs: z.number().int().min(100).max(120_000).default(6_000),
  /**
   * Code problems, stdin tests: floats in the output may differ from the expected ones by
   * tol · max(1, |expected|). 0 = LiveCodeBench's rule (numbers equal as exact decimals).
   */
  floatTolerance: z.number().min(0).max(1).default(0),
  /** Token probabilities stored with every trace: alternatives per token (0–5); absent = none. */
  logprobs: z.number().int().min(0).max(5).optional(),
  /** Model-server failures: tries per item and the waits between them. */
  retry: z
    .object({ tries: z.number().int().min(1).max(10), delaysMs: z.array(z.number().int().min(0)).max(10) })
    .default({ tries: 3, delaysMs: [1000, 4000, 16000] }),
});
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>;
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;

export const ExperimentStatusSchema = z.enum(["pending", "running", "finished", "cancelled", "interrupted"]);
export type ExperimentStatus = z.infer<typeof ExperimentStatusSchema>;

export const ItemStatusSchema = z.enum(["pending", "running", "done", "failed"]);
export type ItemStatus = z.infer<typeof ItemStatusSchema>;

/** One (problem, policy, sample) of an experiment. `verdict` is only set for `done` items. */
export const ExperimentItemSchema = z.object({
  problemId: z.string(),
  /** Problem order in the dataset (for stable listings). */
  problemIdx: z.number().int(),
  policy: z.string(),
  sample: z.number().int(),
  status: ItemStatusSchema,
  traceId: z.string().nullable(),
  verdict: VerdictSchema.nullable(),
  answer: z.string().nullable(),
  tokens: z.number(),
  toolCalls: z.number().int(),
  /** Hint ids injected into this trace. */
  hints: z.array(z.string()),
  durationMs: z.number(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  /** The model server that served the item's trace (its last request), without credentials; absent for the local model. */
  endpoint: z.string().optional(),
  /** Code problems: the program's failed tests by reason (absent for math, or when every test passed). */
  codeFailures: z.partialRecord(z.enum(["wrong-answer", "timeout", "runtime-error", "output-limit", "not-run"]), z.number().int()).optional(),
});
export type ExperimentItem = z.infer<typeof ExperimentItemSchema>;

export const ExperimentProgressSchema = z.object({
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  running: z.number().int(),
  pending: z.number().int(),
  /** Completion tokens per second of the items finished in this run (null before the first). */
  tokensPerSec: z.number().nullable(),
  etaSec: z.number().nullable(),
});
export type ExperimentProgress = z.infer<typeof ExperimentProgressSchema>;

/** One process of `hintlab worker --experiment ID` (several may share an experiment). */
export const ExperimentWorkerSchema = z.object({
  /** Its owner id (lib/db/owners.ts), the lease holder of the items it claimed. */
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  concurrency: z.number().int(),
  joinedAt: z.number(),
  /** working: alive; left: finished or stopped cleanly; gone: died (its items were or will be taken over). */
  state: z.enum(["working", "left", "gone"]),
  running: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
});
export type ExperimentWorker = z.infer<typeof ExperimentWorkerSchema>;

/** One model server of an experiment, summed over the runners that use it (the app's run, each worker). */
export const ExperimentEndpointSchema = z.object({
  /** As recorded in traces: no credentials. */
  url: z.string(),
  /** up or down as its live runners see it (down when any of them took it out); idle: no runner reported within the last 10 s. */
  state: z.enum(["up", "down", "idle"]),
  /** Requests in flight now, over live runners. */
  outstanding: z.number().int(),
  /** Per-runner cap (null: none). */
  maxConcurrent: z.number().int().nullable(),
  /** Requests that ended without an endpoint failure, and endpoint failures (requests and health checks), over all runs. */
  served: z.number().int(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  /** While down: when the next health check runs (epoch ms). */
  nextProbeAt: z.number().nullable(),
  updatedAt: z.number(),
});
export type ExperimentEndpoint = z.infer<typeof ExperimentEndpointSchema>;

export const ExperimentSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** GET /api/experiments lists sweeps too (`kind: "sweep"`, SweepListEntrySchema); older servers sent no kind. */
  kind: z.literal("dataset").default("dataset"),
  datasetId: z.string(),
  datasetName: z.string(),
  status: ExperimentStatusSchema,
  spec: ExperimentSpecSchema,
  policies: z.array(ExperimentPolicySchema),
  createdAt: z.number(),
  updatedAt: z.number(),
  progress: ExperimentProgressSchema,
  /** Present when workers (`hintlab worker`) ran it: progress per worker. */
  workers: z.array(ExperimentWorkerSchema).optional(),
  /** Present when it ran against several model servers (an endpoint pool): live counters per server. */
  endpoints: z.array(ExperimentEndpointSchema).optional(),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

export const DatasetSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  problemCount: z.number().int(),
  kinds: z.record(z.string(), z.number().int()),
  contentHash: z.string(),
  createdAt: z.number(),
  /** Set for a problem set hintlab ships (read-only; `key` is its stable name, e.g. `aime24`); absent for an import. */
  bundled: z.object({ key: z.string(), source: z.string(), license: z.string() }).optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

/** A line of an imported dataset that could not be used: reported, never dropped silently. */
export const DatasetLineErrorSchema = z.object({ line: z.number().int(), reason: z.string() });
export type DatasetLineError = z.infer<typeof DatasetLineErrorSchema>;

export const DatasetImportResultSchema = z.object({
  dataset: DatasetSummarySchema.nullable(),
  imported: z.number().int(),
  errors: z.array(DatasetLineErrorSchema),
});
export type DatasetImportResult = z.infer<typeof DatasetImportResultSchema>;

export const DatasetImportQuerySchema = z.object({
  name: z.string().min(1).max(200).default("dataset"),
  /** `all-or-nothing` refuses the file when any line is bad; `valid` imports the good lines and reports the rest. */
  mode: z.enum(["valid", "all-or-nothing"]).default("valid"),
});

export const ProblemPageQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const ProblemPageSchema = z.object({ total: z.number().int(), problems: z.array(ProblemSchema) });
export type ProblemPage = z.infer<typeof ProblemPageSchema>;
