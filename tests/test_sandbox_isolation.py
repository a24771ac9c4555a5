"""The sandbox at every privilege level, and the feedback it gives (issue 11, items 3-5).

Isolation: a submission that has switched off the in-process audit hook (through numpy's raw
memory access, HOOK_OFF below) is attacked with the kernel's own calls; the seccomp filter must
hold as root with namespaces and chroot, as root without CAP_SYS_CHROOT and without namespaces
(as in some Gradescope containers: the capabilities are dropped from the bounding set with
`setpriv`), and as a normal user (`setpriv --reuid`, with CAP_DAC_READ_SEARCH kept only so that
uid 4242 can reach this checkout's interpreter under /root). In each mode a correct notebook still
scores full marks, and PartRun.isolation says what held.

Feedback: each failing cell is named with its line and the real error, and a NameError a failed
cell explains points at that cell; slow top-level code is named as such.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import pytest

from lossedu.grading import notebook as nbio
from lossedu.grading.grade import Cases, cells_to_run, exercise_notebook, grade_notebook, grade_part
from lossedu.grading.registry import SOLUTIONS, assignment
from lossedu.grading.sandbox import _namespaces, run_part

from test_grader_safety import FIND_AUDIT_HOOK

ROOT = Path(__file__).resolve().parents[1]
NAME = "01_regression"
A = assignment(NAME)
PARTS = [p.function for p in A.parts]
SOLUTION_NB = SOLUTIONS / f"{NAME}.ipynb"
CASES = Cases(20261125)
LINUX_X86_64 = sys.platform == "linux" and os.uname().machine == "x86_64"
USER = 4242  # a normal user, with no entry in /etc/passwd (none needed)

# ----------------------------------------------------------------------------- privilege modes
AS_USER = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups",
           "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
MODES = {
    "root": [],
    "root without chroot or namespaces": ["setpriv", "--bounding-set=-sys_chroot,-sys_admin"],
    "not root": AS_USER,
}
SIMULATION = pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv") or not LINUX_X86_64,
                                reason="simulating the privilege levels needs root, setpriv and x86_64 Linux")

HARNESS = r'''
import json, sys, types
job = json.loads(sys.argv[1])
if "notebook" in job:
    from lossedu.grading.grade import Cases, grade_notebook
    result = grade_notebook(job["notebook"], Cases(20261125), timeout=10)
    print(json.dumps({"score": result.score, "max": result.max_score,
                      "output": "\n".join(p.output for p in result.parts)}))
else:
    from lossedu.grading.sandbox import run_part
    run = run_part([("cell 'attack'", job["source"])], "probe", [types.SimpleNamespace(args={})],
                   timeout=job.get("timeout", 8), memory_mb=512)
    print(json.dumps({"errors": run.cell_errors, "stopped": run.stopped, "isolation": getattr(run, "isolation", ""),
                      "outcomes": {k: o.error for k, o in run.outcomes.items()}}))
'''


def in_mode(mode, job):
    """Run the grader (HARNESS) under `mode`'s privileges; its JSON answer."""
    out = subprocess.run([*MODES[mode], sys.executable, "-c", HARNESS, json.dumps(job)], cwd=ROOT,
                         capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": "/tmp"})
    assert out.returncode == 0, f"the grader itself died (code {out.returncode}): {out.stderr[-2000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


# Switches off the audit hook: numpy reads and writes raw memory, so the hook function's code is
# replaced by a no-op (CPython 3.11 object layout). Only the kernel's refusals remain.
HOOK_OFF = FIND_AUDIT_HOOK + '''
_noop = lambda event, args: None
_poke(id(_noop.__code__), _peek(id(_noop.__code__)) + 100)  # never freed
_poke(_func + 48, id(_noop.__code__))                    # PyFunctionObject.func_code
del _frame, _tb
'''
HOOK_OFF_WORKS = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="HOOK_OFF uses CPython 3.11's layout")

