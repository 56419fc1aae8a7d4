// Lint, and the dependency table (docs/architecture.md, "Parts") enforced from the first commit.
import tseslint from "typescript-eslint";

const restrict = (files, patterns) => ({
  files,
  ignores: ["**/*.test.ts", "**/__fixtures__/**"], // test code and its fixtures
  rules: { "no-restricted-imports": ["error", { patterns }] },
});
const group = (names, message) => ({ group: names, message });

const UI = ["@/components/*", "@/app/*"];
const LIB = ["protocol", "engine", "export", "import", "grading", "providers", "db", "sandbox", "store", "runner", "cli", "experiments", "auth", "sweeps", "queues", "export-worker"];
const ALL = [...UI, "@/hints", "@/hints/*", "@/datasets", "@/datasets/*", ...LIB.flatMap((m) => [`@/lib/${m}`, `@/lib/${m}/*`])];
/** Everything except the listed lib modules (and `hints` when allowed). */
const except = (...allowed) => ALL.filter((p) => !allowed.some((a) => p === `@/lib/${a}` || p === `@/lib/${a}/*` || p === `@/${a}` || p === `@/${a}/*`));
export default tseslint.config(
  { ignores: ["docs/**", ".next/**", ".next-*/**", "node_modules/**", "public/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "bench/out/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  restrict(["lib/protocol/**"], [group(except(), "lib/protocol depends on zod only")]),
  restrict(["lib/engine/**"], [group(except("protocol"), "lib/engine is pure: protocol only")]),
  restrict(["lib/export/**", "lib/grading/**", "lib/import/**"], [group(except("protocol", "engine", "grading", "export", "import"), "export/import/grading are pure: engine and protocol only")]),
  restrict(["lib/providers/**", "lib/db/**"], [group(except("protocol", "engine", "providers", "db", "hints", "import"), "server modules may import engine, protocol, hints and the pure import parsers")]),
  restrict(["lib/sandbox/**"], [group(except("protocol"), "lib/sandbox may import protocol only")]),
  restrict(["lib/store/**"], [group(except("protocol", "engine", "sandbox", "export", "grading", "store", "hints", "sweeps"), "lib/store runs in the browser: no server modules, no UI")]),
  restrict(["lib/auth/**"], [group(except("protocol", "db", "auth"), "lib/auth is server-side accounts and guards: protocol and db only")]),
  restrict(["components/**"], [group(["@/lib/auth", "@/lib/auth/*", "@/lib/providers", "@/lib/providers/*", "@/lib/db", "@/lib/db/*", "@/lib/runner*", "@/lib/cli*", "@/lib/queues", "@/lib/queues/*", "@/lib/export-worker", "@/lib/export-worker/*", "@/app/*"], "components never import server code")]),
  restrict(["hints/**"], [group(except("protocol"), "hints may import protocol only")]),
  restrict(["datasets/**"], [group(except(), "datasets/ is data: it imports nothing")]),
  restrict(["lib/sweeps/**"], [group(except("protocol", "engine", "sweeps"), "lib/sweeps is pure: engine and protocol only")]),
  restrict(["lib/experiments/**"], [group(except("protocol", "engine", "hints", "datasets", "db", "providers", "runner", "sandbox", "grading", "import", "experiments", "sweeps"), "lib/experiments is server-side orchestration: no UI, store, export or CLI (the pure import line reader is allowed)")]),
  restrict(["lib/export-worker/**"], [group(except("protocol", "engine", "export", "db", "queues", "export-worker"), "lib/export-worker runs exports (db reads, export formats, queue versions) off the request path: no UI, providers or CLI")]),
  restrict(["lib/queues/**"], [group(except("protocol", "engine", "db", "queues"), "lib/queues is server-side: protocol, engine and db only")]),
  restrict(["lib/runner/**", "lib/cli/**"], [group(UI, "headless code never imports UI")]),
);
