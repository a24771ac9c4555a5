"""The course's languages: English (the source) and 简体中文 (`zh`).

Everything a learner reads outside a notebook's own cells goes through `tr`: the titles, axis labels and
legends of the figures (`lossedu.plot`, `lossedu.lessons`), the widgets' labels, and the feedback of
`check` and `lossedu grade`. A Chinese notebook starts with `lossedu.set_language("zh")`; the grader reads
the notebook's own language (its metadata `lossedu.language`); `LOSSEDU_LANG=zh` sets the default.

The English text is the key: `tr("loss")` is "loss" in English and the catalogue's "损失" in Chinese. A
text with fields is formatted after translation, `tr("{n} steps", n=3)`, so a translation may put the
fields where its grammar wants them. A text the catalogue lacks stays English (tests/test_translation.py
checks that the catalogues cover what the course draws and says).
"""
from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_DEFAULT = "en"


def _normal(lang):
    if not isinstance(lang, str):
        raise TypeError(f"language must be a string, one of {', '.join(LANGUAGES)}; got {type(lang).__name__}")
    code = lang.strip().lower().replace("_", "-")
    code = {"zh-cn": "zh", "zh-hans": "zh", "cn": "zh", "chinese": "zh", "english": "en"}.get(code, code)
    code = code.split("-")[0] if code.startswith("en") else code
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return code


_current = _normal(os.environ.get("LOSSEDU_LANG") or _DEFAULT)


def set_language(lang):
    """Choose the language of figures, widgets and feedback: "en" or "zh" (also "zh_CN", "zh-Hans")."""
    global _current
    _current = _normal(lang)
    if _current == "zh":
        _chinese_fonts()
    return _current


def language():
    """The language now in use ("en" or "zh")."""
    return _current


def catalogue(lang=None):
    """{English text: translation} of a language (empty for English)."""
    lang = _normal(lang or _current)
    if lang == "en":
        return {}
    from . import zh

    return zh.MESSAGES


def tr(text, lang=None, **fields):
    """`text` in the current language (or `lang`), then formatted with `fields` if any."""
    out = catalogue(lang).get(text, text)
    return out.format(**fields) if fields else out


class language_set:
    """`with language_set("zh"): ...` — a language for the duration of a block (the grader's feedback)."""

    def __init__(self, lang):
        self.lang = _normal(lang)

    def __enter__(self):
        global _current
        self.before, _current = _current, self.lang
        return self.lang

    def __exit__(self, *exc):
        global _current
        _current = self.before
        return False


# The Chinese glyphs. matplotlib's DejaVu Sans has none (it draws boxes), and it falls back glyph by glyph
# along `font.family` (matplotlib >= 3.6). First after DejaVu Sans comes the course's own font,
# `fonts/lossedu-sans-sc.otf`: a subset of Noto Sans CJK SC (SIL OFL 1.1, `fonts/OFL.txt`) holding every
# character the catalogues and the translations' printed strings may draw (tools/cjk_font.py rebuilds it),
# so a Chinese figure is drawn the same on every machine, with no system font. The system fonts after it
# (Debian's Noto/Source Han, WenQuanYi, macOS's and Windows') only draw what a learner's own text adds.
CJK_FONT_FILE = os.path.join(os.path.dirname(__file__), "fonts", "lossedu-sans-sc.otf")
CJK_FONTS = ("lossedu Sans SC", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Droid Sans Fallback", "PingFang SC", "Heiti SC", "Microsoft YaHei", "SimHei")
_registered = False


def _chinese_fonts():
    """Register the course's font with matplotlib (once) and make the CJK fonts its fallbacks.

    matplotlib falls back glyph by glyph along `font.family` (not along the sans-serif list, which only
    names the one font "sans-serif" stands for): so the families become ["sans-serif" (DejaVu Sans),
    "lossedu Sans SC", the CJK fonts this machine has]. Only fonts it has: a missing one would be
    logged ("findfont: Font family … not found") into the notebook's output.
    """
    global _registered
    import matplotlib
    from matplotlib import font_manager

    if not _registered and os.path.exists(CJK_FONT_FILE):
        import dataclasses

        manager = font_manager.fontManager
        manager.addfont(CJK_FONT_FILE)
        # The subset has one weight. Bold text (plot_field's point names) takes its Chinese glyphs from it
        # as they are, as matplotlib would anyway, but without logging "Failed to find font weight bold"
        # into the notebook: the same file is also the family's bold.
        regular = next(f for f in manager.ttflist if f.fname == CJK_FONT_FILE)
        manager.ttflist.append(dataclasses.replace(regular, weight=700))
        manager._findfont_cached.cache_clear()
        _registered = True
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    cjk = [f for f in CJK_FONTS if f in installed]
    family = [f for f in matplotlib.rcParams["font.family"] if f not in CJK_FONTS]
    matplotlib.rcParams["font.family"] = [*family, *cjk]
    sans = list(matplotlib.rcParams["font.sans-serif"])
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans", *cjk, *[f for f in sans if f != "DejaVu Sans" and f not in cjk]]
    matplotlib.rcParams["axes.unicode_minus"] = True


if _current == "zh":  # LOSSEDU_LANG=zh: the figures' fonts too, as set_language("zh") sets them
    _chinese_fonts()
