"""The figures and widgets in Chinese: every text they draw goes through `lossedu.i18n.tr`, the catalogue
(`lossedu/i18n/zh_plot.py`) has every key, the glyphs come from the course's subset font (no box, on any
machine), and the English figures are what they were.

(a) an AST scan of lossedu/plot.py, lossedu/lessons/*.py and lossedu/train.py: a string literal or f-string
    given to a call that shows it (titles, labels, legends, texts, widget descriptions, …) is `tr(...)`
    unless it has no word outside `$…$` or is one of `zh_plot.AS_IS`; every `tr("…")` key is catalogued,
    and each translation keeps its key's fields;
(b) under set_language("zh"), figures and widgets of every lesson drawn with matplotlib's "Glyph … missing"
    warnings (and mathtext's dummy-symbol substitutions) as errors, their texts the catalogue's;
(c) the subset font holds every character tools/cjk_font.py would put in it (a stale font fails, saying how
    to rebuild it), under a name of its own, with its licence;
(d) in English, tr is the identity and the figures say what they said.
"""
from __future__ import annotations

import ast
import logging
import re
import string
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

import lossedu.functional as LF
from lossedu import i18n, plot
from lossedu.i18n.zh_plot import AS_IS, PLOT

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "lossedu" / "plot.py", *sorted((ROOT / "lossedu" / "lessons").glob("*.py")), ROOT / "lossedu" / "train.py"]

# Calls whose positional arguments a learner reads, and keywords that are shown text wherever they appear.
SHOWN_ARGS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "supxlabel", "supylabel", "text", "annotate",
              "figtext", "legend", "set_text", "set_label", "set_xticklabels", "set_yticklabels", "print",
              "Label", "HTML"}
SHOWN_KEYWORDS = {"label", "labels", "title", "xlabel", "ylabel", "description", "text", "xticklabels",
                  "yticklabels", "loss_label", "gradient_label", "options"}
MATH = re.compile(r"\$[^$]*\$")
WORD = re.compile(r"[A-Za-z]{2,}")


# ----------------------------------------------------------------------------- (a) the scan
def _strings(node):
    """The string literals and f-strings an argument is made of (through lists, tuples, x if c else y, +)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr):
        yield node
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BinOp):
        yield from _strings(node.left)
        yield from _strings(node.right)


def _template(node):
    """A literal's text; an f-string's constant parts with each field as "{}"."""
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def _wants_translation(text):
    return text not in AS_IS and bool(WORD.search(MATH.sub("", re.sub(r"\{[^}]*\}", "", text))))


def _call_name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def untranslated(source, where="<source>"):
    """'file:line: text' for each shown literal of `source` that is neither tr(...) nor exempt."""
    found = []
    for call in ast.walk(ast.parse(source)):
        if not isinstance(call, ast.Call) or _call_name(call) == "tr":
            continue
        shown = list(call.args) if _call_name(call) in SHOWN_ARGS else []
        shown += [k.value for k in call.keywords if k.arg in SHOWN_KEYWORDS]
        for argument in shown:
            for node in _strings(argument):
                if _wants_translation(_template(node)):
                    found.append(f"{where}:{node.lineno}: {_template(node)!r}")
    return found


def tr_keys(source):
    """The literal keys of the tr(...) calls of `source`."""
    return [call.args[0].value for call in ast.walk(ast.parse(source))
            if isinstance(call, ast.Call) and _call_name(call) == "tr" and call.args
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_shown_text_goes_through_tr(path):
    assert untranslated(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_tr_key_is_in_the_catalogue(path):
    assert sorted(set(tr_keys(path.read_text(encoding="utf-8"))) - set(PLOT)) == []


def _fields(text):
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_each_translation_keeps_its_fields_and_is_chinese():
    assert [k for k, v in PLOT.items() if _fields(k) != _fields(v)] == []
    # a translation identical to its key would only hide a missing one: names stay out of the catalogue
    assert [k for k, v in PLOT.items() if v == k] == ["logit x"]
    han = re.compile(r"[\u4e00-\u9fff]")  # Chinese, or a name with Chinese punctuation ("hinge_embedding_loss，…")
    assert [k for k, v in PLOT.items() if not han.search(v) and not re.search(r"[\uff00-\uffef]", v)] == ["logit x"]


def test_the_scan_finds_a_planted_untranslated_text():
    planted = 'def f(ax, k):\n    ax.set_title("planted title")\n    ax.set(xlabel=f"step {k}", ylabel=tr("loss"))\n' \
              '    ax.plot([0], label="$x_1$")\n'
    assert untranslated(planted) == ["<source>:2: 'planted title'", "<source>:3: 'step {}'"]
    assert tr_keys('ax.set_title(tr("not in the catalogue"))') == ["not in the catalogue"]


# ----------------------------------------------------------------------------- (b) drawn in Chinese
class _Substitutions(logging.Handler):
    """mathtext logs (does not warn) "Font … does not have a glyph for …, substituting with a dummy symbol"."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        if "does not have a glyph" in record.getMessage():
            self.messages.append(record.getMessage())


