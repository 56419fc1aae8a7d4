import "server-only";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { AppError, HintSchema, describeZodError, type Hint } from "@/lib/protocol";
import { BUILTIN_HINTS } from "@/hints";
import { z } from "zod";

/**
 * User hints persisted as one JSON file next to the database (built-ins stay in hints/ and are
 * read-only). Writes go to a temp file and are renamed into place, so a crash mid-write never
 * leaves a half-written file and the previous hints survive a rejected save.
 */
export function dataDir(): string {
  return path.resolve(/* turbopackIgnore: true */ process.env.HINTLAB_DATA_DIR ?? "./data");
}

const file = () => path.join(dataDir(), "user-hints.json");
const UserHintFileSchema = z.object({ hints: z.array(HintSchema) });

export async function readUserHints(): Promise<Hint[]> {
  let raw: string;
  try {
    raw = await readFile(file(), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const parsed = UserHintFileSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new AppError("internal", `${file()} is not a valid hint file: ${describeZodError(parsed.error)}`);
  return parsed.data.hints.map((h) => ({ ...h, builtIn: false }));
}

export async function listHints(): Promise<Hint[]> {
  return [...BUILTIN_HINTS, ...(await readUserHints())];
}

export async function saveUserHints(hints: Hint[]): Promise<Hint[]> {
  const builtInIds = new Set(BUILTIN_HINTS.map((h) => h.id));
  const seen = new Set<string>();
  for (const h of hints) {
    if (builtInIds.has(h.id)) throw new AppError("bad-request", `"${h.id}" is a built-in hint and is read-only; duplicate it under a new id to change it.`);
    if (seen.has(h.id)) throw new AppError("bad-request", `two hints have the id "${h.id}"; ids must be unique.`);
    seen.add(h.id);
  }
  const clean = hints.map((h) => ({ ...h, builtIn: false }));
  await mkdir(dataDir(), { recursive: true });
  const tmp = `${file()}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify({ hints: clean }, null, 2));
  await rename(tmp, file());
  return clean;
}
