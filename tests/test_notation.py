"""The chapters write what the notation page fixes.

``notation.md`` has a table, "Symbols with one meaning", whose last column lists ways of
writing those symbols that no chapter may use (PRML's targets $\\mathbf{t}$, an intercept
$w_0$, $\\ell$ for a loss, ...). This test reads that column from the page (so the page is
the rule, not a copy of it here; a fragment that is not a whole formula, such as the
start ``\\mathcal{L}(\\boldsymbol`` of a Lagrangian, is written there as code) and
searches every chapter: its Markdown text and the checked derivations stored in its
notebook (start, steps, reasons, titles, premises), the LaTeX a reader sees. It also
flags sentences that tell the reader the notation page says
something it does not ("the notation page calls targets $t_n$").

LaTeX is compared after dropping spaces and the braces around a single character or command
(``\\mathbf t``, ``\\mathbf{t}`` and ``\\mathbf {t}`` are one thing); a fragment must not be
glued to a longer name (``w_0`` is not found in ``\\mathbf{w}_0``, the first iterate of
gradient descent, nor ``\\mathbf{t}`` in ``\\mathbf{top}``). A fragment in parentheses in the
table is an explanation ("SMO's curvature is $a_{ij}$"), not a rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTATION = ROOT / "notation.md"
CHAPTERS = sorted((ROOT / "chapters").glob("*/*.md"))
SECTION = "## Symbols with one meaning"
_MATH = re.compile(r"\$([^$]+)\$")
_CODE = re.compile(r"`([^`]+)`")
_CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```\s*$", re.M | re.S)


def prose(md: Path) -> str:
    """The Markdown of a chapter with its code cells blanked (line numbers kept)."""
    return _CODE_CELL.sub(lambda m: "\n" * m.group(0).count("\n"),
                          md.read_text(encoding="utf-8"))
_UNWRAP = re.compile(r"\{(\\[A-Za-z]+|[A-Za-z0-9])\}")


def normal(tex: str) -> str:
    """LaTeX without spaces and without braces around one character or one command."""
    tex = re.sub(r"\s+", "", tex)
    while True:
        unwrapped = _UNWRAP.sub(r"\1", tex)
        if unwrapped == tex:
            return tex
        tex = unwrapped


def forbidden() -> dict[str, str]:
    """``{normalised fragment: the row's symbol}`` from the page's table."""
    text = NOTATION.read_text(encoding="utf-8")
    assert SECTION in text, f"notation.md has no section {SECTION!r}"
    table = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Symbol", "") or set(cells[0]) <= set(":-"):
            continue
        symbol, never = cells[0], cells[2]
        spans = _MATH.findall(never) + _CODE.findall(never)  # a formula, or LaTeX as code
        marked = never
        for k, span in enumerate(spans):
            marked = re.sub(rf"[$`]{re.escape(span)}[$`]", f"\0{k}\0", marked, count=1)
        # an explanation in parentheses is not a rule
        while re.search(r"\([^()]*\)", marked):
            marked = re.sub(r"\([^()]*\)", "", marked)
        for k in map(int, re.findall(r"\0(\d+)\0", marked)):
            rules[normal(spans[k])] = symbol
    return rules


def found(fragment: str, tex: str) -> bool:
    pattern = (r"(?<![A-Za-z\\])" if fragment[0].isalpha() else "") + re.escape(fragment)
    if fragment[-1].isalpha():
        pattern += r"(?![A-Za-z])"
    return re.search(pattern, tex) is not None


def chapter_latex(md: Path) -> list[tuple[str, str]]:
    """``(where, LaTeX)`` for each math span of the text and each stored chain field."""
    text = prose(md)
    spans = [(f"{md.name} near line {text[:m.start()].count(chr(10)) + 1}",
              m.group(1) or m.group(2))
             for m in re.finditer(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", text, re.S)]
    ipynb = md.with_suffix(".ipynb")
    if ipynb.is_file():
        for cell in json.loads(ipynb.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                record = (output.get("metadata", {}).get("derivlib") or {}).get(
                    "derivation") or {}
                fields = [record.get("start"), record.get("title")]
                fields += [s.get(k) for s in record.get("steps", []) for k in ("latex", "why")]
                fields += [p.get("latex") for p in record.get("premises", [])]
                where = f"{ipynb.name}, chain {record.get('title') or ''}".rstrip()
                spans += [(where, f) for f in fields if f]
    return spans


def test_the_page_fixes_the_symbols_the_issue_names():
    rules = forbidden()
    symbols = " ".join(set(rules.values()))
    for needed in (r"\mathbf{y}", "$b$", r"\ell", "$E$", "$L", r"\eta", r"\kappa", r"\mathbf{W}"):
        assert needed in symbols, f"notation.md's table does not fix {needed}"
    assert normal(r"\mathbf{t}") in rules and "w_0" in rules


def test_the_matcher_finds_what_it_should():
    assert normal(r"\mathbf {t}_n") == normal(r"\mathbf t_{n}") == r"\mathbft_n"
    assert found(normal(r"\mathbf{t}"), normal(r"E = \lVert \mathbf t - \mathbf X\mathbf w\rVert"))
    assert not found(normal(r"\mathbf{t}"), normal(r"\mathbf{top}"))
    assert found("w_0", normal(r"f(x) = w_0 + w_1 x"))
    assert not found("w_0", normal(r"\lVert \mathbf{w}_0 - \hat{\mathbf w} \rVert"))
    assert found(normal(r"\nabla L"), normal(r"\nabla L(\boldsymbol\theta_t)"))
    assert not found(normal(r"\nabla L"), normal(r"\nabla \log p"))
    assert found(normal(r"\mathcal{L}(\boldsymbol"), normal(r"\mathcal L(\boldsymbol\pi, \lambda)"))
    assert not found(normal(r"\mathcal{L}(\boldsymbol"), normal(r"\mathcal{L}(q)"))


@pytest.mark.parametrize("md", CHAPTERS, ids=[f"{p.parent.name}/{p.stem}" for p in CHAPTERS])
def test_a_chapter_writes_no_symbol_the_notation_page_rules_out(md):
    rules = forbidden()
    problems = sorted({f"{where}: {fragment!r} (the page fixes {symbol})"
                       for where, tex in chapter_latex(md) for fragment, symbol in rules.items()
                       if found(fragment, normal(tex))})
    assert not problems, f"{len(problems)} contradiction(s) of notation.md:\n" + "\n".join(
        problems[:20])


CLAIM = re.compile(r"[^.]*(?:notation|that page)[^.]*(?:page's|calls|there )[^.]*\.",
                   re.I | re.S)


@pytest.mark.parametrize("md", CHAPTERS, ids=[f"{p.parent.name}/{p.stem}" for p in CHAPTERS])
def test_no_sentence_says_the_notation_page_uses_another_symbol(md):
    """ "(the notation page's $t$)", "the notation page calls targets $t_n$", "targets are $y$
    (there $t$)": each told the reader that the page writes what it does not."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", prose(md))  # a link as its text
    page = NOTATION.read_text(encoding="utf-8")
    claims = [" ".join(m.group(0).split()) for m in CLAIM.finditer(text)
              if any(f"${s}$" not in page.split(SECTION, 1)[0] for s in _MATH.findall(m.group(0)))]
    assert not claims, f"{md.name}: sentences about the notation page it contradicts: {claims}"
