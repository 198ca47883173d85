"""Tests of tools.book: the table of contents, chapters, prerequisites and launch links.

(``tests/test_book.py`` checks the book itself against its rules; this file tests the module
that reads the book's structure, on small books written here and on the real one.)
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tools import book

ROOT = Path(__file__).resolve().parents[1]


def _toc_chapters() -> list[str]:
    """The chapter entries of _toc.yml, read independently of tools.book."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("file", "")).startswith("chapters/") and not node["file"].endswith(
                    "/index"):
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    return found

# -- a small book, written in tmp_path ---------------------------------------------------------


def _notebook(*markdown: str, code_between: bool = False):
    nb = nbformat.v4.new_notebook()
    for i, text in enumerate(markdown):
        if code_between and i:
            nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
        nb.cells.append(nbformat.v4.new_markdown_cell(text))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def _chapter(title: str, prerequisites: str):
    return _notebook(f"# {title}\n\nIntro.", f"## Goal\n\nWe derive it.\n\n{prerequisites}\n"
                     "**Afterwards you can** do it.", "## Model\n\nText.")


def _write_book(root, chapters: dict[str, str], toc_only=None):
    """chapters: docname -> Prerequisites paragraph. Writes notebooks, notation.md, _toc.yml."""
    (root / "notation.md").write_text("# Notation\n", encoding="utf-8")
    (root / "intro.md").write_text("# Intro\n", encoding="utf-8")
    for name, prereq in chapters.items():
        path = root / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_chapter(name.rsplit("/", 1)[1].title(), prereq), path)
    listed = list(chapters) if toc_only is None else toc_only
    sections = "\n".join(f"      - file: {name}" for name in listed)
    (root / "_toc.yml").write_text(
        f"format: jb-book\nroot: intro\nparts:\n  - caption: All\n    chapters:\n"
        f"      - file: notation\n{sections}\n", encoding="utf-8")
    return root


SMALL_BOOK = {
    "chapters/basics/a": "**Prerequisites.** None; the [notation](../../notation.md) page.",
    "chapters/basics/b": "**Prerequisites**: {doc}`a`, and [A again](a.ipynb#goal).",
    "chapters/more/c": "Prerequisites: [b](../basics/b.ipynb) and "
                       "{doc}`the first </chapters/basics/a>`.",
}


def test_chapters_of_a_small_book(tmp_path):
    chapters = book.chapters(_write_book(tmp_path, SMALL_BOOK))
    assert [c.docname for c in chapters] == list(SMALL_BOOK)
    assert [c.title for c in chapters] == ["A", "B", "C"]
    assert [c.part for c in chapters] == ["basics", "basics", "more"]
    assert chapters[2].path == "chapters/more/c.ipynb"
    assert book.prerequisite_graph(chapters) == {
        "chapters/basics/a": (),  # the notation page is not a chapter
        "chapters/basics/b": ("chapters/basics/a",),  # two links to a, listed once
        "chapters/more/c": ("chapters/basics/b", "chapters/basics/a"),
    }
    assert book.prerequisite_graph(tmp_path) == book.prerequisite_graph(chapters)
    assert book.toc_files(tmp_path) == ["intro", "notation", *SMALL_BOOK]


@pytest.mark.parametrize(("paragraph", "message"), [
    ("**Prerequisites.** [planned](../basics/zzz.ipynb).", "does not exist"),
    ("**Prerequisites.** {doc}`c`.", "itself"),
    ("**Prerequisites.** [outside](../../../x.ipynb).", "outside the book"),
    ("**Requirements.** none.", "Prerequisites"),
])
def test_bad_prerequisites_name_the_chapter(tmp_path, paragraph, message):
    chapters = {"chapters/basics/a": "Prerequisites: none.", "chapters/more/c": paragraph}
    with pytest.raises(ValueError, match=message) as info:
        book.chapters(_write_book(tmp_path, chapters))
    assert "chapters/more/c.ipynb" in str(info.value)


