/**
 * The Python side of every sandbox host (browser worker and Node child), as source text run
 * once inside Pyodide. Keeping capture, truncation, tracebacks and namespaces in Python means
 * both hosts behave identically and stay thin; the hosts only move strings around.
 *
 * `run(code, max_chars) -> str` (JSON: stdout, stderr, error?, truncated, interrupted),
 * `recover(max_chars)` and `reset()`. Never raises for anything the user code does
 * (KeyboardInterrupt included).
 *
 * After `enable_gate()` (the Node child calls it once it is ready; a host that runs Python of
 * its own between executions must not), between executions a gate (sys.monitoring, PY_START)
 * refuses to start any Python function
 * that is not the standard library's, Pyodide's, sympy's or this runner's: a callback the
 * model's code left with JavaScript (a promise reaction, an event listener, an asyncio task)
 * cannot run after its execution ended. It is defence in depth for the current trace (the
 * model's own code could switch it off while it runs); what keeps one trace from another is a
 * fresh interpreter per trace (the Node sandbox starts a fresh process on reset()).
 */
export const PYTHON_RUNNER_SOURCE = String.raw`
import ast, builtins, errno, io, json, linecache, os, shutil, sys, traceback

# Frames from these files are plumbing (this runner, Pyodide's own Python, JavaScript frames
# such as file:///... or https://...), never the model's code; they are cut from tracebacks so
# the model sees only its own frames (and no host paths).
# Bound at load: model code rebinding json.dumps must not garble the runner's own reports.
_dumps = json.dumps
_INTERNAL = ("<hintlab-runner>", "/_pyodide/", "/pyodide/", "_pyodide_core", "://")
_MAX_FRAMES = 12
_MARKER = "\n… [output truncated: {n} more characters]"


class _Bytes:
    """sys.stdout.buffer: some code writes bytes directly."""

    def __init__(self, text):
        self._text = text

    def write(self, b):
        self._text.write(bytes(b).decode("utf-8", "replace"))
        return len(b)

    def flush(self):
        pass


class _Capture(io.TextIOBase):
    """A text stream keeping the first max_chars characters and counting the rest."""

    def __init__(self, name, limit):
        self._name = name
        self._limit = limit
        self._parts = []
        self._size = 0
        self.dropped = 0
        self.buffer = _Bytes(self)

    @property
    def encoding(self):
        return "utf-8"

    @property
    def name(self):
        return "<" + self._name + ">"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        n = len(s)
        room = self._limit - self._size
        if n <= room:
            self._parts.append(s)
            self._size += n
        else:
            if room > 0:
                self._parts.append(s[:room])
                self._size += room
            self.dropped += n - max(room, 0)
        return n

    def flush(self):
        pass

    def text(self):
        out = "".join(self._parts)
        return out + _MARKER.format(n=self.dropped) if self.dropped else out


def _is_internal(filename):
    return any(part in filename for part in _INTERNAL)


def _strip(te, seen):
    """Drop plumbing frames from a TracebackException and its chained causes."""
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    frames = [f for f in te.stack if not _is_internal(f.filename)]
    te.stack = traceback.StackSummary.from_list(frames[-_MAX_FRAMES:])
    _strip(te.__cause__, seen)
    _strip(te.__context__, seen)


def _format(exc):
    te = traceback.TracebackException.from_exception(exc, limit=None, compact=True)
    _strip(te, set())
    return "".join(te.format())


_ns = {}
_cell = 0

# The gate (see the module comment). Tool id 4 is free by convention (0-2 and 5 are taken by
# debuggers, coverage, profilers and optimizers). Everything it needs is bound here, at load,
# so a later rebinding of sys.monitoring by model code does not disarm it.
_mon = sys.monitoring
_GATE_TOOL = 4
_PY_START = _mon.events.PY_START
_use_tool_id, _free_tool_id, _get_tool = _mon.use_tool_id, _mon.free_tool_id, _mon.get_tool
_register_callback, _set_events = _mon.register_callback, _mon.set_events
_stdlib_file = getattr(os, "__file__", "") or ""
_TRUSTED = tuple(p for p in (
    _stdlib_file.split(".zip/")[0] + ".zip/" if ".zip/" in _stdlib_file else None,
    "/lib/hintlab/sympy-bundle.zip/",
    "<frozen ",
) if p)


def _gate(code, offset):
    f = code.co_filename
    if f == "<hintlab-runner>" or f.startswith(_TRUSTED):
        return None
    raise RuntimeError("hintlab sandbox: code left behind by an execution that has ended cannot run")


_gate_enabled = False


def enable_gate():
    global _gate_enabled
    _gate_enabled = True


def _arm():
    if not _gate_enabled:
        return
    try:
        if _get_tool(_GATE_TOOL) != "hintlab-gate":
            if _get_tool(_GATE_TOOL) is not None:
                _free_tool_id(_GATE_TOOL)
            _use_tool_id(_GATE_TOOL, "hintlab-gate")
        _register_callback(_GATE_TOOL, _PY_START, _gate)
        _set_events(_GATE_TOOL, _PY_START)
    except Exception:
        pass


def _disarm():
    try:
        _set_events(_GATE_TOOL, 0)
    except Exception:
        pass


def reset():
    global _ns, _cell
    for i in range(1, _cell + 1):
        linecache.cache.pop("<cell-%d>" % i, None)
    _ns = {"__name__": "__main__", "__doc__": None, "__builtins__": builtins}
    _cell = 0
    # Files written by the previous trace must not leak into the next one.
    home = os.environ.get("HOME", "/home/pyodide")
    for d in (home, "/tmp"):
        if os.path.isdir(d):
            for name in os.listdir(d):
                p = os.path.join(d, name)
                try:
                    if os.path.isdir(p) and not os.path.islink(p):
                        shutil.rmtree(p)
                    else:
                        os.remove(p)
                except OSError:
                    pass
    try:
        os.chdir(home)
    except OSError:
        pass


_current = None  # captures of the run in progress, for recover()


def run(code, max_chars, seed=None):
    global _cell, _current
    _disarm()
    if seed is not None:
        # The experiment pool replays a trace's blocks into a fresh interpreter; seeding its
        # first block there makes a replay draw the numbers the first run drew.
        import random
        random.seed(seed)
    _cell += 1
    filename = "<cell-%d>" % _cell
    # Registered so tracebacks show source lines, also for functions called from later cells.
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    out = _Capture("stdout", max_chars)
    err = _Capture("stderr", max_chars)
    _current = (out, err)
    error = None
    interrupted = False
    sys.stdout, sys.stderr = out, err
    try:
        try:
            tree = ast.parse(code, filename, "exec")
            # Notebook semantics: a trailing bare expression is displayed (repr), like Jupyter.
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Interactive(body=[tree.body.pop()])
            exec(compile(tree, filename, "exec"), _ns)
            if last is not None:
                exec(compile(last, filename, "single"), _ns)
        except BaseException as e:  # SystemExit and KeyboardInterrupt are results too
            interrupted = isinstance(e, KeyboardInterrupt)
            error = _format(e)
    finally:
        # The originals, not values saved on entry: a run cut short in its bookkeeping must
        # not leave a stale capture installed for the next one.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    res = _result(out, err, error, interrupted, max_chars)
    _arm()  # last: no Python of ours may start after it
    return res


def recover(max_chars):
    """The host's timeout interrupt landed in run()'s own bookkeeping, outside its try:
    restore the streams and report what the interrupted run had printed."""
    _disarm()
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    out, err = _current or (_Capture("stdout", max_chars), _Capture("stderr", max_chars))
    res = _result(out, err, "KeyboardInterrupt", True, max_chars)
    _arm()
    return res


def _result(out, err, error, interrupted, max_chars):
    truncated = bool(out.dropped or err.dropped)
    if error is not None and len(error) > max_chars:
        # Keep the end: the exception message is at the bottom of a traceback.
        cut = len(error) - max_chars
        error = "… [traceback truncated: %d characters]\n" % cut + error[cut:]
        truncated = True
    return _dumps({
        "stdout": out.text(),
        "stderr": err.text(),
        "error": error,
        "truncated": truncated,
        "interrupted": interrupted,
    })


def _no_processes(*args, **kwargs):
    raise OSError(errno.ENOTSUP, "the sandbox cannot start processes")


# Emscripten's system() would ask the JavaScript host to spawn a shell; the Node host denies
# it with a JavaScript error that would take the whole runtime down. Fail like subprocess does.
os.system = _no_processes
# A boot snapshot freezes the state of \`random\` (imported while Pyodide starts): reseed so
# sessions do not all draw the same numbers.
import random as _random
_random.seed()
# Emscripten's default environment names the host script in "_"; nothing of the host leaks.
os.environ.pop("_", None)


def add_zip_to_path(path):
    if path not in sys.path:
        sys.path.insert(0, path)


reset()
`;
