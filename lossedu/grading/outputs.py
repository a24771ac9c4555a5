"""What the grader writes for the teacher and the learners, made safe: terminal report, CSV,
results.json (Gradescope's format), one Markdown feedback file per submission, student ids.

Much of what these outputs show comes from the submission: its file name, exception messages,
cell names. Before it reaches a terminal, a spreadsheet or a JSON encoder, every such text is
escaped (`safe_text`): control characters (ANSI escapes that would clear the teacher's terminal
and print a forged report), lone surrogates and undecodable file-name bytes (which would crash
the UTF-8 encoder and lose the whole batch), bidirectional overrides, and, in CSV cells, a leading
`= + - @` (a spreadsheet would run the cell as a formula).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

# C0 controls but tab and newline, DEL, C1 controls, zero-width and bidirectional marks, line and
# paragraph separators, BOM, lone surrogates.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
_UNSAFE_KEEP_NEWLINES = re.compile(f"[{_UNSAFE}]")
_UNSAFE_ONE_LINE = re.compile(f"[{_UNSAFE}\n]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _escape(match):
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code == 0x0A:
        return "\\n"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text, *, newlines=True):
    """`text` with every character that a terminal, a spreadsheet or UTF-8 could misread written as
    a visible escape (`\\x1b`, `\\ud800`, `\\xff` for an undecodable file-name byte).

    newlines=False also escapes newlines: for one learner-controlled fragment inside our own
    multi-line feedback, so that it cannot start a line that looks like the grader's.
    """
    if not isinstance(text, str):
        text = str(text)
    return (_UNSAFE_KEEP_NEWLINES if newlines else _UNSAFE_ONE_LINE).sub(_escape, text)


def safe_line(text):
    """One learner-controlled fragment, on one line (see `safe_text`)."""
    return safe_text(text, newlines=False)


def display_path(path):
    """A submission's path as shown everywhere: str, undecodable bytes escaped."""
    return safe_line(os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path))


