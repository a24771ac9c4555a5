"""Red-team tests of `lossedu grade`: a clever learner with the exercise notebook tries to get points
they do not deserve, or to crash, hang or escape the grader.

Each attack is a real submitted notebook: the exercise (or, for "correct code + cheat", the
solution) with the attack in a solution cell, an added cell, or edited metadata / locked cells.
Where an attack would gain points if it worked, a control runs the same code unsandboxed and shows
it does (so the test proves the sandbox stops it, not that the cheat was broken).

The attacks on grade.py / notebook.py (public-answer tables, malformed notebooks, parser bombs,
symlinked submissions, the same notebook uploaded twice) are fixed there; their tests are here too.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lossedu.grading import notebook as nbio
from lossedu.grading.check import public_cases
from lossedu.grading.grade import (Cases, Result, cells_to_run, combined, exercise_notebook, grade_notebook,
                                   grade_part)
from lossedu.grading.registry import EXERCISES, SOLUTIONS, assignment

ROOT = Path(__file__).resolve().parents[1]
NAME = "01_regression"
A = assignment(NAME)
SOLUTION_NB = SOLUTIONS / f"{NAME}.ipynb"
EXERCISE_NB = EXERCISES / f"{NAME}.ipynb"
SITE = str(Path(np.__file__).resolve().parents[1])
CASES = Cases(20261125)
TIMEOUT = 3.0
ROOT_ONLY = pytest.mark.skipif(os.getuid() != 0, reason="the kernel-enforced isolation (chroot, user 65534, "
                                                        "PID/network namespaces) needs root, as on Gradescope")
PARTS = [p.function for p in A.parts]


# ----------------------------------------------------------------------------- building submissions
def notebook(base="exercise"):
    return nbio.load(SOLUTION_NB if base == "solution" else EXERCISE_NB)


def cell(nb, gid):
    return next(c for c in nb["cells"] if nbio.nbgrader(c).get("grade_id") == gid)


def set_source(nb, gid, source):
    cell(nb, gid)["source"] = source
    return nb


def add_cell(nb, source, metadata=None, at=None):
    new = {"cell_type": "code", "execution_count": None, "metadata": metadata or {}, "outputs": [], "source": source}
    nb["cells"].insert(len(nb["cells"]) if at is None else at, new)
    return nb


def save(nb, tmp_path, name="submission.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def run(nb, function="l1_loss", timeout=TIMEOUT, memory_mb=1024):
    """Grade one part of a submitted notebook, as `lossedu grade` does."""
    code, _ = cells_to_run(nb, exercise_notebook(NAME))
    return grade_part(A, PARTS.index(function), code, CASES, timeout=timeout, memory_mb=memory_mb)


def unsandboxed(source, function="l1_loss"):
    """The control: the same cell run in this process, graded on one public case with torch."""
    namespace = {"__name__": "__main__"}
    exec("import numpy as np\n" + source, namespace)
    part = A.parts[PARTS.index(function)]
    case = public_cases(part)[0]
    from lossedu.grading.spec import compare

    return compare(part, case, namespace[function](**case.args)).passed


def assert_no_points(part, *why):
    assert part.score == 0, part.output
    assert any(w in part.output for w in why), part.output


# A complete cheat: read the solution notebook (it ships in the Gradescope bundle) and run its
# solution cells. `{read}` is an expression giving the file's text from the path P.
CHEAT = '''
import json
P = {path!r}
_text = {read}
for _c in json.loads(_text)["cells"]:
    if _c["cell_type"] == "code" and _c["metadata"].get("nbgrader", {{}}).get("solution"):
        exec("".join(_c["source"]), globals())
'''


def cheat(read, before=""):
    return before + CHEAT.format(path=str(SOLUTION_NB), read=read)


def exercise_with(source, gid="l1_loss"):
    """The exercise with `source` instead of the cell of l1_loss (so, if the cheat fails, l1_loss
    is missing and the feedback shows the cell's error)."""
    return set_source(notebook(), gid, source)


REFUSED = ("not allowed", "does not let your code", "does not allow", "Permission denied", "No such file",
           "No module named")


# ----------------------------------------------------------------------------- reading the answers
READS = {
    "open": "open(P).read()",
    "io.FileIO": "__import__('io').FileIO(P).read().decode()",
    "pathlib": "__import__('pathlib').Path(P).read_text()",
    "os.open + os.read": "(lambda os: os.read(os.open(P, os.O_RDONLY), 1 << 24).decode())(__import__('os'))",
    "np.fromfile": "np.fromfile(P, dtype=np.uint8).tobytes().decode()",
    "np.memmap": "np.memmap(P, dtype=np.uint8, mode='r').tobytes().decode()",
    "np.loadtxt": "'\\n'.join(np.loadtxt(P, dtype=str, delimiter='\\x01', comments=None))",
    "linecache": "''.join(__import__('linecache').getlines(P)) or open(P).read()",
    "importlib loader": "__import__('importlib.machinery').machinery.SourceFileLoader('x', P).get_data(P).decode()",
    "/proc/self/root": "open('/proc/self/root' + P).read()",
    "relative ../": "open('../' * 30 + P.lstrip('/')).read()",
}


@pytest.mark.parametrize("how", READS)
def test_reading_the_solution_file_gains_nothing(how):
    source = cheat(READS[how])
    assert unsandboxed(source), "control: this cheat works outside the sandbox"
    part = run(exercise_with(source))
    assert_no_points(part, *REFUSED, "not implemented yet")


IMPORTS = {
    "from lossedu.functional import": "from lossedu.functional import l1_loss",
    "__import__": "l1_loss = __import__('lossedu.functional', fromlist=['x']).l1_loss",
    "importlib.import_module": "import importlib\nl1_loss = importlib.import_module('lossedu.functional').l1_loss",
    "_frozen_importlib._find_and_load": "import sys\n_m = sys.modules['_frozen_importlib']._find_and_load("
                                        "'lossedu.functional', __import__)\nl1_loss = _m.l1_loss",
    "spec_from_file_location": "import importlib.util\n_s = importlib.util.spec_from_file_location('lossedu', "
                               f"{str(ROOT / 'lossedu' / '__init__.py')!r}, submodule_search_locations=[])\n"
                               "_m = importlib.util.module_from_spec(_s)\nsys.modules['lossedu'] = _m\n"
                               "_s.loader.exec_module(_m)\nfrom lossedu.functional import l1_loss",
    "sys.modules lookup": "l1_loss = sys.modules['lossedu.functional'].l1_loss",
    "torch": "import torch\ndef l1_loss(input, target, **kw):\n"
             "    return torch.nn.functional.l1_loss(torch.from_numpy(input), torch.from_numpy(target), **kw).numpy()",
}


@pytest.mark.parametrize("how", IMPORTS)
def test_importing_a_reference_gains_nothing(how):
    source = f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {SITE!r}]\n" + IMPORTS[how]
    assert unsandboxed(source)
    part = run(set_source(notebook(), "l1_loss", source))
    assert_no_points(part, *REFUSED, "KeyError", "not implemented yet")


