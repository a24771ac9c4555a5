"""Grading in either language: `check` and `lossedu grade` speak Chinese to a Chinese notebook.

* The catalogue (lossedu/i18n/zh_feedback.py) has every text the grader and `check` can show: each fixed
  message of lossedu/grading (found in the source: every `say(...)` template), the sandbox's stop reasons,
  every usual mistake of every assignment, and the prose of every public case label; the same fields, code
  spans and argument names in both languages; the glossary's terms; no English prose left in Chinese.
* `check` prints Chinese under `lossedu.set_language("zh")`, English otherwise.
* End to end, without waiting for the translators: assignment 01's Chinese solution and exercise are built
  with tools/translate.py's `build()` from a throwaway translation (placeholder Chinese markdown) into a
  temporary exercises folder; the Chinese solution scores full marks, the untouched Chinese exercise 0, a
  buggy Chinese notebook gets the Chinese diagnosis and exactly the English notebook's marks; the outputs
  (report, feedback file, results.json) are Chinese; `--language` forces a language; a Chinese notebook
  whose Chinese exercise does not exist is not graded, with a message that says so.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib.util
import io
import json
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from lossedu import i18n
from lossedu.grading import grade as grader
from lossedu.grading import lang as L
from lossedu.grading import registry
from lossedu.grading.assign import dumps, make_exercise
from lossedu.grading.check import check, public_cases
from lossedu.grading.outputs import feedback_markdown, report
from lossedu.grading.spec import GENERIC_MISTAKES
from lossedu.i18n.zh_feedback import FEEDBACK, PHRASES, SANDBOX

ROOT = Path(__file__).resolve().parents[1]
GRADING = ROOT / "lossedu" / "grading"
NAME = "01_regression"
SEED = 20261205


# ----------------------------------------------------------------------------- what the grader can say
def say_templates():
    """Every English template passed to `say`/`_say` in lossedu/grading/*.py: {template: file}."""
    found = {}
    for path in sorted(GRADING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in ("say", "_say"):
                continue
            text = next((a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)),
                        None)
            if text is not None:
                found[text] = path.name
    return found


def mistake_messages():
    messages = dict.fromkeys(m.message for m in GENERIC_MISTAKES)
    for a in registry.all_assignments():
        for part in a.parts:
            messages.update(dict.fromkeys(m.message for m in part.mistakes))
    return list(messages)


def public_labels():
    """{label: set of the case's argument names} of every public case of every assignment."""
    labels = {}
    for a in registry.all_assignments():
        for part in a.parts:
            for case in public_cases(part):
                labels.setdefault(case.label, set()).update(case.args)
    return labels


def fields(text):
    """The format fields of a template, with their conversions and specs: ['{name}', '{score:.2f}']."""
    return sorted(re.findall(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}", text))


def code_spans(text):
    return sorted(re.findall(r"`[^`]*`", text))


def test_the_fixed_messages_are_found_in_the_source():
    templates = say_templates()
    assert len(templates) > 60
    assert "likely cause: {diagnosis}" in templates and "{name} has wrong values" in templates


def test_every_fixed_message_has_a_translation_with_the_same_fields():
    missing = [t for t in [*say_templates(), *L.STOPPED] if t not in FEEDBACK]
    assert not missing, f"no Chinese for: {missing}"
    for text in [*say_templates(), *L.STOPPED]:
        assert fields(FEEDBACK[text]) == fields(text), text


def test_every_usual_mistake_has_a_translation():
    messages = mistake_messages()
    assert len(messages) > 150
    missing = [m for m in messages if m not in FEEDBACK]
    assert not missing, f"no Chinese for {len(missing)} mistake(s): {missing[:5]}"
    # the last resort of spec.diagnose (not a Mistake, a sentence of its own)
    assert any(k.startswith("your result has inf or nan where torch's is finite") for k in FEEDBACK)


def test_translations_keep_fields_code_and_argument_names():
    names = {n for a in registry.all_assignments() for p in a.parts for c in public_cases(p) for n in c.args}
    for en, zh in FEEDBACK.items():
        assert fields(zh) == fields(en), en
        assert code_spans(zh) == code_spans(en), en
        # argument settings as the learner writes them (reduction='mean', log_target=True) stay as they are
        for setting in re.findall(r"\b\w+=[\w.'\-]+", en):
            assert setting.rstrip(".") in zh, (en, setting)
        for name in names:  # an argument name that is no English word (log_target, pos_weight)
            if "_" in name and re.search(rf"(?<![\w`]){re.escape(name)}(?![\w`])", en):
                assert name in zh, (en, name)


# English words allowed in Chinese feedback: math, libraries, torch's and the papers' names
ALLOWED = set("""nan inf log exp softmax sigmoid softplus relu hinge torch torchvision numpy np float float32 int64
dtype cos max min mean sum none batchmean macro micro logits logit KL CRPS SimCLR SupCon NT Xent TRL pml optax rax
ListNet scikit learn sklearn properscoring GIoU DIoU IoU CosFace SimPO DPO IPO KTO ORPO Poly Stirling Hadsell et al
Fenchel Young Dice Brier Jacobian Taylor F normalize cdist diag sign onehot xlogy ctc one hot sparsemax eps
AvgNonZeroReducer SparsemaxLoss nanmean ListNet lp blank top Python MB CPU id ids import linalg fft random lossedu
cdf apo zero unpaired dim shape arange ce chosen rejected dK diff minimum pinball pw sort
straight through where nll kto sigmoid ipo aa abba aab cc mu sigma var ensemble boxes scores relevance labels inputs
targets input target weight margin embeddings list lists fair auto multi half by scale classes class mask""".split())


def english_left(text, allowed=frozenset()):
    """The English words left in a Chinese text, once code, argument settings, quoted values and the allowed
    names are set aside."""
    t = re.sub(r"`[^`]*`", " ", text)
    t = re.sub(r"\b\w+=\S+", " ", t)
    t = re.sub(r"'[^']*'|\"[^\"]*\"", " ", t)
    t = re.sub(r"\b\w*[_\d]\w*\b", " ", t)  # identifiers with _ or digits: names, shapes, numbers
    t = re.sub(r"\{[^}]*\}", " ", t)
    words = re.findall(r"[A-Za-z]{2,}", t)
    return [w for w in words if w not in ALLOWED and w not in allowed and w.lower() not in ALLOWED
            and w not in argument_names()]


@functools.lru_cache(maxsize=None)
def argument_names():
    """Every argument name of every graded function (they stay as they are in Chinese)."""
    return frozenset(n for a in registry.all_assignments() for p in a.parts for c in public_cases(p) for n in c.args)


def test_no_english_prose_in_the_chinese_messages():
    left = {en: english_left(zh) for en, zh in FEEDBACK.items()}
    left = {en: w for en, w in left.items() if w}
    assert not left, left


def test_every_public_case_label_is_chinese_where_it_is_prose():
    labels = public_labels()
    assert len(labels) > 500
    left = {}
    for label, names in labels.items():
        words = english_left(L.label("zh", label), names)
        if words:
            left[label] = words
    assert not left, f"{len(left)} labels keep English prose, e.g. {dict(list(left.items())[:8])}"


def test_every_phrase_is_used():
    text = "\n".join(public_labels())
    assert not [p for p in PHRASES if p not in text]
    runner = re.sub(r"\"\s*\n\s*f?\"", "", (GRADING / "_runner.py").read_text(encoding="utf-8"))
    assert not [p for p in SANDBOX if p not in runner]
    assert not set(SANDBOX) & set(PHRASES)
    assert not english_left("\n".join(SANDBOX.values()))


def glossary():
    return yaml.safe_load((ROOT / "i18n" / "zh" / "glossary.yml").read_text(encoding="utf-8"))["terms"]


def prose(text):
    """English text without code spans, argument settings and identifiers (where a term is a name, not a word)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b\w+=\S+", " ", text)
    text = re.sub(r"\b\w*_\w*\b", " ", text)
    # an argument inside a formula ("max(0, margin − x)", "x == margin") is a name, not a word
    text = re.sub(r"\{[^}]*\}|\b\w+(?= \([\d, ]*\)| \[)", " ", text)  # fields; arrays shown by shape or value
    return re.sub(r"(?<=[−+=<>(·,≥≤] )\w+|(?<=[(·−])\w+|\w+(?= ?[−+=<>)·≥≤])", " ", text)


def test_the_glossary_terms_are_used():
    texts = dict(FEEDBACK)
    texts.update({label: L.label("zh", label) for label in public_labels()})
    problems = []
    for term in glossary():
        en = re.compile(rf"(?<![\w-]){re.escape(term['en'])}s?(?![\w-])", re.I)
        for english, chinese in texts.items():
            if en.search(prose(english)) and term["zh"] not in chinese:
                problems.append((term["en"], english))
            for avoid in term.get("avoid", []):
                if avoid in chinese:
                    problems.append((avoid, chinese))
    assert not problems, problems[:10]


def test_english_is_the_english_text():
    assert L.say("en", "{name} has wrong values", name="l1_loss") == "l1_loss has wrong values"
    assert L.label("en", "input (4, 3), weight (3,) (one weight per class)") == \
        "input (4, 3), weight (3,) (one weight per class)"
    assert L.label("zh", "input (4, 3), reduction='sum', weight (3,) (one weight per class)") == \
        "input (4, 3), reduction='sum', weight (3,) (每类一个权重)"


def test_the_sandbox_texts_are_said_in_chinese():
    text = "cell 'l1_loss', line 3: NameError: name 'foo' is not defined"
    cell = L.say("zh", "cell {gid}", gid="'l1_loss'")
    assert L.sandbox_text("zh", text.replace("cell 'l1_loss'", cell)) == \
        "单元格 'l1_loss', 第 3 行: NameError: name 'foo' is not defined"
    assert L.stopped_text("zh", "stopped after the 20 s time limit (an endless loop, or far too slow?)") == \
        "在 20 秒的时间限制后被停止（死循环，还是太慢了？）"
    assert L.stopped_text("zh", "ran out of memory (limit 256 MB)") == "内存不足（上限 256 MB）"
    assert L.sandbox_text("zh", "PermissionError: the grader does not let your code open files ('/etc/passwd')") \
        == "PermissionError: 评分程序不允许你的代码打开文件 ('/etc/passwd')"


# ----------------------------------------------------------------------------- check in the learner's kernel
def buggy_l1_loss():
    from lossedu.functional import l1_loss as right

    def l1_loss(input, target, reduction="mean", weight=None):  # 'mean' summed: the usual mistake
        return right(input, target, reduction="sum" if reduction == "mean" else reduction, weight=weight)

    return l1_loss


def run_check(fn, language=None):
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            if language is None:
                check(fn)
            else:
                with i18n.language_set(language):
                    check(fn)
        except AssertionError as exc:
            return out.getvalue(), str(exc)
    return out.getvalue(), ""


def test_check_speaks_the_kernels_language():
    fn = buggy_l1_loss()
    english, error = run_check(fn, "en")
    assert "public cases passed" in english and "likely cause: with reduction='mean' you summed" in english
    assert "public cases failed" in error
    chinese, error = run_check(fn, "zh")
    assert "个公开用例通过" in chinese
    assert "可能的原因：reduction='mean' 时你求了和：应除以项数" in chinese
    assert "input − target" not in chinese or "恰好为" in chinese
    assert "个公开用例中有" in error
    assert not english_left(chinese.replace("l1_loss", ""), {"reduction", "input", "target", "weight"})
    # the same cases fail in both languages
    assert english.count("✗") == chinese.count("✗") > 1
    # set_language is what a Chinese notebook's second cell runs
    before = i18n.language()
    try:
        i18n.set_language("zh")
        assert "个公开用例通过" in run_check(fn)[0]
    finally:
        i18n.set_language(before)
    assert "public cases passed" in run_check(fn)[0]


# ----------------------------------------------------------------------------- end to end
def _load_translate():
    spec = importlib.util.spec_from_file_location("lossedu_tools_translate", ROOT / "tools" / "translate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def throwaway_translation(translate, english):
    """A translation of every cell: placeholder Chinese markdown (the math kept), code cells as they are."""
    cells = []
    for i, cell in enumerate(english["cells"]):
        entry = {"hash": translate.cell_hash(cell)}
        if cell["cell_type"] != "code":
            entry["zh"] = f"## 第 {i} 节（占位的中文）\n\n这里是中文说明。\n"
        cells.append(entry)
    return {"cells": cells}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """exercises/ of a temporary course: assignment 01's English exercise and, in zh/, its Chinese one
    made from a throwaway translation; the Chinese solution, a buggy Chinese and a buggy English notebook."""
    translate = _load_translate()
    root = tmp_path_factory.mktemp("course")
    english_solution = ROOT / "solutions" / f"{NAME}.ipynb"
    english = json.loads(english_solution.read_text(encoding="utf-8"))
    zh_solution = translate.build(english_solution, throwaway_translation(translate, english))
    assert zh_solution["metadata"]["lossedu"] == {"assignment": NAME, "language": "zh"}
    (root / "exercises" / "zh").mkdir(parents=True)
    (root / "exercises" / f"{NAME}.ipynb").write_text(dumps(make_exercise(english)), encoding="utf-8")
    (root / "exercises" / "zh" / f"{NAME}.ipynb").write_text(dumps(make_exercise(zh_solution)), encoding="utf-8")
    paths = {"zh_solution": root / "zh_solution.ipynb", "zh_exercise": root / "exercises" / "zh" / f"{NAME}.ipynb"}
    paths["zh_solution"].write_text(dumps(zh_solution), encoding="utf-8")
    for lang, nb in (("zh", zh_solution), ("en", english)):
        bug = copy.deepcopy(nb)
        for cell in bug["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if "def mse_loss_backward" in src:
                cell["source"] = src.replace("local = 2.0 * (input - target)", "local = 1.0 * (input - target)")
                assert cell["source"] != src
        paths[f"{lang}_buggy"] = root / f"{lang}_buggy.ipynb"
        paths[f"{lang}_buggy"].write_text(dumps(bug), encoding="utf-8")
    return root, paths


@pytest.fixture(scope="module")
def graded(course):
    root, paths = course
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "EXERCISES", root / "exercises")
        order = ["zh_solution", "zh_exercise", "zh_buggy", "en_buggy"]
        results = grader.grade_many([paths[k] for k in order], jobs=4, timeout=60, seed=SEED)
        forced = grader.grade_many([paths["zh_buggy"]], timeout=60, seed=SEED, language="en")
    return dict(zip(order, results)), forced[0]


def test_the_chinese_solution_scores_full_marks_in_chinese(graded):
    result = graded[0]["zh_solution"]
    assert result.language == "zh" and result.assignment == NAME
    assert result.max_score > 0 and result.score == result.max_score, [p.output for p in result.parts]
    assert not result.messages, result.messages  # no locked cell counts as changed: the original is the Chinese one
    for part in result.parts:
        assert "个用例通过" in part.output and "公开用例" in part.output and "隐藏用例" in part.output, part.output
        assert "cases passed" not in part.output


def test_the_untouched_chinese_exercise_scores_zero_in_chinese(graded):
    result = graded[0]["zh_exercise"]
    assert result.score == 0 and result.max_score == graded[0]["zh_solution"].max_score
    assert all("尚未实现" in p.output for p in result.parts), [p.output for p in result.parts]
    assert not any("not implemented" in p.output for p in result.parts)


def test_a_buggy_chinese_notebook_gets_the_chinese_diagnosis_and_the_english_marks(graded):
    zh, en = graded[0]["zh_buggy"], graded[0]["en_buggy"]
    assert zh.language == "zh" and en.language == "en"
    assert [(p.name, p.score) for p in zh.parts] == [(p.name, p.score) for p in en.parts]
    assert 0 < zh.score < zh.max_score
    part = next(p for p in zh.parts if p.name == "mse_loss_backward")
    assert part.score < part.max_score
    assert "可能的原因：差了 2 倍：公式中少了或多了一个 ½（或 2）" in part.output, part.output
    assert "隐藏用例" in part.output and "的数值不对" in part.hidden_output
    english = next(p for p in en.parts if p.name == "mse_loss_backward")
    assert "likely cause: off by a factor of 2" in english.output
    # every English sentence of the grader is gone from the Chinese feedback
    text = "\n".join(p.output for p in zh.parts)
    assert not english_left(text, {"reduction", "input", "target", "weight", "beta", "delta", "points"}
                            | {p.name for p in zh.parts}), english_left(text)


def test_the_outputs_are_in_the_submissions_language(graded):
    zh, en = graded[0]["zh_buggy"], graded[0]["en_buggy"]
    out = io.StringIO()
    report(zh, out)
    assert "个用例通过" in out.getvalue()
    md = feedback_markdown(zh)
    assert md.startswith(f"# {NAME}：") and " 分" in md.splitlines()[0] and "提交的文件：" in md
    md_en = feedback_markdown(en)
    assert md_en.startswith(f"# {NAME}: ") and "points" in md_en.splitlines()[0] and "Submission:" in md_en
    data = zh.gradescope()
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert hidden and all(t["name"].endswith("：隐藏用例") for t in hidden)
    assert "可能的原因" in json.dumps(data, ensure_ascii=False)


def test_the_teacher_can_force_a_language(graded):
    forced = graded[1]
    assert forced.language == "en"
    assert [(p.name, p.score) for p in forced.parts] == [(p.name, p.score) for p in graded[0]["zh_buggy"].parts]
    part = next(p for p in forced.parts if p.name == "mse_loss_backward")
    assert "likely cause: off by a factor of 2" in part.output
    assert not forced.messages  # still compared with the Chinese exercise: no locked cell counts as changed


def test_a_chinese_notebook_without_its_chinese_exercise_is_not_misgraded(course, tmp_path, monkeypatch):
    root, paths = course
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / f"{NAME}.ipynb").write_text((root / "exercises" / f"{NAME}.ipynb").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    monkeypatch.setattr(registry, "EXERCISES", folder)
    result = grader.grade_notebook(paths["zh_solution"], grader.Cases(SEED), timeout=60)
    assert result.parts == [] and result.score == 0
    assert result.messages == [f"未评分：这是作业 {NAME} 的中文版，但它的中文练习（exercises/zh/{NAME}.ipynb）还不存在，"
                               f"评分程序没有可以对照的原始笔记本；请告诉你的老师"]


def test_the_language_of_a_submission():
    zh = {"cells": [], "metadata": {"lossedu": {"assignment": NAME, "language": "zh"}}}
    assert grader.submission_language(zh) == "zh"
    assert grader.submission_language({"cells": [], "metadata": {"lossedu": {"language": "zh_CN"}}}) == "zh"
    assert grader.submission_language({"cells": [], "metadata": {"lossedu": {"language": "klingon"}}}) == "en"
    assert grader.submission_language({"cells": [], "metadata": {}}) == "en"
    # metadata stripped by a tool: the Chinese edition's language cell still says it
    cell = {"cell_type": "code", "source": 'import lossedu\n\nlossedu.set_language("zh")', "metadata": {}}
    assert grader.submission_language({"cells": [cell], "metadata": {}}) == "zh"


def test_the_cli_has_a_language_option():
    from lossedu import cli

    with pytest.raises(SystemExit):
        cli.main(["grade", "--language", "fr", "x.ipynb"])
    parser_help = io.StringIO()
    with redirect_stdout(parser_help), pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    assert "--language" in parser_help.getvalue()


def test_english_grading_is_unchanged_by_the_catalogue():
    # the grader's English texts are the templates themselves
    for text in say_templates():
        if not fields(text):
            assert L.say("en", text) == text


def test_what_the_sandbox_reports_is_said_in_chinese(course, tmp_path, monkeypatch):
    root, paths = course
    monkeypatch.setattr(registry, "EXERCISES", root / "exercises")
    nb = json.loads(paths["zh_solution"].read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if src.startswith("def l1_loss("):  # a refused open() in a case, and a cell that fails at its top level
            cell["source"] = src.replace("    terms = np.abs(input - target)",
                                         '    open("/etc/passwd")\n    terms = np.abs(input - target)', 1)
            cell["source"] += "\nundefined_helper(1)\n"
    path = tmp_path / "zh_sandbox.ipynb"
    path.write_text(dumps(nb), encoding="utf-8")
    result = grader.grade_notebook(path, grader.Cases(SEED), timeout=60)
    part = next(p for p in result.parts if p.name == "l1_loss")
    assert part.score == 0
    assert "引发了 PermissionError: 评分程序不允许你的代码打开文件 ('/etc/passwd')（单元格 'l1_loss' 第" in part.output, \
        part.output
    assert "你的单元格中有错误" in part.output
    assert re.search(r"! 单元格 'l1_loss', 第 \d+ 行: NameError: name 'undefined_helper' is not defined", part.output)
    assert "✗ 隐藏用例 1–" in part.output and ": 引发了 PermissionError" in part.output


def test_the_cli_writes_chinese_feedback_or_what_language_says(course, tmp_path, monkeypatch, capsys):
    from lossedu import cli

    root, paths = course
    monkeypatch.setattr(registry, "EXERCISES", root / "exercises")
    for language in (None, "en"):
        out = tmp_path / (language or "own")
        argv = ["grade", str(paths["zh_buggy"]), "--seed", str(SEED), "--timeout", "60", "--feedback-dir", str(out),
                "--results-json", str(out / "results.json"), "--csv", str(out / "grades.csv")]
        assert cli.main(argv + (["--language", language] if language else [])) == 0
        printed = capsys.readouterr().out
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        feedback = (out / "zh_buggy.md").read_text(encoding="utf-8")
        if language is None:
            assert "可能的原因：差了 2 倍" in printed and "个用例通过" in printed
            assert feedback.startswith(f"# {NAME}：14 / 16 分")
            assert any(t["name"] == "mse_loss_backward：隐藏用例" for t in results["tests"])
        else:
            assert "likely cause: off by a factor of 2" in printed and "个用例" not in printed
            assert feedback.startswith(f"# {NAME}: 14 / 16 points")
        assert results["score"] == 14


def test_a_chinese_notebook_whose_metadata_was_stripped_is_still_graded_in_chinese(course, tmp_path, monkeypatch):
    root, paths = course
    monkeypatch.setattr(registry, "EXERCISES", root / "exercises")
    nb = json.loads(paths["zh_solution"].read_text(encoding="utf-8"))
    nb["metadata"].pop("lossedu")  # identified by its cells, its language by the Chinese edition's language cell
    path = tmp_path / "stripped.ipynb"
    path.write_text(dumps(nb), encoding="utf-8")
    result = grader.grade_notebook(path, grader.Cases(SEED), timeout=60)
    assert (result.assignment, result.language, result.messages) == (NAME, "zh", [])
    assert result.score == result.max_score == 16
