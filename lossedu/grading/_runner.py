"""The sandboxed side of `lossedu grade`: runs a learner's code on the cases and sends back arrays.

Started by the grader as `python -I -S _runner.py JOB_DIR NUMPY_SITE` in its own process group,
with time, memory and file-size limits (see sandbox.py). It imports only the standard library and
numpy, never lossedu or torch. Before the learner's code runs it installs an audit hook (PEP 578;
it cannot be removed) that refuses: importing anything but numpy and a few pure standard modules;
opening any file for writing, or for reading outside the standard library and numpy; listing
directories; processes, signals, sockets, ctypes; tracing, and the gc/attribute tricks that could
reach the hook itself. Results go out on file descriptor 3 as length-prefixed JSON and .npy
records (never pickle); the grader reads them strictly and compares in its own process, so nothing
here can change a verdict except the arrays the learner's function returns.
"""

import json
import os
import struct
import sys
import traceback


RESULTS_FD = None  # set in main: the descriptor the grader reads our records from


def _write(record, arrays=()):
    header = json.dumps({**record, "arrays": len(arrays)}).encode()
    os.write(RESULTS_FD, struct.pack("<I", len(header)) + header)
    import io

    import numpy as np

    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        data = buffer.getvalue()
        os.write(RESULTS_FD, struct.pack("<Q", len(data)) + data)


ALLOWED_IMPORTS = frozenset({
    "numpy", "math", "cmath", "functools", "itertools", "operator", "collections", "typing", "dataclasses",
    "numbers", "fractions", "statistics", "heapq", "bisect", "copy", "string", "re", "enum", "abc",
    "warnings", "textwrap", "random", "time", "contextlib", "types",
})
DENIED_PREFIXES = (
    "socket.", "ctypes.", "subprocess.", "os.exec", "os.fork", "os.posix_spawn", "os.spawn", "os.system",
    "os.kill", "os.killpg", "pty.", "os.remove", "os.unlink", "os.rename", "os.rmdir", "os.mkdir",
    "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate", "os.utime", "os.listdir", "os.scandir",
    "os.chdir", "os.chroot", "os.putenv", "os.unsetenv", "os.setxattr", "os.removexattr", "os.listxattr",
    "os.walk", "glob.", "shutil.", "gc.get_", "sys.settrace", "sys.setprofile", "sys._current_frames",
    "sys._getframemodulename", "resource.", "signal.", "builtins.input", "webbrowser.", "urllib.", "http.",
    "ftplib.", "smtplib.", "imaplib.", "poplib.", "telnetlib.", "mmap.", "fcntl.", "syslog.", "pdb.",
    "cpython.run_", "sys.remote_exec",
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _install_guard(readable_roots):
    roots = tuple(os.path.realpath(r) + os.sep for r in readable_roots)
    known = frozenset(sys.modules)

    def guard(event, args):
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return
            if (mode and any(c in str(mode) for c in "wax+")) or (flags or 0) & _WRITE_FLAGS:
                raise PermissionError(f"the grader does not let your code write files ({path!r})")
            real = os.path.realpath(os.fsdecode(path))
            if not real.startswith(roots):
                raise PermissionError(f"the grader does not let your code read files ({path!r})")
        elif event == "import":
            name = args[0]
            if name not in known and name.partition(".")[0] not in ALLOWED_IMPORTS:
                raise ImportError(f"the grader runs your code with numpy and Python's standard maths only; "
                                  f"`import {name}` is not allowed")
        elif event == "object.__setattr__" and len(args) > 1 and args[1] in (
                "__code__", "__closure__", "__globals__", "__defaults__", "__kwdefaults__"):
            raise PermissionError(f"the grader does not allow replacing a function's {args[1]}")
        elif event.startswith(DENIED_PREFIXES):
            raise PermissionError(f"the grader does not allow {event}")

    sys.addaudithook(guard)


def _load(job):
    import numpy as np

    with open(os.path.join(job, "job.json")) as f:
        spec = json.load(f)
    with np.load(os.path.join(job, "inputs.npz"), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    cases = []
    for case in spec["cases"]:
        args = {}
        for name, value in case.items():
            args[name] = arrays[value["array"]] if "array" in value else value["value"]
        cases.append(args)
    return spec, cases


def _as_float_arrays(result):
    import numpy as np

    values = list(result) if isinstance(result, (tuple, list)) else [result]
    out = []
    for value in values:
        array = np.asarray(value)
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise TypeError(f"returned {type(value).__name__} of dtype {array.dtype}, not numbers")
        out.append(np.array(array, dtype=np.float64, order="C"))  # keeps 0-d arrays 0-d
    return out, isinstance(result, (tuple, list))


def _limit(memory_mb, cpu_seconds):
    """Our own limits, set before any learner code runs (the grader also kills us at its timeout)."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 64 * 2**20), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    if os.getuid() == 0:  # never run a learner's code as root
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)


def main():
    global RESULTS_FD
    job, numpy_site, RESULTS_FD = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    sys.path.insert(0, numpy_site)
    import numpy as np

    for name in sorted(ALLOWED_IMPORTS - {"numpy"}):
        __import__(name)
    sys.path.remove(numpy_site)
    spec, cases = _load(job)
    # Everything we need is imported and read: now the limits, then the guard, then their code.
    _limit(int(sys.argv[4]), int(sys.argv[5]))
    stdlib = os.path.dirname(os.__file__)
    _install_guard([stdlib, os.path.dirname(np.__file__), os.path.join(numpy_site, "numpy.libs")])
    del job, numpy_site

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    for index, source in enumerate(spec["cells"]):
        try:
            exec(compile(source, f"<{spec['cell_names'][index]}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - a learner's cell may raise anything
            if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                exc = RuntimeError(f"{type(exc).__name__} raised")
            errors.append(f"{spec['cell_names'][index]}: {type(exc).__name__}: {exc}")
    function = namespace.get(spec["function"])
    _write({"kind": "setup", "cell_errors": errors, "found": callable(function)})
    if not callable(function):
        return
    for index, args in enumerate(cases):
        try:
            result = function(**{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()})
            arrays, is_tuple = _as_float_arrays(result)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                exc = RuntimeError(f"{type(exc).__name__} raised")
            tb = traceback.extract_tb(exc.__traceback__)
            cells = {f"<{name}>" for name in spec["cell_names"]}
            line = next((f" ({f.filename[1:-1]}, line {f.lineno})" for f in reversed(tb) if f.filename in cells), "")
            _write({"kind": "case", "case": index, "error": f"{type(exc).__name__}: {exc}{line}"})
            continue
        _write({"kind": "case", "case": index, "tuple": is_tuple}, arrays)


if __name__ == "__main__":
    main()
