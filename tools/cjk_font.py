"""The course's Chinese font: a subset of Noto Sans CJK SC with only the characters its figures draw.

    .venv/bin/python tools/cjk_font.py --source NotoSansCJKsc-Regular.otf   # rebuild the subset
    .venv/bin/python tools/cjk_font.py --check                             # exit 1 if it lacks a character

matplotlib's own DejaVu Sans has no Chinese glyph: a figure drawn with it shows boxes. So that a Chinese
figure looks the same on every machine, with no network and no system font, the package ships
`lossedu/i18n/fonts/lossedu-sans-sc.otf` and `lossedu.set_language("zh")` puts it right after DejaVu Sans
in matplotlib's font.family list (matplotlib falls back glyph by glyph): Latin letters, digits and math
stay DejaVu's, every other character is this font's.

What goes in: every character that DejaVu Sans lacks of
* the values of `lossedu/i18n/zh_plot.py` (figures and widgets) and `zh_feedback.py` (the feedback, not
  drawn: harmless, and then a figure may quote it),
* every `strings` value of `i18n/zh/**/*.yml` (what the Chinese notebooks print and plot).
So after a translation adds a string, or a catalogue a text, with a new character, rebuild it (the test
tests/test_i18n_plot.py fails until then and says how).

The source, maintainers' machines only (never at run time): the OFL font Noto Sans CJK SC Regular, e.g.
from the PyPI wheel of `mplfonts` (85 MB: `pip download mplfonts --no-deps -d /tmp/x`, then unzip it; the font
is `mplfonts/fonts/NotoSansCJKsc-Regular.otf`; `--check` prints the whole command). The subset is renamed (the OFL's Reserved Font Names may not
name a modified version) and ships with the licence, `lossedu/i18n/fonts/OFL.txt`. The build is
reproducible: the same characters and source give the same bytes.
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT = ROOT / "lossedu" / "i18n" / "fonts" / "lossedu-sans-sc.otf"
FAMILY = "lossedu Sans SC"
POSTSCRIPT = "losseduSansSC-Regular"
REBUILD = (".venv/bin/pip download mplfonts --no-deps -d /tmp/mplfonts"
           " && .venv/bin/python -m zipfile -e /tmp/mplfonts/mplfonts-*.whl /tmp/mplfonts"
           " && .venv/bin/python tools/cjk_font.py --source /tmp/mplfonts/mplfonts/fonts/NotoSansCJKsc-Regular.otf")


def texts(root=ROOT):
    """Every text whose characters the font must have: catalogue values and the translations' strings."""
    import yaml

    sys.path.insert(0, str(root))
    from lossedu.i18n.zh_feedback import FEEDBACK
    from lossedu.i18n.zh_plot import PLOT

    found = [*PLOT.values(), *FEEDBACK.values()]
    for path in sorted((root / "i18n" / "zh").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("cells", []) if isinstance(data, dict) else data:  # {cells: [entry, …]}
            if isinstance(entry, dict) and isinstance(entry.get("strings"), dict):
                found += [str(value) for value in entry["strings"].values()]
    return found


def math_beside_chinese(root=ROOT):
    """The translations' strings with `$…$` beside Chinese. Plotted, such a text is drawn by mathtext, which has
    no fallback font: its Chinese comes out as boxes ("substituting with a dummy symbol"). Write the math
    in Unicode there (z_y, ℓᵢ, pₜ) or keep it out of the Chinese label."""
    import re

    return [text for text in texts(root)[len(_catalogue_texts()):]
            if re.search(r"\$[^$]+\$", text) and re.search(r"[\u4e00-\u9fff]", text)]


def _catalogue_texts():
    from lossedu.i18n.zh_feedback import FEEDBACK
    from lossedu.i18n.zh_plot import PLOT

    return [*PLOT.values(), *FEEDBACK.values()]


def dejavu_characters():
    """The characters matplotlib's DejaVu Sans draws itself (they never reach the fallback)."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    return {chr(code) for code in TTFont(path, lazy=True).getBestCmap()}


def needed(root=ROOT):
    """The characters the subset must hold: those of `texts()` that DejaVu Sans lacks (no controls)."""
    own = dejavu_characters()
    return {c for text in texts(root) for c in text
            if c not in own and not c.isspace() and unicodedata.category(c)[0] != "C"}


def missing(font=FONT, root=ROOT):
    """The needed characters the font at `font` lacks (all of them when there is no font)."""
    from fontTools.ttLib import TTFont

    want = needed(root)
    if not Path(font).exists():
        return sorted(want)
    have = {chr(code) for code in TTFont(font, lazy=True).getBestCmap()}
    return sorted(want - have)


def build(source, out=FONT, root=ROOT):
    """Subset `source` (Noto Sans CJK SC) to `needed()`, rename it, write it to `out`; returns (chars, bytes)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, recalcTimestamp=False)
    chars = sorted(needed(root))
    absent = [c for c in chars if ord(c) not in font.getBestCmap()]
    if absent:
        raise SystemExit(f"the source font lacks {''.join(absent)!r}")
    options = subset.Options()
    options.hinting = False  # FreeType's autohinter at figure sizes; half the size
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.layout_features = ["kern", "palt", "vert"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    _rename(font, source)
    font["head"].modified = font["head"].created  # the same bytes for the same input
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)
    return len(chars), out.stat().st_size


def _rename(font, source):
    """A modified OFL font may not use its Reserved Font Names: call it lossedu Sans SC everywhere."""
    name = font["name"]
    version = name.getDebugName(5) or ""
    original = name.getDebugName(4) or Path(source).stem
    new = {1: FAMILY, 2: "Regular", 3: f"{FAMILY} Regular; {version.split(';')[0]}; lossedu subset",
           4: f"{FAMILY} Regular", 6: POSTSCRIPT}
    for record in list(name.names):
        if record.nameID in new:
            record.string = new[record.nameID]
        elif record.nameID not in (0, 5, 13, 14):
            name.removeNames(nameID=record.nameID)
    name.setName(f"The characters the lossedu course's figures draw, from {original} (SIL Open Font License 1.1), "
                 f"renamed as that licence requires.", 10, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        old = cff.fontNames[0]
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        for key, value in (("FamilyName", FAMILY), ("FullName", f"{FAMILY} Regular")):
            if hasattr(top, key):
                setattr(top, key, value)
        for fd in getattr(top, "FDArray", None) or []:
            if hasattr(fd, "FontName"):
                fd.FontName = fd.FontName.replace(old, POSTSCRIPT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="Noto Sans CJK SC Regular (.otf) to subset")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed font lacks a character")
    args = parser.parse_args(argv)
    if args.check or not args.source:
        lacking = missing()
        if lacking:
            print(f"{FONT.relative_to(ROOT)} lacks {len(lacking)} character(s): {''.join(lacking)}\nrebuild: {REBUILD}")
            return 1
        print(f"{FONT.relative_to(ROOT)}: every one of the {len(needed())} characters the figures may draw")
        for text in math_beside_chinese():
            print(f"note: $…$ beside Chinese (boxes if plotted): {text}")
        return 0
    count, size = build(args.source)
    print(f"wrote {FONT.relative_to(ROOT)}: {count} characters, {size / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
