"""The process that judges one exercise for ``grade``, away from the student's kernel.

``grade`` starts ``python -I`` on :func:`main` once per exercise and sends it, on stdin, a random
key and a job: the checker to call, the notebook's trusted import lines, the student's answer
cell(s) and the exercise's hidden tests. The process then

1. reads stdin to the end and closes it; keeps the key only inside an HMAC object;
2. runs the trusted part: the imports, ``medlab.setup`` in the grading mode, the checker's module,
   and a dry run of the checker on a function that is not written (so what it imports on first
   use is imported before the student's code runs);
3. takes a snapshot of what the checker relies on (the attributes of every ``medlab``, ``numpy``
   and ``builtins`` module, the contents of ``medlab``'s module-level lists and dicts, ``medlab``'s
   classes and functions' defaults, ``sys.modules``) and installs an audit hook
   (:func:`install_guard`) that refuses process creation, sockets, ``ctypes``, tracing, ``gc``
   introspection, reading other processes' secrets under ``/proc``, writing or deleting files
   outside its own temporary folder and rewriting ``medlab``'s or NumPy's functions;
4. runs only the answer cell's imports, function and class definitions and constant assignments
   (:func:`filter_answer`; other top-level statements are dropped and reported);
5. calls the checker on the student's function; after every call of that function, and after the
   checker and the hidden tests, compares the snapshot: any change is tampering, graded ``failed``;
6. writes one line, the verdict signed with the key, to a copy of its stdout made before any
   student code ran (what the student's code prints goes to stderr), then ends at once.

``grade`` accepts only a line whose signature matches. Nothing sets ``MEDLAB_RECORD`` here, and the
environment holds only a few neutral variables. See the README ("For teachers") for what this
covers and what it does not: it is not a sandbox.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import re
import sys
import time
import types

STATUSES = ("passed", "failed", "not written", "missing")
_PROTECTED = ("medlab", "numpy", "builtins")  # module roots whose attributes a checker relies on
_BLOCKED_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill",
                   "os.killpg", "os.setuid", "signal.pthread_kill", "subprocess.Popen", "pty.spawn", "socket.",
                   "ctypes.", "sys.settrace", "sys.setprofile", "sys.addaudithook", "sys._current_frames",
                   "gc.get_objects", "gc.get_referrers", "gc.get_referents", "resource.setrlimit", "resource.prlimit",
                   "webbrowser.open", "urllib.Request",
                   "http.client.", "ftplib.", "smtplib.", "imaplib.", "poplib.", "nntplib.", "telnetlib.")
_PATH_EVENTS = ("os.remove", "os.rmdir", "os.rename", "os.truncate", "os.chmod", "os.chown", "os.link",
                "os.symlink", "os.mkdir", "os.utime", "shutil.rmtree")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
FILE_LIMIT = 64 * 2**20  #: bytes: the largest file (its output included) a judging process may write
_PROC_SECRETS = re.compile(r"^/proc/[^/]+/(mem|environ|cmdline|fd|fdinfo|map_files|root|cwd|task)(/|$)")


class Tampering(BaseException):
    """Something the checker relies on changed while the student's code ran.

    A ``BaseException``, so neither the checker's nor the student's ``except Exception`` stops it.
    """


def cap_file_size(limit):
    """Limit the size of any file this process (and its children) writes to ``limit`` bytes (POSIX).

    A process that writes past it is stopped by ``SIGXFSZ``: an output loop cannot fill the disk.
    """
    try:
        import resource
    except ImportError:  # not on POSIX: no limit
        return
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def sign(key_or_mac, text):
    """The hex HMAC-SHA256 of ``text`` with a key (bytes) or a keyed ``hmac`` object (copied).

    Examples
    --------
    >>> sign(b"k", "body") == sign(hmac.new(b"k", digestmod="sha256"), "body")
    True
    """
    mac = (hmac.new(key_or_mac, digestmod="sha256") if isinstance(key_or_mac, bytes) else key_or_mac.copy())
    mac.update(text.encode("utf-8"))
    return mac.hexdigest()


def signed_line(mac, body):
    """The one line a judging process writes: ``{"body": JSON text, "mac": signature}``."""
    text = json.dumps(body, sort_keys=True)
    return json.dumps({"body": text, "mac": sign(mac, text)}) + "\n"


def read_signed(output, key):
    """The body of the first line of ``output`` (bytes or str) signed with ``key``, or ``None``.

    Lines a student's code printed, or a forged line without the key, are skipped.

    Examples
    --------
    >>> good = signed_line(hmac.new(b"k", digestmod="sha256"), {"status": "passed"})
    >>> read_signed('{"body": "{\\"status\\": \\"passed\\"}", "mac": "0"}\\n' + good, b"k")
    {'status': 'passed'}
    >>> read_signed(good, b"other key") is None
    True
    """
    if isinstance(output, bytes):
        output = output.decode("utf-8", errors="replace")
    for line in output.splitlines():
        try:
            outer = json.loads(line)
            text, mac = outer["body"], outer["mac"]
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(text, str) and isinstance(mac, str) and hmac.compare_digest(sign(key, text), mac):
            return json.loads(text)
    return None


# --------------------------------------------------------------------------- the answer cell


def _is_constant(node):
    """A literal, a dotted name (``np.float32``) or a container or arithmetic of those: no call."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant(node.value) and isinstance(node.value, (ast.Name, ast.Attribute))
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_constant(k) for k in node.keys) and all(_is_constant(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _is_constant_assignment(node):
    if isinstance(node, ast.Assign):
        targets_ok = all(isinstance(t, ast.Name) or (isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name)
                                                                                      for e in t.elts))
                         for t in node.targets)
        return targets_ok and _is_constant(node.value)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.value is not None and _is_constant(node.value)
    return False


