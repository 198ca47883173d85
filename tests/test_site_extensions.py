"""The book's Sphinx extensions (_ext/) as functions: what HTML they write from a record.

The pages themselves are checked in a browser (tests/site); these tests pin the pieces a
browser test would only see indirectly: escaping, equation references, marks, frames.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

import derivation as ext_derivation  # noqa: E402
import explore as ext_explore  # noqa: E402

from derivlib import derivation as dv  # noqa: E402
from derivlib.checker.printing import latex  # noqa: E402


def test_a_sum_prints_with_a_positive_first_term_and_is_unchanged():
    x, mu, s = sp.symbols("x_n mu sigma")
    assert sp.latex(x - mu) == r"- \mu + x_{n}"
    assert latex(x - mu) == r"x_{n} - \mu"
    assert latex((x - mu) ** 2 / s) == r"\frac{\left(x_{n} - \mu\right)^{2}}{\sigma}"
    assert latex(-x - mu) == sp.latex(-x - mu)  # no positive term: SymPy's order
    assert latex(1 - x) == r"1 - x_{n}"
    assert latex(sp.Eq(x - mu, 0)) == r"x_{n} - \mu = 0"


def test_a_held_product_with_a_minus_sign_prints_as_written():
    """A chain shows a held product (MatMul(..., evaluate=False)) as the author wrote it; the
    minus sign of a term of a sum must come off without evaluating the term, which would
    cancel Q Q^-1 and show the step I - A Q Q^-1 = I - A as "I - A = I - A"."""
    n = sp.Symbol("n")
    A, Q = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("Q", n, n)
    held = sp.MatAdd(sp.Identity(n), sp.MatMul(-1, A, Q, Q.I, evaluate=False), evaluate=False)
    assert sp.latex(held) == r"\mathbb{I} - A"  # SymPy's printer evaluates the negated term
    assert latex(held) == r"\mathbb{I} - A Q Q^{-1}"
    held2 = sp.MatAdd(sp.Identity(n), sp.MatMul(-2, A, Q, Q.I, evaluate=False), evaluate=False)
    assert latex(held2) == r"\mathbb{I} - 2 A Q Q^{-1}"
    x, y = sp.symbols("x y")
    assert latex(x - 3 * y) == sp.latex(x - 3 * y)  # ordinary terms print as before


def test_a_chain_renders_every_step_with_its_reason_and_mark():
    x, mu = sp.symbols("x mu")
    chain = dv.Derivation((x - mu) ** 2, title="Square of $x - \\mu$")
    chain.step(x**2 - 2 * x * mu + mu**2, "expand, as in (gauss-pdf) & <b>")
    page = ext_derivation.chain_html(chain.record())
    assert page.count('class="derivation-step"') == 1
    assert '<strong>Square of \\(x - \\mu\\)</strong>' in page  # the title's math renders
    assert "&amp; &lt;b&gt;" in page  # the reason's text is escaped
    assert 'data-eqlabel="gauss-pdf"' in page  # resolved to a number and a link at build
    assert 'data-method="symbolic" title="SymPy simplifies the difference to 0">symbolic<' in page
    assert r"\(\displaystyle \left(x - \mu\right)^{2}\)" in page  # x - mu, not -mu + x


def test_a_premise_list_keeps_each_comma_with_the_premise_before_it():
    """The premises (where, assuming, facts) are inline blocks that may wrap. A comma between
    two of them began a line on a phone, or sat beside a tall formula where it read as a
    prime; inside the premise before it, it can do neither."""
    import re

    x, y, z, w = sp.symbols("x y z w", positive=True)
    chain = dv.Derivation(x + y + z, define=[sp.Eq(x, w / 2), sp.Eq(y, w / 3), sp.Eq(z, w / 6)])
    chain.step(w, "add")
    page = ext_derivation.chain_html(chain.record())
    premises = re.search(r'<p class="derivation-premises">(.*?)</p>', page).group(1)
    assert premises.count('class="derivation-premise"') == 3
    outside = re.sub(r'<span class="derivation-premise">.*?</span>', "", premises)
    assert "," not in outside, premises
    assert premises.count(",</span>") == 2 and not premises.endswith(",</span>")


def test_equation_references_resolve_only_for_labels():
    html = ext_derivation.inline("by (lr-normal) (and not (see-above-this))")
    assert html.count("derivation-eqref") == 2
    assert ext_derivation.inline("a (plain) parenthesis").count("derivation-eqref") == 0


def test_a_cited_result_renders_its_key():
    page = ext_derivation.chain_html(dv.cite("Strong duality", "p^* = d^*", "boyd2004convex",
                                             note="Slater's condition").record())
    assert "cited: boyd2004convex" in page and "Slater&#x27;s condition" not in page
    assert "Slater's condition" in page


def test_the_explore_slider_starts_at_the_initial_frame_with_its_alt_text():
    content = {"description": "A line.", "scale": 2, "frames": [f"f{k}.png" for k in range(6)],
               "params": [{"label": "slope a", "values": ["1", "2"], "initial": 1},
                          {"label": "b", "values": ["0", "0.5", "1"], "initial": 2}]}
    assert ext_explore._check_content(content) is None
    page = ext_explore.explore_html(content, "_explore/x/", (800, 600))
    assert 'src="_explore/x/f5.png"' in page  # row 1, column 2 in C order
    assert 'width="400" height="300"' in page  # drawn at 2x, shown at 1x
    assert 'alt="A line (slope a = 2, b = 1)"' in page
    assert page.count('type="range"') == 2 and 'aria-valuetext="0.5"' not in page
    bad = dict(content, frames=content["frames"][:5])
    assert "5 frames for 6 combinations" in ext_explore._check_content(bad)
