"""`lossedu grade`: grade submitted notebooks in a sandbox, against torch, with partial credit.

For each submission: read its file once (a private, size-capped copy: the learner's path is never
opened again); find its assignment (notebook metadata, else its cells' ids or contents); take the
code of its solution cells (and the definitions from cells the learner added), never the
submission's locked cells; run each graded part in its own sandboxed process (sandbox.py) on the
public cases and hidden ones; compare in this process with torch's answers; score each part by the
fraction of cases passed.

The hidden cases come from a seed derived from the course secret and the assignment's name
(course_secret.py), so the same notebook always gets the same marks; outputs record the seed and
the secret's id. Everything written out is escaped (outputs.py).

The feedback is in each submission's own language (lang.py): a notebook of the Chinese edition
(metadata `lossedu.language = "zh"`) is compared with the Chinese exercise (exercises/zh/) and gets
Chinese feedback, the same marks as the English notebook with the same code; `language=` (the CLI's
`--language`) forces the feedback's language, never the exercise it is compared with.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import functools
import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import notebook as nbio
from . import lang as L
from .check import public_cases
from .course_secret import Secret, load_secret, secret_id, seed_for
from .outputs import (deep_safe, display_path, report, run_columns, safe_line, student_id,
                      write_csv, write_feedback_files, write_json)
from .registry import MODULES, assignment as get_assignment, exercise_path
from .sandbox import run_part
from .spec import compare

__all__ = ["Cases", "PartResult", "Result", "cells_to_run", "combined", "default_memory_mb", "exercise_notebook",
           "grade_many", "grade_notebook", "grade_part", "identify", "read_submission", "report", "write_csv",
           "write_feedback_files", "write_results_json"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's


@dataclasses.dataclass
class PartResult:
    """One graded function: its points and feedback.

    output: everything the teacher sees (summary, cell errors, public and hidden cases' lines);
    hidden_output: the hidden cases' lines alone (also in `output`), which Gradescope shows only as
    its visibility setting allows.
    """

    name: str
    score: float
    max_score: float
    output: str
    stuck: bool = False  # the learner's cells themselves never finished: no other part can run either
    hidden_output: str = ""
    isolation: str = ""  # what the sandbox could enforce on this machine (sandbox.PartRun.isolation)

    @property
    def full_output(self):
        return self.output

    @property
    def public_output(self):
        """`output` without the hidden cases' lines (which grade_part puts last)."""
        if self.hidden_output and self.output.endswith("\n" + self.hidden_output):
            return self.output[:-len(self.hidden_output) - 1]
        return self.output


@dataclasses.dataclass
class Result:
    """One submission's result. `submission` is its path as shown (escaped); `seed` and `secret_id`
    say which hidden cases it was graded on."""

    submission: str
    assignment: str = ""
    parts: list = dataclasses.field(default_factory=list)
    messages: list = dataclasses.field(default_factory=list)
    student_id: str = ""
    seed: int | None = None
    secret_id: str = ""
    language: str = "en"  # of the feedback: the submission's own (metadata.lossedu.language) or the teacher's

    @property
    def score(self):
        return round(sum(p.score for p in self.parts), 4)

    @property
    def max_score(self):
        return sum(p.max_score for p in self.parts)

    @property
    def isolation(self):
        return "; ".join(sorted({p.isolation for p in self.parts if p.isolation}))

    def gradescope(self, hidden_visibility="after_published"):
        """Gradescope's results.json for this submission. Each graded function is one test
        (visible: its score, the public cases' feedback); the hidden cases' feedback, if any, is a
        test of its own, with visibility `hidden_visibility`."""
        if hidden_visibility not in VISIBILITIES:
            raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
        tests = []
        for p in self.parts:
            tests.append({"name": p.name, "score": round(p.score, 4), "max_score": p.max_score,
                          "status": "passed" if p.score >= p.max_score else "failed",
                          "output": p.public_output, "visibility": "visible"})
            if p.hidden_output:
                tests.append({"name": L.say(self.language, "{name}: hidden cases", name=p.name), "status": "failed",
                              "output": p.hidden_output, "visibility": hidden_visibility})
        return deep_safe({
            "score": self.score,
            "output": "\n".join(self.messages) or L.say(self.language, "{assignment}: {score:g} / {max_score:g}",
                                                        assignment=self.assignment, score=self.score,
                                                        max_score=self.max_score),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {**run_columns(self), "student_id": self.student_id},
        })


class Cases:
    """The cases and torch's answers for them, per assignment part, computed once.

    Cases(secret=b"..."): each assignment's hidden cases from `seed_for(secret, name)` (the grader's
    default: reproducible, and unknown to anyone without the secret). Cases(seed): every
    assignment's from that one seed (tests; `--seed`). Public cases are the same for everyone.
    """

    def __init__(self, seed=None, *, secret=None):
        if (seed is None) == (secret is None):
            raise TypeError("Cases needs a seed or a secret (exactly one)")
        if seed is not None and (type(seed) is not int or seed < 0):
            raise TypeError(f"the seed must be a non-negative int, not {seed!r}")
        self.seed = seed
        self.secret = secret.value if isinstance(secret, Secret) else secret
        self._cache = {}

    @property
    def secret_id(self):
        """The secret's id ('' when a seed replaced the secret)."""
        return "" if self.secret is None else secret_id(self.secret)

    def seed_for(self, name):
        """The seed of `name`'s hidden cases; `Cases(that seed)` draws the same ones."""
        return self.seed if self.seed is not None else seed_for(self.secret, name)

    def get(self, assignment, index):
        key = (assignment.name, index)
        if key not in self._cache:
            import torch

            part = assignment.parts[index]
            public = public_cases(part)
            rng = np.random.default_rng([self.seed_for(assignment.name), index, len(assignment.name)])
            hidden = part.cases(rng, True)
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # tiny tensors: threads only cost time, the more so on a busy machine
            try:
                expected = [part.expected(case.args) for case in public + hidden]
            finally:
                torch.set_num_threads(threads)
            self._cache[key] = (public, hidden, expected)
        return self._cache[key]


# ----------------------------------------------------------------------------- the notebook's code
def _exercise_version(name, language="en"):
    """(path, modification time) of `name`'s exercise (in `language`) where the registry says it is: the
    key of what is read from it, so each version is read and fingerprinted once."""
    path = exercise_path(name, language)
    try:
        version = os.stat(path).st_mtime_ns
    except OSError:
        version = None  # nbio.load says why
    return str(path), version


def _exercise(name, language="en"):
    """The exercise notebook of `name` in `language` (slimmed), read once per version."""
    return _exercise_at(*_exercise_version(name, language))


@functools.lru_cache(maxsize=64)
def _exercise_at(path, version):
    return nbio.slim(nbio.load(path))


def exercise_notebook(name, language="en"):
    """The exercise notebook of assignment `name` in `language` (what the grader knows of it: a copy)."""
    return copy.deepcopy(_exercise(name, language))


def has_exercise(name, language="en"):
    """Whether assignment `name` has an exercise notebook in `language` (the Chinese ones are generated
    from translations, which may not exist yet for every assignment)."""
    return exercise_path(name, language).is_file()


def _fingerprint(name):
    """What identifies assignment `name`'s cells: solution grade_ids, cell ids, locked cells' sources."""
    try:
        return _fingerprint_at(*_exercise_version(name))
    except ValueError:  # an assignment whose exercise is not generated yet
        return frozenset(), frozenset(), frozenset()


@functools.lru_cache(maxsize=64)
def _fingerprint_at(path, version):
    return _compute_fingerprint(_exercise_at(path, version)["cells"])


def _compute_fingerprint(cells):
    solution_ids = {nbio.nbgrader(c).get("grade_id") for c in cells if nbio.nbgrader(c).get("solution")}
    cell_ids = {c["id"] for c in cells if c.get("id")}
    sources = {nbio.source(c).strip() for c in cells if nbio.nbgrader(c).get("locked") and nbio.source(c).strip()}
    return frozenset(solution_ids - {None}), frozenset(cell_ids), frozenset(sources)


def identify(nb):
    """The assignment name of a submitted notebook, or raise ValueError saying why not.

    Its metadata's name if that is an assignment; else the assignment sharing the most cells with
    it: nbgrader grade_ids of solution cells, notebook cell ids, then unchanged locked cells (so a
    notebook whose metadata a tool stripped is still recognised)."""
    # nbio.load has checked the structure: metadata and lossedu are mappings, assignment a string
    name = nb.get("metadata", {}).get("lossedu", {}).get("assignment")
    if name in MODULES:
        return name
    ids = {nbio.nbgrader(c).get("grade_id") for c in nb["cells"]} - {None, ""}
    cell_ids = {c.get("id") for c in nb["cells"] if isinstance(c.get("id"), str)}
    sources = {nbio.source(c).strip() for c in nb["cells"]}
    for signals in (lambda f: len(ids & f[0]) + len(cell_ids & f[1]), lambda f: len(sources & f[2])):
        overlap = {n: signals(_fingerprint(n)) for n in MODULES}
        best = max(overlap.values(), default=0)
        matches = [n for n, k in overlap.items() if k == best]
        if best and len(matches) == 1:  # the assignment sharing the most cells with it
            return matches[0]
    raise ValueError("this notebook is not a lossedu assignment (its metadata names no assignment and its "
                     "cells match none): submit the exercise notebook you were given, with your code in it")


class _Matcher:
    """Finds the submission's cell for each exercise cell: by nbgrader grade_id (the first cell
    claiming it), else by notebook cell id (only for a cell without a grade_id: one whose metadata
    was stripped), else by content (an unchanged locked cell; a code cell defining the solution
    cell's functions). Each submission cell is matched at most once."""

    def __init__(self, nb):
        self.cells = nb["cells"]
        self.by_gid, self.by_id, self.used = {}, {}, set()
        for i, cell in enumerate(self.cells):
            gid = nbio.nbgrader(cell).get("grade_id")
            if gid and gid not in self.by_gid:
                self.by_gid[gid] = i
            cid = cell.get("id")
            if isinstance(cid, str) and cid and not gid and cid not in self.by_id:
                self.by_id[cid] = i
        self.without_metadata = 0  # cells matched by id or content

    def find(self, ex_cell):
        gid = nbio.nbgrader(ex_cell).get("grade_id")
        i = self.by_gid.get(gid) if gid else None
        if i is None and ex_cell.get("id"):
            i = self.by_id.get(ex_cell["id"])
            i = None if i in self.used else i
            self.without_metadata += i is not None
        if i is None:
            i = self._by_content(ex_cell)
            self.without_metadata += i is not None
        if i is not None:
            self.used.add(i)
        return None if i is None else self.cells[i]

    def _by_content(self, ex_cell):
        free = [i for i, c in enumerate(self.cells) if i not in self.used and not nbio.nbgrader(c).get("grade_id")
                and c.get("cell_type") == ex_cell.get("cell_type")]
        text = nbio.source(ex_cell).strip()
        if nbio.nbgrader(ex_cell).get("locked"):
            return next((i for i in free if text and nbio.source(self.cells[i]).strip() == text), None)
        names = nbio.defined_names(nbio.source(ex_cell))
        if not names:
            return None
        return next((i for i in free if names <= nbio.defined_names(nbio.source(self.cells[i]))), None)


def cells_to_run(nb, exercise, language="en"):
    """[(name, code)] the grader runs, and notes for the learner.

    The exercise's `setup` cells (its own copy, not the submission's), then the submission's
    solution cells (matched as `_Matcher` says), in the exercise's order, then imports/functions/
    classes from cells the learner added. Locked cells are never taken from the submission. Code
    over the parsing caps (notebook.too_big, MAX_CODE_CHARS) is not run, and the notes say so.
    """
    notes = []
    say = functools.partial(L.say, language)
    ex_cells = exercise["cells"]
    match = _Matcher(nb)
    run = [(say("setup cell {i}", i=i), nbio.as_python(nbio.source(c))) for i, c in enumerate(ex_cells)
           if c.get("cell_type") == "code" and "setup" in nbio.tags(c)]
    budget = [nbio.MAX_CODE_CHARS]

    def take(label, text):
        """The cell's code if the grader agrees to parse it (else a note and None)."""
        why = nbio.too_big(text, language) or ("" if len(text) <= budget[0] else
                                               say("your notebook's code passed the {n} characters the grader reads",
                                                   n=nbio.MAX_CODE_CHARS))
        if why:
            notes.append(say("{label} was not run: {why}", label=label, why=why))
            return None
        budget[0] -= len(text)
        return text

    known_ids = {nbio.nbgrader(c).get("grade_id") for c in ex_cells} - {None, ""}
    known_sources = {nbio.source(c).strip() for c in ex_cells}
    for cell in ex_cells:
        meta = nbio.nbgrader(cell)
        gid = meta.get("grade_id")
        if meta.get("locked"):
            mine = match.find(cell)
            if mine is None:
                notes.append(say("locked cell {gid} is missing from your notebook (the grader used the original)",
                                 gid=repr(gid)))
            elif nbio.source(mine) != nbio.source(cell):
                notes.append(say("locked cell {gid} was changed in your notebook (the grader used the original)",
                                 gid=repr(gid)))
        elif meta.get("solution") and cell.get("cell_type") == "code":
            mine = match.find(cell)
            if mine is None:
                notes.append(say("your solution cell {gid} is missing (was it deleted?)", gid=repr(gid)))
            elif mine.get("cell_type") == "code":
                code = take(say("your cell {gid}", gid=repr(gid)), nbio.source(mine))
                if code is not None:
                    run.append((say("cell {gid}", gid=repr(gid)), nbio.as_python(code)))
    extra = 0
    for i, cell in enumerate(nb["cells"]):
        if i in match.used or cell.get("cell_type") != "code" or nbio.nbgrader(cell).get("grade_id") in known_ids:
            continue
        text = nbio.source(cell)
        if text.strip() in known_sources or not text.strip():
            continue
        code = take(say("the cell you added at position {i}", i=i + 1), text)
        snippets = nbio.definitions_only(code) if code is not None else []
        if snippets:
            extra += 1
            run += [(say("added cell {n}", n=extra) + (say(", part {k}", k=k + 1) if len(snippets) > 1 else ""), snippet)
                    for k, snippet in enumerate(snippets)]
    if match.without_metadata:
        notes.insert(0, say("your notebook's grading metadata was missing: the grader found {n} of its cells by their "
                            "ids or content", n=match.without_metadata))
    if extra:
        notes.append(say("from {n} cell(s) you added, the grader ran only imports and function/class definitions",
                         n=extra))
    return run, notes


# ----------------------------------------------------------------------------- grading
def _feedback_line(where, problem, diagnosis, language="en"):
    line = f"  ✗ {where}: {problem}"
    return line + ("\n      " + L.say(language, "likely cause: {diagnosis}", diagnosis=diagnosis) if diagnosis else "")


def _builtin_exception(name):
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)


