"""The language of the grader's feedback: English, or 简体中文 for a Chinese notebook.

`check(fn)` speaks the learner's kernel language (`lossedu.i18n.language()`, which a Chinese notebook sets
with `lossedu.set_language("zh")`). `lossedu grade` speaks each submission's own language, read from its
metadata (`metadata.lossedu.language`, written by tools/translate.py; missing or unknown: English), unless
the teacher forces one (`lossedu grade --language en|zh`). The language is passed along explicitly, never
set globally, so submissions of both languages can be graded in parallel threads.

Three kinds of text, all from the catalogue `lossedu/i18n/zh_feedback.py`:
* fixed messages with fields (`say`): `FEEDBACK`, keyed by the English template, formatted after translation
  (the catalogue of the feedback alone: `lossedu.i18n.tr` also holds the figures' texts);
* the usual mistakes (`Mistake.message`): `FEEDBACK`, keyed by the English message (`say` without fields);
* case labels (`label`), many of them built from arguments ("input (4, 3), reduction='sum' (…)"): the whole
  label if `FEEDBACK` has it, else each prose fragment of `PHRASES` replaced (longest first), so argument
  names, values and shapes stay as they are.
"""

from __future__ import annotations

import functools
import re

from .. import i18n

ENGLISH = "en"


def normal(lang, default=ENGLISH):
    """A language code ("en", "zh") from any spelling `lossedu.set_language` accepts; `default` if unknown."""
    try:
        return i18n._normal(lang)
    except (TypeError, ValueError):
        return default


def notebook_language(nb):
    """A notebook's language: metadata.lossedu.language ("zh"), English if missing or unknown."""
    meta = nb.get("metadata", {}) if isinstance(nb, dict) else {}
    lossedu = meta.get("lossedu", {}) if isinstance(meta, dict) else {}
    value = lossedu.get("language") if isinstance(lossedu, dict) else None
    return normal(value) if isinstance(value, str) else ENGLISH


def current():
    """The language of the learner's kernel (for `check`)."""
    return i18n.language()


def _feedback(lang):
    """The feedback catalogue of `lang` (zh_feedback.FEEDBACK, never the figures' texts, which may say the same
    English word another way)."""
    from ..i18n import zh_feedback

    return zh_feedback.FEEDBACK if lang == "zh" else {}


def say(lang, text, **fields):
    """`text` (an English template) in `lang`, formatted with `fields`."""
    if lang and lang != ENGLISH:
        text = _feedback(lang).get(text, text)
    return text.format(**fields) if fields else text


def _phrases(lang, kind="PHRASES"):
    from ..i18n import zh_feedback

    return getattr(zh_feedback, kind, {}) if lang == "zh" else {}


@functools.lru_cache(maxsize=8)
def _phrase_pattern(lang, kind="PHRASES"):
    phrases = _phrases(lang, kind)
    if not phrases:
        return None

    def bounded(p):
        esc = re.escape(p)
        return (r"(?<![A-Za-z0-9_])" if p[:1].isalnum() or p[:1] == "_" else "") + esc + \
            (r"(?![A-Za-z0-9_])" if p[-1:].isalnum() or p[-1:] == "_" else "")

    return re.compile("|".join(bounded(p) for p in sorted(phrases, key=len, reverse=True)))


def label(lang, text):
    """A case label in `lang`: the catalogue's whole label, else its prose fragments translated."""
    if lang == ENGLISH or not lang or not text:
        return text
    whole = _feedback(lang).get(text)
    return whole if whole is not None else _replace(lang, text, "PHRASES")


def _replace(lang, text, kind):
    pattern = _phrase_pattern(lang, kind)
    if pattern is None:
        return text
    phrases = _phrases(lang, kind)
    return pattern.sub(lambda m: phrases[m.group(0)], text)


# What the sandbox writes about a learner's cell ("<cell name>, line 3: NameError: …", the cell names already in
# the submission's language, see grade.cells_to_run): the grader's words are translated here, the learner's
# own exception text stays as it is.
_CELL_LINE = re.compile(r"^(?P<cell>.+?), (?P<where>line \d+|its code)(?P<inner> \(in (?P<in>.+?), line (?P<n>\d+)\))?: ")


def sandbox_text(lang, text):
    """A text the sandbox produced (a cell's error, a case's error, why the run stopped) in `lang`."""
    if lang == ENGLISH or not lang or not text:
        return text
    out = text
    m = _CELL_LINE.match(out)
    if m:
        where = m.group("where")
        where = say(lang, "line {n}", n=where.split()[1]) if where.startswith("line") else say(lang, "its code")
        inner = say(lang, " (in {cell}, line {n})", cell=m.group("in"), n=m.group("n")) if m.group("inner") else ""
        out = f"{m.group('cell')}, {where}{inner}: " + out[m.end():]
    out = re.sub(r" \((?P<cell>[^()]*), line (?P<n>\d+)\)(?= -- because |$)",
                 lambda k: say(lang, " ({cell}, line {n})", cell=k.group("cell"), n=k.group("n")), out)
    out = out.replace(" -- because ", say(lang, " -- because "))
    return _replace(lang, out, "SANDBOX")


# Why a sandboxed run stopped (sandbox.py, in English): each template is matched, then said in the language.
STOPPED = (
    "stopped after the {seconds} s time limit (an endless loop, or far too slow?)",
    "stopped after the {seconds} s time limit in the top-level code of {where} (an endless loop, or far too slow? "
    "Only definitions need to run at the top level)",
    "ran out of memory (limit {mb} MB)",
    "used more CPU time than allowed",
    "wrote more than the 64 MB allowed (printing too much?)",
    "was killed by signal {signal}",
    "crashed: {why}",
    "crashed",
)


@functools.lru_cache(maxsize=None)
def _template_pattern(template):
    parts = re.split(r"\{(\w+)\}", template)
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts))
    return re.compile(rx + r"\Z", re.S)


def stopped_text(lang, text):
    """Why a run stopped (one of `STOPPED`, filled in) in `lang`."""
    if lang == ENGLISH or not lang or not text:
        return text
    for template in STOPPED:
        m = _template_pattern(template).match(text)
        if m:
            fields = m.groupdict()
            if "where" in fields:
                fields["where"] = sandbox_text(lang, fields["where"] + ": ")[:-2]
            return say(lang, template, **fields)
    return sandbox_text(lang, text)
