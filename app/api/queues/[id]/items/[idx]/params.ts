import { AppError } from "@/lib/protocol";

export type ItemParams = { params: Promise<{ id: string; idx: string }> };

export async function itemParams(context: ItemParams): Promise<{ id: string; idx: number }> {
  const { id, idx } = await context.params;
  const n = Number(idx);
  if (!Number.isInteger(n) || n < 0) throw new AppError("bad-request", `item must be a whole number, not "${idx}"`);
  return { id, idx: n };
}