ATTACKS = HOOK_OFF + '''
import ctypes, os, resource
_libc = ctypes.CDLL(None, use_errno=True)
def _sys(nr, *args):
    if _libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args]) == -1:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
def _info(sig):
    info = (ctypes.c_int * 32)()
    info[0], info[2] = sig, -1                               # si_signo, si_code = SI_QUEUE
    return info
C, G, F = CLASSMATE_PID, os.getppid(), CLASSMATE_FILE
_attacks = {
    "hook is off": lambda: os.kill(os.getpid(), 0),
    "kill": lambda: os.kill(C, 0),
    "tkill": lambda: _sys(200, C, 0),
    "tgkill": lambda: _sys(234, C, C, 0),
    "rt_sigqueueinfo": lambda: _sys(129, C, 0, _info(0)),
    "rt_tgsigqueueinfo": lambda: _sys(297, C, C, 0, _info(0)),
    "pidfd_open": lambda: _sys(434, C, 0),
    "kill the grader": lambda: os.kill(G, 0) if G > 1 else _out.update(invisible=True),
    "prlimit": lambda: resource.prlimit(C, resource.RLIMIT_NOFILE, (3, 3)),
    "F_SETOWN": lambda: _sys(72, os.pipe()[0], 8, C),
    "stat": lambda: os.stat(F),
    "access": lambda: os.access(F, os.W_OK) or _sys(21, F.encode(), 0),
    "truncate": lambda: os.truncate(F, 0),
    "chmod": lambda: os.chmod(F, 0o777),
    "utime": lambda: os.utime(F, (0, 0)),
    "setxattr": lambda: os.setxattr(F, "user.x", b"1"),
    "rename": lambda: os.rename(F, F + ".x"),
    "memfd_create": lambda: os.memfd_create("x"),
    "shmget": lambda: _sys(29, 0, 2**20, 0o1600),
    "msgget": lambda: _sys(68, 0, 0o1600),
    "mq_open": lambda: _sys(240, b"x", 0o100 | 2, 0o600, 0),
}
_out = {}
for _name, _attack in _attacks.items():
    try:
        _attack()
        _out[_name] = "done"
    except OSError as _exc:
        _out[_name] = "EPERM" if _exc.errno == 1 else f"errno {_exc.errno}"
try:                                                     # the real thing, last
    _sys(129, C, 9, _info(9))  # SIGKILL
except OSError:
    pass
def probe():
    raise RuntimeError("RESULT" + __import__("json").dumps(_out))
'''


@pytest.fixture
def classmate():
    """Another submission's sandbox (a process of the sandbox's user) and a notebook of theirs it
    could write to."""
    folder = Path(tempfile.mkdtemp(prefix="lossedu-classmate-"))
    folder.chmod(0o755)
    notebook = folder / "classmate.ipynb"
    notebook.write_text('{"cells": []}')
    os.chown(notebook, USER, USER)
    procs = {user: subprocess.Popen(["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "sleep", "120"])
             for user in (USER, 65534)}
    yield procs, notebook
    for proc in procs.values():
        proc.kill()
        proc.wait()
    shutil.rmtree(folder)


@SIMULATION
@HOOK_OFF_WORKS
@pytest.mark.parametrize("mode", MODES)
def test_with_the_hook_off_the_kernel_refuses_signals_limits_files_and_hidden_memory(mode, classmate):
    procs, notebook = classmate
    victim = procs[USER if mode == "not root" else 65534]  # a process of the same user as the sandbox
    source = ATTACKS.replace("CLASSMATE_PID", str(victim.pid)).replace("CLASSMATE_FILE", repr(str(notebook)))
    answer = in_mode(mode, {"source": source})
    error = answer["outcomes"].get("0", "")
    assert "RESULT" in error, answer
    results = json.loads(error[error.index("RESULT") + 6:error.rindex("}") + 1])
    assert results.pop("hook is off") == "done", results  # the exploit worked: only the kernel is left
    if results.pop("invisible", False):  # in a PID namespace the grader has no pid to aim at
        assert mode == "root" and results["kill the grader"] == "done"
        results["kill the grader"] = "EPERM"
    assert results == dict.fromkeys(results, "EPERM"), results
    time.sleep(0.2)
    assert victim.poll() is None, "the classmate's sandbox was killed"
    assert notebook.read_text() == '{"cells": []}' and notebook.stat().st_mode & 0o777 == 0o644


@SIMULATION
@pytest.mark.parametrize("mode", MODES)
def test_a_correct_notebook_scores_full_marks_at_every_isolation_level(mode):
    answer = in_mode(mode, {"notebook": str(SOLUTION_NB)})
    assert answer["score"] == answer["max"] == 16, answer["output"]


EXPECTED_ISOLATION = {
    "root": ("namespaces(net,pid,ipc)+chroot+uid 65534+seccomp", ""),
    "root without chroot or namespaces": ("uid 65534+seccomp", "no namespaces; no file-system jail (CAP_SYS_CHROOT: Operation not permitted)"),
    "not root": ("seccomp", "no namespaces; not root: no file-system jail, no user switch"),
}


@SIMULATION
@pytest.mark.parametrize("mode", MODES)
def test_the_isolation_level_used_is_reported(mode):
    answer = in_mode(mode, {"source": "def probe():\n    return 1.0\n"})
    assert answer["outcomes"] == {"0": ""} and not answer["errors"], answer
    held, weaker = EXPECTED_ISOLATION[mode]
    if mode == "root" and not _namespaces():  # a container that allows no unshare even to root
        held, weaker = "chroot+uid 65534+seccomp", "no namespaces"
    assert answer["isolation"] == held + (f" (weaker: {weaker})" if weaker else ""), answer["isolation"]


# ----------------------------------------------------------------------------- memory outside RLIMIT_AS
def probe_run(source, timeout=8.0, memory_mb=512):
    return run_part([("cell 'x'", source)], "probe", [types.SimpleNamespace(args={})],
                    timeout=timeout, memory_mb=memory_mb)


@pytest.mark.skipif(not LINUX_X86_64, reason="memfd and the seccomp filter: x86_64 Linux")
def test_memfd_pages_cannot_pin_memory_past_the_limit():
    """Each memfd stays under RLIMIT_FSIZE (64 MB), but twelve of them held 720 MB outside the
    address space that --memory 512 limits."""
    source = ("import os\n_fds = []\nfor _ in range(12):\n    _fds.append(os.memfd_create('x'))\n"
              "    os.posix_fallocate(_fds[-1], 0, 60 * 2**20)\n"
              "def probe():\n    return 1.0\n")
    run = probe_run(source, memory_mb=512)
    assert not run.found and run.cell_errors, run
    assert "Operation not permitted" in run.cell_errors[0], run.cell_errors


# ----------------------------------------------------------------------------- correct code, full marks
def test_non_ascii_identifiers_score_full_marks(tmp_path):
    nb = nbio.load(SOLUTION_NB)
    for cell in nb["cells"]:
        if nbio.nbgrader(cell).get("grade_id") == "smooth_l1_loss":
            source = nbio.source(cell).replace('beta=1.0):\n    """Smooth L1: quadratic for |d| < beta, linear beyond; then reduced."""',
                                               'beta=1.0):\n    """Smooth L1: quadratic for |d| < beta, linear beyond; then reduced."""\n'
                                               '    β = beta\n    ｄ１ = np.abs(input - target)\n', 1)
            source = source.replace("d = np.abs(input - target)\n    quadratic = d < beta",
                                    "d = ｄ１\n    quadratic = d < β", 1)
            assert "β" in source and "ｄ１" in source
            cell["source"] = source
    path = tmp_path / "submission.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    result = grade_notebook(path, CASES, timeout=10)
    assert result.score == result.max_score == 16, "\n".join(p.output for p in result.parts)


# ----------------------------------------------------------------------------- feedback naming the real error
def solution_with(gid, source=None, edit=None, added=None):
    nb = nbio.load(SOLUTION_NB)
    for cell in nb["cells"]:
        if nbio.nbgrader(cell).get("grade_id") == gid:
            cell["source"] = source if source is not None else edit(nbio.source(cell))
    if added is not None:
        nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                            "source": added})
    return nb


