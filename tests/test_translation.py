"""The Chinese edition (tools/translate.py) cannot drift from the English one unnoticed.

Each translation entry records the hash of the English cell it translates: an English cell edited
without its translation, a cell added or removed, a markdown cell left untranslated or a code text that
is no longer in its cell fails here, naming the cell. The committed Chinese notebooks must be exactly what
`make translate` writes. Each translated cell keeps the English math and code spans, and uses the
glossary's terms (i18n/zh/glossary.yml). nbval executes the generated notebooks with all their asserts
(`make test` collects notebooks/zh/, solutions/zh/ and exercises/zh/ too).
"""
from __future__ import annotations

import collections
import copy
import json
import os
import re

import pytest
import yaml

import lossedu
from lossedu import i18n
from tooling import load_tool

translate = load_tool("translate")
ROOT = translate.ROOT
GLOSSARY = yaml.safe_load((ROOT / "i18n" / "zh" / "glossary.yml").read_text(encoding="utf-8"))["terms"]

# The English notebooks whose Chinese translation is still to be written: none. A new English lesson or
# assignment must get its translation (or be listed here, which the review of the change will question).
PENDING = set()
TRANSLATED = translate.translated()
if os.environ.get("ONLY_TRANSLATIONS"):  # a translator checking their own files: "notebooks/01_regression ..."
    TRANSLATED = [p for p in TRANSLATED if f"{p.parent.name}/{p.stem}" in os.environ["ONLY_TRANSLATIONS"].split()]
NAMES = [f"{p.parent.name}/{p.stem}" for p in TRANSLATED]


def test_every_english_notebook_is_translated_or_pending():
    every = {f"{p.parent.name}/{p.stem}" for p in translate.english_notebooks()}
    assert every - PENDING == set(NAMES), "translated notebooks must leave PENDING, and the rest be in it"
    assert PENDING <= every, f"PENDING names notebooks that do not exist: {sorted(PENDING - every)}"


@pytest.mark.parametrize("english", TRANSLATED, ids=NAMES)
def test_the_translation_fits_its_english_notebook(english):
    translate.build(english)  # Drift, naming every cell that does not fit, otherwise


def test_the_committed_chinese_notebooks_are_what_make_translate_writes():
    assert [str(p.relative_to(ROOT)) for p in translate.write(check=True)] == []


def test_every_generated_notebook_is_clean_and_chinese():
    for path in translate.generated_on_disk():
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path
        assert nb["metadata"]["lossedu"]["language"] == "zh", path
        assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
                   for c in nb["cells"] if c["cell_type"] == "code"), path
        assert 'lossedu.set_language("zh")' in "".join(nb["cells"][1]["source"]), path