# ----------------------------------------------------------------------------- breaking the guard
BREAKOUTS = {
    # the guard used to look up `os`, `ALLOWED_IMPORTS`… in the runner's module: rebind them
    "rebind the runner's globals": """
import sys
_g = sys.modules['__main__'].__dict__
class _Path:
    def __getattr__(self, name): return getattr(_os.path, name)
    def realpath(self, p): return _os.path.dirname(_os.__file__) + '/x'
class _Os:
    path = _Path()
    def __getattr__(self, name): return getattr(_os, name)
_os = _g['os']
_g['os'] = _Os()
for _k in list(_g):
    if isinstance(_g[_k], (tuple, frozenset)): _g[_k] = type(_g[_k])()
""",
    "rebind builtins": """
import builtins
builtins.isinstance = lambda *a: True
builtins.type = lambda *a: int
builtins.len = lambda *a: 0
""",
    "add an audit hook of our own": "import sys\nsys.addaudithook(lambda *a: None)\n",
    "walk gc for the hook": "import gc\n_hooks = [o for o in gc.get_objects() if getattr(o, '__name__', '') == 'g']\n",
    # the runner's own frame: its case list and job spec are mutable, and worth nothing (the
    # grader compares with its own copy of each case)
    "rewrite the runner's cases through frames": """
import sys
_main = sys._getframe(0).f_back
_main.f_locals['spec']['function'] = 'l1_loss'
for _case in _main.f_locals['cases']:
    _case.clear()
""",
    "read the guard through a traceback": """
try:
    open('/nonexistent')
except OSError as _e:
    _tb = _e.__traceback__
    while _tb.tb_next: _tb = _tb.tb_next
    _tb.tb_frame.f_locals.clear()
""",
}


