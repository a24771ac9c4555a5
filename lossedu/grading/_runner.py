"""The sandboxed side of `lossedu grade`: runs a learner's code on the cases and sends back arrays.

Started by the grader (sandbox.py) as `python -I -S _runner.py JOB NUMPY_SITE FD MEMORY_MB CPU_S`
in its own process group (and, as root, its own network and PID namespaces). It imports only the
standard library and numpy, never lossedu or torch, and reads its job while it still can. Then,
before the learner's code runs:

1. limits: address space, CPU time, file size, no core files, and no new processes or threads;
2. as root: `chroot` into the job folder (nothing of the machine is visible any more: no lossedu,
   no torch, no /proc) and drop to the unprivileged user 65534;
3. on x86_64 Linux, root or not: a seccomp filter, so the kernel refuses opening any file, sockets,
   exec, fork/clone, signalling or tracing other processes, creating files, namespaces;
4. an audit hook (PEP 578; it cannot be removed) that refuses the same and more with a message the
   learner understands: opening files by name, importing any module not already imported,
   processes, signals, sockets, ctypes, tracing, gc walks.

Why 1-3 and not only 4: numpy can read and write any memory of its own process
(`__array_interface__` with a raw address, `as_strided`), so in-process checks can be defeated by a
determined learner; only what the kernel enforces holds for sure. Elsewhere (macOS, non-x86_64
without root) only 1 and 4 apply: a best effort.

Results go out on file descriptor FD as length-prefixed JSON + .npy records (never pickle); the
grader reads them strictly and compares in its own process: nothing here can change a verdict
except the numbers the learner's function returns.
"""

import json
import os
import struct
import sys
import traceback

RESULTS_FD = None  # set in main: the descriptor the grader reads our records from
MAX_ANSWER_BYTES = 16 * 2**20  # a loss or gradient here is a few kB; more is a runaway, not an answer
NOBODY = 65534


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


# Imported (with numpy and its submodules) before the guard, so `import math` etc. just work; any
# other import is refused (after the chroot there would be nothing to import from anyway).
ALLOWED_IMPORTS = (
    "math", "cmath", "functools", "itertools", "operator", "collections", "typing", "dataclasses",
    "numbers", "fractions", "statistics", "heapq", "bisect", "copy", "string", "re", "enum", "abc",
    "warnings", "textwrap", "random", "time", "contextlib", "types", "decimal",
)
NUMPY_SUBMODULES = ("linalg", "fft", "random", "lib.stride_tricks", "lib.scimath")
DENIED_PREFIXES = (
    "socket.", "ctypes.", "subprocess.", "os.exec", "os.fork", "os.posix_spawn", "os.spawn", "os.system",
    "os.kill", "os.killpg", "pty.", "os.remove", "os.unlink", "os.rename", "os.rmdir", "os.mkdir",
    "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate", "os.utime", "os.listdir", "os.scandir",
    "os.chdir", "os.chroot", "os.putenv", "os.unsetenv", "os.setxattr", "os.removexattr", "os.listxattr",
    "os.walk", "glob.", "shutil.", "gc.get_", "sys.settrace", "sys.setprofile", "sys._current_frames",
    "sys._getframemodulename", "sys.addaudithook", "resource.", "signal.", "builtins.input", "webbrowser.",
    "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.", "poplib.", "telnetlib.", "mmap.", "fcntl.",
    "syslog.", "pdb.", "cpython.run_", "sys.remote_exec", "_thread.start_new_thread", "os.startfile",
)
PROTECTED_ATTRIBUTES = ("__code__", "__closure__", "__globals__", "__defaults__", "__kwdefaults__")


def _make_guard(denied=DENIED_PREFIXES, protected=frozenset(PROTECTED_ATTRIBUTES)):
    """The audit hook. Every name it uses is a closure variable bound here, never a global or a
    builtin looked up at call time: the learner's code can rebind this module's globals
    (`sys.modules['__main__']`) and the builtins (`builtins.isinstance = …`), not these. It
    compares only exact `str`/`int` objects (a str subclass could lie in `__eq__`/`__hash__`)."""
    _type, _int, _str, _len = type, int, str, len
    _PermissionError, _ImportError = PermissionError, ImportError

    def guard(event, args):
        if event == "open":
            if _type(args[0]) is _int:  # a descriptor already open (0-3): no new access
                return
            raise _PermissionError(f"the grader does not let your code open files ({args[0]!r})"
                                   if _type(args[0]) is _str else "the grader does not let your code open files")
        if event == "import":
            name = args[0] if _type(args[0]) is _str else "that module"
            if name.startswith("numpy."):
                raise _ImportError(f"`import {name}` is not allowed: the grader has numpy's core, linalg, fft "
                                   f"and random only")
            raise _ImportError(f"the grader runs your code with numpy and Python's standard maths only; "
                               f"`import {name}` is not allowed")
        if event == "object.__setattr__" and _len(args) > 1 and (_type(args[1]) is not _str or args[1] in protected):
            raise _PermissionError(f"the grader does not allow replacing a function's {args[1]!r}")
        if _type(event) is not _str or event.startswith(denied):
            raise _PermissionError(f"the grader does not allow {event}")

    return guard


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
        if array.size * 8 > MAX_ANSWER_BYTES:
            raise ValueError(f"returned an array of {array.size} numbers (shape {array.shape}): far too big")
        out.append(np.array(array, dtype=np.float64, order="C"))  # keeps 0-d arrays 0-d
    return out, isinstance(result, (tuple, list))


