"""`lossedu grade`: grade submitted notebooks in a sandbox, against torch, with partial credit.

For each submission: find its assignment (notebook metadata, else its nbgrader cell ids); take the
code of its solution cells (and the definitions from cells the learner added), never the
submission's locked cells; run each graded part in its own sandboxed process (sandbox.py) on the
public cases and hidden ones drawn from this run's seed; compare in this process with torch's
answers; score each part by the fraction of cases passed.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import notebook as nbio
from .check import public_cases
from .registry import EXERCISES, MODULES, assignment as get_assignment
from .sandbox import run_part
from .spec import compare


@dataclasses.dataclass
class PartResult:
    name: str
    score: float
    max_score: float
    output: str
    stuck: bool = False  # the learner's cells themselves never finished: no other part can run either


@dataclasses.dataclass
class Result:
    submission: str
    assignment: str = ""
    parts: list = dataclasses.field(default_factory=list)
    messages: list = dataclasses.field(default_factory=list)

    @property
    def score(self):
        return round(sum(p.score for p in self.parts), 4)

    @property
    def max_score(self):
        return sum(p.max_score for p in self.parts)

    def gradescope(self):
        """Gradescope's results.json for this submission."""
        return {
            "score": self.score,
            "output": "\n".join(self.messages) or f"{self.assignment}: {self.score:g} / {self.max_score:g}",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [{"name": p.name, "score": round(p.score, 4), "max_score": p.max_score,
                       "status": "passed" if p.score >= p.max_score else "failed",
                       "output": p.output, "visibility": "visible"} for p in self.parts],
        }


class Cases:
    """This run's cases and torch's answers for them, per assignment part, computed once."""

    def __init__(self, seed):
        self.seed = seed
        self._cache = {}

    def get(self, assignment, index):
        key = (assignment.name, index)
        if key not in self._cache:
            import torch

            part = assignment.parts[index]
            public = public_cases(part)
            hidden = part.cases(np.random.default_rng([self.seed, index, len(assignment.name)]), True)
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # tiny tensors: threads only cost time, the more so on a busy machine
            try:
                expected = [part.expected(case.args) for case in public + hidden]
            finally:
                torch.set_num_threads(threads)
            self._cache[key] = (public, hidden, expected)
        return self._cache[key]


# ----------------------------------------------------------------------------- the notebook's code
def exercise_notebook(name):
    return nbio.load(EXERCISES / f"{name}.ipynb")


def _solution_ids(name):
    try:
        cells = exercise_notebook(name)["cells"]
    except ValueError:  # an assignment whose exercise is not generated yet
        return set()
    return {nbio.nbgrader(c).get("grade_id") for c in cells if nbio.nbgrader(c).get("solution")}


def identify(nb):
    """The assignment name of a submitted notebook, or raise ValueError saying why not."""
    # nbio.load has checked the structure: metadata and lossedu are mappings, assignment a string
    name = nb.get("metadata", {}).get("lossedu", {}).get("assignment")
    if name in MODULES:
        return name
    ids = {nbio.nbgrader(c).get("grade_id") for c in nb["cells"]} - {None, ""}
    overlap = {n: len(ids & _solution_ids(n)) for n in MODULES}
    best = max(overlap.values(), default=0)
    matches = [n for n, k in overlap.items() if k == best]
    if best and len(matches) == 1:  # the assignment sharing the most solution cells with it
        return matches[0]
    raise ValueError("this notebook is not a lossedu assignment (its metadata names no assignment and its "
                     "cells match none): submit the exercise notebook you were given, with your code in it")