@pytest.mark.parametrize("how", BREAKOUTS)
def test_tampering_with_the_guard_then_reading_gains_nothing(how):
    source = cheat("open(P).read()", before=BREAKOUTS[how])
    part = run(exercise_with(source))
    assert part.score == 0, part.output


# Learner code that finds the audit hook's function object through raw memory (numpy reads and
# writes any address): `_frame` is the hook's frame, `_func` its function (CPython 3.11 layout).
# MEMORY_EXPLOIT (here) and tests/test_sandbox_isolation.py's HOOK_OFF go on from there.
FIND_AUDIT_HOOK = '''
import numpy as np
class _Mem:
    def __init__(self, addr):
        self.__array_interface__ = {"data": (addr, False), "shape": (1,), "typestr": "<u8", "version": 3}
def _peek(addr): return int(np.asarray(_Mem(addr))[0])
def _poke(addr, value): np.asarray(_Mem(addr))[0] = value
try:
    open("/nonexistent")
except PermissionError as _e:
    _tb = _e.__traceback__
    while _tb.tb_next is not None: _tb = _tb.tb_next
    _frame = _tb.tb_frame                              # the audit hook's own frame
_func = _peek(_peek(id(_frame) + 24))                  # PyFrameObject.f_frame -> f_func (CPython 3.11)
'''

MEMORY_EXPLOIT = FIND_AUDIT_HOOK + '''_cell = _peek(_peek(_func + 72) + 24 + 8 * _frame.f_code.co_freevars.index("_int"))
_poke(_cell + 16, id(str))                             # the hook now lets every str path through
'''


KERNEL_WALL = pytest.mark.skipif(
    os.getuid() != 0 and not (sys.platform == "linux" and os.uname().machine == "x86_64"),
    reason="needs root (chroot, user 65534) or x86_64 Linux (seccomp)")


@KERNEL_WALL
@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the exploit uses CPython 3.11's object layout")
def test_numpy_raw_memory_defeats_the_audit_hook_but_not_the_kernel():
    """numpy's __array_interface__ reads and writes any address: the in-process guard can be
    switched off. The kernel still refuses: seccomp (no open at all) and, as root, the chroot and
    user 65534."""
    source = cheat("open(P).read()", before=MEMORY_EXPLOIT)
    part = run(exercise_with(source))
    assert part.score == 0, part.output
    assert "does not let your code" not in part.output, "the exploit should have got past the hook"
    assert any(w in part.output for w in ("Operation not permitted", "Permission denied", "No such file")), part.output


PROCESSES = {
    "os.system": "__import__('os').system('cat ' + P + ' > /tmp/x') or open('/tmp/x').read()",
    "posix.system": "__import__('posix').system('cat ' + P + ' > /tmp/x') or open('/tmp/x').read()",
    "os.popen via __subclasses__": "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "
                                   "'_wrap_close'][0].__init__.__globals__['popen']('cat ' + P).read()",
    "os.posix_spawn": "__import__('os').posix_spawn('/bin/cp', ['cp', P, '/tmp/x'], {}) and open('/tmp/x').read()",
    "os.fork": "__import__('os').fork() and open(P).read()",
    "pickle → os.system": "__import__('pickle').loads(b'cposix\\nsystem\\n(Vcat ' + P.encode() + b'\\ntR.')",
    "subprocess": "__import__('subprocess').check_output(['cat', P]).decode()",
    "multiprocessing": "__import__('multiprocessing').Pool(1).apply(open, (P,)).read()",
    "ctypes libc.system": "__import__('ctypes').CDLL('libc.so.6').system(b'cat ' + P.encode())",
    "ctypes.pythonapi": "__import__('ctypes').pythonapi.PyRun_SimpleString(b'1')",
    "numpy.ctypeslib": "np.ctypeslib.load_library('libc', '/lib/x86_64-linux-gnu')",
    "a thread": "__import__('threading').Thread(target=print).start() or open(P).read()",
    "_thread": "__import__('_thread').start_new_thread(print, ()) and open(P).read()",
}


@pytest.mark.parametrize("how", PROCESSES)
def test_processes_threads_and_ctypes_are_refused(how):
    part = run(exercise_with(cheat(PROCESSES[how])))
    assert_no_points(part, *REFUSED, "can't start new thread", "Operation not permitted", "Resource temporarily")