def error_kind(error, language="en"):
    """What a hidden case's error may say: the exception's type if it is one of Python's own, never
    its message nor a class name the learner chose (either could carry the hidden inputs)."""
    name = error.split(":", 1)[0].strip()
    return (L.say(language, "raised {error}", error=name) if name.isidentifier() and _builtin_exception(name)
            else L.say(language, "raised an exception"))


def hidden_problem(problem, language="en"):
    """What a hidden case's wrong answer may say: the kind of difference, never numbers (they would
    reveal torch's answer, or inputs the learner's code chose to echo). `problem`: the English one."""
    named = re.match(r"(\w+) (has shape|is )", problem)
    name = named.group(1) if named else "result"
    name = L.say(language, name) if name == "result" else name
    if named and named.group(2) == "has shape":
        return L.say(language, "{name} has the wrong shape", name=name)
    if re.search(r"\b(nan|inf)\b", problem):
        return L.say(language, "{name} has nan or inf where torch's answer differs", name=name)
    if problem.startswith("expected "):
        what = problem.split(",")[0].split(" got")[0]
        what = L.say(language, "expected a tuple of {n} gradients", n=what.split()[4]) if \
            what.startswith("expected a tuple of ") else L.say(language, what)
        return L.say(language, "the result is not what was asked for ({what})", what=what)
    return L.say(language, "{name} has wrong values", name=name)


