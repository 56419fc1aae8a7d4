import { AppError } from "@/lib/protocol";
import { isModelError } from "@/lib/providers";

/** A model reference the server refuses is the client's mistake: a 400 with the provider's message. */
export function rethrowModelError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isModelError(error)) throw new AppError("bad-request", error.message);
    throw error;
  }
}
