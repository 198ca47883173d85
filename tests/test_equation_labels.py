"""Every equation a derivlib module cites exists in its chapter.

The code says where each line comes from: ``# (kf-gain)``, ``eq. (svm-wss2)``, ``eq.
``lr-soft```` refer to labelled equations of the chapter of the same name
(``src/derivlib/<part>/<topic>.py`` <-> ``chapters/<part>/<topic>.md``). A label that was
renamed or never existed sends a reader looking for an equation that is not there; this test
lists them. Labels are MyST's ``$$ ... $$ (label)``, ``:label: label`` and ``(label)=``; a
reference in code is any word made of one of the chapter's label prefixes (``kf-``, ``svm-``,
...) and a hyphenated name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABEL = re.compile(r"\$\$\s*\(([a-z][a-z0-9-]*)\)|:label:\s*([a-z][a-z0-9-]*)"
                   r"|^\(([a-z][a-z0-9-]*)\)=\s*$", re.M)
PAIRS = [(src, ROOT / "chapters" / src.parent.name / f"{src.stem}.md")
         for src in sorted((ROOT / "src" / "derivlib").glob("*/*.py"))
         if (ROOT / "chapters" / src.parent.name / f"{src.stem}.md").is_file()]


def labels(md: Path) -> set[str]:
    return {a or b or c for a, b, c in LABEL.findall(md.read_text(encoding="utf-8"))}


def references(code: str, prefixes: set[str]) -> set[str]:
    alternatives = "|".join(sorted(prefixes))
    pattern = rf"(?<![\w.-])((?:{alternatives})-[a-z0-9]+(?:-[a-z0-9]+)*)(?![\w-])"
    return set(re.findall(pattern, code))


def test_every_chapter_module_is_checked():
    assert len(PAIRS) >= 7, [p[0].name for p in PAIRS]


@pytest.mark.parametrize("src, md", PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_equations_cited_in_code_exist_in_the_chapter(src, md):
    defined = labels(md)
    prefixes = {label.split("-")[0] for label in defined}
    cited = references(src.read_text(encoding="utf-8"), prefixes)
    assert cited, f"{src.relative_to(ROOT)} cites no equation of {md.name}"
    missing = sorted(cited - defined)
    assert not missing, (f"{src.relative_to(ROOT)} cites equations that {md.relative_to(ROOT)} "
                         f"does not label: {missing}")


def test_the_reference_pattern_finds_what_it_should():
    code = "x = 1  # eq. (kf-gain); see eqs. (kf-a-b) and ``kf-c``. Not kf_d, nor skf-e"
    assert references(code, {"kf"}) == {"kf-gain", "kf-a-b", "kf-c"}


# What a reader sees of the code's strings: figure text and printed lines. A label there
# ("eq. (sv-bias)") is an internal name the page never shows; the page shows the number.
# (A derivation step's reason may cite "(sv-bias)": the site shows it as the linked number.)
SHOWN_TEXT = {"set_title", "title", "suptitle", "text", "annotate", "set_xlabel", "set_ylabel",
              "xlabel", "ylabel", "legend", "print", "plot", "scatter", "fill_between", "hist",
              "axhline", "axvline", "errorbar", "bar", "contour", "Markdown", "set",
              "check_answer"}
CHAPTER_SOURCES = sorted((ROOT / "chapters").glob("*/*.md"))


def shown_strings(md: Path) -> list[str]:
    """String constants passed to the calls in :data:`SHOWN_TEXT` in a chapter's code cells."""
    import ast

    text = md.read_text(encoding="utf-8")
    out = []
    for cell in re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", text, re.M | re.S):
        cell = re.sub(r"\A---\n.*?^---\n", "", cell, flags=re.M | re.S)  # cell options,
        cell = re.sub(r"\A(?::[\w-]+:.*\n)+", "", cell)  # in either form
        code = "\n".join(  # an IPython magic becomes `pass`, keeping the indentation
            line[:len(line) - len(line.lstrip())] + "pass"
            if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines())
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:  # a chapter's cell that does not parse is reported, not skipped
            raise AssertionError(f"{md.name}: a code cell does not parse: {exc}") from exc
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in SHOWN_TEXT:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        out.append(sub.value)
    return out


def book_labels() -> set[str]:
    return set().union(*(labels(md) for md in CHAPTER_SOURCES))


@pytest.mark.parametrize("md", CHAPTER_SOURCES, ids=[p.stem for p in CHAPTER_SOURCES])
def test_figures_and_printed_text_show_no_equation_label(md):
    every = book_labels()
    shown = [s for s in shown_strings(md)
             if any(re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", s) for label in every)]
    assert not shown, (f"{md.name}: figure or printed text shows an internal equation label "
                       f"(cite the equation's number in the caption or prose instead): {shown}")


def test_shown_strings_finds_a_legend_label(tmp_path):
    md = tmp_path / "x.md"
    md.write_text('```{code-cell} ipython3\nax.plot(x, y, label=f"bias, eq. (sv-bias)")\n'
                  '```\n', encoding="utf-8")
    assert shown_strings(md) == ["bias, eq. (sv-bias)"]
