"""Planted bugs: each is a small edit of a solution notebook's cell that a learner might make; the
grader must take points off the parts it breaks (tests/test_grading.py applies every one) and, where a
bug has a `diagnosis`, say it in the feedback (tests/test_grading_cases.py). Planted bugs are optional
for a new assignment, and recommended.

One module per assignment, `pNN_<name>.py`, defining BUGS = [Bug(...), ...]."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Bug:
    name: str           # what the mistake is, e.g. "sum instead of mean"
    cell: str           # grade_id of the solution cell to edit
    old: str            # text that occurs exactly once in that cell…
    new: str            # …and what it becomes
    loses: tuple        # graded functions (part names) that must lose points
    diagnosis: str = ""  # a fragment of the "likely cause" the feedback must give (on one of `loses`)