def _group(entries, language="en"):
    """Feedback lines with one line per distinct problem: [(where, problem, diagnosis)] → lines."""
    groups = {}
    for where, problem, diagnosis in entries:
        groups.setdefault((problem, diagnosis), []).append(where)
    lines = []
    for (problem, diagnosis), wheres in groups.items():
        where = "; ".join(wheres[:3]) + (L.say(language, "; … ({n} cases)", n=len(wheres)) if len(wheres) > 3 else "")
        lines.append(_feedback_line(where, problem, diagnosis, language))
    return lines


def _hidden_where(numbers, language="en"):
    if len(numbers) == 1:
        return L.say(language, "hidden case {n}", n=numbers[0])
    ranges, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + [None]):
        if cur != prev + 1:
            ranges.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = cur
    return L.say(language, "hidden cases {ranges}", ranges=", ".join(ranges))


def _stop_text(stopped, hidden_started):
    """Why the run stopped, as shown: a crash's own text only while no hidden case had run (after
    that, the learner's code could have written the hidden inputs into it)."""
    if hidden_started and stopped.startswith("crashed"):
        return "crashed"
    return safe_line(stopped)


def grade_part(assignment, index, code, cases, *, timeout, memory_mb, language="en"):
    """One graded part's result, its feedback in `language` ("en" or "zh")."""
    say = functools.partial(L.say, language)
    part = assignment.parts[index]
    public, hidden, expected = cases.get(assignment, index)
    all_cases = public + hidden
    # the hidden cases reach the learner's code only once every public case is answered, so no
    # public case's message (shown in full) can hold a hidden input
    run = run_part(code, part.function, all_cases, timeout=timeout, memory_mb=memory_mb, public=len(public))
    isolation = safe_line(getattr(run, "isolation", "") or "")
    cell_errors = [safe_line(L.sandbox_text(language, e)) for e in run.cell_errors]
    # once every public case has run, the learner's code may be holding a hidden case's inputs
    hidden_started = any(i >= len(public) for i in run.outcomes) or all(i in run.outcomes for i in range(len(public)))
    stopped = L.stopped_text(language, _stop_text(run.stopped, hidden_started)) if run.stopped else ""
    errors_block = ([say("  errors in your cells (fix these first: they may explain the failures below):")]
                    + [f"    ! {e}" for e in cell_errors]) if cell_errors else []
    if not run.found:
        why = stopped or (cell_errors[-1] if cell_errors else say("no function called {name}", name=part.function))
        msg = say("{name}: not graded: {why}", name=part.function, why=why)
        if "NotImplementedError" in "".join(run.cell_errors):
            msg = say("{name}: not implemented yet", name=part.function)
        if len(cell_errors) > 1 or (cell_errors and why != cell_errors[-1]):
            msg = "\n".join([msg, *errors_block])
        return PartResult(part.function, 0.0, part.points, msg, stuck="time limit" in run.stopped, isolation=isolation)
    public_entries, hidden_entries, passed = [], [], [0, 0]
    for i, case in enumerate(all_cases):
        is_public = i < len(public)
        outcome = run.outcomes.get(i)
        if outcome is None:
            problem = say("no answer ({why})", why=stopped or say("the run ended before this case"))
            diagnosis = ""
        elif outcome.error:
            problem = (say("raised {error}", error=safe_line(L.sandbox_text(language, outcome.error))) if is_public
                       else error_kind(outcome.error, language))
            diagnosis = ""
        else:
            answer = (tuple(outcome.arrays) if outcome.is_tuple
                      else (outcome.arrays[0] if len(outcome.arrays) == 1 else None))
            if answer is None:
                problem, diagnosis = say("returned nothing readable"), ""
            else:
                # the hidden cases' problem is read from the English text (hidden_problem), then said in `language`
                verdict = compare(part, case, answer, expected[i], lang=language if is_public else "en")
                if verdict.passed:
                    passed[0 if is_public else 1] += 1
                    continue
                problem = verdict.problem if is_public else hidden_problem(verdict.problem, language)
                diagnosis = say(verdict.diagnosis) if verdict.diagnosis else ""
        if is_public:
            public_entries.append((safe_line(L.label(language, case.label)), safe_line(problem), safe_line(diagnosis)))
        else:
            hidden_entries.append((i - len(public) + 1, safe_line(problem), safe_line(diagnosis)))
    errors = [o.error for o in run.outcomes.values() if o.error]
    if len(errors) == len(all_cases) and all(e.startswith("NotImplementedError") for e in errors):
        return PartResult(part.function, 0.0, part.points,
                          say("{name}: not implemented yet → 0/{points:g} points", name=part.function,
                              points=part.points), isolation=isolation)
    # The smaller of the two pass rates: public answers learned by heart earn nothing (the hidden
    # cases are unknown to the learner), and a mistake only a public tricky case reveals still costs.
    score = part.points * min(passed[0] / len(public), passed[1] / len(hidden))
    head = say("{name}: {passed}/{total} cases passed ({public_passed}/{public} public, {hidden_passed}/{hidden} "
               "hidden) → {score:.2f}/{points:g} points", name=part.function, passed=sum(passed), total=len(all_cases),
               public_passed=passed[0], public=len(public), hidden_passed=passed[1], hidden=len(hidden), score=score,
               points=part.points)
    if stopped:
        head += "\n  " + say("the run {stopped}", stopped=stopped)
    public_lines = _group(public_entries, language)
    by_problem = {}
    for number, problem, diagnosis in hidden_entries:
        by_problem.setdefault((problem, diagnosis), []).append(number)
    hidden_lines = [_feedback_line(_hidden_where(numbers, language), problem, diagnosis, language)
                    for (problem, diagnosis), numbers in by_problem.items()]
    shown = public_lines[:12] + ([say("  … and {n} more", n=len(public_lines) - 12)] if len(public_lines) > 12 else [])
    hidden_shown = hidden_lines[:12] + ([say("  … and {n} more hidden", n=len(hidden_lines) - 12)]
                                        if len(hidden_lines) > 12 else [])
    return PartResult(part.function, score, part.points, "\n".join([head, *errors_block, *shown, *hidden_shown]),
                      hidden_output="\n".join(hidden_shown), isolation=isolation)


