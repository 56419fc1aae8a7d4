export const FORMATS = ["segments", "openai", "sharegpt", "trl", "edits"] as const;
export type ExportFormat = (typeof FORMATS)[number];

export interface ExportOptions {
  /** Apply the annotators' edits (the derived view). Default: true for openai/sharegpt/trl, false for segments. */
  edited?: boolean;
  /** `edits` format: code points of context before and after each edited span (default 200). */
  context?: number;
  /** openai/sharegpt: a system message to put first (none by default). */
  system?: string;
  /**
   * `edits`: the annotation queue the export is scoped to (a queue's export passes it); each
   * record then carries it as `queue` after its `author`. Absent: no `queue` key at all.
   */
  queue?: { id: string; name: string };
}

export const DEFAULT_EDIT_CONTEXT = 200;

/** Edits are applied by default where the output is training text; the native record keeps them separate. */
export function defaultEdited(format: ExportFormat): boolean {
  return format === "openai" || format === "sharegpt" || format === "trl";
}