def test_a_prerequisite_outside_the_toc_is_an_error(tmp_path):
    chapters = {"chapters/basics/a": "Prerequisites: none.",
                "chapters/more/c": "Prerequisites: {doc}`../basics/a`."}
    _write_book(tmp_path, chapters, toc_only=["chapters/more/c"])
    with pytest.raises(ValueError, match="not in _toc.yml"):
        book.chapters(tmp_path)


def test_bad_roots(tmp_path):
    with pytest.raises(TypeError, match="root"):
        book.chapters(42)
    with pytest.raises(ValueError, match="root"):
        book.toc_files(tmp_path)  # no _toc.yml
    (tmp_path / "_toc.yml").write_text("format: jb-book\n", encoding="utf-8")
    with pytest.raises(ValueError, match="root"):
        book.toc_files(tmp_path)


# -- the Prerequisites paragraph ---------------------------------------------------------------


@pytest.mark.parametrize("start", ["**Prerequisites**:", "**Prerequisites.**", "Prerequisites:",
                                   "__Prerequisites__:"])
def test_every_form_of_the_paragraph_is_found(start):
    nb = _notebook("# T", f"## Goal\n\nWe derive.\n\n{start} the [KL](kl.ipynb)\nchapter.\n\n"
                   "**Afterwards you can** go on.")
    assert book.prerequisites_paragraph(nb) == f"{start} the [KL](kl.ipynb)\nchapter."


@pytest.mark.parametrize(("goal", "expected"), [
    # ends at the next labelled paragraph, bold or not
    ("Prerequisites: one,\ntwo.\n**Afterwards you can** x.", "Prerequisites: one,\ntwo."),
    ("Prerequisites: one.\nAfterwards you can x.", "Prerequisites: one."),
    # ends at a blank line
    ("Prerequisites: one.\n\nMore text.", "Prerequisites: one."),
    # a fenced block does not count, and ends the paragraph
    ("```text\nPrerequisites: quoted.\n```\n\nPrerequisites: real.\n```{note}\nx\n```",
     "Prerequisites: real."),
])
def test_where_the_paragraph_ends(goal, expected):
    assert book.prerequisites_paragraph(_notebook("# T", f"## Goal\n\n{goal}")) == expected


def test_the_goal_section_may_span_cells_and_only_it_counts():
    nb = _notebook("# T", "## Goal\n\nFirst cell of the goal.", "Prerequisites: [a](a.ipynb).",
                   "## Model\n\nPrerequisites: not these.", code_between=True)
    assert book.prerequisites_paragraph(nb) == "Prerequisites: [a](a.ipynb)."
    late = _notebook("# T", "## Goal\n\nNo paragraph.", "## Model\n\nPrerequisites: too late.")
    with pytest.raises(ValueError, match="Prerequisites"):
        book.prerequisites_paragraph(late)
    with pytest.raises(ValueError, match="Goal"):
        book.prerequisites_paragraph(_notebook("# T", "## Aim\n\nPrerequisites: x."))


def test_paragraph_bad_input(tmp_path):
    with pytest.raises(TypeError, match="nb"):
        book.prerequisites_paragraph(["not", "a notebook"])
    with pytest.raises(ValueError, match="path"):
        book.prerequisites_paragraph(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="Title"):
        path = tmp_path / "untitled.ipynb"
        nbformat.write(_notebook("## Goal\n\nPrerequisites: x."), path)
        book.chapter_title(path)


# -- links -------------------------------------------------------------------------------------