@dataclasses.dataclass
class Submission:
    """A submission read once: its path (as given), how it is shown, its notebook (slimmed) or why none,
    and the language of its feedback (its own, see `submission_language`)."""

    path: object
    shown: str
    notebook: dict | None = None
    problem: str = ""
    assignment: str = ""
    language: str = "en"  # of the feedback
    edition: str = "en"  # of the notebook: which exercise it is compared with


def submission_language(nb):
    """A submitted notebook's language: its metadata's (metadata.lossedu.language, written by
    tools/translate.py); without one, Chinese if it still has the Chinese edition's language cell
    (`lossedu.set_language("zh")`, a metadata-stripping tool keeps the cells); else English."""
    language = L.notebook_language(nb)
    if language != "en":
        return language
    meta = nb.get("metadata", {}).get("lossedu", {})
    if not meta.get("language") and any(
            c.get("cell_type") == "code" and re.search(r"""set_language\(\s*["']zh""", nbio.source(c))
            for c in nb["cells"]):
        return "zh"
    return language


def read_submission(path, language=None):
    """Read a submitted file once (capped, never opened again), parse it and identify its assignment.
    language: the feedback's, forced by the teacher; None: the submission's own."""
    sub = Submission(path, display_path(path))
    try:
        sub.notebook = nbio.slim(nbio.loads(nbio.read_bytes(path)))
        sub.edition = submission_language(sub.notebook)
        sub.language = L.normal(language) if language else sub.edition
        sub.assignment = identify(sub.notebook)
    except ValueError as exc:
        sub.problem = L.say(sub.language, str(exc))
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the batch
        sub.problem = L.say(sub.language, "this notebook could not be read ({error}); please tell your teacher",
                            error=f"{type(exc).__name__}: {safe_line(exc)}")
    return sub


