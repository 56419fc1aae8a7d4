import "server-only";
import { LocalModels } from "./models";
import { LocalRuntime, type LocalRuntimeOptions } from "./runtime";

// One runtime (llama.cpp, the loaded model, its contexts) and one download registry per server
// process. Kept on globalThis because Next bundles each route separately: module state alone
// would give every route its own model in memory.
const KEY = Symbol.for("hintlab.local");
interface Shared {
  runtime?: { key: string; runtime: LocalRuntime };
  models?: { defaultRef: string; models: LocalModels };
}
const shared = ((globalThis as Record<symbol, Shared>)[KEY] ??= {});

export function sharedRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const key = JSON.stringify(options);
  if (shared.runtime?.key !== key) {
    // Settings only change with a restart (or in tests); the old runtime's contexts are released.
    void shared.runtime?.runtime.close();
    shared.runtime = { key, runtime: new LocalRuntime(options) };
  }
  return shared.runtime.runtime;
}

export function sharedModels(defaultRef: string): LocalModels {
  if (shared.models?.defaultRef !== defaultRef) shared.models = { defaultRef, models: new LocalModels(defaultRef) };
  return shared.models.models;
}
