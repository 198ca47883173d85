"""Chain titles say their mathematics as mathematics (issue 12, item 1).

A derivation's title is shown above the chain on the site, with ``$...$`` typeset like the
reasons. A title that spells a symbol in ASCII (``gamma_2(k)``, ``stationarity in mu``)
shows literal underscores and Greek names to the reader; this test reads every chapter's
source and flags a title with an underscore or a spelled-out Greek letter outside ``$...$``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.md")
                  if p.name != "index.md" and p.with_suffix(".ipynb").is_file())
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "kappa",
         "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega")
TITLE = re.compile(r"""\btitle\s*=\s*(r?)(["'])(.*?)(?<!\\)\2""")
ASCII_MATH = re.compile(r"_|(?<![A-Za-z\\])(" + "|".join(GREEK) + r")(?![A-Za-z])", re.I)


def ascii_math(title: str) -> list[str]:
    """The spelled-out symbols of a title, outside its $...$ math."""
    prose = re.sub(r"\$[^$]*\$", "", title)
    prose = re.sub(r"\([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+\)", "", prose)  # (eq-label)
    return [m.group(0) for m in ASCII_MATH.finditer(prose)]


def test_the_check_finds_spelled_out_symbols():
    assert ascii_math("stationarity in mu") == ["mu"]
    assert ascii_math("gamma_2(k): fix z_1") == ["gamma", "_", "_"]
    assert ascii_math(r"stationarity in $\mu$ and $A_{12}$") == []
    assert ascii_math("Bessel's correction") == []
    assert ascii_math("the variance is (hmm-mstep-sigma)") == []  # an equation label


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chain_titles_write_symbols_as_math(md):
    bad = [(m.group(3), found) for m in TITLE.finditer(md.read_text(encoding="utf-8"))
           if (found := ascii_math(m.group(3)))]
    assert bad == [], f"{md.name}: titles with symbols spelled in ASCII (write them as " \
                      f"$...$): {bad}"