def _confine(job, memory_mb, cpu_seconds):
    """The kernel-enforced limits, set after the job is read and before any learner code runs."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 64 * 2**20), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    if os.getuid() == 0:  # never run a learner's code as root, nor where it can see the machine
        try:
            os.chroot(job)  # the job folder is root's (0700) and its files are already read
            os.chdir("/")
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        except OSError as exc:  # fail closed, and say why (the grader shows our last stderr line)
            sys.exit(f"the grader cannot isolate the learner's code here ({exc}): as root it needs "
                     f"CAP_SYS_CHROOT, CAP_SETUID and CAP_SETGID; or run `lossedu grade` as a normal user")
    # No fork, no thread: no process outlives a timeout, no fork bomb, no escaping the group.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    _seccomp()


# x86_64 system calls the learner's code never needs, refused by the kernel (seccomp) even if the
# audit hook is switched off through raw memory; without root this is the only hard wall: open
# (no file, no import), sockets, exec, new processes/threads, signals and tracing of others,
# creating files, namespaces. (numbers from asm/unistd_64.h)
_DENIED_SYSCALLS_X86_64 = (
    2, 257, 437, 85, 304,  # open, openat, openat2, creat, open_by_handle_at
    41, 53, 42, 49,  # socket, socketpair, connect, bind
    59, 322, 57, 58, 56, 435,  # execve, execveat, fork, vfork, clone, clone3
    62, 200, 234, 434, 424, 101, 310, 311,  # kill, tkill, tgkill, pidfd_open, pidfd_send_signal, ptrace, process_vm_*
    133, 259, 83, 258, 88, 266, 86, 265,  # mknod(at), mkdir(at), symlink(at), link(at)
    82, 264, 316, 87, 263, 84,  # rename, renameat(2), unlink(at), rmdir
    161, 165, 272, 308,  # chroot, mount, unshare, setns
    425, 426, 427,  # io_uring_setup/enter/register (its opcodes would open files past the filter)
)


def _seccomp():
    """Install a seccomp filter refusing _DENIED_SYSCALLS_X86_64 with EPERM (x86_64 Linux only;
    elsewhere, or if the kernel says no, the other layers remain)."""
    import ctypes
    import platform

    if sys.platform != "linux" or platform.machine() != "x86_64":
        return
    ld_arch, ld_nr, jeq, jge, ret = 0x20, 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE, BPF_RET|K
    deny, allow, kill = 0x00050000 | 1, 0x7FFF0000, 0x80000000  # RET_ERRNO|EPERM, RET_ALLOW, RET_KILL_PROCESS
    n = len(_DENIED_SYSCALLS_X86_64)
    program = [(ld_arch, 0, 0, 4), (jeq, 1, 0, 0xC000003E), (ret, 0, 0, kill),  # not x86_64 calls: kill
               (ld_nr, 0, 0, 0), (jge, n + 1, 0, 0x40000000)]  # x32 calls: refuse
    program += [(jeq, n - i, 0, nr) for i, nr in enumerate(_DENIED_SYSCALLS_X86_64)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*op) for op in program])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) == 0:  # PR_SET_NO_NEW_PRIVS, required without root
        libc.prctl(22, 2, ctypes.byref(Program(len(program), filters)), 0, 0)  # PR_SET_SECCOMP, FILTER


def main():
    global RESULTS_FD
    job, numpy_site, RESULTS_FD = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    sys.path.insert(0, numpy_site)
    import numpy as np

    for name in ALLOWED_IMPORTS + tuple(f"numpy.{m}" for m in NUMPY_SUBMODULES):
        __import__(name)
    sys.path.remove(numpy_site)
    spec, cases = _load(job)
    # Everything we need is imported and read: now the limits, then the guard, then their code.
    _confine(job, int(sys.argv[4]), int(sys.argv[5]))
    sys.addaudithook(_make_guard())
    del job, numpy_site

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    for index, source in enumerate(spec["cells"]):
        try:
            exec(compile(source, f"<{spec['cell_names'][index]}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - a learner's cell may raise anything
            if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                exc = RuntimeError(f"{type(exc).__name__} raised")
            errors.append(f"{spec['cell_names'][index]}: {type(exc).__name__}: {str(exc)[:1000]}")
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
            _write({"kind": "case", "case": index, "error": f"{type(exc).__name__}: {str(exc)[:1000]}{line}"})
            continue
        _write({"kind": "case", "case": index, "tuple": is_tuple}, arrays)


if __name__ == "__main__":
    main()
