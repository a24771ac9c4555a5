"""The sandboxed side of `lossedu grade`: runs a learner's code on the cases and sends back arrays.

Started by the grader (sandbox.py) as
`python -I -S _runner.py JOB NUMPY_SITE FD MEMORY_MB CPU_S DEADLINE` in its own process group (and,
as root where the machine allows, its own network, PID and IPC namespaces). It imports only the
standard library and numpy, never lossedu or torch, and reads its job (the cells) while it still
can. The cases come later, on stdin, from the grader: after the cells ran, and the hidden ones after
every public case was answered, so no message the learner's code wrote before can hold them. Once
the job is read, before the learner's code runs:

1. limits: address space, CPU time, file size, open descriptors, no core files, and no new
   processes or threads;
2. as root: `chroot` into the job folder (nothing of the machine is visible any more: no lossedu,
   no torch, no /proc) and drop to the unprivileged user 65534 -- each as far as the machine
   allows (without CAP_SYS_CHROOT, e.g. some Gradescope containers, the code still runs, behind
   the other layers: a correct answer never scores 0 for our lack of privileges);
3. on x86_64 Linux, root or not: a seccomp filter (see _DENIED_SYSCALLS_X86_64 and _ARG_RULES):
   the kernel refuses opening or even looking at any file by name, changing any file, sockets,
   exec, fork/clone, signalling, tracing or re-limiting any other process, and every kind of
   memory that lives outside the address space (memfd, SysV/POSIX shared memory, message queues),
   so that RLIMIT_AS covers every page the learner's code can pin;
4. an audit hook (PEP 578; it cannot be removed) that refuses the same and more with a message the
   learner understands: opening files by name, importing any module not already imported,
   processes, signals, sockets, ctypes, tracing, gc walks.

Why 1-3 and not only 4: numpy can read and write any memory of its own process
(`__array_interface__` with a raw address, `as_strided`), so in-process checks can be defeated by a
determined learner; only what the kernel enforces holds for sure. Elsewhere (macOS, non-x86_64
without root) only 1 and 4 apply: a best effort. The first record sent says which layers held.

Feedback: each cell that fails is reported with its name, line and error (a SyntaxError, a refused
import, the time limit spent in its top-level code), and a NameError in a case that a failed cell
explains names that cell.

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
# unicodedata: Python's parser imports it to normalise any non-ASCII identifier (`β = beta`, a
# full-width digit); refusing it made correct code fail.
ALLOWED_IMPORTS = (
    "math", "cmath", "functools", "itertools", "operator", "collections", "typing", "dataclasses",
    "numbers", "fractions", "statistics", "heapq", "bisect", "copy", "string", "re", "enum", "abc",
    "warnings", "textwrap", "random", "time", "contextlib", "types", "decimal", "unicodedata", "signal",
)
NUMPY_SUBMODULES = ("linalg", "fft", "random", "lib.stride_tricks", "lib.scimath", "lib.format")
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
                raise _ImportError(f"import of {name} is not allowed in graded code: the grader has numpy's "
                                   f"core, linalg, fft and random only")
            raise _ImportError(f"import of {name} is not allowed in graded code: the grader runs your code "
                               f"with numpy and Python's standard maths only")
        if event == "object.__setattr__" and _len(args) > 1 and (_type(args[1]) is not _str or args[1] in protected):
            raise _PermissionError(f"the grader does not allow replacing a function's {args[1]!r}")
        if _type(event) is not _str or event.startswith(denied):
            raise _PermissionError(f"the grader does not allow {event}")

    return guard


def _load(job):
    with open(os.path.join(job, "job.json")) as f:
        return json.load(f)


def _read_exactly(size):
    """`size` bytes from stdin, or None at its end."""
    chunks = []
    while size > 0:
        chunk = os.read(0, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_stage():
    """The next stage of cases the grader sends on stdin ([(index, args)]), or None at the end.
    They come only after the cells ran (and the hidden ones after the public ones were answered),
    so no text from an earlier step can hold them."""
    import io

    import numpy as np

    head = _read_exactly(8)
    if head is None:
        return None
    header = json.loads(_read_exactly(struct.unpack("<Q", head)[0]))
    arrays = []
    for _ in range(header["arrays"]):
        data = _read_exactly(struct.unpack("<Q", _read_exactly(8))[0])
        arrays.append(np.lib.format.read_array(io.BytesIO(data), allow_pickle=False))
    return [(case["case"], {name: arrays[value["array"]] if "array" in value else value["value"]
                            for name, value in case["args"].items()}) for case in header["cases"]]


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
    """The kernel-enforced limits, set after the job is read and before any learner code runs.

    Returns (held, missing): the layers that held and, for each one the machine did not allow,
    why. Where one is missing the learner's code still runs behind the others (never a 0 for a
    correct answer because of how the grader was started); the grader reports the level used."""
    import resource

    # RLIMIT_NOFILE: descriptors already open (the results file) stay usable; new ones are few, so
    # pipes (up to 1 MB of kernel memory each, outside RLIMIT_AS) stay bounded.
    for limit, value in ((resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 64 * 2**20), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_NOFILE, 32)):
        resource.setrlimit(limit, (value, value))
    held, missing = [], []
    if os.getuid() == 0:  # never run a learner's code as root, nor where it can see the machine
        try:
            os.chroot(job)  # the job folder is root's (0700) and its files are already read
            os.chdir("/")
            held.append("chroot")
        except OSError as exc:  # e.g. a container without CAP_SYS_CHROOT: seccomp hides the files
            missing.append(f"no file-system jail (CAP_SYS_CHROOT: {exc.strerror})")
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            held.append(f"uid {NOBODY}")
        except OSError as exc:
            missing.append(f"still root ({exc.strerror})")
    else:
        missing.append("not root: no file-system jail, no user switch")
    # No fork, no thread: no process outlives a timeout, no fork bomb, no escaping the group.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    if _seccomp(os.getpid()):
        held.append("seccomp")
    else:
        missing.append("no seccomp (x86_64 Linux only)")
    return held, missing


# x86_64 system calls the learner's code never needs, refused by the kernel (seccomp, EPERM) even
# if the audit hook is switched off through raw memory; without root this is the only hard wall.
# (numbers from asm/unistd_64.h)
_DENIED_SYSCALLS_X86_64 = (
    # files by name: no opening, no looking (os.stat, access, readlink, listing), no changes
    2, 257, 437, 85, 304, 303,  # open, openat, openat2, creat, open_by_handle_at, name_to_handle_at
    4, 6, 262, 332, 21, 269, 439, 89, 267, 137,  # stat, lstat, newfstatat, statx, access, faccessat(2), readlink(at), statfs
    78, 217, 80, 81, 254, 300, 301,  # getdents(64), chdir, fchdir, inotify_add_watch, fanotify_init/mark
    76, 90, 91, 268, 452, 92, 93, 94, 260,  # truncate, chmod, fchmod, fchmodat(2), chown, fchown, lchown, fchownat
    132, 235, 261, 280,  # utime, utimes, futimesat, utimensat
    188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,  # the *xattr family
    133, 259, 83, 258, 84, 88, 266, 86, 265,  # mknod(at), mkdir(at), rmdir, symlink(at), link(at)
    82, 264, 316, 87, 263,  # rename, renameat(2), unlink(at)
    163, 167, 168, 179, 443, 134,  # acct, swapon/off, quotactl(_fd), uselib
    161, 165, 166, 155, 272, 308, 428, 429, 430, 431, 432, 433, 442,  # chroot, mounts, namespaces
    # other processes: none can be started, traced, signalled (see _ARG_RULES), re-limited or slowed
    41, 53, 42, 49,  # socket, socketpair, connect, bind
    59, 322, 57, 58, 56, 435,  # execve, execveat, fork, vfork, clone, clone3
    434, 424, 438, 101, 310, 311, 312, 440, 448, 274,  # pidfd_*, ptrace, process_vm_*, kcmp, process_madvise/mrelease, get_robust_list
    160, 141, 203, 142, 144, 314, 251, 256, 279,  # setrlimit, setpriority, sched_set*, ioprio_set, migrate/move_pages
    # memory outside the address space (RLIMIT_AS would not count it): memfd, SysV and POSIX IPC, keys
    319, 447, 29, 30, 31, 67, 64, 65, 66, 220, 68, 69, 70, 71,  # memfd_create/secret, shm*, sem*, msg*
    240, 241, 242, 243, 244, 245, 248, 249, 250, 323, 321, 298,  # mq_*, add_key, request_key, keyctl, userfaultfd, bpf, perf
    425, 426, 427,  # io_uring_setup/enter/register (its opcodes would open files past the filter)
    # the machine (matters only where dropping root failed)
    246, 320, 175, 313, 176, 169, 170, 171, 172, 173, 164, 227, 305, 159, 103, 153,
)
_F_SETOWN, _F_SETSIG, _F_SETOWN_EX, _F_SETLEASE, _F_SETPIPE_SZ = 8, 10, 15, 1024, 1031
_FIOSETOWN, _SIOCSPGRP, _FIOASYNC, _TIOCSTI, _TIOCSPGRP = 0x8901, 0x8902, 0x5452, 0x5412, 0x5410


def _arg_rules(pid):
    """{syscall: [(kind, word offset in seccomp_data, values)]}: allowed only if every condition
    holds ("in": the 32-bit word is one of values; "not in": it is none of them). Arguments that
    are an int (pid_t, fcntl/ioctl commands) are read by the kernel from the low 32 bits only."""
    low, high = (lambda i: 16 + 8 * i), (lambda i: 20 + 8 * i)
    to_self = [("in", low(0), (pid,))]
    return {
        62: to_self, 200: to_self, 129: to_self, 297: to_self,  # kill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo
        234: to_self + [("in", low(1), (pid,))],  # tgkill (abort() signals itself this way)
        302: [("in", low(0), (0, pid)), ("in", low(2), (0,)), ("in", high(2), (0,))],  # prlimit64: read own only
        # fcntl: no SIGIO/SIGURG owner (it would signal any process of ours), no lease, no big pipes
        72: [("not in", low(1), (_F_SETOWN, _F_SETSIG, _F_SETOWN_EX, _F_SETLEASE, _F_SETPIPE_SZ))],
        16: [("not in", low(1), (_FIOSETOWN, _SIOCSPGRP, _FIOASYNC, _TIOCSTI, _TIOCSPGRP))],  # ioctl
    }


def _filter_program(pid):
    """The classic-BPF seccomp program: [(code, jt, jf, k)]."""
    ld, jeq, jge, ja, ret = 0x20, 0x15, 0x35, 0x05, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, JMP|JA, RET|K
    allow, deny, kill = 0x7FFF0000, 0x00050000 | 1, 0x80000000  # RET_ALLOW, RET_ERRNO|EPERM, RET_KILL_PROCESS
    rules = _arg_rules(pid)
    code = [(ld, 0, 0, 4), (jeq, 1, 0, 0xC000003E), (ret, 0, 0, kill),  # not x86_64 calls: kill
            (ld, 0, 0, 0), (jge, 0, 1, 0x40000000), (ret, 0, 0, deny)]  # x32 calls: refuse
    for nr in rules:
        code += [(jeq, 0, 1, nr), (ja, 0, 0, f"rule {nr}")]
    # jt/jf reach 255 instructions at most: a refusal after every 100 checks
    for start in range(0, len(_DENIED_SYSCALLS_X86_64), 100):
        code += [(jeq, f"deny {start}", 0, nr) for nr in _DENIED_SYSCALLS_X86_64[start:start + 100]]
        code += [(ja, 0, 0, f"past {start}"), ("label", f"deny {start}"), (ret, 0, 0, deny), ("label", f"past {start}")]
    code.append((ret, 0, 0, allow))  # jumps go forward only: each rule below ends in its own return
    for nr, conditions in rules.items():
        code.append(("label", f"rule {nr}"))
        for index, (kind, offset, values) in enumerate(conditions):
            code.append((ld, 0, 0, offset))
            if kind == "in":
                code += [(jeq, f"ok {nr} {index}", 0, v) for v in values]
                code += [(ret, 0, 0, deny), ("label", f"ok {nr} {index}")]
            else:
                code += [(jeq, f"no {nr}", 0, v) for v in values]
        code += [(ret, 0, 0, allow), ("label", f"no {nr}"), (ret, 0, 0, deny)]
    return _assemble(code, ja)


def _assemble(code, ja):
    """Resolve label names in jump fields to relative offsets (8 bits for jt/jf, 32 for JA)."""
    labels, ops = {}, []
    for op in code:
        if op[0] == "label":
            labels[op[1]] = len(ops)
        else:
            ops.append(op)
    program = []
    for pc, (op, jt, jf, k) in enumerate(ops):
        jt, jf = (labels[j] - pc - 1 if isinstance(j, str) else j for j in (jt, jf))
        if op == ja and isinstance(k, str):
            k = labels[k] - pc - 1
        if not (0 <= jt <= 255 and 0 <= jf <= 255 and k >= 0):
            raise ValueError(f"seccomp program: jump out of range at {pc}")
        program.append((op, jt, jf, k))
    return program


def _seccomp(pid):
    """Install the filter of _filter_program (x86_64 Linux only; elsewhere, or if the kernel says
    no, the other layers remain). True if it is in place."""
    import ctypes
    import platform

    if sys.platform != "linux" or platform.machine() != "x86_64":
        return False
    program = _filter_program(pid)

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*op) for op in program])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required without root
        return False
    return libc.prctl(22, 2, ctypes.byref(Program(len(program), filters)), 0, 0) == 0  # PR_SET_SECCOMP, FILTER


# ----------------------------------------------------------------------------- running the cells
class CellTimeLimit(BaseException):
    """Raised in a cell's top-level code when the part's time is nearly spent (not an Exception:
    a learner's `except Exception` does not swallow it)."""


def _location(frames, filename, names):
    """'line N' of the cell `filename` in [(file, lineno)] (outermost first), plus where inside
    another cell it was if deeper (a helper it called)."""
    top = next((line for file, line in frames if file == filename), None)
    inner = next(((file, line) for file, line in reversed(frames) if file in names), None)
    where = f"line {top}" if top is not None else "its code"
    if inner is not None and inner != (filename, top):
        where += f" (in {names[inner[0]]}, line {inner[1]})"
    return where


def _tb_frames(tb):
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _describe(name, filename, exc, names):
    """One cell's failure as the learner should read it: which cell, which line, what."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:  # compile() of the cell itself
        return f"{name}, line {exc.lineno}: {type(exc).__name__}: {exc.msg}"
    where = _location(_tb_frames(exc.__traceback__), filename, names)
    if isinstance(exc, CellTimeLimit):
        return f"{name}, {where}: {exc}"
    if isinstance(exc, (SystemExit, KeyboardInterrupt)):
        return f"{name}, {where}: {type(exc).__name__} raised"
    return f"{name}, {where}: {type(exc).__name__}: {str(exc)[:1000]}"


def _blame(exc, failed, search=__import__("re").search, escape=__import__("re").escape):
    """For a NameError in a case: the failed cell that would have defined the name (it mentions
    it), so the learner sees the real error, not only its consequence."""
    name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
    if not isinstance(name, str):
        return ""
    for source, description in failed:
        if search(rf"(?<![\w.]){escape(name)}(?!\w)", source):
            return f" -- because {description}"
    return ""


def _run_cells(spec, namespace, deadline):
    """exec each cell in order; returns (cell_errors, failed [(source, error)], slow or None).

    SIGALRM shortly before the grader's deadline raises CellTimeLimit in the top-level code of the
    cell then running (and records where, even if the learner's code catches it), so a slow loop
    at a cell's top level is reported as that cell's, not as the graded function's time limit."""
    import signal
    import time

    names = {f"<{name}>": name for name in spec["cell_names"]}
    current = [None, None]  # name, filename of the running cell; None once the cells are done
    seconds = max(deadline - time.monotonic(), 0.0)

    def on_alarm(signum, frame):
        if current[0] is None:
            return  # the cases: the grader's own limit applies
        frames = []
        while frame is not None:
            frames.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back
        where = _location(frames[::-1], current[1], names)
        _write({"kind": "slow", "where": f"{current[0]}, {where}"})
        raise CellTimeLimit("its top-level code was still running when the time limit ran out "
                            "(an endless loop, or far too slow? Only definitions need to run at the top level)")

    signal.signal(signal.SIGALRM, on_alarm)
    # within the last 0.5 s (or tenth) of the part's time: cells still running then would be cut anyway
    signal.setitimer(signal.ITIMER_REAL, max(seconds - min(0.5, seconds / 10), 0.01) if deadline else 0)
    errors, failed, slow = [], [], None
    for name, source in zip(spec["cell_names"], spec["cells"]):
        filename = f"<{name}>"
        current[:] = name, filename
        try:
            exec(compile(source, filename, "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - a learner's cell may raise anything
            description = _describe(name, filename, exc, names)
            errors.append(description)
            failed.append((source, description))
            if isinstance(exc, CellTimeLimit):
                slow = description
                break
    current[0] = None
    signal.setitimer(signal.ITIMER_REAL, 0)
    return errors, failed, slow


def main():
    global RESULTS_FD
    job, numpy_site, RESULTS_FD = sys.argv[1], sys.argv[2], int(sys.argv[3])
    deadline = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0  # time.monotonic() the grader stops us at
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    sys.path.insert(0, numpy_site)
    import numpy as np

    for name in ALLOWED_IMPORTS + tuple(f"numpy.{m}" for m in NUMPY_SUBMODULES):
        __import__(name)
    sys.path.remove(numpy_site)
    spec = _load(job)
    # Everything we need is imported and read: now the limits, then the guard, then their code.
    held, missing = _confine(job, int(sys.argv[4]), int(sys.argv[5]))
    _write({"kind": "isolation", "held": held, "missing": missing})  # the first record, before their code
    sys.addaudithook(_make_guard())
    del job, numpy_site

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors, failed, slow = _run_cells(spec, namespace, deadline)
    function = namespace.get(spec["function"])
    found = callable(function) and slow is None  # out of time: no case would get an answer
    _write({"kind": "setup", "cell_errors": errors, "found": found})
    if not found:
        return
    cells = {f"<{name}>" for name in spec["cell_names"]}
    while True:
        stage = _read_stage()
        if stage is None:
            return
        for index, args in stage:
            _run_case(function, index, args, cells, failed, np)


def _run_case(function, index, args, cells, failed, np):
    try:
        result = function(**{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()})
        arrays, is_tuple = _as_float_arrays(result)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            exc = RuntimeError(f"{type(exc).__name__} raised")
        tb = traceback.extract_tb(exc.__traceback__)
        line = next((f" ({f.filename[1:-1]}, line {f.lineno})" for f in reversed(tb) if f.filename in cells), "")
        _write({"kind": "case", "case": index,
                "error": f"{type(exc).__name__}: {str(exc)[:1000]}{line}{_blame(exc, failed)}"})
        return
    _write({"kind": "case", "case": index, "tuple": is_tuple}, arrays)


if __name__ == "__main__":
    main()
