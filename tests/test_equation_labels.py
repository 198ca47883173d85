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