def graded(nb, function="l1_loss", timeout=5.0):
    code, _ = cells_to_run(nb, exercise_notebook(NAME))
    part = grade_part(A, PARTS.index(function), code, CASES, timeout=timeout, memory_mb=1024)
    run = run_part(code, function, [], timeout=timeout, memory_mb=1024)  # the cell errors, as the grader gets them
    return part, run


def test_a_syntax_error_in_the_helpers_cell_is_named_with_its_line():
    nb = solution_with("helpers", edit=lambda s: s.replace('if reduction == "sum":', 'if reduction == "sum"', 1))
    part, run = graded(nb)
    assert run.cell_errors == ["cell 'helpers', line 6: SyntaxError: expected ':'"], run.cell_errors
    # every case's NameError says which failed cell it comes from
    assert "NameError: name 'reduce' is not defined" in part.output
    assert "because cell 'helpers', line 6: SyntaxError: expected ':'" in part.output, part.output


def test_a_refused_import_in_a_helper_is_named():
    nb = solution_with("helpers", edit=lambda s: "from scipy.special import logsumexp\n" + s)
    part, run = graded(nb)
    assert run.cell_errors == ["cell 'helpers', line 1: ImportError: import of scipy.special is not allowed in graded "
                               "code: the grader runs your code with numpy and Python's standard maths only"]
    assert "because cell 'helpers', line 1: ImportError: import of scipy.special is not allowed" in part.output, part.output


def test_an_import_refused_in_an_added_cell_explains_the_name_error():
    nb = solution_with("l1_loss", edit=lambda s: s.replace("terms = np.abs(input - target)",
                                                           "terms = torch.abs(torch.from_numpy(input - target)).numpy()"),
                       added="import torch\n")
    part, run = graded(nb)
    assert any(e.startswith("added cell 1") and "import of torch is not allowed in graded code" in e
               for e in run.cell_errors), run.cell_errors
    assert "NameError: name 'torch' is not defined" in part.output
    assert "because added cell 1, line 1: ImportError: import of torch is not allowed" in part.output, part.output


def test_a_name_error_no_failed_cell_explains_is_not_blamed_on_one():
    nb = solution_with("l1_loss", edit=lambda s: s.replace("np.abs(input - target)", "np.abs(input - targt)"),
                       added="import torch\n")
    part, _ = graded(nb)
    assert "NameError: name 'targt' is not defined" in part.output and "because" not in part.output, part.output