def cells_to_run(nb, exercise):
    """[(name, code)] the grader runs, and notes for the learner.

    The exercise's `setup` cells (its own copy, not the submission's), then the submission's
    solution cells matched by grade_id, in the exercise's order, then imports/functions/classes
    from cells the learner added. Locked cells are never taken from the submission.
    """
    notes = []
    ex_cells = exercise["cells"]
    by_id = {}
    for cell in nb["cells"]:
        gid = nbio.nbgrader(cell).get("grade_id")
        if gid and gid not in by_id:
            by_id[gid] = cell
    run = [(f"setup cell {i}", nbio.as_python(nbio.source(c))) for i, c in enumerate(ex_cells)
           if c.get("cell_type") == "code" and "setup" in nbio.tags(c)]
    known_ids = {nbio.nbgrader(c).get("grade_id") for c in ex_cells}
    known_sources = {nbio.source(c).strip() for c in ex_cells}
    for cell in ex_cells:
        meta = nbio.nbgrader(cell)
        gid = meta.get("grade_id")
        if meta.get("locked"):
            mine = by_id.get(gid)
            if mine is None:
                notes.append(f"locked cell {gid!r} is missing from your notebook (the grader used the original)")
            elif nbio.source(mine) != nbio.source(cell):
                notes.append(f"locked cell {gid!r} was changed in your notebook (the grader used the original)")
        elif meta.get("solution") and cell.get("cell_type") == "code":
            mine = by_id.get(gid)
            if mine is None:
                notes.append(f"your solution cell {gid!r} is missing (was it deleted, or its metadata removed?)")
            elif mine.get("cell_type") == "code":
                run.append((f"cell {gid!r}", nbio.as_python(nbio.source(mine))))
    extra = 0
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or nbio.nbgrader(cell).get("grade_id") in known_ids:
            continue
        if nbio.source(cell).strip() in known_sources:
            continue
        snippets = nbio.definitions_only(nbio.source(cell))
        if snippets:
            extra += 1
            run += [(f"added cell {extra}" + (f", part {k + 1}" if len(snippets) > 1 else ""), code)
                    for k, code in enumerate(snippets)]
    if extra:
        notes.append(f"from {extra} cell(s) you added, the grader ran only imports and function/class definitions")
    return run, notes


# ----------------------------------------------------------------------------- grading
def _feedback_line(kind, label, problem, diagnosis):
    line = f"  ✗ {kind}{label}: {problem}"
    return line + (f"\n      likely cause: {diagnosis}" if diagnosis else "")


def grade_part(assignment, index, code, cases, *, timeout, memory_mb):
    part = assignment.parts[index]
    public, hidden, expected = cases.get(assignment, index)
    all_cases = public + hidden
    run = run_part(code, part.function, all_cases, timeout=timeout, memory_mb=memory_mb)
    lines, passed = [], [0, 0]  # public, hidden
    if not run.found:
        why = run.stopped or (run.cell_errors[-1] if run.cell_errors else f"no function called {part.function}")
        msg = f"{part.function}: not graded: {why}"
        if "NotImplementedError" in "".join(run.cell_errors):
            msg = f"{part.function}: not implemented yet"
        return PartResult(part.function, 0.0, part.points, msg, stuck="time limit" in run.stopped)
    for i, case in enumerate(all_cases):
        is_public = i < len(public)
        kind, label = ("", case.label) if is_public else ("hidden case ", str(i - len(public) + 1))
        outcome = run.outcomes.get(i)
        if outcome is None:
            lines.append(_feedback_line(kind, label, f"no answer ({run.stopped or 'the run ended before this case'})", ""))
            continue
        if outcome.error:
            lines.append(_feedback_line(kind, label, f"raised {outcome.error}", ""))
            continue
        answer = tuple(outcome.arrays) if outcome.is_tuple else (outcome.arrays[0] if len(outcome.arrays) == 1 else None)
        if answer is None:
            lines.append(_feedback_line(kind, label, "returned nothing readable", ""))
            continue
        verdict = compare(part, case, answer, expected[i])
        if verdict.passed:
            passed[0 if is_public else 1] += 1
        else:
            # a hidden case says how far off, never its numbers (they would reveal torch's answer)
            problem = verdict.problem
            if not is_public and "has shape" not in problem:
                problem = re.sub(r"(: got |, expected ).*$", "", problem)
            lines.append(_feedback_line(kind, label, problem, verdict.diagnosis))
    errors = [o.error for o in run.outcomes.values() if o.error]
    if len(errors) == len(all_cases) and all(e.startswith("NotImplementedError") for e in errors):
        return PartResult(part.function, 0.0, part.points, f"{part.function}: not implemented yet → 0/{part.points:g} points")
    # The smaller of the two pass rates: public answers learned by heart earn nothing (the hidden
    # cases are new every run), and a mistake only a public tricky case reveals still costs.
    score = part.points * min(passed[0] / len(public), passed[1] / len(hidden))
    head = (f"{part.function}: {sum(passed)}/{len(all_cases)} cases passed ({passed[0]}/{len(public)} public, "
            f"{passed[1]}/{len(hidden)} hidden) → {score:.2f}/{part.points:g} points")
    if run.stopped:
        head += f"\n  the run {run.stopped}"
    shown = lines[:12] + ([f"  … and {len(lines) - 12} more"] if len(lines) > 12 else [])
    return PartResult(part.function, score, part.points, "\n".join([head, *shown]))


