"""The README's pictures (docs/images/*.png) are what tools/front_page_figures.py draws today.

Each figure is drawn again into a temporary folder and compared with the committed file pixel by
pixel, each channel within TOLERANCE of 255. Why not bytes, and why not exactly:
- Agg is deterministic for given versions of matplotlib and its bundled FreeType (the lock pins them):
  runs in separate processes (other PYTHONHASHSEED, other cwd, a matplotlibrc, MPLBACKEND=svg) wrote
  identical bytes. Pixels rather than bytes, so that another zlib or Pillow's PNG encoder does not count.
- What may differ between CPUs is the last bit of a float (numpy's SIMD exp, torch's BLAS kernels).
  With the inputs multiplied by 1 + 1e-15…1e-10 noise, every figure came out pixel-identical; a change
  that low moves an anti-aliased edge by a level or two at most. (Notebook 06's shaded decision
  regions were left out for that reason: 1e-16 noise in their scores moved their dotted, labelled
  contours by up to 93 levels over ~900 pixels.)
- Any change one can see moves some pixels much further: a grid 0.3 → 0.35 alpha, 5 levels over 7431
  pixels; one character of an axis label (' → ’), 22 pixels by up to 196.
"""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tooling import load_tool

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TOLERANCE = 2  # of 255, per channel: rounding of anti-aliased edges, never a visible change
MAX_BYTES = 200_000  # the front page stays light: every picture well under this


tool = load_tool("front_page_figures")


def pixels(path):
    """The image at `path` as an (H, W, 4) uint8 RGBA array."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))


def stale_reason(committed, fresh, tolerance=TOLERANCE):
    """Why the `committed` pixel array is not the `fresh` one (None when they agree within `tolerance`)."""
    if committed.shape != fresh.shape:
        return f"size {committed.shape[1]}×{committed.shape[0]} px, the fresh drawing is {fresh.shape[1]}×{fresh.shape[0]} px"
    difference = np.abs(committed.astype(np.int16) - fresh.astype(np.int16)).max(axis=-1)
    off = difference > tolerance
    if off.any():
        return f"{int(off.sum())} pixels differ (by up to {int(difference.max())} of 255)"
    return None


def readme_images():
    """Local image paths the README shows: Markdown ![alt](path) and HTML <img src="path">."""
    text = README.read_text(encoding="utf-8")
    found = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text) + re.findall(r"<img\s[^>]*src=\"([^\"]+)\"", text)
    return [path for path in found if "://" not in path]


@pytest.mark.parametrize("name", list(tool.FIGURES))
def test_committed_image_is_fresh(name, tmp_path):
    committed = tool.DIRECTORY / name
    assert committed.is_file(), f"{committed} is missing: run `make figures` and commit docs/images"
    fresh = tool.draw(name, tmp_path)
    reason = stale_reason(pixels(committed), pixels(fresh))
    assert reason is None, f"docs/images/{name} is stale: {reason}. Run `make figures` and commit docs/images."
    assert committed.stat().st_size < MAX_BYTES, f"docs/images/{name} is {committed.stat().st_size} bytes"


def test_stale_reason_sees_a_change_of_a_few_pixels_and_forgives_rounding():
    base = pixels(tool.DIRECTORY / "regression_losses.png")
    rounded = base.copy()
    rounded[..., :3] = np.where(rounded[..., :3] < 255, rounded[..., :3] + 1, 254)  # every pixel off by one level
    assert stale_reason(base, rounded) is None
    changed = base.copy()
    changed[10:13, 10:13, :3] = 0  # a dot of 3×3 pixels, black on the white margin
    assert stale_reason(base, changed) == "9 pixels differ (by up to 255 of 255)"
    assert "size" in stale_reason(base, base[:-1])


def test_the_readme_shows_every_figure():
    shown = readme_images()
    missing = [name for name in tool.FIGURES if f"docs/images/{name}" not in shown]
    assert not missing, f"README.md does not show {missing} (from docs/images/)"


def test_every_image_the_readme_shows_exists():
    missing = [path for path in readme_images() if not (ROOT / path).is_file()]
    assert not missing, f"README.md shows images that do not exist: {missing}"


def test_every_picture_of_docs_images_the_readme_shows_has_a_maker():
    # A figure dropped from FIGURES but left in the README would never be redrawn, so never checked.
    orphans = [path for path in readme_images()
               if path.startswith("docs/images/") and path.removeprefix("docs/images/") not in tool.FIGURES]
    assert not orphans, f"README.md shows {orphans}, which tools/front_page_figures.py does not draw"


def test_draw_refuses_an_unknown_figure(tmp_path):
    with pytest.raises(ValueError, match="unknown figure 'nope.png'"):
        tool.draw("nope.png", tmp_path)