# --------------------------------------------------------------------------- drift is caught (on a toy notebook)
def _toy():
    def cell(kind, text):
        c = {"cell_type": kind, "metadata": {}, "source": text}
        if kind == "code":
            c.update(outputs=[], execution_count=None)
        return c

    english = {"cells": [cell("markdown", "# 01 · A lesson"), cell("code", 'print("the loss is", 1.0)'),
                         cell("markdown", "The gradient of $\\ell$ is `grad`.")],
               "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    h = [translate.cell_hash(c) for c in english["cells"]]
    translation = {"cells": [{"hash": h[0], "zh": "# 01 · 一课"},
                             {"hash": h[1], "strings": {"the loss is": "损失为"}},
                             {"hash": h[2], "zh": "$\\ell$ 的梯度是 `grad`。"}]}
    return english, translation


def _build(english, translation, tmp_path):
    path = tmp_path / "notebooks" / "01_toy.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(english), encoding="utf-8")
    return translate.build(path, translation)


def test_a_translation_builds_the_chinese_notebook(tmp_path):
    english, translation = _toy()
    nb = _build(english, translation, tmp_path)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert sources == ["# 01 · 一课", translate.LANGUAGE_CELL, 'print("损失为", 1.0)', "$\\ell$ 的梯度是 `grad`。"]
    assert nb["metadata"]["lossedu"]["language"] == "zh"


def test_an_english_edit_without_its_translation_fails_naming_the_cell(tmp_path):
    english, translation = _toy()
    english["cells"][2]["source"] = "The gradient of $\\ell$ is `grad`, always."
    with pytest.raises(translate.Drift, match=r"cell 2 \(markdown: 'The gradient.*changed since it was translated"):
        _build(english, translation, tmp_path)
    translation["cells"][2]["zh"] = "$\\ell$ 的梯度总是 `grad`。"  # the translator updates the text...
    translation["cells"][2]["hash"] = translate.cell_hash(english["cells"][2])  # ...and stamps it
    assert "总是" in "".join(_build(english, translation, tmp_path)["cells"][3]["source"])


@pytest.mark.parametrize("damage,message", [
    (lambda e, t: e["cells"].append(copy.deepcopy(e["cells"][0])), "has 4 cells, the translation 3 entries"),
    (lambda e, t: t["cells"][2].pop("zh"), r"cell 2 .*no translation"),
    (lambda e, t: t["cells"][2].update(zh="  "), r"cell 2 .*no translation"),
    (lambda e, t: t["cells"][1]["strings"].update({"not there": "不在"}), r"cell 1 .*'not there' is not in the cell"),
    (lambda e, t: t["cells"][1].update(zh="print(1)"), r"cell 1 .*a code cell is not rewritten"),
    (lambda e, t: t["cells"][0].pop("hash"), r"cell 0 .*no hash"),
])
def test_a_translation_that_does_not_fit_fails(tmp_path, damage, message):
    english, translation = _toy()
    damage(english, translation)
    with pytest.raises(translate.Drift, match=message):
        _build(english, translation, tmp_path)


def test_stamp_records_the_current_hash_of_the_named_entry_only(tmp_path, monkeypatch):
    english, translation = _toy()
    path = tmp_path / "notebooks" / "01_toy.ipynb"
    path.parent.mkdir(parents=True)
    english["cells"][2]["source"] = "Changed."
    path.write_text(json.dumps(english), encoding="utf-8")
    monkeypatch.setattr(translate, "TRANSLATIONS", tmp_path / "i18n")
    tpath = translate.translation_path(path)
    tpath.parent.mkdir(parents=True)
    tpath.write_text("cells:\n" + "".join(f"- hash: {e['hash']}\n  zh: x\n" for e in translation["cells"]), encoding="utf-8")
    translate.stamp(path, [2])
    hashes = [e["hash"] for e in translate.read_translation(tpath)["cells"]]
    assert hashes == [translation["cells"][0]["hash"], translation["cells"][1]["hash"],
                      translate.cell_hash(english["cells"][2])]


# --------------------------------------------------------------------------- what a translation must keep
# inline math may break across one line (not a blank line): "$a\n+ b$" is one span
MATH = re.compile(r"\$\$.+?\$\$|\$(?:[^$\n]|\n(?!\n))+?\$", re.S)
CODE = re.compile(r"`[^`\n]+`")


def _markdown_pairs():
    for english in TRANSLATED:
        cells = translate.load(english)["cells"]
        entries = translate.read_translation(translate.translation_path(english))["cells"]
        for i, (cell, entry) in enumerate(zip(cells, entries)):
            if cell["cell_type"] == "markdown" and isinstance(entry.get("zh"), str):
                yield f"{english.parent.name}/{english.stem} cell {i}", translate.source(cell), entry["zh"]


def test_math_and_code_spans_are_kept_exactly():
    bad = []
    for where, en, zh in _markdown_pairs():
        for pattern, what in ((MATH, "math"), (CODE, "code")):
            want, got = collections.Counter(pattern.findall(en)), collections.Counter(pattern.findall(zh))
            if want != got:
                bad.append(f"{where}: {what} spans differ: missing {sorted((want - got).elements())[:3]}, "
                           f"extra {sorted((got - want).elements())[:3]}")
    assert not bad, "\n".join(bad[:20])


def _prose(text):
    return CODE.sub(" ", MATH.sub(" ", text))


def test_the_glossary_is_used_consistently():
    bad = []
    for where, en, zh in _markdown_pairs():
        en, zh = _prose(en).lower(), _prose(zh)
        for term in GLOSSARY:
            if re.search(rf"(?<![\w-]){re.escape(term['en'])}", en) and term["zh"] not in zh:
                bad.append(f"{where}: the English says {term['en']!r}, the Chinese lacks {term['zh']!r}")
            bad += [f"{where}: {avoid!r} (the glossary says {term['zh']!r})" for avoid in term.get("avoid", ())
                    if avoid in zh]
    assert not bad, "\n".join(bad[:20])


def test_the_catalogues_avoid_what_the_glossary_avoids():
    avoided = {a: t["zh"] for t in GLOSSARY for a in t.get("avoid", ())}
    bad = [(text, a) for text in i18n.catalogue("zh").values() for a in avoided if a in text]
    assert not bad


# --------------------------------------------------------------------------- the language setting
def test_set_language_switches_tr_and_refuses_unknown_languages():
    before = lossedu.language()
    try:
        assert lossedu.set_language("zh_CN") == "zh" and lossedu.language() == "zh"
        assert lossedu.set_language("en") == "en" and i18n.tr("{n} steps", n=3) == "3 steps"
        with pytest.raises(ValueError, match="language must be one of en, zh"):
            lossedu.set_language("fr")
        with pytest.raises(TypeError, match="language must be a string"):
            lossedu.set_language(None)
        with i18n.language_set("zh"):
            assert i18n.language() == "zh"
        assert i18n.language() == "en"
    finally:
        lossedu.set_language(before)


PREDICT = {"en": "**Predict, then run.**", "zh": "**先预测，再运行。**"}


def test_each_predict_then_run_question_keeps_its_marker():
    # the Chinese lecture asks the same questions, each marked the same way (the book and tests look for it)
    bad = [where for where, en, zh in _markdown_pairs()
           if en.lstrip().startswith(PREDICT["en"]) != zh.lstrip().startswith(PREDICT["zh"])]
    assert not bad


def test_a_hash_of_digits_only_stays_text(tmp_path):
    # YAML would read 012345678901 as a number (and drop its 0): translation files are read as text
    path = tmp_path / "t.yml"
    path.write_text("cells:\n- hash: 012345678901\n  zh: |\n    一\n- hash: 12e456789012\n", encoding="utf-8")
    assert [e["hash"] for e in translate.read_translation(path)["cells"]] == ["012345678901", "12e456789012"]
