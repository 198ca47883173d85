"""One citation style on every page: the label a reader clicks is the label the list shows.

The text cites author-year (``bibtex_reference_style: author_year``: "[Bishop, 2006]"), but
sphinxcontrib-bibtex's default list style, ``alpha``, labels the entries of a chapter's
reference list "[Bis06]", so a reader following "[Bishop, 2006]" lands on a different label.
This extension registers the pybtex formatting style ``authoryear``: the ``plain`` style
(entries sorted by author, year and title) whose labels are the text's "Bishop, 2006",
"Boyd and Vandenberghe, 2004", "Dempster et al., 1977", with a, b, ... for the same authors
in the same year. ``_config.yml`` selects it with ``bibtex_default_style: authoryear``.

Derivation chains cite too: a step marked *cited* stores its ``references.bib`` key
(``_ext/derivation.py`` draws the chain). Their keys are registered as citations of the page
(so the page's reference list includes them, and each list entry links back to the mark),
and each mark shows the same linked author-year label as the text.
"""

from __future__ import annotations

import codecs

import latexcodec  # noqa: F401 - registers the ulatex codec
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    """The surname as printed: braces dropped, LaTeX accents decoded (``Sch{\\"o}lkopf``)."""
    parts = person.rich_prelast_names + person.rich_last_names
    return codecs.decode(" ".join(p.render_as("text") for p in parts), "ulatex")


def author_year(entry) -> str:
    """``"Bishop, 2006"``, ``"Boyd and Vandenberghe, 2004"``, ``"Dempster et al., 1977"``."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Labels as the text cites: "Bishop, 2006"; "Bishop, 2006a", "Bishop, 2006b" if needed."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        count = {label: labels.count(label) for label in labels}
        seen: dict[str, int] = {}
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                seen[label] = seen.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