def _kept(node, *, in_class=False):
    """Why a top-level statement of an answer cell is dropped, or ``None`` when it is kept."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return None
    if isinstance(node, (ast.Import, ast.ImportFrom)) and not in_class:
        return None
    if _is_constant_assignment(node):
        return None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return None  # a docstring
    if isinstance(node, ast.Pass):
        return None
    return "only imports, definitions and constant assignments run when grading"


class _StripAnnotations(ast.NodeTransformer):
    """Annotations do nothing for a grade but are evaluated when a ``def`` runs: drop them."""

    def visit_arg(self, node):
        node.annotation = None
        return node

    def _function(self, node):
        node.returns = None
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_AnnAssign(self, node):
        if node.value is None:
            return ast.Pass()
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _filter_body(body, source_lines, notes, *, in_class=False):
    kept = []
    for node in body:
        reason = _kept(node, in_class=in_class)
        if reason is None:
            if isinstance(node, ast.ClassDef):
                node.body = _filter_body(node.body, source_lines, notes, in_class=True) or [ast.Pass()]
            kept.append(node)
        else:
            text = source_lines[node.lineno - 1].strip() if node.lineno - 1 < len(source_lines) else ""
            notes.append(f"line {node.lineno} not run ({reason}): {text[:70]}")
    return kept


def filter_answer(source):
    """Keep only the imports, function and class definitions and constant assignments of an answer cell.

    Parameters
    ----------
    source : str
        The student's answer cell.

    Returns
    -------
    (ast.Module, list of str)
        The module to run and one note per dropped statement. Annotations are removed.

    Raises
    ------
    SyntaxError
        When the cell does not compile.

    Examples
    --------
    >>> tree, notes = filter_answer("import numpy as np\\nEPS = 1e-6\\nprint('hi')\\ndef f(x: int):\\n    return x")
    >>> [type(n).__name__ for n in tree.body], notes
    (['Import', 'Assign', 'FunctionDef'], ["line 3 not run (only imports, definitions and constant \
assignments run when grading): print('hi')"])
    """
    if not isinstance(source, str):
        raise TypeError(f"source: expected the answer cell's text (str), got {type(source).__name__}")
    tree = ast.parse(source)
    notes = []
    tree.body = _filter_body(tree.body, source.split("\n"), notes)
    tree = ast.fix_missing_locations(_StripAnnotations().visit(tree))
    return tree, notes


def names_used(source):
    """The names a piece of code reads (``np`` for ``np.sum(x)``), for choosing the imports it needs.

    Examples
    --------
    >>> sorted(names_used("def f(x):\\n    return np.sum(x) + keras.ops.mean(x)"))
    ['keras', 'np', 'x']
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


# --------------------------------------------------------------------------- tamper detection


