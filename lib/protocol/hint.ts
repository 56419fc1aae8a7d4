import { z } from "zod";
import { ProblemKindSchema } from "./trace";

/**
 * What a hint is for. `tool` (the default): a START hint that leads the model to Python, drawn by
 * the paper policy and offered in the picker. `budget`: a bare word the budget policy (s1's budget
 * forcing) appends where the model tried to end its thinking too early; never drawn for tool use.
 */
export const HintPurposeSchema = z.enum(["tool", "budget"]);
export type HintPurpose = z.infer<typeof HintPurposeSchema>;

/**
 * A Hint-Library entry. A tool hint's text begins with its connective ("Wait, …", "Alternatively, …")
 * and ends with an opened python fence so the model writes code next; a budget hint is the bare
 * word. `{testcase}` in a code hint is filled from the problem's sample tests.
 */
export const HintSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "hint id must be lower-case letters, digits and dashes"),
    kinds: z.array(ProblemKindSchema).min(1, "a hint needs at least one kind (math, code or free)"),
    title: z.string().min(1, "a hint needs a title"),
    text: z.string().min(1, "hint text is empty"),
    builtIn: z.boolean().default(false),
    /** Code hints whose template only fits stdin or starter-code (functional) problems. */
    appliesTo: z.enum(["stdin", "functional"]).optional(),
    /** Absent means `tool` (files written before purposes existed). */
    purpose: HintPurposeSchema.optional(),
  })
  .superRefine((hint, ctx) => {
    if (hint.purpose === "budget") {
      if (/[\n\r]/.test(hint.text) || hint.text.length > 40) ctx.addIssue({ code: "custom", path: ["text"], message: "a budget hint is one word or short phrase (at most 40 characters, one line)" });
      return;
    }
    if (!/```python\n$/.test(hint.text)) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "hint text must end with an opened ```python fence followed by a newline" });
    }
  });
export type Hint = z.infer<typeof HintSchema>;

export const HintFileSchema = z
  .object({ version: z.string().min(1), source: z.string().optional(), hints: z.array(HintSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.hints.forEach((h, i) => {
      if (seen.has(h.id)) ctx.addIssue({ code: "custom", path: ["hints", i, "id"], message: `duplicate hint id "${h.id}"` });
      seen.add(h.id);
    });
  });
export type HintFile = z.infer<typeof HintFileSchema>;

/** PUT /api/hints: the full list of user hints (built-ins are read-only and not accepted). */
export const UserHintsBodySchema = z.object({ hints: z.array(HintSchema) });
