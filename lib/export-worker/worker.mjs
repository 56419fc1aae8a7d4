// An export worker's entry when its bundle (bundle.ts) could not be built. The export code is
// TypeScript and the worker runs outside the bundle of whoever started it (Next's server, vitest,
// tsx), so it registers tsx itself (a dependency; transforms are cached on disk) and then loads
// the real worker. It is started with the react-server condition so server-only modules load.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const here = path.dirname(fileURLToPath(import.meta.url));
register({ tsconfig: path.join(here, "../../tsconfig.json") });
await import("./worker-main.ts");