def grade_notebook(path, cases, *, timeout=20.0, memory_mb=2048, only=None, language=None):
    """Grade one submitted notebook; never raises for a bad submission (the Result says what was wrong).
    language: of the feedback ("en", "zh"); None: the submission's own."""
    return grade_submission(read_submission(path, language), cases, timeout=timeout, memory_mb=memory_mb, only=only)


def grade_submission(sub, cases, *, timeout=20.0, memory_mb=2048, only=None, sid=""):
    """Grade a submission read by `read_submission`; never raises for a bad submission.

    only: the one assignment accepted (as on Gradescope, where each assignment has its own autograder).
    """
    result = Result(submission=sub.shown, student_id=safe_line(sid), language=sub.language)
    try:
        _grade(sub, result, cases, timeout=timeout, memory_mb=memory_mb, only=only)
    except Exception as exc:  # noqa: BLE001 - one odd submission must not stop the batch
        result.parts = []
        result.messages.append(L.say(sub.language, "this notebook could not be graded ({error}); please tell your "
                                     "teacher", error=f"{type(exc).__name__}: {safe_line(exc)}"))
    return result


def _grade(sub, result, cases, *, timeout, memory_mb, only):
    say = functools.partial(L.say, sub.language)
    if sub.problem:
        result.messages.append(sub.problem)
        return
    name = sub.assignment
    if only is not None and name != only:
        result.messages.append(say("this notebook is assignment {name}, but this grader grades {only}: "
                                   "submit the {only} notebook", name=name, only=only))
        return
    assignment = get_assignment(name)
    if sub.edition != "en" and not has_exercise(name, sub.edition):
        # never grade a Chinese notebook against the English exercise's locked cells (every markdown cell
        # would count as changed): say what is missing instead
        result.assignment = name
        result.messages.append(say("not graded: this is the Chinese edition of assignment {name}, whose Chinese "
                                   "exercise ({path}) does not exist yet, so the grader has no original to compare "
                                   "it with; please tell your teacher", name=name,
                                   path=f"exercises/{sub.edition}/{name}.ipynb"))
        return
    result.assignment = name
    result.seed, result.secret_id = cases.seed_for(name), cases.secret_id
    exercise = _exercise(name) if sub.edition == "en" else _exercise(name, sub.edition)
    code, notes = cells_to_run(sub.notebook, exercise, sub.language)
    result.messages += notes
    for index, part in enumerate(assignment.parts):
        if result.parts and result.parts[-1].stuck:  # don't spend the time limit again on every part
            result.parts.append(PartResult(part.function, 0.0, part.points,
                                           say("{name}: not graded: your cells did not finish (see above)",
                                               name=part.function),
                                           stuck=True, isolation=result.parts[-1].isolation))
            continue
        result.parts.append(grade_part(assignment, index, code, cases, timeout=timeout, memory_mb=memory_mb,
                                       language=sub.language))