def grade_notebook(path, cases, *, timeout=20.0, memory_mb=2048, only=None):
    """Grade one submitted notebook; never raises for a bad submission (the Result says what was wrong).

    only: the one assignment accepted (as on Gradescope, where each assignment has its own autograder).
    """
    try:
        return _grade_notebook(path, cases, timeout=timeout, memory_mb=memory_mb, only=only)
    except Exception as exc:  # noqa: BLE001 - one odd submission must not stop the batch
        return Result(submission=str(path), messages=[f"this notebook could not be graded ({type(exc).__name__}: "
                                                      f"{exc}); please tell your teacher"])


def _grade_notebook(path, cases, *, timeout, memory_mb, only):
    result = Result(submission=str(path))
    try:
        nb = nbio.load(path)
        name = identify(nb)
    except ValueError as exc:
        result.messages.append(str(exc))
        return result
    if only is not None and name != only:
        result.messages.append(f"this notebook is assignment {name}, but this grader grades {only}: "
                               f"submit the {only} notebook")
        return result
    assignment = get_assignment(name)
    result.assignment = name
    code, notes = cells_to_run(nb, exercise_notebook(name))
    result.messages += notes
    for index, part in enumerate(assignment.parts):
        if result.parts and result.parts[-1].stuck:  # don't spend the time limit again on every part
            result.parts.append(PartResult(part.function, 0.0, part.points,
                                           f"{part.function}: not graded: your cells did not finish (see above)",
                                           stuck=True))
            continue
        result.parts.append(grade_part(assignment, index, code, cases, timeout=timeout, memory_mb=memory_mb))
    return result


def grade_many(paths, *, jobs=1, timeout=20.0, memory_mb=2048, seed=None, only=None):
    cases = Cases(secrets.randbits(63) if seed is None else seed)
    # torch's answers first, once for the whole run (threads below only wait on sandboxes)
    for name in {_peek_assignment(p) for p in paths} - {None}:
        a = get_assignment(name)
        for index in range(len(a.parts)):
            cases.get(a, index)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda p: grade_notebook(p, cases, timeout=timeout, memory_mb=memory_mb, only=only),
                             paths))


def _peek_assignment(path):
    try:
        return identify(nbio.load(path))
    except Exception:  # noqa: BLE001 - grade_notebook reports it properly
        return None


# ----------------------------------------------------------------------------- output files
def combined(results):
    """Several submissions (one student's notebooks) as one Gradescope results dict."""
    if len(results) == 1:
        return results[0].gradescope()
    best = {}  # one result per assignment, the best: uploading a notebook twice must not count twice
    for r in results:
        key = r.assignment or r.submission
        if key not in best or r.score > best[key].score:
            best[key] = r
    results = list(best.values())
    if len(results) == 1:
        return results[0].gradescope()
    tests, outputs = [], []
    for r in results:
        name = Path(r.submission).name
        data = r.gradescope()
        outputs.append(f"{name}: {data['output']}")
        tests += [{**t, "name": f"{name}: {t['name']}"} for t in data["tests"]]
    return {"score": round(sum(r.score for r in results), 4), "output": "\n".join(outputs),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def write_results_json(results, path, combine=False):
    """One submission (or combine=True): Gradescope's results.json. Several: a list of
    {submission, results}, one Gradescope dict each."""
    data = combined(results) if combine or len(results) == 1 else [
        {"submission": r.submission, "results": r.gradescope()} for r in results]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False))


def write_csv(results, path):
    """One row per submission: submission, assignment, score, max_score, then points per part."""
    parts = []
    for r in results:
        for p in r.parts:
            if p.name not in parts:
                parts.append(p.name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "assignment", "score", "max_score", *parts, "messages"])
        for r in results:
            points = {p.name: round(p.score, 4) for p in r.parts}
            writer.writerow([r.submission, r.assignment, r.score, r.max_score,
                             *[points.get(p, "") for p in parts], " | ".join(r.messages)])


def report(result, out=sys.stdout):
    print(f"== {result.submission}: {result.assignment or '?'} {result.score:g}/{result.max_score:g}", file=out)
    for message in result.messages:
        print(f"  note: {message}", file=out)
    for part in result.parts:
        print(part.output, file=out)