def test_links_resolve_relative_to_the_chapter_folder():
    text = ("Prerequisites: [MLE](../foundations/mle_kl.ipynb), [the HMM\nchapter](hmm.ipynb),"
            " {doc}`sample <../foundations/sample_variance>`, [abs](/chapters/x/y.md),"
            " [web](https://example.org/a.ipynb), [anchor](#goal), ![img](fig.png),"
            " {doc}`kalman` and [MLE again](../foundations/mle_kl.ipynb#model).")
    assert book.prerequisite_links(text, "chapters/sequences/kalman") == (
        "chapters/foundations/mle_kl",
        "chapters/sequences/hmm",
        "chapters/foundations/sample_variance",
        "chapters/x/y",
        "chapters/sequences/kalman",
    )


def test_links_bad_input():
    with pytest.raises(TypeError, match="text"):
        book.prerequisite_links(None, "chapters/a/b")
    for docname in ("", "/chapters/a/b", 3):
        with pytest.raises(ValueError, match="docname"):
            book.prerequisite_links("x", docname)
    with pytest.raises(ValueError, match="outside"):
        book.prerequisite_links("[up](../../../../x.ipynb)", "chapters/a/b")


# -- layers and orders -------------------------------------------------------------------------


def test_layers_are_longest_paths():
    graph = {"a": (), "b": ("a",), "c": ("b",), "d": ("a", "c"), "e": ()}
    assert book.layers(graph) == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 0}


@st.composite
def dags(draw):
    n = draw(st.integers(1, 12))
    names = [f"n{i}" for i in range(n)]
    graph = {}
    for i, name in enumerate(names):
        graph[name] = tuple(draw(st.lists(st.sampled_from(names[:i]), unique=True))) if i else ()
    order = draw(st.permutations(names))
    return {name: graph[name] for name in order}


@given(dags())
def test_layers_put_every_prerequisite_to_the_left(graph):
    layer = book.layers(graph)
    assert list(layer) == list(graph)
    for node, prereqs in graph.items():
        if not prereqs:
            assert layer[node] == 0
        else:
            assert all(layer[p] < layer[node] for p in prereqs)
            assert max(layer[p] for p in prereqs) == layer[node] - 1  # no gap: longest path
    # a topological order by layer has no violations
    assert book.order_violations(sorted(graph, key=layer.get), graph) == []


def test_cycles_and_missing_nodes_are_errors():
    with pytest.raises(ValueError, match="cycle .*: a -> c -> b -> a"):
        book.layers({"a": ("c",), "b": ("a",), "c": ("b",)})
    with pytest.raises(ValueError, match="not in the graph"):
        book.layers({"a": ("zzz",)})
    with pytest.raises(TypeError, match="graph"):
        book.layers([("a", ())])
    with pytest.raises(TypeError, match="graph"):
        book.layers({"a": "b"})


def test_order_violations():
    graph = {"a": (), "b": ("a",), "c": ("a", "b")}
    assert book.order_violations(["a", "b", "c"], graph) == []
    assert book.order_violations(["a", "planned", "b", "c"], graph) == []
    assert book.order_violations(["c", "a", "b"], graph) == [("c", "a"), ("c", "b")]
    assert book.order_violations(["b", "c"], graph) == [("b", "a"), ("c", "a")]  # a never taught
    with pytest.raises(ValueError, match="more than once"):
        book.order_violations(["a", "a"], graph)
    with pytest.raises(TypeError, match="order"):
        book.order_violations("abc", graph)


# -- the real book -----------------------------------------------------------------------------


def test_the_real_book_reads_and_respects_its_own_order():
    chapters = book.chapters(ROOT)
    names = [c.docname for c in chapters]
    assert names == _toc_chapters()
    assert sorted(names) == sorted(p.relative_to(ROOT).with_suffix("").as_posix()
                                   for p in (ROOT / "chapters").rglob("*.ipynb")
                                   if ".ipynb_checkpoints" not in p.parts)
    graph = book.prerequisite_graph(chapters)
    assert any(graph.values()), "no chapter states a prerequisite"
    # CONTRIBUTING.md ("The chapter anatomy"): prerequisites are links to *earlier* chapters
    assert book.order_violations(names, graph) == []
    book.layers(graph)  # acyclic
    for chapter in chapters:
        nb = nbformat.read(ROOT / chapter.path, as_version=4)
        headings = [line for c in nb.cells if c.cell_type == "markdown"
                    for line in c.source.splitlines() if line.startswith("# ")]
        assert headings and headings[0] == f"# {chapter.title}"


