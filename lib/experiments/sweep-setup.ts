import "server-only";
import { BUILTIN_HINTS } from "@/hints";
import { getTemplate } from "@/lib/engine";
import { AppError, REMOTE_PROVIDER_KINDS, SweepSpecSchema, type ExperimentModelSchema, type Hint, type RemoteProviderKind, type SweepSpecInput, type Trace } from "@/lib/protocol";
import { planSweep, type SweepPlan, type SweepSource } from "@/lib/sweeps";
import type { z } from "zod";
import type { StoredArm, StoredPlan, SweepRunSettings, SweepStore } from "./sweep-store";

/** What planning needs of a stored trace: its text, events, triggers and its template's end-of-thinking marker. */
export function sweepSource(trace: Trace): SweepSource {
  return { segments: trace.segments, events: trace.events, triggers: trace.config.triggers, endOfThinking: getTemplate(trace.config.template).endOfThinking };
}

/**
 * Arms as stored: a hint arm's text is taken from the Hint-Library now (built-in or the user's
 * own hints), so a later edit of the library does not change a sweep under way.
 */
export function storedArms(plan: SweepPlan, library: readonly Hint[]): StoredArm[] {
  return plan.arms.map(({ key, arm }) => {
    if (arm.kind === "none") return { key, label: "no hint", kind: "none" };
    if (arm.kind === "text") return { key, label: arm.title?.trim() || shorten(arm.text), kind: "text", text: arm.text };
    const hint = library.find((h) => h.id === arm.hintId);
    if (!hint) {
      const known = library.map((h) => h.id).slice(0, 12).join(", ");
      throw new AppError("bad-request", `there is no hint "${arm.hintId}" in the Hint-Library (known: ${known}${library.length > 12 ? ", …" : ""})`);
    }
    return { key, label: hint.title, kind: "hint", hintId: hint.id, text: hint.text };
  });
}

const shorten = (text: string) => {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
};

export function storedPlan(plan: SweepPlan, library: readonly Hint[]): StoredPlan {
  return {
    arms: storedArms(plan, library),
    positions: plan.positions.map((p) => ({
      segment: p.segment,
      offset: p.offset,
      textOffset: p.textOffset,
      ...(p.trigger !== undefined ? { label: p.trigger } : p.sentence !== undefined ? { label: `sentence ${p.sentence}` } : {}),
    })),
  };
}

/**
 * The model a sweep runs on when none is chosen: the source trace's own model and template.
 * A trace's base URL is only followed when `trustBaseUrl` (the CLI): over HTTP, a stored or
 * imported trace must not make the server call a host of its choosing.
 */
export function defaultSweepModel(source: Trace, trustBaseUrl: boolean): z.infer<typeof ExperimentModelSchema> {
  const c = source.config;
  if (c.provider === "local") return { connection: "local", model: c.model, template: c.template };
  // The API travels with the trace: a trace of Ollama's native API continued as OpenAI completions would hit the wrong endpoint.
  const provider = (REMOTE_PROVIDER_KINDS as readonly string[]).includes(c.provider) ? (c.provider as RemoteProviderKind) : undefined;
  return { model: c.model, template: c.template, ...(provider ? { provider } : {}), ...(trustBaseUrl && c.baseUrl ? { baseUrl: c.baseUrl } : {}) };
}

export interface CreateSweepArgs {
  spec: SweepSpecInput;
  name?: string;
  /** Undefined: the source trace's model (see defaultSweepModel). */
  model?: z.infer<typeof ExperimentModelSchema>;
  concurrency?: number;
  maxTokens?: number;
  retry?: SweepRunSettings["retry"];
  /** The CLI's own flags may name a base URL; the HTTP API never does. */
  trustBaseUrl?: boolean;
  /** Throws when the model cannot be used (checked before anything is stored). */
  checkModel?: (model: z.infer<typeof ExperimentModelSchema>) => void;
}

/** Validate, plan against the source trace and store a sweep with all its items; returns its id. */
export function createSweep(store: SweepStore, getTrace: (id: string) => Trace, args: CreateSweepArgs, library: readonly Hint[] = BUILTIN_HINTS, now = Date.now()): string {
  const parsed = SweepSpecSchema.safeParse(args.spec);
  if (!parsed.success) throw new AppError("bad-request", parsed.error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`).join("; "));
  const spec = parsed.data;
  const source = getTrace(spec.traceId);
  const plan = planSweep(spec, sweepSource(source));
  if (plan.items.length === 0) throw new AppError("bad-request", "this sweep has nothing to run: the trace has no such positions (no trigger word in its model text, or fewer sentences than k)");
  const stored = storedPlan(plan, library);
  const name = args.name ?? `${spec.type === "hints" ? stored.arms.map((a) => a.label).join(" · ") : `${stored.arms[0]!.label} at ${stored.positions.length} positions`} × ${spec.samples}`;
  const model = args.model ?? defaultSweepModel(source, args.trustBaseUrl ?? false);
  args.checkModel?.(model);
  return store.create(
    {
      name: name.slice(0, 200),
      spec,
      plan,
      stored,
      run: {
        model,
        concurrency: args.concurrency ?? 8,
        ...(args.maxTokens !== undefined ? { maxTokens: args.maxTokens } : {}),
        retry: args.retry ?? { tries: 3, delaysMs: [1000, 4000, 16000] },
      },
    },
    now,
  );
}