@ROOT_ONLY
def test_the_learners_code_sees_no_file_system_and_no_other_process():
    """os.stat raises no audit event, nor do os.pidfd_open + signal.pidfd_send_signal: the kernel
    must keep the machine hidden (chroot; the seccomp filter refuses stat by name too) and keep a
    submission from SIGKILLing the other sandboxes (all run as user 65534) and sinking a classmate's
    grade under --jobs (PID namespace; seccomp refuses pidfds and signals to others). Without root
    the same attacks are in tests/test_sandbox_isolation.py. (The probe only opens pidfds.)"""
    probe = f'''
import os
_seen = []
for _p in ({str(SOLUTION_NB)!r}, "/proc/1/cmdline", "/etc/passwd", "/tmp", {SITE!r}):
    try:
        os.stat(_p); _seen.append(_p)
    except OSError:
        pass
_pids = 0
for _pid in range(2, 1 << 16):
    try:
        os.close(os.pidfd_open(_pid)); _pids += 1
    except OSError:
        pass
def l1_loss(**kw):
    raise RuntimeError("seen %r, %d other processes, pid %d, uid %d" % (_seen, _pids, os.getpid(), os.getuid()))
'''
    part = run(set_source(notebook(), "l1_loss", probe))
    assert "seen [], 0 other processes, pid 1, uid 65534" in part.output, part.output


# ----------------------------------------------------------------------------- forging results
FORGERIES = {
    "deeply nested JSON": "_raw(b'[' * 100000 + b']' * 100000)",
    "arrays count not a number": "_record({'kind': 'case', 'case': 0, 'arrays': 'many'})",
    "huge array claimed": "_record({'kind': 'case', 'case': 0, 'arrays': 1}, "
                          "b\"\\x93NUMPY\\x01\\x00v\\x00{'descr': '<f8', 'fortran_order': False, "
                          "'shape': (10**12,), }\".ljust(127) + b'\\n')",
    "pickled object array": "_record({'kind': 'case', 'case': 0, 'arrays': 1}, _npy(np.array([{}], dtype=object)))",
    "structured dtype": "_record({'kind': 'case', 'case': 0, 'arrays': 1}, _npy(np.zeros(1, dtype='f8,f8')))",
    "a setup record and zeros": "_record({'kind': 'setup', 'cell_errors': 'x' * 10**5, 'found': True})",
    "lists where messages go": "_record({'kind': 'case', 'case': 0, 'error': json.loads('[' * 50 + ']' * 50)})\n"
                               "_record({'kind': 'setup', 'cell_errors': [{'a': [1]}] * 10**4, 'found': 1})",
    "millions of tiny records": "os.write(int(sys.argv[3]), (struct.pack('<I', 12) + b'{\"arrays\":0}') * 3_500_000)",
}


@pytest.mark.parametrize("how", FORGERIES)
def test_forged_result_records_neither_crash_the_grader_nor_score(how):
    """The learner's code can write to the results descriptor (its number is in sys.argv)."""
    source = f'''
import io, json, os, struct, sys
def _raw(header, *arrays):
    os.write(int(sys.argv[3]), struct.pack('<I', len(header)) + header
             + b''.join(struct.pack('<Q', len(a)) + a for a in arrays))
def _record(header, *arrays):
    _raw(json.dumps(header).encode(), *arrays)
def _npy(array):
    b = io.BytesIO()
    np.lib.format.write_array(b, array, allow_pickle=True)
    return b.getvalue()
{FORGERIES[how]}
def l1_loss(input, target, reduction="mean", weight=None):
    return np.zeros(()) if reduction != "none" else np.zeros(np.broadcast(input, target).shape)
'''
    start = time.monotonic()
    part = run(set_source(notebook(), "l1_loss", source))
    assert time.monotonic() - start < TIMEOUT + 3  # reading what was forged takes no time
    assert part.score == 0, part.output  # zeros pass no case, whatever was forged before them
    assert part.output.startswith("l1_loss:")


def test_writing_a_fake_results_file_or_printing_a_score_changes_nothing(tmp_path):
    fake = tmp_path / "results.json"
    source = f'''
import json, sys
print("l1_loss: 28/28 cases passed → 2.00/2 points")
print('{{"score": 16}}', file=sys.stderr)
for _p in ({str(fake)!r}, "/autograder/results/results.json", "results.json"):
    try:
        open(_p, "w").write(json.dumps({{"score": 16, "tests": []}}))
    except OSError as _e:
        _err = _e
def l1_loss(**kw):
    raise _err
'''
    part = run(set_source(notebook(), "l1_loss", source))
    assert not fake.exists()
    assert_no_points(part, "does not let your code open files")
    assert "28/28" not in part.output