# ----------------------------------------------------------------------------- memory
GRADER_MB = 512  # this process with torch's answers loaded (~300 MB resident) plus headroom


CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")  # v2, v1


def container_memory_mb(paths=CGROUP_LIMITS):
    """The memory limit of this machine's container (cgroup v2 or v1) in MB, or None if unlimited."""
    for path in paths:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**50:  # "max", or v1's huge number: no limit
            return int(text) >> 20
    return None


def default_memory_mb(jobs=1, limit_mb=None):
    """Memory per graded function: 2048 MB, or less where the container would kill us first (on
    Gradescope's 768 MB: 256), so that a big allocation meets the sandbox's limit and its message."""
    limit = container_memory_mb() if limit_mb is None else limit_mb
    if limit is None:
        return 2048
    return int(max(256, min(2048, (limit - GRADER_MB) // max(1, jobs))))


def grade_many(paths, *, jobs=1, timeout=20.0, memory_mb=None, seed=None, secret=None, only=None, roster=None,
               language=None):
    """Grade submissions, `jobs` at a time; one Result per path, in order.

    language: of every submission's feedback ("en", "zh"); None (the default): each submission's own.

    seed: every assignment's hidden cases from this seed; else from `secret` (a Secret or bytes;
    default `load_secret()`). roster: {file name: student id} (else ids come from file names).
    """
    if seed is not None:
        cases = Cases(seed)
    else:
        cases = Cases(secret=secret if secret is not None else load_secret())
    memory_mb = default_memory_mb(jobs) if memory_mb is None else memory_mb
    subs = [read_submission(p, language) for p in paths]  # each file read once, here
    # torch's answers first, once for the whole run (threads below only wait on sandboxes)
    for name in {s.assignment for s in subs} - {""}:
        a = get_assignment(name)
        for index in range(len(a.parts)):
            cases.get(a, index)

    def one(sub):
        sid = student_id(sub.path, roster)
        return grade_submission(sub, cases, timeout=timeout, memory_mb=memory_mb, only=only, sid=sid)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, subs))


# ----------------------------------------------------------------------------- output files
def combined(results, hidden_visibility="after_published"):
    """Several submissions (one student's notebooks) as one Gradescope results dict."""
    if len(results) == 1:
        return results[0].gradescope(hidden_visibility)
    best = {}  # one result per assignment, the best: uploading a notebook twice must not count twice
    for r in results:
        key = r.assignment or r.submission
        if key not in best or r.score > best[key].score:
            best[key] = r
    results = list(best.values())
    if len(results) == 1:
        return results[0].gradescope(hidden_visibility)
    tests, outputs = [], []
    for r in results:
        name = os.path.basename(r.submission)
        data = r.gradescope(hidden_visibility)
        outputs.append(f"{name}: {data['output']}")
        tests += [{**t, "name": f"{name}: {t['name']}"} for t in data["tests"]]
    graded = [r for r in results if r.assignment] or results
    return deep_safe({"score": round(sum(r.score for r in results), 4), "output": "\n".join(outputs),
                      "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
                      "extra_data": {**run_columns(graded[0]), "student_id": graded[0].student_id}})


def write_results_json(results, path, combine=False, hidden_visibility="after_published"):
    """One submission (or combine=True): Gradescope's results.json. Several: a list of
    {submission, student_id, seed, secret_id, isolation, results}, one Gradescope dict each."""
    if combine or len(results) == 1:
        data = combined(results, hidden_visibility)
    else:
        data = [{"submission": r.submission, "student_id": r.student_id, **run_columns(r),
                 "results": r.gradescope(hidden_visibility)} for r in results]
    write_json(data, path)