def csv_cell(value):
    """A CSV cell: numbers as they are; text on one line, escaped, and a leading formula character
    quoted with an apostrophe (what spreadsheets document for literal text)."""
    if isinstance(value, (int, float)) or value is None:
        return "" if value is None else value
    text = safe_line(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def deep_safe(data):
    """A JSON-able structure with every string made safe (newlines kept: feedback is multi-line)."""
    if isinstance(data, str):
        return safe_text(data)
    if isinstance(data, dict):
        return {safe_text(k): deep_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [deep_safe(v) for v in data]
    return data


# ----------------------------------------------------------------------------- student ids
# A group of 4+ digits standing alone in the file name: Canvas "doejane_12345_6789_hw.ipynb" and
# "doejane_LATE_12345_…" (the user id comes first), Moodle "Jane Doe_12345_assignsubmission_file_…".
_ID_IN_NAME = re.compile(r"(?:^|[_\s.-])(\d{4,})(?=[_\s.-]|$)")
_GRADESCOPE_FOLDER = re.compile(r"submission_(\d+)")


def student_id(path, roster=None):
    """The student id of a submission: from the roster (file name → id) if one is given, else the
    first stand-alone group of 4 or more digits in the file name (Canvas, Moodle), else the digits
    of a parent folder named `submission_NNN` (Gradescope's export); '' if none."""
    path = Path(os.fsdecode(path))
    if roster is not None:
        return roster.get(path.name, "")
    found = _ID_IN_NAME.search(path.stem)
    if found:
        return found.group(1)
    for parent in path.parents:
        folder = _GRADESCOPE_FOLDER.fullmatch(parent.name)
        if folder:
            return folder.group(1)
    return ""


def read_roster(path):
    """A roster CSV as {file name: student id}. Its header names the columns: `file` (or
    `submission`: the submitted file's name, or a path ending with it) and `student_id` (or `id`)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
        file_col = fields.get("file") or fields.get("submission")
        id_col = fields.get("student_id") or fields.get("id")
        if not file_col or not id_col:
            raise ValueError(f"roster {path}: its header must name a `file` and a `student_id` column "
                             f"(found: {', '.join(fields) or 'nothing'})")
        roster = {}
        for row in reader:
            name, sid = (row.get(file_col) or "").strip(), (row.get(id_col) or "").strip()
            if name:
                roster[Path(name).name] = sid
    return roster


# ----------------------------------------------------------------------------- terminal
def _say(result, text, **fields):
    """A fixed text of the outputs in the result's language (its submission's, see grade.Result.language)."""
    from .lang import say

    return say(getattr(result, "language", "en"), text, **fields)


def report(result, out=None):
    """Print the teacher's report of one result (escaped: nothing a submission wrote can reach the
    terminal raw) to `out` (default: standard output)."""
    out = sys.stdout if out is None else out
    who = f" [{result.student_id}]" if result.student_id else ""
    print(safe_text(f"== {result.submission}{who}: {result.assignment or '?'} {result.score:g}/{result.max_score:g}"),
          file=out)
    for message in result.messages:
        print(safe_text("  " + _say(result, "note: {message}", message=message)), file=out)
    for part in result.parts:
        print(safe_text(part.full_output), file=out)


# ----------------------------------------------------------------------------- files
def run_columns(result):
    """What identifies the grading run of a result: the hidden cases' seed, the secret's id, the isolation."""
    return {"seed": "" if result.seed is None else str(result.seed), "secret_id": result.secret_id,
            "isolation": result.isolation}


def write_csv(results, path):
    """One row per submission: submission, student_id, assignment, score, max_score, the points of
    each graded function, then seed, secret_id, isolation and messages."""
    parts = []
    for r in results:
        for p in r.parts:
            if p.name not in parts:
                parts.append(p.name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "student_id", "assignment", "score", "max_score", *parts,
                         "seed", "secret_id", "isolation", "messages"])
        for r in results:
            points = {p.name: round(p.score, 4) for p in r.parts}
            run = run_columns(r)
            row = [r.submission, r.student_id, r.assignment, r.score, r.max_score,
                   *[points.get(p) for p in parts], run["seed"], run["secret_id"], run["isolation"],
                   " | ".join(r.messages)]
            writer.writerow([csv_cell(v) for v in row])


def write_json(data, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(deep_safe(data), indent=2, ensure_ascii=False), encoding="utf-8")


def _fence(text):
    """A Markdown code fence longer than any run of backticks in `text` (so it cannot be closed early)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def feedback_markdown(result):
    """One submission's feedback as Markdown: score, notes, then each graded function's feedback.
    Every text that came from the submission sits inside a code block (never rendered as HTML)."""
    title = _say(result, "{assignment}: {score:g} / {max_score:g} points",
                 assignment=result.assignment or _say(result, "not graded"), score=result.score,
                 max_score=result.max_score)
    name = safe_line(Path(result.submission).name).replace('`', chr(39))
    lines = [f"# {safe_line(title)}", "", _say(result, "Submission: `{name}`", name=name), ""]
    blocks = []
    if result.messages:
        blocks.append((_say(result, "Notes"), "\n".join(f"- {m}" for m in result.messages)))
    for part in result.parts:
        blocks.append((f"{part.name}: {part.score:.2f} / {part.max_score:g}", part.full_output))
    for heading, body in blocks:
        body = safe_text(body)
        fence = _fence(body)
        lines += [f"## {safe_line(heading)}", "", f"{fence}text", body, fence, ""]
    return "\n".join(lines)


def feedback_file_name(result, taken):
    """A file name for a result's feedback: the submission's stem reduced to [A-Za-z0-9._-], made unique."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(result.submission).stem).strip("._")[:100] or "submission"
    name, k = f"{stem}.md", 1
    while name.lower() in taken:
        k += 1
        name = f"{stem}-{k}.md"
    taken.add(name.lower())
    return name


def write_feedback_files(results, folder):
    """One Markdown feedback file per submission in `folder` (created if needed); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    taken, written = set(), []
    for result in results:
        path = folder / feedback_file_name(result, taken)
        path.write_text(feedback_markdown(result), encoding="utf-8")
        written.append(path)
    return written