def test_every_chapter_is_in_the_plan():
    planned = {f"chapters/{part}/{topic}" for part, (_t, topics) in book.PLAN.items()
               for topic, _title in topics}
    missing = [c.docname for c in book.chapters(ROOT) if c.docname not in planned]
    assert not missing, f"chapters missing from tools.book.PLAN: {missing}"
    assert len(planned) == sum(len(topics) for _t, topics in book.PLAN.values())  # unique


# -- launch links ------------------------------------------------------------------------------

NB = "chapters/sequences/hmm.ipynb"


def test_binder_and_colab_urls():
    binder = urlsplit(book.binder_url(NB))
    assert (binder.scheme, binder.netloc) == ("https", "mybinder.org")
    assert binder.path == "/v2/gh/derivations-that-run/book/main"
    assert parse_qs(binder.query) == {"urlpath": [f"tree/{NB}"]}
    colab = urlsplit(book.colab_url(NB, branch="dev"))
    assert colab.netloc == "colab.research.google.com"
    assert colab.path == f"/github/derivations-that-run/book/blob/dev/{NB}"


@pytest.mark.parametrize(("hub", "base"), [
    ("hub.example.edu", "https://hub.example.edu"),
    ("https://example.edu/jupyter/", "https://example.edu/jupyter"),
    ("http://localhost:8000", "http://localhost:8000"),
])
def test_nbgitpuller_url(hub, base):
    url = book.nbgitpuller_url(hub, NB)
    assert url.startswith(f"{base}/hub/user-redirect/git-pull?")
    assert parse_qs(urlsplit(url).query) == {
        "repo": [book.REPOSITORY],
        "urlpath": [f"tree/book/{NB}"],  # inside the folder the repository is cloned to
        "branch": ["main"],
    }
    lab = parse_qs(urlsplit(book.nbgitpuller_url(hub, NB, interface="lab")).query)
    assert lab["urlpath"] == [f"lab/tree/book/{NB}"]


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"path": "/etc/passwd"}, ValueError, "path"),
    ({"path": "../x.ipynb"}, ValueError, "path"),
    ({"path": ""}, ValueError, "path"),
    ({"path": 3}, TypeError, "path"),
    ({"repository": "https://gitlab.com/a/b"}, ValueError, "repository"),
    ({"repository": None}, TypeError, "repository"),
    ({"branch": "a b"}, ValueError, "branch"),
    ({"branch": 1}, TypeError, "branch"),
])
def test_launch_links_reject_bad_input(kwargs, error, name):
    arguments = {"path": NB, **kwargs}
    for make in (book.binder_url, book.colab_url):
        with pytest.raises(error, match=name):
            make(**arguments)
    with pytest.raises(error, match=name):
        book.nbgitpuller_url("hub.example.edu", **arguments)


@pytest.mark.parametrize("hub", ["ftp://hub", "https://", "hub.edu?x=1", "a hub", None])
def test_nbgitpuller_rejects_bad_hubs(hub):
    with pytest.raises(TypeError if hub is None else ValueError, match="hub"):
        book.nbgitpuller_url(hub, NB)
    with pytest.raises(ValueError, match="interface"):
        book.nbgitpuller_url("hub.edu", NB, interface="vscode")


# -- docstrings --------------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(book)
    assert result.failed == 0
    assert result.attempted == 3  # prerequisite_links, layers, order_violations


def test_chapter_is_json_friendly():
    chapter = book.chapters(ROOT)[0]
    assert json.loads(json.dumps(chapter._asdict()))["docname"] == chapter.docname
