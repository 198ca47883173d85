"""Figures as a reader sees them: sharp, with legible text, readable in dark mode.

* **Undistorted**: shown with the proportions it was drawn with, at every width.
* **Sharp**: every figure of a chapter (static figures and Explore frames) has at least
  twice as many pixels as the space it is shown in, at every width: crisp on high-density
  screens and in print.
* **Legible**: a figure is drawn for a display size (its width at 1x; matplotlib's text is
  10 pt at 100 dpi, about 14 px at that size). At laptop and tablet width it must be shown at
  no less than 75 % of that size, so that its smallest default text stays above 10 px. A
  figure with many panels side by side fails this: it is scaled down to the column and its
  text becomes unreadable; it should be laid out in rows instead.
* **Dark mode**: figures are drawn dark on an opaque light background, so their axes and
  labels stay readable on the dark page (a transparent figure would put black text on black).
"""

from __future__ import annotations

import pytest
from test_site import CHAPTERS, SIZES

MIN_DENSITY = 1.9  # image pixels per CSS pixel shown (2x, less rounding)
MIN_SCALE = 0.75  # shown width / design width at laptop and tablet

FIGURES = """async () => {
  const imgs = Array.from(document.querySelectorAll('article img'))
    .filter(i => i.closest('.cell_output, .derivlib-explore'));
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.map(i => {
    const canvas = document.createElement('canvas');
    canvas.width = 4; canvas.height = 4;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(i, 0, 0, 1, 1, 0, 0, 1, 1);   // the top-left pixel, where no curve is drawn
    const alpha = ctx.getImageData(0, 0, 1, 1).data[3];
    return {src: i.getAttribute('src').split('/').pop(), natural: i.naturalWidth,
            design: i.naturalWidth / 2, shown: i.getBoundingClientRect().width,
            shownHeight: i.getBoundingClientRect().height, naturalHeight: i.naturalHeight,
            visible: i.offsetParent !== null, alpha};
  });
}"""


@pytest.fixture
def figures(plain_reader):
    def load(name, size, scheme="light"):
        page = plain_reader(name, size, scheme)
        found = [f for f in page.evaluate(FIGURES) if f["visible"]]
        assert found, f"{name}: no figure found"
        return found
    return load


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_are_sharp_and_legible(figures, name, size):
    found = figures(name, size)
    blurry = [f"{f['src']}: {f['natural']} px shown at {f['shown']:.0f} px" for f in found
              if f["natural"] < MIN_DENSITY * f["shown"]]
    assert not blurry, f"{name} at {size}: figures below 2x: {blurry[:5]}"
    squashed = [f"{f['src']}: {f['natural']}x{f['naturalHeight']} px shown as "
                f"{f['shown']:.0f}x{f['shownHeight']:.0f}" for f in found
                if abs((f["shown"] / f["shownHeight"]) / (f["natural"] / f["naturalHeight"]) - 1)
                > 0.02]
    assert not squashed, f"{name} at {size}: figures distorted (aspect ratio): {squashed[:5]}"
    if size == "phone":
        return  # a phone reader zooms a figure; the column is too narrow for any layout
    small = [f"{f['src']}: drawn {f['design']:.0f} px wide, shown at {f['shown']:.0f} px "
             f"({f['shown'] / f['design']:.0%})" for f in found
             if f["shown"] < MIN_SCALE * f["design"]]
    assert not small, (f"{name} at {size}: figures shrunk below {MIN_SCALE:.0%} of their "
                       f"design size, their text illegible: {small}")


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_are_opaque_in_dark_mode(figures, name):
    found = figures(name, "laptop", "dark")
    transparent = [f["src"] for f in found if f["alpha"] < 255]
    assert not transparent, f"{name}: transparent figures on the dark page: {transparent}"