def _contents(value):
    """A shallow copy of a mutable container (list, dict, set), to compare element identities later."""
    kind = type(value)
    if kind is list:
        return tuple(value)
    if kind is dict:
        return tuple(value.items())
    if kind is set:
        return ("set", frozenset(map(id, value)), tuple(value))  # ids, and the elements to keep them alive
    return None


def _same_contents(before, value):
    """Element by element identity (never ``==``, which could run a student's ``__eq__``)."""
    now = _contents(value)
    if now is None or type(now) is not type(before) or len(now) != len(before):
        return False
    if before and before[0] == "set":
        return now[0] == "set" and now[1] == before[1]
    return all((a is b) if type(a) is not tuple else (a[0] is b[0] and a[1] is b[1]) for a, b in zip(before, now))


def _protected(name):
    return name.split(".", 1)[0] in _PROTECTED


class Snapshot:
    """What a checker relies on, taken before the student's code runs; :meth:`changes` lists what moved.

    Covered: every attribute of the ``medlab``, ``numpy`` and ``builtins`` modules (replaced or
    deleted; in ``medlab`` also added, submodules aside), the contents of
    ``medlab``'s module-level lists, dicts and sets, the attributes of ``medlab``'s classes, the
    code and defaults of ``medlab``'s functions, and ``sys.modules`` entries.

    Examples
    --------
    >>> import medlab.check._core as core
    >>> snap = Snapshot()
    >>> saved, core.TIME_LIMIT = core.TIME_LIMIT, 1e9
    >>> [change for change in snap.changes() if "medlab" in change]
    ['medlab.check._core.TIME_LIMIT was replaced']
    >>> core.TIME_LIMIT = saved
    >>> [change for change in snap.changes() if "medlab" in change]
    []
    """

    def __init__(self):
        self.modules = dict(sys.modules)
        self.attributes = {}
        self.contents = {}
        self.classes = {}
        self.functions = {}
        for name, module in self.modules.items():
            if not _protected(name) or not isinstance(module, types.ModuleType):
                continue
            namespace = vars(module)
            self.attributes[name] = (module, dict(namespace))
            if not name.startswith("medlab"):
                continue
            for key, value in namespace.items():
                if key.startswith("__"):  # __builtins__ (the builtins' dict, checked above), __dict__...
                    continue
                contents = _contents(value)
                if contents is not None:
                    self.contents[(name, key)] = contents
                if isinstance(value, type) and str(getattr(value, "__module__", "")).startswith("medlab"):
                    self.classes[f"{value.__module__}.{value.__qualname__}"] = (value, dict(vars(value)))
                elif isinstance(value, types.FunctionType):
                    self.functions[f"{name}.{key}"] = (value, value.__code__, value.__defaults__,
                                                       value.__kwdefaults__)

    def changes(self):
        """A list of sentences, one per change since the snapshot (empty when nothing moved)."""
        found = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}] was replaced or removed")
        for name, (module, before) in self.attributes.items():
            now = vars(module)
            for key, value in before.items():
                if key not in now:
                    found.append(f"{name}.{key} was deleted")
                elif now[key] is not value:
                    found.append(f"{name}.{key} was replaced")
            if name.startswith("medlab"):  # a new global could shadow a builtin; a new builtin shadows nothing
                found += [f"{name}.{key} was added" for key in now.keys() - before.keys()
                          if not issubclass(type(now[key]), types.ModuleType)]
        for (name, key), before in self.contents.items():
            value = vars(self.attributes[name][0]).get(key)
            if not _same_contents(before, value):
                found.append(f"the contents of {name}.{key} were changed")
        for qualname, (cls, before) in self.classes.items():
            now = vars(cls)
            if now.keys() != before.keys() or any(now[k] is not v for k, v in before.items()):
                found.append(f"the class {qualname} was changed")
        for name, (fn, code, defaults, kwdefaults) in self.functions.items():
            if fn.__code__ is not code or fn.__defaults__ is not defaults or fn.__kwdefaults__ is not kwdefaults:
                found.append(f"the code or defaults of {name} were changed")
        return found