def test_slow_top_level_code_is_reported_as_that_cells_not_the_functions():
    nb = solution_with("huber_loss", edit=lambda s: s + "\n_total = 0\nwhile True:\n    _total += 1\n")
    start = time.monotonic()
    part, _ = graded(nb, "l1_loss", timeout=2.0)
    assert time.monotonic() - start < 2 * 2 + 3
    assert part.score == 0
    assert "time limit in the top-level code of cell 'huber_loss', line " in part.output, part.output


def test_a_slow_cell_that_catches_the_time_limit_is_still_named():
    nb = solution_with("huber_loss", edit=lambda s: s + "\nwhile True:\n    try:\n        while True:\n"
                                                        "            pass\n    except BaseException:\n        pass\n")
    part, _ = graded(nb, "l1_loss", timeout=2.0)
    assert "time limit in the top-level code of cell 'huber_loss', line " in part.output, part.output


def test_the_cells_of_a_correct_notebook_report_nothing():
    code, _ = cells_to_run(nbio.load(SOLUTION_NB), exercise_notebook(NAME))
    run = run_part(code, "l1_loss", [], timeout=10, memory_mb=1024)
    assert run.found and run.cell_errors == [] and run.stopped == "", run
    assert run.isolation  # says what held, whatever the machine


def test_the_seccomp_program_jumps_stay_in_range():
    """Classic BPF jumps forward by at most 255 instructions (jt/jf): the assembler checks."""
    sys.path.insert(0, str(ROOT / "lossedu" / "grading"))
    try:
        import _runner
    finally:
        sys.path.pop(0)
    program = _runner._filter_program(os.getpid())
    assert all(0 <= jt <= 255 and 0 <= jf <= 255 for _, jt, jf, _ in program)
    assert program[-1][0] == 0x06 and len(program) < 4096
    assert np.all([op in (0x20, 0x15, 0x35, 0x05, 0x06) for op, *_ in program])


# ----------------------------------------------------------------------------- hidden cases stay hidden
HIDDEN = 271828.0  # the hidden case's input: it must never reach a text the learner's code controls
STAGED_CASES = [types.SimpleNamespace(args={"x": np.array([1.0])}), types.SimpleNamespace(args={"x": np.array([HIDDEN])})]
FRAME_WALK = '''
import sys
def _needle():  # the hidden input, spelled so that neither the cell's source nor its names hold it
    return str(2718 * 100 + 28)
def _frames_text():
    _seen, _f = [], sys._getframe(0)
    while _f is not None:
        _seen.append(repr({k: v for k, v in _f.f_locals.items() if not k.startswith("_")}))  # (not the cell's own names)
        _f = _f.f_back
    return " ".join(_seen)
'''


def test_a_cells_error_cannot_hold_a_case_the_runner_already_has():
    """The runner's frames are reachable from a cell (sys._getframe): the cases must not be there
    yet while the cells run, or a cell's error message shows the hidden inputs."""
    source = FRAME_WALK + "_t = _frames_text()\nif _needle() in _t:\n    raise ValueError(_t[_t.index(_needle()) - 200:][:600])\n" \
                          "def probe(x):\n    return x\n"
    run = run_part([("cell 'x'", source)], "probe", STAGED_CASES, timeout=5, memory_mb=512, public=1)
    assert run.found and not run.cell_errors, run
    assert [o.error for o in run.outcomes.values()] == ["", ""] and run.outcomes[1].arrays[0][0] == HIDDEN


def test_a_public_cases_message_cannot_hold_a_hidden_input():
    """A learner who knows the protocol forges its own setup and public answers to be sent the
    hidden cases early, then puts them into a public case's message: the grader keeps the first
    answer of each case, written before any hidden input was sent."""
    source = FRAME_WALK + '''
import json, os, struct
def _forge(record):
    data = json.dumps({**record, "arrays": 0}).encode()
    os.write(int(sys.argv[3]), struct.pack("<I", len(data)) + data)
_forge({"kind": "setup", "cell_errors": [], "found": True})
_forge({"kind": "case", "case": 0, "error": "forged"})
def probe(x):
    _t = _frames_text()
    if _needle() not in _t:
        _t = os.read(0, 1 << 16).decode("latin-1")       # the hidden stage, if it was sent
    raise ValueError(_t[max(_t.find(_needle()) - 100, 0):][:400] if _needle() in _t else "nothing")
'''
    run = run_part([("cell 'x'", source)], "probe", STAGED_CASES, timeout=5, memory_mb=512, public=1)
    assert "271828" not in run.outcomes[0].error, run.outcomes  # (a hidden case's own message is the grader's to hide)
    assert all("271828" not in e for e in run.cell_errors) and "271828" not in run.stopped