@pytest.fixture
def chinese():
    before = i18n.language()
    i18n.set_language("zh")
    handler = _Substitutions()
    logger = logging.getLogger("matplotlib.mathtext")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=r"Glyph .* missing from font")
            yield handler
    finally:
        logger.removeHandler(handler)
        i18n.set_language(before)


def texts(fig):
    """Every visible, non-empty text of the figure (titles, labels, ticks, legends, annotations)."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def draw(fig, handler):
    FigureCanvasAgg(fig).draw()
    assert handler.messages == []
    return texts(fig)


def _no_catalogued_english(shown):
    """No text drawn is an English catalogue text whose Chinese differs (or contains one as a whole line)."""
    english = {k for k, v in PLOT.items() if k != v and "{" not in k and len(k) > 3}
    return [s for s in shown for line in s.split("\n") if line in english]


def test_the_shared_figures_are_drawn_in_chinese(chinese):
    curves = {"L1": plot.pointwise(LF.l1_loss), "MSE": plot.pointwise(LF.mse_loss)}
    fig = plot.plot_losses_and_gradients(curves)
    shown = draw(fig, chinese)
    assert [ax.get_title() for ax in fig.axes] == ["损失", "梯度"]
    assert fig.axes[0].get_ylabel() == PLOT["loss ℓ(d)"] and fig.axes[0].get_xlabel() == PLOT["d = input − target"]
    histories = plot.plot_histories({"L1 (ours)": np.linspace(2, 1, 9), "L1 (torch)": np.linspace(2, 1, 9)})
    assert (histories.axes[0].get_xlabel(), histories.axes[0].get_ylabel()) == ("步数", "训练损失")
    twins = plot.plot_histories({"dpo_loss（你的）": np.linspace(2, 1, 9), "dpo_loss（torch）": np.linspace(2, 1, 9)})
    ours, torch = twins.axes[0].lines  # a translated label keeps the twins' look: one colour, thick pale under dashed
    assert ours.get_color() == torch.get_color() and ours.get_linewidth() == 4 and torch.get_linestyle() == "--"
    fit = plot.plot_fit(np.arange(5.0), np.arange(5.0), {"L1": (1.0, 0.0)})
    assert "数据" in draw(fit, chinese)
    for fig in (histories, plot.plot_margin_losses(1.0, 2), plot.plot_kl_two_classes(0.3),
                plot.plot_ctc_lattice(np.log(np.full((6, 3), 1 / 3)), [1, 2])):
        shown += draw(fig, chinese)
    assert {"前向 KL(P‖Q)", "l' 的状态 s", "多类边际损失", "时间 t"} <= set(shown)
    assert _no_catalogued_english(shown) == []


def test_the_widgets_answer_in_chinese_through_interactive(chinese):
    from lossedu.data import constant_with_outliers

    def data(outlier_shift, outlier_fraction):
        return constant_with_outliers(25, outlier_fraction=outlier_fraction, outlier_shift=outlier_shift, seed=0)

    ui = plot.interactive(lambda reduction, **values: plot.constant_risk_widget(
        data, {"L2": LF.mse_loss, "L1": LF.l1_loss}, c=np.linspace(-3, 13, 81), reduction=reduction, **values),
        reduction=["mean", "sum", "none"], outlier_shift=(-10.0, 10.0, 0.5, 5.0), outlier_fraction=(0.0, 0.4, 0.05, 0.2))
    assert ui.controls["outlier_shift"].description == PLOT["outlier_shift"]  # translated, the keyword kept
    assert ui.controls["reduction"].description == "reduction" and ui.controls["reduction"].label == "mean"
    ui.controls["reduction"].value = "none"
    ui.controls["outlier_shift"].value = -4.0
    assert ui.kwargs["outlier_shift"] == -4.0 and ui.kwargs["reduction"] == "none"
    shown = draw(ui.figure, chinese)
    assert ui.figure.get_suptitle().startswith("均值 ") and "L1：每个 ℓᵢ(c)" in shown
    assert [ax.get_title() for ax in ui.figure.axes] == ["数据", "风险", "斜率（来自 _backward）"]
    assert _no_catalogued_english(shown) == []


def _lesson_widgets():
    from lossedu.lessons import choosing, contrastive, dense, preference, scoring, sparse

    return {  # as the notebooks call them
        "choosing.landscape": (choosing.landscape_widget, dict(outlier_shift=(-10.0, 10.0, 1.0, -6.0),
                                                               outlier_fraction=(0.0, 0.2, 0.05, 0.1),
                                                               label_noise=(0.0, 0.3, 0.05, 0.0))),
        "choosing.expected_scores": (choosing.expected_scores_widget, dict(eta=(0.01, 0.99, 0.01, 0.3))),
        "dense.focal": (dense.focal_widget, dict(gamma=(0.0, 5.0, 0.1, 2.0), alpha=(-1.0, 1.0, 0.05, 0.25))),
        "dense.dice": (dense.dice_widget, dict(true_radius=(1.0, 10.0, 0.5, 3.0))),
        "dense.boxes": (dense.boxes_widget, dict(width=(0.5, 4.0, 0.25, 2.0), height=(0.5, 4.0, 0.25, 2.0),
                                                 dy=(-2.0, 2.0, 0.25, 0.0), at=(-6.0, 6.0, 0.25, 3.0))),
        "contrastive.temperature": (contrastive.temperature_widget, dict(temperature=(0.02, 2.0, 0.01, 0.1))),
        "contrastive.angular": (contrastive.angular_margin_widget, dict(arcface_margin=(0.0, 60.0, 0.5, 28.6),
                                                                        cosface_margin=(0.0, 0.7, 0.01, 0.35))),
        "scoring.pinball": (scoring.pinball_widget, dict(quantile=(0.0, 1.0, 0.01, 0.9))),
        "scoring.crps": (scoring.crps_widget, dict(mu=(-3.0, 3.0, 0.05, 0.0), sigma=(0.05, 3.0, 0.05, 1.0))),
        "preference.aligned": (preference.aligned_policy_widget, dict(beta=(0.05, 5.0, 0.05, 0.5))),
        "preference.dpo": (preference.dpo_widget, dict(beta=(0.02, 1.0, 0.01, 0.1), label_smoothing=(0.0, 0.5, 0.01, 0.0),
                                                       loss_type=["sigmoid", "hinge", "ipo"])),
        "sparse.simplex": (sparse.simplex_widget, dict(z3=(-3.0, 3.0, 0.05, 0.0), temperature=(0.1, 4.0, 0.05, 1.0))),
        "sparse.threshold": (sparse.threshold_widget, dict(first=(-3.0, 3.0, 0.05, 0.9), temperature=(0.5, 3.0, 0.05, 1.0))),
    }


# What each lesson's widget must show in Chinese (a title, a label, a legend entry), after one move.
EXPECTED = {
    "choosing.landscape": "风险 R(w, b) 的等高线", "choosing.expected_scores": "期望得分 S(q; η)",
    "dense.focal": "focal loss，γ =", "dense.dice": "预测圆盘的半径（像素）", "dense.boxes": "预测框",
    "contrastive.temperature": "锚点的损失", "contrastive.angular": "弧度", "scoring.pinball": "常数预测 c",
    "scoring.crps": "阴影面积 = CRPS", "preference.aligned": "β 在权衡什么", "preference.dpo": "隐式奖励边际 h",
    "sparse.simplex": "sparsemax 有", "sparse.threshold": "项中有",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_lessons_widget_is_drawn_in_chinese(chinese, name):
    setup, controls = _lesson_widgets()[name]
    ui = plot.interactive(setup, **controls)
    first, control = next(iter(controls.items()))
    if isinstance(control, tuple):  # one move: the update's texts are translated too
        ui.controls[first].value = control[0] + 2 * (control[2] if len(control) > 2 else 1)
    shown = draw(ui.figure, chinese)
    assert any(EXPECTED[name] in s for s in shown), shown
    assert _no_catalogued_english(shown) == []


def test_the_lessons_tables_have_chinese_headers(chinese):
    from lossedu.lessons import contrastive, dense

    table = contrastive.markdown_table([{"loss": "cross_entropy", "convention": "torch", "value": 0.5}],
                                       ["loss", "convention", "value"]).data
    assert table.splitlines()[0] == "| 损失 | 约定 | 取值 |" and "| cross_entropy | torch | 0.5 |" in table
    assert dense.markdown_table([("mean", {"value": 1.0})], ["value"]).data.splitlines()[0] == "| | 取值 |"
    with i18n.language_set("en"):
        assert contrastive.markdown_table([{"value": 0.5}], ["value"]).data == "| value |\n|---|\n| 0.5 |"


def test_the_lessons_static_figures_are_drawn_in_chinese(chinese):
    from lossedu.lessons import choosing, margins, sparse

    shown = []
    for fig in (margins.plot_surrogates(), margins.plot_conditional_risk(), choosing.plot_expected_scores(),
                sparse.plot_margin_losses()):
        shown += draw(fig, chinese)
    assert {"0-1 损失及其替代损失", "对数损失", "交叉熵", "边际 m = y·f(x)"} <= set(shown)
    assert _no_catalogued_english(shown) == []


# ----------------------------------------------------------------------------- (c) the font
def _cjk_font():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import cjk_font
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return cjk_font


def test_the_subset_font_has_every_character_the_course_draws():
    cjk_font = _cjk_font()
    lacking = cjk_font.missing()
    assert not lacking, (f"{cjk_font.FONT.name} lacks {''.join(lacking)!r}: a translation or a catalogue added them. "
                         f"Rebuild it: {cjk_font.REBUILD}")


def test_a_stale_font_fails(tmp_path):
    cjk_font = _cjk_font()
    assert cjk_font.missing(tmp_path / "none.otf") == sorted(cjk_font.needed())
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(cjk_font.FONT)  # the committed font less one character the catalogue needs
    subsetter = subset.Subsetter(subset.Options(notdef_outline=True, name_IDs=["*"]))
    subsetter.populate(unicodes=[c for c in font.getBestCmap() if chr(c) != "损"])
    subsetter.subset(font)
    font.save(tmp_path / "stale.otf")
    assert "损" in cjk_font.missing(tmp_path / "stale.otf")


def test_the_font_is_ours_registered_and_licensed(chinese):
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager, rcParams

    cjk_font = _cjk_font()
    names = {record.nameID: record.toUnicode() for record in TTFont(cjk_font.FONT)["name"].names}
    assert names[1] == "lossedu Sans SC" and not any(reserved in names[n] for n in (1, 3, 4, 6)
                                                     for reserved in ("Noto", "Source"))
    assert "SIL OPEN FONT LICENSE" in (cjk_font.FONT.parent / "OFL.txt").read_text(encoding="utf-8")
    assert cjk_font.FONT.stat().st_size < 1_000_000  # a subset: the characters the course draws
    assert rcParams["font.family"][:2] == ["sans-serif", "lossedu Sans SC"]  # after DejaVu Sans, glyph by glyph
    found = font_manager.findfont(font_manager.FontProperties(family="lossedu Sans SC"), fallback_to_default=False)
    assert Path(found).resolve() == cjk_font.FONT.resolve()


def test_bold_chinese_logs_nothing_into_the_notebook(chinese, caplog):
    fig = Figure()  # plot_field names its points in bold: the subset has one weight, no "Failed to find font weight"
    fig.subplots().annotate("锚点 anchor", (0.5, 0.5), fontweight="bold")
    with caplog.at_level(logging.INFO, logger="matplotlib.font_manager"):
        draw(fig, chinese)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# ----------------------------------------------------------------------------- (d) English as it was
def test_english_is_unchanged():
    before = i18n.language()
    i18n.set_language("en")
    try:
        assert all(i18n.tr(key) == key for key in PLOT)
        assert i18n.tr("hinge_embedding_loss, margin = {margin:g}", margin=1.5) == "hinge_embedding_loss, margin = 1.5"
        fig = plot.plot_losses_and_gradients({"L1": plot.pointwise(LF.l1_loss)})
        assert [ax.get_title() for ax in fig.axes] == ["loss", "gradient"]
        assert fig.axes[0].get_ylabel() == "loss ℓ(d)" and fig.axes[0].get_xlabel() == "d = input − target"
        ui = plot.interactive(lambda outlier_shift, reduction: plot.plot_histories({"a": np.arange(3.0) + outlier_shift}),
                              outlier_shift=(0.0, 1.0), reduction=["mean", "sum"])
        assert ui.controls["outlier_shift"].description == "outlier_shift"
        assert ui.controls["reduction"].options == ("mean", "sum")
    finally:
        i18n.set_language(before)