def install_guard(folder):
    """Install (for good) an audit hook that refuses what no exercise needs; return the list of refusals.

    Refused: starting processes, signalling others, sockets and URLs, ``ctypes``, tracing and
    profiling hooks, ``gc`` introspection, reading a process's memory, environment, command line
    or file descriptors under ``/proc``, writing, deleting or renaming files outside ``folder``
    (``/dev/null`` aside), and changing the code or defaults of one of ``medlab``'s or NumPy's
    functions. A library's own import code is exempt (Matplotlib runs ``fc-list`` the first time it
    is imported, psutil reads ``/proc/stat``): the student's code can only start an import, not
    write the module (no module can be imported from ``folder``). Each refusal raises
    ``PermissionError`` where it happened and is appended to the returned list (so catching the
    error does not hide it).
    """
    refused = []
    folder = os.path.realpath(folder)

    def as_text(path):
        """A path as text, without running a student's ``__fspath__``; ``None`` when it is not a known type."""
        if type(path) in (str, bytes):
            return os.fsdecode(path)
        if type(path).__module__ == "pathlib":
            return str(path)
        return None

    def outside(path):
        if type(path) is int:
            return False  # an already open file descriptor
        text = as_text(path)
        if text is None:
            return True
        real = os.path.realpath(text)
        return not (real == folder or real.startswith(folder + os.sep) or real == os.devnull)

    def library_import():
        """``True`` when the event comes from a library module's import, not from the student's code."""
        frame = sys._getframe(3)  # library_import, refuse, hook, then the code that raised the event
        while frame is not None:
            name = frame.f_code.co_filename
            if name == "<answer>" or name.startswith(folder):
                return False
            if name.startswith("<frozen importlib._bootstrap"):
                return True
            frame = frame.f_back
        return False

    def refuse(what):
        if library_import():
            return
        refused.append(what)
        raise PermissionError(f"not allowed while grading: {what}")

    def hook(event, args):
        if event.startswith(_BLOCKED_EVENTS):
            refuse(event)
        elif event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            text = as_text(path)
            if text is not None and _PROC_SECRETS.match(os.path.realpath(text)):
                refuse(f"reading {text}")
            writing = (type(mode) is str and any(c in mode for c in "wax+")) or (
                type(flags) is int and flags & _WRITE_FLAGS)
            if writing and outside(path):
                refuse(f"writing {text or 'a file'}")
        elif event in _PATH_EVENTS:
            paths = [a for a in args if as_text(a) is not None]
            unknown = not paths and bool(args) and type(args[0]) is not int  # a path of an unknown type
            if unknown or any(outside(a) for a in paths):
                refuse(f"{event} outside the grading folder")
        elif event in ("object.__setattr__", "object.__delattr__") and len(args) >= 2:
            obj, name = args[0], args[1]
            if type(obj) is types.FunctionType and name in ("__code__", "__defaults__", "__kwdefaults__") \
                    and str(obj.__module__).split(".")[0] in _PROTECTED:  # libraries do it too (types.coroutine)
                refuse(f"changing {name} of {obj.__module__}.{obj.__qualname__}")

    sys.addaudithook(hook)
    return refused


