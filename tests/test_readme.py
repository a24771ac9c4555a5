"""The README is the front door: its course map lists every lesson, its package table every loss module
with exactly the losses that module registers, and its assignments paragraph every assignment."""
import re
from pathlib import Path

import lossedu.functional as LF
from lossedu.grading import registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_course_map_lists_every_lesson_in_order():
    listed = re.findall(r"^\| `(\d\d_\w+)\.ipynb` \|", README, re.M)
    assert listed == sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_package_table_lists_each_loss_module_with_exactly_its_losses():
    rows = dict(re.findall(r"^\| `lossedu/functional/(\w+)\.py`[^|]*\| (.*) \|$", README, re.M))
    rows.pop("_core")
    by_module = {}
    for name in LF.LOSSES:
        by_module.setdefault(getattr(LF, name).__module__.rsplit(".", 1)[-1], []).append(name)
    assert {m: sorted(re.findall(r"`(\w+)`", row)) for m, row in rows.items()} == \
        {m: sorted(names) for m, names in by_module.items()}


def _ranges(numbers):
    """[1, 2, 3, 10, 11] -> "01–03 and 10–11": how the README names a set of notebooks."""
    runs = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    words = [f"{a:02d}" if a == b else f"{a:02d}–{b:02d}" for a, b in runs]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def test_the_assignments_paragraph_names_every_assignment():
    numbers = sorted(int(a.name[:2]) for a in registry.all_assignments())
    assert _ranges([1, 2, 3, 10, 11, 13]) == "01–03, 10–11 and 13"
    assert f"Each family notebook {_ranges(numbers)} has an autograded assignment" in README


README_ZH = (ROOT / "README.zh.md").read_text(encoding="utf-8")


def test_the_chinese_readme_is_linked_both_ways():
    assert "[中文](README.zh.md)" in README and "[English](README.md)" in README_ZH


def test_the_chinese_readme_keeps_every_command_and_the_course_map():
    # the commands are the same for every reader: each of README.md's code blocks, verbatim
    blocks = re.findall(r"^```.*?^```", README, re.M | re.S)
    assert blocks and [b for b in blocks if b not in README_ZH] == []
    rows = dict(re.findall(r"^\| `(\d\d_\w+)\.ipynb` \|(.*)$", README, re.M))
    rows_zh = dict(re.findall(r"^\| `(\d\d_\w+)\.ipynb` \|(.*)$", README_ZH, re.M))
    assert list(rows_zh) == list(rows)
    for name, row in rows.items():
        missing = set(re.findall(r"`(\w+)`", row)) - set(re.findall(r"`(\w+)`", rows_zh[name]))
        assert not missing, f"{name}: the Chinese course map lacks {sorted(missing)}"
    numbers = sorted(int(a.name[:2]) for a in registry.all_assignments())
    assert f"家族 notebook {_ranges(numbers).replace(' and ', ' 和 ')} 各有一份自动评分的作业" in README_ZH


def test_every_relative_link_of_both_readmes_exists():
    for text in (README, README_ZH):
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if "://" not in target and not target.startswith("mailto:"):
                assert (ROOT / target).exists(), target