WEIRD_RETURNS = '''
class _Sub(np.ndarray):
    def __eq__(self, other): return True
class _Liar:
    calls = 0
    def __array__(self, dtype=None, copy=None):
        _Liar.calls += 1
        return np.full((), np.nan) if _Liar.calls % 2 else np.zeros((3, 4))
    def __float__(self): return float("nan")
_answers = [
    lambda x: np.full(np.shape(x), np.nan), lambda x: np.inf, lambda x: -np.inf, lambda x: complex(np.nan, 1),
    lambda x: np.array(True), lambda x: np.array([None]), lambda x: "1.0", lambda x: None,
    lambda x: np.zeros(3 * 10**6), lambda x: np.zeros(()).view(_Sub), lambda x: _Liar(),
    lambda x: (np.zeros(()), np.zeros(())), lambda x: [np.nan], lambda x: np.zeros((1,) + np.shape(x)),
]
_count = [0]
def l1_loss(input, target, reduction="mean", weight=None):
    _count[0] += 1
    return _answers[_count[0] % len(_answers)](input)
'''


def test_weird_return_values_pass_no_case():
    part = run(set_source(notebook(), "l1_loss", WEIRD_RETURNS))
    assert part.score == 0, part.output
    assert "0/28 cases passed" in part.output


def test_monkeypatching_numpy_comparisons_in_the_submission_changes_nothing():
    source = ("np.allclose = np.isclose = np.array_equal = lambda *a, **k: True\n"
              "def l1_loss(input, target, reduction='mean', weight=None):\n    return np.zeros(())\n")
    part = run(set_source(notebook(), "l1_loss", source))
    assert part.score == 0 and "0/28" in part.output, part.output


def _public_answer_table(function):
    part = A.parts[PARTS.index(function)]
    table = {}
    for case in public_cases(part):
        key = case.args["input"].tobytes().hex()
        table[key] = np.asarray(part.expected(case.args)).tolist()
    return table


def test_hard_coding_the_public_answers_earns_nothing():
    source = (f"_TABLE = {_public_answer_table('l1_loss')!r}\n"
              "def l1_loss(input, target, reduction='mean', weight=None):\n"
              "    return np.array(_TABLE.get(input.tobytes().hex(), 0.0))\n")
    part = run(set_source(notebook(), "l1_loss", source))
    assert "14/14 public" in part.output  # the table is right: the cheat works on public cases
    assert part.score == 0, part.output


# ----------------------------------------------------------------------------- notebook tricks
def test_magics_shell_escapes_and_ipython_hooks_do_not_run():
    source = (f"%run {SOLUTION_NB}\n!cp {SOLUTION_NB} /tmp/x\n"
              "get_ipython().events.register('pre_run_cell', lambda *a: None)\n"
              "get_ipython().input_transformers_cleanup.append(lambda lines: lines)\n")
    part = run(set_source(notebook(), "l1_loss", source))
    assert_no_points(part, "get_ipython", "not implemented yet")


DEF_TIME = {  # code an added cell runs while "only defining" things
    "default argument": "def _steal(_=exec(CODE, globals())):\n    pass\n",
    "decorator": "@exec(CODE, globals()) or (lambda f: f)\ndef _steal():\n    pass\n",
    "class body": "class _Steal:\n    exec(CODE, globals())\n",
}


@pytest.mark.parametrize("how", DEF_TIME)
def test_an_added_cell_runs_only_definitions_and_their_side_effects_stay_sandboxed(how):
    code = cheat("open(P).read()")
    source = f"CODE = {code!r}\n" + DEF_TIME[how].replace("CODE", repr(code))
    assert unsandboxed(source), "control: the definitions alone run the cheat"
    nb = add_cell(notebook(), f"exec(open({str(SOLUTION_NB)!r}).read())\n" + source, {"tags": ["setup"]})
    assert_no_points(run(nb), *REFUSED, "not implemented yet")