def watch(fn, snapshot, refused):
    """Wrap the student's function: after every call, stop with :class:`Tampering` if anything moved."""
    import functools

    @functools.wraps(fn)
    def watched(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            _raise_if_tampered(snapshot, refused)

    return watched


def _raise_if_tampered(snapshot, refused):
    found = snapshot.changes() + [f"tried {what}" for what in refused]
    if found:
        raise Tampering("; ".join(dict.fromkeys(found)))


# --------------------------------------------------------------------------- one exercise


def _checker(path):
    import importlib

    module_name, _, attr = path.rpartition(".")
    if not module_name.startswith("medlab.check."):
        raise ValueError(f"checker: expected medlab.check.qNN.<name>, got {path!r}")
    return getattr(importlib.import_module(module_name), attr)


def _hidden_failure(err, source):
    """A hidden test's failure in one line: its message, else the line that failed."""
    line_no = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<hidden tests>":
            line_no = tb.tb_lineno
        tb = tb.tb_next
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if not message and line_no is not None:
        message = source.split("\n")[line_no - 1].strip()
    kind = "" if isinstance(err, AssertionError) else f"{type(err).__name__}: "
    return f"hidden test{f' (line {line_no})' if line_no else ''}: {kind}{message or 'failed'}"


def _not_written(*args, **kwargs):
    raise NotImplementedError()


def judge(job, folder):
    """Run one exercise's checker and hidden tests on the student's function; return the verdict dict.

    ``job`` holds ``name``, ``checker`` (``medlab.check.qNN.name``), ``mode``, ``seed``,
    ``imports`` (trusted import lines), ``earlier`` (the student's earlier answer cells),
    ``answer`` (this exercise's answer cell) and ``hidden`` (trusted hidden-test sources).
    """
    name = job["name"]
    notes = []

    def verdict(status, message=None):
        return {"name": name, "status": status, "message": message, "notes": notes}

    try:  # first, as it is quick: an answer that does not compile needs no TensorFlow
        tree, dropped = filter_answer(job["answer"])
    except SyntaxError as err:
        return verdict("missing", f"the answer cell does not compile: SyntaxError: {err.msg} (line {err.lineno})")
    except (ValueError, RecursionError, MemoryError) as err:
        return verdict("missing", f"the answer cell does not compile: {type(err).__name__}: {err}")
    notes += dropped

    # trusted part: imports, the mode's setup, the checker
    import builtins

    import medlab

    namespace = {"__name__": "__answer__", "__builtins__": builtins}
    for line in job["imports"]:
        try:
            exec(compile(line, "<notebook imports>", "exec"), namespace)
        except Exception as err:  # an import the grading machine lacks: the answer may not need it
            notes.append(f"notebook import failed: {line.strip()} ({type(err).__name__}: {err})")
    checker = _checker(job["checker"])
    medlab.setup(job["mode"], job["seed"], tensorflow="tensorflow" in sys.modules)
    try:  # a dry run: what the checker imports on first use is imported now, before the snapshot
        checker(_not_written)
    except Exception:
        pass
    earlier = []
    for source in job["earlier"]:
        try:
            earlier.append(filter_answer(source)[0])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            notes.append("an earlier answer cell does not compile: left out")

    # the student's part, watched
    snapshot = Snapshot()
    refused = install_guard(folder)
    try:
        for module in earlier:
            try:
                exec(compile(module, "<answer>", "exec"), namespace)
            except Exception as err:
                notes.append(f"an earlier answer cell raised {type(err).__name__}: {err}")
        try:
            exec(compile(tree, "<answer>", "exec"), namespace)
        except Exception as err:
            return verdict("missing", f"the answer cell's definitions raised {type(err).__name__}: {err}")
        _raise_if_tampered(snapshot, refused)
        fn = namespace.get(name)
        if fn is None or not callable(fn):
            return verdict("missing", f"no function named {name} in the answer cell (renamed, or deleted?)")
        watched = watch(fn, snapshot, refused)
        try:
            result = checker(watched)
        except AssertionError as err:
            _raise_if_tampered(snapshot, refused)
            return verdict("failed", str(err))
        _raise_if_tampered(snapshot, refused)
        if result is not watched:
            return verdict("not written", f"{name} is not written yet (it raises NotImplementedError)")
        namespace[name] = watched
        for source in job["hidden"]:
            try:
                exec(compile(source, "<hidden tests>", "exec"), namespace)
            except Tampering:
                raise
            except Exception as err:
                _raise_if_tampered(snapshot, refused)
                return verdict("failed", _hidden_failure(err, source))
        _raise_if_tampered(snapshot, refused)
        return verdict("passed")
    except Tampering as err:
        return verdict("failed", f"tampering: {err} (an answer may only compute its result)")
    except BaseException as err:  # SystemExit, KeyboardInterrupt, a CheckTimeout that escaped...
        return verdict("failed", f"{name} stopped the check with {type(err).__name__}: {err}")


def main():
    """Entry point of the judging process (see the module docstring); never returns."""
    cap_file_size(FILE_LIMIT)
    raw = sys.stdin.buffer.read()
    os.close(0)
    message = json.loads(raw)
    del raw
    mac = hmac.new(bytes.fromhex(message.pop("key")), digestmod=hashlib.sha256)
    job = message["job"]
    out = os.dup(1)
    os.dup2(2, 1)  # whatever the student's code prints goes to stderr, never to the verdict's channel
    start = time.perf_counter()
    try:
        body = judge(job, os.getcwd())
    except Exception as err:  # the grader's side failed (a checker that cannot be imported...)
        body = {"name": job.get("name"), "status": "failed", "notes": [],
                "message": f"the grader could not judge this exercise: {type(err).__name__}: {err}"}
    body["seconds"] = round(time.perf_counter() - start, 2)
    os.write(out, signed_line(mac, body).encode("utf-8"))
    os._exit(0)  # no atexit handlers or finalizers: nothing of the student's runs after the verdict
