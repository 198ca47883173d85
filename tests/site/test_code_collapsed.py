"""A reader sees the derivation and the figure; the code that makes them is one click away.

On every chapter page, a code cell whose output is a checked derivation chain, a figure or an
Explore slider shows its output, while its source is collapsed ("Show code cell source"), and
opening it shows the code. The other cells (the comparisons with scikit-learn, the calls a
reader should run) keep their code in view.
"""

from __future__ import annotations

import pytest
from test_site import CHAPTERS

CELLS = """() => Array.from(document.querySelectorAll('article .cell')).map((cell, k) => {
  const output = cell.querySelector('.cell_output');
  const shows = !!output && !!output.querySelector(
      '.derivlib-derivation, img, .derivlib-explore');
  const input = cell.querySelector('.cell_input');
  // in a closed <details> an element keeps a layout box but is not shown: ask the browser
  const visible = !!input && input.checkVisibility() && !input.closest('details:not([open])');
  const toggle = cell.querySelector('details.above-input > summary');
  return {k, shows, visible, toggle: !!toggle,
          text: input ? input.textContent.trim().slice(0, 60) : ''};
})"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_derivation_and_figure_code_is_collapsed_and_one_click_away(plain_reader, name):
    page = plain_reader(name)
    cells = [c for c in page.evaluate(CELLS) if c["shows"]]
    assert cells, f"{name}: no cell shows a derivation or a figure"
    shown = [f"cell {c['k']}: {c['text']!r}" for c in cells if c["visible"]]
    assert not shown, (f"{name}: {len(shown)} of {len(cells)} derivation/figure cells show "
                       f"their code: {shown[:5]}")
    no_toggle = [f"cell {c['k']}" for c in cells if not c["toggle"]]
    assert not no_toggle, f"{name}: code removed, not one click away: {no_toggle[:5]}"
    # one click opens the first such cell's code
    first = cells[0]["k"]
    page.locator("article .cell").nth(first).locator("details.above-input > summary").click()
    opened = page.evaluate(CELLS)[first]
    assert opened["visible"], f"{name}: clicking 'Show code cell source' did not show it"