def test_metadata_cannot_redirect_the_grader():
    nb = notebook()
    code, _ = cells_to_run(nb, exercise_notebook(NAME))
    cell(nb, "check_l1_loss")["metadata"]["nbgrader"]["points"] = 1000
    nb["metadata"]["lossedu"]["assignment"] = "../solutions/01_regression"
    # cells claiming a locked cell's or a check cell's grade_id (first in the notebook): never run
    add_cell(nb, "import torch", {"nbgrader": {"grade_id": "setup", "locked": True}, "tags": ["setup"]}, at=0)
    add_cell(nb, "def l1_loss(*a, **k):\n    return 0.0", {"nbgrader": {"grade_id": "check_l1_loss"}}, at=0)
    code2, notes = cells_to_run(nb, exercise_notebook(NAME))
    assert code2 == code and "locked cell 'setup' was changed in your notebook (the grader used the original)" in notes
    assert A.max_score == 16


def test_an_unknown_assignment_name_falls_back_to_the_cells():
    nb = notebook("solution")
    nb["metadata"]["lossedu"]["assignment"] = "../../etc/passwd"
    from lossedu.grading.grade import identify

    assert identify(nb) == NAME


@pytest.mark.parametrize("tamper", ["assignment is a list", "a cell is a string", "grade_id is a list",
                                    "source is a list of numbers"])
def test_malformed_metadata_is_a_clear_message_not_a_crash(tamper, tmp_path):
    nb = notebook("solution")
    if tamper == "assignment is a list":
        nb["metadata"]["lossedu"]["assignment"] = [NAME]
    elif tamper == "a cell is a string":
        nb["cells"].append("print('hi')")
    elif tamper == "grade_id is a list":
        nb["cells"][-1]["metadata"]["nbgrader"]["grade_id"] = ["x"]
    else:
        cell(nb, "l1_loss")["source"] = [1, 2]
    result = grade_notebook(save(nb, tmp_path), CASES, timeout=TIMEOUT)
    assert result.score == 0 and result.messages


@pytest.mark.parametrize("bomb", ["def f():\n    return " + "1+" * 20000 + "1\n", "x = " + "-" * 100000 + "1\n"])
def test_a_parser_bomb_in_an_added_cell_does_not_crash_the_grader(bomb, tmp_path):
    nb = add_cell(notebook("solution"), bomb)
    code, _ = cells_to_run(nb, exercise_notebook(NAME))
    assert code


# ----------------------------------------------------------------------------- locked cells
_FULL = {}


def _graded_solution():
    if "result" not in _FULL:
        nb = notebook("solution")
        set_source(nb, "setup", "import torch\nimport lossedu\nraise SystemExit")
        set_source(nb, "tools", "raise RuntimeError('tampered')")
        nb["cells"] = [c for c in nb["cells"] if nbio.nbgrader(c).get("grade_id") not in ("use", "check_l1_loss")]
        for c in nb["cells"]:
            if nbio.nbgrader(c).get("grade"):
                c["metadata"]["nbgrader"]["points"] = 0
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"lossedu-safety-{os.getpid()}.ipynb"
        path.write_text(json.dumps(nb))
        try:
            _FULL["result"] = grade_notebook(path, CASES, timeout=10)
        finally:
            path.unlink()
    return _FULL["result"]


def test_the_solution_with_tampered_or_deleted_locked_cells_still_scores_full_marks():
    result = _graded_solution()
    assert result.score == result.max_score == 16, "\n".join(p.output for p in result.parts)
    notes = " ".join(result.messages)
    assert "'setup' was changed" in notes and "'use' is missing" in notes


def test_the_exercise_with_code_in_locked_cells_still_scores_zero(tmp_path):
    solved = "\n".join(nbio.source(c) for c in notebook("solution")["cells"] if nbio.nbgrader(c).get("solution"))
    nb = notebook()
    set_source(nb, "setup", "import numpy as np\n" + solved)
    set_source(nb, "check_l1_loss", solved)
    add_cell(nb, solved, {"nbgrader": {"grade_id": "check_mse_loss", "locked": True, "grade": True, "points": 99}})
    result = grade_notebook(save(nb, tmp_path), CASES, timeout=TIMEOUT)
    assert result.score == 0 and result.max_score == 16
    assert "'setup' was changed" in " ".join(result.messages)


def test_uploading_the_same_notebook_twice_does_not_double_the_score():
    result = _graded_solution()
    half = Result(result.submission, result.assignment, result.parts[:4], [])
    assert combined([half, half])["score"] <= half.max_score


