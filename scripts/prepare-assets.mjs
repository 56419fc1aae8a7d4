#!/usr/bin/env node
// Build step run before `next dev` / `next build` (and usable on its own):
//  1. copies the Pyodide runtime out of node_modules/pyodide into public/pyodide/ so the
//     browser worker loads it from our own origin (never a CDN; COEP would block most CDNs
//     anyway);
//  2. builds public/pyodide/sympy-bundle.zip from Debian's python3-sympy + python3-mpmath.
//     The .pyc files are compiled *inside Pyodide* so their magic number matches Pyodide's
//     CPython (the host python3 is a different version), as unchecked-hash legacy-layout pycs
//     (`mod.pyc` next to `mod.py`) because zipimport neither looks in __pycache__ nor can
//     write back a recompiled pyc, so a stale/unmatched pyc would mean compiling sympy from
//     source on every page load.
// Idempotent: each output is skipped when it is newer than its inputs (a stamp file records
// what the bundle was built from). Missing Debian packages only produce a warning: the app
// works without sympy.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const PYODIDE_DIR = path.dirname(require.resolve("pyodide/package.json"));
const OUT_DIR = path.join(ROOT, "public", "pyodide");
const DIST_PACKAGES = process.env.HINTLAB_SYMPY_SOURCE ?? "/usr/lib/python3/dist-packages";
const BUNDLE_PACKAGES = ["sympy", "mpmath"];
const BUNDLE_FILE = path.join(OUT_DIR, "sympy-bundle.zip");
const STAMP_FILE = path.join(OUT_DIR, "sympy-bundle.stamp.json");
// Runtime files the browser needs (html consoles, typings, README are not served).
const RUNTIME_FILES = [
  "pyodide.mjs",
  "pyodide.mjs.map",
  "pyodide.asm.mjs",
  "pyodide.asm.wasm",
  "python_stdlib.zip",
  "pyodide-lock.json",
  "package.json",
];
// Test suites and benchmarks are a third of sympy's size and never imported by user code.
const EXCLUDED_DIRS = new Set(["tests", "benchmarks", "__pycache__"]);
// Bump when the bundle layout changes so existing bundles are rebuilt.
const BUNDLE_FORMAT = 1;

const log = (msg) => console.log(`[prepare-assets] ${msg}`);
const warn = (msg) => console.warn(`[prepare-assets] WARNING: ${msg}`);

function copyRuntime() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  let copied = 0;
  for (const name of RUNTIME_FILES) {
    const src = path.join(PYODIDE_DIR, name);
    if (!fs.existsSync(src)) continue;
    const dst = path.join(OUT_DIR, name);
    const s = fs.statSync(src);
    const d = fs.existsSync(dst) ? fs.statSync(dst) : undefined;
    if (d && d.size === s.size && d.mtimeMs >= s.mtimeMs) continue;
    fs.copyFileSync(src, dst);
    copied++;
  }
  log(copied ? `copied ${copied} Pyodide runtime file(s) to public/pyodide/` : "Pyodide runtime up to date");
}

/** Every file of the bundle's source trees, relative to DIST_PACKAGES, with the newest mtime. */
function listSources() {
  const files = [];
  let newest = 0;
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(DIST_PACKAGES, rel), { withFileTypes: true })) {
      const childRel = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(childRel);
      } else if (entry.isFile() && !entry.name.endsWith(".pyc")) {
        files.push(childRel);
        newest = Math.max(newest, fs.statSync(path.join(DIST_PACKAGES, childRel)).mtimeMs);
      }
    }
  };
  for (const pkg of BUNDLE_PACKAGES) walk(pkg);
  return { files, newest };
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

const PYTHON_BUILD = String.raw`
import compileall, os, py_compile, zipfile, sys, warnings
warnings.simplefilter("ignore")  # Debian's sympy 1.11 has invalid escapes: SyntaxWarning noise
ok = compileall.compile_dir(
    "/bundle", quiet=2, legacy=True, workers=1,
    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
)
count = 0
with zipfile.ZipFile("/out.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
    for base, dirs, files in os.walk("/bundle"):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(base, name)
            zf.write(full, os.path.relpath(full, "/bundle"))
            count += 1
(bool(ok), count, sys.version.split()[0])
`;

async function buildSympyBundle() {
  const missing = BUNDLE_PACKAGES.filter((p) => !fs.existsSync(path.join(DIST_PACKAGES, p, "__init__.py")));
  if (missing.length) {
    warn(
      `${missing.map((p) => `python3-${p}`).join(" and ")} not found in ${DIST_PACKAGES}; ` +
        `building without sympy (\`import sympy\` will fail in the sandbox). ` +
        `Install with: apt-get install python3-sympy python3-mpmath`,
    );
    return;
  }
  const pyodideVersion = JSON.parse(fs.readFileSync(path.join(PYODIDE_DIR, "package.json"), "utf8")).version;
  const { files, newest } = listSources();
  const wanted = { format: BUNDLE_FORMAT, pyodideVersion, source: DIST_PACKAGES, files: files.length, newest };
  const stamp = readStamp();
  if (
    fs.existsSync(BUNDLE_FILE) &&
    stamp &&
    JSON.stringify(stamp.inputs) === JSON.stringify(wanted) &&
    fs.statSync(BUNDLE_FILE).mtimeMs >= newest
  ) {
    log("sympy bundle up to date");
    return;
  }

  const started = performance.now();
  const { loadPyodide } = await import(pathToFileURL(path.join(PYODIDE_DIR, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: PYODIDE_DIR + path.sep, stdout: () => {}, stderr: () => {} });
  const FS = pyodide.FS;
  for (const rel of files) {
    const dst = `/bundle/${rel}`;
    FS.mkdirTree(path.posix.dirname(dst));
    FS.writeFile(dst, fs.readFileSync(path.join(DIST_PACKAGES, rel)));
  }
  const result = pyodide.runPython(PYTHON_BUILD).toJs();
  const [compiledOk, count, pyVersion] = result;
  if (!compiledOk) warn("some files of the sympy bundle did not compile (they will be compiled at import)");
  const zip = FS.readFile("/out.zip");
  const tmp = `${BUNDLE_FILE}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, zip);
  fs.renameSync(tmp, BUNDLE_FILE); // atomic: a concurrent dev server never serves half a zip
  fs.writeFileSync(STAMP_FILE, JSON.stringify({ inputs: wanted, python: pyVersion, entries: count }, null, 2));
  const mb = (zip.byteLength / 1e6).toFixed(1);
  log(
    `built sympy-bundle.zip (${count} files, ${mb} MB, Python ${pyVersion}) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

copyRuntime();
try {
  await buildSympyBundle();
} catch (err) {
  // The app must still start without sympy; the sandbox reports sympy as unavailable.
  warn(`could not build the sympy bundle: ${err instanceof Error ? err.stack : err}`);
}
