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
//  3. bundles the browser sandbox worker (lib/sandbox/pyodide.worker.ts) with esbuild into
//     public/pyodide/hintlab-worker.js as a real ES-module worker (Next 16's Turbopack turns
//     `new Worker(new URL(...), { type: "module" })` into a classic worker, which Pyodide 314
//     refuses to run in), and the script of the opaque-origin frame that starts it
//     (lib/sandbox/sandbox-frame.ts) into public/pyodide/hintlab-frame.js.
//  4. makes public/pyodide/python-snapshot.bin.gz: a memory snapshot of a booted interpreter
//     (Pyodide's `_makeSnapshot`/`_loadSnapshot`). Booting CPython is the slow part of
//     loadPyodide (~8 s in headless Chromium on a 2-core box, ~4 s in Node); restoring the
//     snapshot takes ~1 s / ~0.5 s. Made in Node, it restores in the browser too (same wasm).
//     Both sandboxes fall back to a normal boot when it is missing or does not load.
// Idempotent: each output is skipped when it is newer than its inputs (a stamp file records
// what the bundle was built from). Missing Debian packages only produce a warning: the app
// works without sympy.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
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
const SNAPSHOT_FILE = path.join(OUT_DIR, "python-snapshot.bin.gz");
const SNAPSHOT_STAMP = path.join(OUT_DIR, "python-snapshot.stamp.json");
// The same snapshot uncompressed, for the Node sandbox: every experiment trace boots a fresh
// interpreter, and gunzipping 30 MB is ~0.1 s of CPU each time. (Browsers fetch the .gz.)
const SNAPSHOT_RAW_FILE = path.join(OUT_DIR, "python-snapshot.bin");
// Modules the sandbox runner (lib/sandbox/python-runner.ts) imports, so they are already
// in the snapshot's sys.modules.
const SNAPSHOT_PREIMPORTS = "ast, builtins, errno, io, json, linecache, os, shutil, sys, traceback, random";
const SNAPSHOT_FORMAT = 1;
// The worker and the script of the opaque-origin frame that hosts it (lib/sandbox/sandbox-frame.ts).
const BUNDLES = [
  { entry: path.join(ROOT, "lib", "sandbox", "pyodide.worker.ts"), file: path.join(OUT_DIR, "hintlab-worker.js"), what: "sandbox worker" },
  { entry: path.join(ROOT, "lib", "sandbox", "sandbox-frame.ts"), file: path.join(OUT_DIR, "hintlab-frame.js"), what: "sandbox frame script" },
];
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

/** esbuild comes with tsx (a dependency); its metafile lists the inputs for the up-to-date check. */
async function buildBundle({ entry, file, what }) {
  const stampFile = file.replace(/\.js$/, ".stamp.json");
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
  } catch {
    stamp = undefined;
  }
  if (stamp && fs.existsSync(file)) {
    const built = fs.statSync(file).mtimeMs;
    const stale = [...stamp.inputs, fileURLToPath(import.meta.url)].some((f) => {
      try {
        return fs.statSync(path.resolve(ROOT, f)).mtimeMs > built;
      } catch {
        return true;
      }
    });
    if (!stale) {
      log(`${what} up to date`);
      return;
    }
  }
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: file,
    write: false, // written below via rename, so a running dev server never serves half a file
    absWorkingDir: ROOT,
    tsconfig: path.join(ROOT, "tsconfig.json"), // for the @/* path alias
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  for (const out of result.outputFiles) {
    const tmp = `${out.path}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, out.contents);
    fs.renameSync(tmp, out.path);
  }
  const inputs = Object.keys(result.metafile.inputs);
  fs.writeFileSync(stampFile, JSON.stringify({ inputs }, null, 2));
  log(`bundled ${what} (${(fs.statSync(file).size / 1e3).toFixed(0)} kB, ${inputs.length} inputs)`);
}

async function buildSnapshot() {
  const pyodideVersion = JSON.parse(fs.readFileSync(path.join(PYODIDE_DIR, "package.json"), "utf8")).version;
  const wanted = { format: SNAPSHOT_FORMAT, pyodideVersion, preimports: SNAPSHOT_PREIMPORTS };
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(SNAPSHOT_STAMP, "utf8"));
  } catch {
    stamp = undefined;
  }
  const newestInput = Math.max(
    fs.statSync(path.join(PYODIDE_DIR, "pyodide.asm.wasm")).mtimeMs,
    fs.statSync(fileURLToPath(import.meta.url)).mtimeMs,
  );
  if (
    stamp &&
    JSON.stringify(stamp.inputs) === JSON.stringify(wanted) &&
    fs.existsSync(SNAPSHOT_FILE) &&
    fs.existsSync(SNAPSHOT_RAW_FILE) &&
    fs.statSync(SNAPSHOT_FILE).mtimeMs >= newestInput
  ) {
    log("Python snapshot up to date");
    return;
  }
  const started = performance.now();
  const { loadPyodide } = await import(pathToFileURL(path.join(PYODIDE_DIR, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({
    indexURL: PYODIDE_DIR + path.sep,
    env: { HOME: "/home/pyodide" },
    _makeSnapshot: true,
    stdout: () => {},
    stderr: () => {},
  });
  pyodide.runPython(`import ${SNAPSHOT_PREIMPORTS}`);
  const snapshot = pyodide.makeMemorySnapshot();
  const gz = zlib.gzipSync(snapshot, { level: 6 });
  const tmp = `${SNAPSHOT_FILE}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, gz);
  fs.renameSync(tmp, SNAPSHOT_FILE);
  fs.writeFileSync(tmp, snapshot);
  fs.renameSync(tmp, SNAPSHOT_RAW_FILE);
  fs.writeFileSync(SNAPSHOT_STAMP, JSON.stringify({ inputs: wanted, bytes: snapshot.byteLength }, null, 2));
  log(
    `made Python snapshot (${(gz.byteLength / 1e6).toFixed(1)} MB gzipped, ${(snapshot.byteLength / 1e6).toFixed(0)} MB) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

copyRuntime();
for (const bundle of BUNDLES) await buildBundle(bundle);
try {
  await buildSnapshot();
} catch (err) {
  // Only slower starts without it.
  warn(`could not make the Python snapshot: ${err instanceof Error ? err.stack : err}`);
  fs.rmSync(SNAPSHOT_FILE, { force: true });
} // no fallback: without the worker the browser sandbox cannot start
try {
  await buildSympyBundle();
} catch (err) {
  // The app must still start without sympy; the sandbox reports sympy as unavailable.
  warn(`could not build the sympy bundle: ${err instanceof Error ? err.stack : err}`);
}