# ----------------------------------------------------------------------------- resources
def test_a_runaway_part_is_cut_at_the_timeout_and_the_others_are_still_graded(tmp_path):
    nb = notebook("solution")
    src = nbio.source(cell(nb, "l1_loss"))
    set_source(nb, "l1_loss", src.replace('"""L1 loss: |input − target| per element (times weight), then reduced."""',
                                          "while True:\n        pass", 1))
    start = time.monotonic()
    result = grade_notebook(save(nb, tmp_path), CASES, timeout=2)
    by_part = {p.name: p for p in result.parts}
    assert by_part["l1_loss"].score == 0 and "2 s time limit" in by_part["l1_loss"].output
    assert result.score == 14, "\n".join(p.output for p in result.parts)
    assert time.monotonic() - start < 2 + 8 * 2.5


RESOURCES = {
    "sleep": ("import time\ntime.sleep(60)", "time limit"),
    "endless loop in a cell": ("while True:\n    pass", "time limit"),
    "one huge allocation": ("x = np.ones(10**11)", "MemoryError"),
    "growing allocation": ("x = []\nwhile True:\n    x.append(np.empty(10**7))", ("MemoryError", "ran out of memory")),
    "fork bomb": ("import os\nwhile True:\n    os.fork()", "does not allow os.fork"),
    "thread bomb": ("import threading\nwhile True:\n    threading.Thread(target=lambda: None).start()",
                    "can't start new thread"),
    "stack overflow": ("import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)",
                       ("SIGSEGV", "RecursionError", "MemoryError", "ran out of memory", "time limit")),
    "signal the grader": ("import os\nos.kill(os.getppid(), 9)", "does not allow os.kill"),
    "stdout flood": ("import sys\nwhile True:\n    sys.stdout.write('x' * 10**6)", "time limit"),
    "results descriptor flood": ("import os, sys\nwhile True:\n    os.write(int(sys.argv[3]), b'x' * 10**6)",
                                 "64 MB"),
    "writing a file": ("open('/tmp/lossedu-big', 'wb').write(b'x' * 10**8)", "does not let your code open"),
}


@pytest.mark.parametrize("how", RESOURCES)
def test_resource_attacks_are_cut_and_reported(how):
    attack, why = RESOURCES[how]
    start = time.monotonic()
    part = run(set_source(notebook(), "l1_loss", attack), timeout=2, memory_mb=512)
    assert time.monotonic() - start < 2 + 3
    assert_no_points(part, *((why,) if isinstance(why, str) else why))


def test_a_stderr_flood_does_not_fill_the_graders_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    part = run(set_source(notebook(), "l1_loss", "import sys\nwhile True:\n    sys.stderr.write('x' * 10**6)"),
               timeout=2)
    assert time.monotonic() - start < 2 + 3
    assert_no_points(part, "64 MB", "File too large", "time limit")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # kB


# ----------------------------------------------------------------------------- the command line
def test_bad_notebooks_still_get_a_results_file_with_a_clear_message(tmp_path):
    files = {"empty.ipynb": "", "not-json.ipynb": "{ nope", "list.ipynb": "[1, 2]", "no-cells.ipynb": '{"a": 1}',
             "binary.ipynb": "\udcff\udcfe", "other.ipynb": json.dumps({"cells": [], "metadata": {}})}
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
        paths.append(tmp_path / name)
    paths += [tmp_path / "missing.ipynb", SOLUTION_NB]
    out = subprocess.run([sys.executable, "-m", "lossedu", "grade", *map(str, paths), "--jobs", "2", "--timeout", "10",
                          "--results-json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"), "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = {Path(d["submission"]).name: d["results"] for d in json.loads((tmp_path / "r.json").read_text())}
    assert data["01_regression.ipynb"]["score"] == 16
    for name in [*files, "missing.ipynb"]:
        assert data[name]["score"] == 0 and data[name]["output"], name
    assert "no such file" in data["missing.ipynb"]["output"]
    assert "not a Jupyter notebook" in data["not-json.ipynb"]["output"]
    assert "not a lossedu assignment" in data["other.ipynb"]["output"]
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert len(rows) == 1 + len(paths)


def test_a_symlink_to_the_solution_scores_nothing(tmp_path):
    link = tmp_path / "submission.ipynb"
    link.symlink_to(SOLUTION_NB)
    result = grade_notebook(link, CASES, timeout=TIMEOUT)
    assert result.score == 0 and result.messages
