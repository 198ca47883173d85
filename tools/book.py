"""Reading the book's own structure: the table of contents, chapters and their prerequisites.

The book's pages that are about the book (the derivation audit, the course guide) and its
structural tests read the chapters from the files themselves, so that nothing about the book
is typed twice:

- the order of the chapters is the order of ``_toc.yml``;
- a chapter's title is its notebook's ``# `` heading;
- a chapter's prerequisites are the links in the paragraph of its *Goal* section that starts
  with "Prerequisites" (CONTRIBUTING.md, "The chapter anatomy"). Links are Markdown links
  ``[text](../foundations/mle_kl.ipynb)`` or MyST ``{doc}`` roles, relative to the chapter's
  folder; a link to a page that is not a chapter (the notation page) is not a prerequisite.

The module also writes the launch links that hand a chapter to students (Binder, Colab and a
JupyterHub with nbgitpuller), and holds the book's plan, so that a syllabus can name the
chapters that are not written yet.

Names: a chapter is identified by its *docname*, its path from the repository root without
the suffix, as in ``_toc.yml`` (``"chapters/foundations/mle_kl"``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import quote, urlsplit

__all__ = [
    "BRANCH",
    "PLAN",
    "chapter_numbers",
    "part_numbers",
    "REPOSITORY",
    "Chapter",
    "binder_url",
    "chapter_title",
    "chapters",
    "colab_url",
    "layers",
    "nbgitpuller_url",
    "order_violations",
    "prerequisite_graph",
    "prerequisite_links",
    "prerequisites_paragraph",
    "toc_files",
]

REPOSITORY = "https://github.com/derivations-that-run/book"
BRANCH = "main"

#: The book's plan: part folder -> (part title, ((topic, working title), ...)), in reading
#: order. Written chapters live at ``chapters/<part>/<topic>.ipynb``; the others are planned.
#: Parts and chapters are numbered by this plan (:func:`chapter_numbers`, used by the site's
#: numbering): a chapter keeps its number, and its equations, theorems and exercises theirs
#: (20.3), when chapters before it are written. Add new chapters at the end of a part.
PLAN: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "foundations": ("Foundations", (
        ("gaussian", "The multivariate Gaussian"),
        ("sample_variance", "Why the maximum-likelihood variance is biased"),
        ("mle_kl", "Maximum likelihood as KL minimisation"),
    )),
    "linear_models": ("Linear models", (
        ("linear_regression", "Linear regression"),
        ("logistic_regression", "Logistic regression"),
        ("svm", "Support vector machines"),
    )),
    "graphical_models": ("Graphical models", (
        ("naive_bayes", "Naive Bayes"),
        ("semi_naive_bayes", "Semi-naive Bayes"),
        ("bayesian_networks", "Bayesian networks"),
        ("belief_propagation", "Belief propagation"),
    )),
    "ensembles": ("Trees and ensembles", (
        ("decision_trees", "Decision trees"),
        ("ensembles", "Bagging and random forests"),
        ("gradient_boosting", "Gradient boosting"),
    )),
    "approximate_inference": ("Approximate inference", (
        ("em_gmm", "EM for Gaussian mixtures"),
        ("variational_inference", "Variational inference"),
        ("lda", "Latent Dirichlet allocation"),
        ("expectation_propagation", "Expectation propagation"),
    )),
    "sampling": ("Sampling", (
        ("monte_carlo", "Monte Carlo"),
        ("mcmc", "Markov chain Monte Carlo"),
    )),
    "sequences": ("Sequential models", (
        ("hmm", "Hidden Markov models"),
        ("kalman", "The Kalman filter"),
    )),
    "neural_networks": ("Neural networks", (
        ("backprop", "Backpropagation"),
        ("cnn", "Convolutional networks"),
        ("rnn_lstm", "Recurrent networks and the LSTM"),
        ("attention", "Attention"),
        ("rbm", "Restricted Boltzmann machines"),
    )),
}


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def chapter_numbers() -> dict[str, int]:
    """``{"chapters/<part>/<topic>": number}`` for every planned chapter, 1, 2, ... in order."""
    docnames = [f"chapters/{part}/{topic}" for part, (_title, topics) in PLAN.items()
                for topic, _working in topics]
    return {docname: k for k, docname in enumerate(docnames, start=1)}


def part_numbers() -> dict[str, str]:
    """``{part folder: Roman numeral}`` in the plan's order (Part I, Part II, ...)."""
    return {part: ROMAN[k] for k, part in enumerate(PLAN)}


class Chapter(NamedTuple):
    """A chapter of the book, as its notebook states it.

    Attributes
    ----------
    docname : str
        Path from the repository root without suffix, e.g. ``"chapters/sequences/hmm"``.
    part : str
        The part's folder, e.g. ``"sequences"``.
    title : str
        The notebook's ``# `` heading.
    prerequisites : tuple of str
        Docnames of the chapters linked from the *Prerequisites* paragraph, in link order.
    """

    docname: str
    part: str
    title: str
    prerequisites: tuple[str, ...]

    @property
    def path(self) -> str:
        """The notebook's path from the repository root (``chapters/<part>/<topic>.ipynb``)."""
        return f"{self.docname}.ipynb"


# -- table of contents -------------------------------------------------------------------------


def _root(root) -> Path:
    if not isinstance(root, str | Path):
        raise TypeError(f"root must be a str or Path, got {type(root).__name__}")
    root = Path(root)
    if not (root / "_toc.yml").is_file():
        raise ValueError(f"root must be the book's folder (with a _toc.yml), got {str(root)!r}")
    return root


def _walk(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("parts", "chapters", "sections"):
            yield from _walk(entry.get(key, []))


def toc_files(root=".") -> list[str]:
    """Every page of the table of contents, in reading order.

    Parameters
    ----------
    root : str or Path
        The book's folder, where ``_toc.yml`` is.

    Returns
    -------
    list of str
        The ``root`` page, then every ``file:`` entry of ``_toc.yml`` (parts, chapters and
        sections, depth first), as docnames without suffix.
    """
    import yaml  # PyYAML comes with the book's requirements, not with derivlib's numerics

    toc = yaml.safe_load((_root(root) / "_toc.yml").read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError("root: _toc.yml has no 'root' entry")
    return [toc["root"], *_walk(toc.get("parts", []) + toc.get("chapters", []))]


# -- one chapter -------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})")


def _unfenced(lines: Iterable[str]):
    """The lines that are not inside a fenced block (``` ~~~ :::), and None at each fence."""
    fence = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                yield None
                continue
            yield line
        elif match and line.strip() == match.group(1) and match.group(1)[0] == fence[0]:
            if len(match.group(1)) >= len(fence):
                fence = None
                yield None


def _read(path) -> dict:
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb notebook, got {str(path)!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def _cells(nb) -> list[tuple[str, str]]:
    """(cell type, source) of each cell of a notebook read as JSON or with nbformat."""
    if not isinstance(nb, Mapping) or not isinstance(nb.get("cells"), list):
        raise TypeError(f"nb must be a notebook (a mapping with 'cells') or a path, "
                        f"got {type(nb).__name__}")
    cells = []
    for cell in nb["cells"]:
        source = cell.get("source", "")
        cells.append((cell.get("cell_type"), source if isinstance(source, str) else
                      "".join(source)))
    return cells


def chapter_title(path) -> str:
    """The title of a chapter: its notebook's first level-1 (``# ``) heading.

    Parameters
    ----------
    path : str or Path
        The chapter's ``.ipynb`` file.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the notebook has no ``# `` heading outside fenced blocks.
    """
    for cell_type, source in _cells(_read(path)):
        if cell_type != "markdown":
            continue
        for line in _unfenced(source.splitlines()):
            if line is not None and line.startswith("# "):
                return line[2:].strip()
    raise ValueError(f"path: {path} has no '# Title' heading")


_PREREQ_START = re.compile(r"^\s*(?:\*\*|__)?Prerequisites(?![A-Za-z])")
# A line that opens the next labelled paragraph ("**Afterwards you can** ...") ends this one.
_NEXT_LABEL = re.compile(r"^\s*(?:\*\*|__|Afterwards\b)")


def prerequisites_paragraph(nb) -> str:
    """The paragraph of a chapter's *Goal* section that starts with "Prerequisites".

    Parameters
    ----------
    nb : mapping, str or Path
        The chapter notebook (as read by nbformat or json), or its path.

    Returns
    -------
    str
        The paragraph's text, from "Prerequisites" to the next blank line or the next line
        that opens another labelled paragraph (a line starting with ``**`` or with
        "Afterwards"). Any of ``**Prerequisites**:``, ``**Prerequisites.**`` and
        ``Prerequisites:`` starts it.

    Raises
    ------
    ValueError
        If the notebook has no ``## Goal`` section, or the section has no such paragraph.
    """
    if isinstance(nb, str | Path):
        nb = _read(nb)
    # The Goal section's lines, across cells; None marks a paragraph break (a fence, the end of
    # a cell, a code cell).
    goal: list[str | None] | None = None
    for cell_type, source in _cells(nb):
        lines = _unfenced(source.splitlines()) if cell_type == "markdown" else ()
        for line in lines:
            if line is not None and line.startswith("## "):
                if goal is not None:
                    break
                if line[3:].strip().startswith("Goal"):
                    goal = []
                continue
            if goal is not None:
                goal.append(line)
        else:
            if goal is not None:
                goal.append(None)
            continue
        break
    if goal is None:
        raise ValueError("nb: the notebook has no '## Goal' section")
    paragraph: list[str] = []
    for line in goal:
        if paragraph:
            if line is None or not line.strip() or _NEXT_LABEL.match(line):
                break
            paragraph.append(line)
        elif line is not None and _PREREQ_START.match(line):
            paragraph.append(line)
    if not paragraph:
        raise ValueError("nb: the Goal section has no paragraph starting with 'Prerequisites'")
    return "\n".join(paragraph)


_MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_DOC_ROLE = re.compile(r"\{doc\}`([^`]+)`")


def _resolve(target: str, folder: str) -> str | None:
    """A link target as a docname from the root, or None for an external link or an anchor."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):  # https:, mailto: ...
        return None
    target = target.split("#", 1)[0]
    if not target:
        return None
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(folder, target)
    name = posixpath.normpath(joined)
    for suffix in (".ipynb", ".md"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name == ".." or name.startswith("../"):
        raise ValueError(f"link {target!r} points outside the book")
    return name


def prerequisite_links(text: str, docname: str) -> tuple[str, ...]:
    """The pages that a Prerequisites paragraph links to, as docnames.

    Parameters
    ----------
    text : str
        The paragraph (see :func:`prerequisites_paragraph`).
    docname : str
        The docname of the chapter the paragraph is in (links are relative to its folder),
        e.g. ``"chapters/linear_models/svm"``.

    Returns
    -------
    tuple of str
        Docnames in order of first appearance, duplicates removed: Markdown links
        ``[text](target)`` and ``{doc}`` roles (``{doc}`target``` or
        ``{doc}`text <target>```). External links (with a scheme such as ``https:``) and
        pure anchors are left out; ``.ipynb``/``.md`` suffixes and ``#anchors`` are dropped.

    Examples
    --------
    >>> prerequisite_links("from [HMMs](hmm.ipynb) and {doc}`../foundations/mle_kl`",
    ...                    "chapters/sequences/kalman")
    ('chapters/sequences/hmm', 'chapters/foundations/mle_kl')
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(docname, str) or not docname or docname.startswith("/"):
        raise ValueError(f"docname must be a relative docname such as 'chapters/x/y', "
                         f"got {docname!r}")
    folder = posixpath.dirname(docname)
    found: list[tuple[int, str]] = []
    for match in _MD_LINK.finditer(text):
        found.append((match.start(), match.group(1)))
    for match in _DOC_ROLE.finditer(text):
        role = match.group(1).strip()
        explicit = re.match(r"^.*<([^<>]+)>$", role, re.S)
        found.append((match.start(), explicit.group(1).strip() if explicit else role))
    names: list[str] = []
    for _start, target in sorted(found):
        name = _resolve(target, folder)
        if name is not None and name not in names:
            names.append(name)
    return tuple(names)


# -- the whole book ----------------------------------------------------------------------------


def _exists(root: Path, docname: str) -> bool:
    return any((root / f"{docname}{suffix}").is_file() for suffix in (".ipynb", ".md"))


def chapters(root=".") -> list[Chapter]:
    """The book's chapters in the order of the table of contents, with their prerequisites.

    Parameters
    ----------
    root : str or Path
        The book's folder.

    Returns
    -------
    list of Chapter
        Every notebook listed in ``_toc.yml`` under ``chapters/``. A chapter's prerequisites
        are the links of its Prerequisites paragraph that point to other chapters; links to
        other pages of the book (the notation page) are not prerequisites.

    Raises
    ------
    ValueError
        If a chapter has no Prerequisites paragraph, links to a page that does not exist, or
        to a chapter notebook that is not in the table of contents, or to itself.
    """
    root = _root(root)
    names = [n for n in toc_files(root) if n.startswith("chapters/")
             and (root / f"{n}.ipynb").is_file()]
    listed = set(names)
    result = []
    for name in names:
        nb = _read(root / f"{name}.ipynb")
        try:
            links = prerequisite_links(prerequisites_paragraph(nb), name)
        except ValueError as err:
            raise ValueError(f"{name}.ipynb: {err}") from None
        prereqs = []
        for link in links:
            if not _exists(root, link):
                raise ValueError(f"{name}.ipynb: the Prerequisites paragraph links to {link!r}, "
                                 "which does not exist (a planned chapter is named, not linked)")
            if link == name:
                raise ValueError(f"{name}.ipynb: the chapter lists itself as a prerequisite")
            if link.startswith("chapters/") and (root / f"{link}.ipynb").is_file():
                if link not in listed:
                    raise ValueError(f"{name}.ipynb: prerequisite {link!r} is not in _toc.yml")
                prereqs.append(link)
        part = PurePosixPath(name).parent.name
        result.append(Chapter(name, part, chapter_title(root / f"{name}.ipynb"), tuple(prereqs)))
    return result


def prerequisite_graph(book) -> dict[str, tuple[str, ...]]:
    """The prerequisite graph: chapter -> the chapters it builds on.

    Parameters
    ----------
    book : sequence of Chapter, or str or Path
        The chapters (see :func:`chapters`), or the book's folder to read them from.

    Returns
    -------
    dict
        Docname -> tuple of prerequisite docnames, in table-of-contents order. An edge goes
        from each prerequisite to the chapter.
    """
    if isinstance(book, str | Path):
        book = chapters(book)
    if not isinstance(book, Sequence) or not all(isinstance(c, Chapter) for c in book):
        raise TypeError("book must be a sequence of Chapter or the book's folder")
    return {c.docname: c.prerequisites for c in book}


def _check_graph(graph) -> None:
    if not isinstance(graph, Mapping):
        raise TypeError(f"graph must be a mapping, got {type(graph).__name__}")
    for node, prereqs in graph.items():
        if isinstance(prereqs, str) or not isinstance(prereqs, Iterable):
            raise TypeError(f"graph[{node!r}] must be a sequence of names, got {prereqs!r}")
        missing = [p for p in prereqs if p not in graph]
        if missing:
            raise ValueError(f"graph: {node!r} depends on {missing}, which are not in the graph")


def layers(graph: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """The layer of each chapter: the length of the longest prerequisite path that reaches it.

    A chapter without prerequisites (a root) is in layer 0; any other chapter is one layer
    after its deepest prerequisite. Drawn left to right by layer, every arrow of the graph
    points to the right.

    Parameters
    ----------
    graph : mapping
        Name -> names of its prerequisites (see :func:`prerequisite_graph`); every
        prerequisite must itself be a key.

    Returns
    -------
    dict
        Name -> layer, in the order of ``graph``.

    Raises
    ------
    ValueError
        If a prerequisite is not in the graph, or the graph has a cycle (named in the message).

    Examples
    --------
    >>> layers({"a": (), "b": ("a",), "c": ("a", "b")})
    {'a': 0, 'b': 1, 'c': 2}
    """
    _check_graph(graph)
    depth: dict[str, int] = {}
    visiting: list[str] = []

    def visit(node: str) -> int:
        if node in depth:
            return depth[node]
        if node in visiting:
            cycle = visiting[visiting.index(node):] + [node]
            raise ValueError("graph has a cycle (each name depends on the next): "
                             + " -> ".join(cycle))
        visiting.append(node)
        depth[node] = 1 + max((visit(p) for p in graph[node]), default=-1)
        visiting.pop()
        return depth[node]

    for node in graph:
        visit(node)
    return {node: depth[node] for node in graph}


def order_violations(order: Sequence[str], graph: Mapping[str, Sequence[str]]
                     ) -> list[tuple[str, str]]:
    """Where a reading order (a syllabus) puts a chapter before one of its prerequisites.

    Parameters
    ----------
    order : sequence of str
        Names in the order they are taught. Names that are not in ``graph`` (planned
        chapters) are allowed and not checked.
    graph : mapping
        Name -> names of its prerequisites (see :func:`prerequisite_graph`).

    Returns
    -------
    list of (chapter, prerequisite)
        Every pair where ``chapter`` is in ``order`` and ``prerequisite`` is taught after it or
        not at all; empty when the order respects the graph.

    Examples
    --------
    >>> order_violations(["b", "a"], {"a": (), "b": ("a",)})
    [('b', 'a')]
    """
    _check_graph(graph)
    if isinstance(order, str) or not isinstance(order, Sequence):
        raise TypeError(f"order must be a sequence of names, got {type(order).__name__}")
    duplicates = sorted({name for name in order if list(order).count(name) > 1})
    if duplicates:
        raise ValueError(f"order lists these more than once: {duplicates}")
    position = {name: i for i, name in enumerate(order)}
    return [(name, p) for name in order if name in graph
            for p in graph[name] if position.get(p, len(order)) > position[name]]


# -- launch links ------------------------------------------------------------------------------


def _notebook_path(path) -> str:
    if isinstance(path, Path):
        path = path.as_posix()
    if not isinstance(path, str):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    parts = PurePosixPath(path).parts
    if not path or path.startswith("/") or ".." in parts or "\\" in path or not parts:
        raise ValueError(f"path must be relative to the repository root, e.g. "
                         f"'chapters/sequences/hmm.ipynb', got {path!r}")
    return "/".join(parts)


def _github(repository: str) -> str:
    """``owner/name`` of a GitHub repository URL."""
    if not isinstance(repository, str):
        raise TypeError(f"repository must be a str, got {type(repository).__name__}")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repository)
    if not match:
        raise ValueError("repository must be a GitHub URL such as "
                         f"'https://github.com/owner/name', got {repository!r}")
    return f"{match.group(1)}/{match.group(2)}"


def _branch(branch: str) -> str:
    if not isinstance(branch, str):
        raise TypeError(f"branch must be a str, got {type(branch).__name__}")
    if not re.fullmatch(r"[\w./-]+", branch) or branch.startswith("/"):
        raise ValueError(f"branch must be a git branch name, got {branch!r}")
    return branch


def binder_url(path, *, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """A mybinder.org link that opens a notebook of the repository in a live Jupyter server.

    Parameters
    ----------
    path : str or Path
        The notebook, relative to the repository root (``chapters/sequences/hmm.ipynb``).
    repository : str
        The GitHub repository's URL.
    branch : str
        The branch that Binder builds.

    Returns
    -------
    str
        ``https://mybinder.org/v2/gh/<owner>/<name>/<branch>?urlpath=tree/<path>``.
    """
    path, owner_name, branch = _notebook_path(path), _github(repository), _branch(branch)
    return (f"https://mybinder.org/v2/gh/{owner_name}/{quote(branch, safe='')}"
            f"?urlpath={quote('tree/' + path, safe='/')}")


def colab_url(path, *, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """A Google Colab link that opens a notebook straight from GitHub.

    Parameters
    ----------
    path, repository, branch
        As for :func:`binder_url`.

    Returns
    -------
    str
        ``https://colab.research.google.com/github/<owner>/<name>/blob/<branch>/<path>``.
    """
    path, owner_name, branch = _notebook_path(path), _github(repository), _branch(branch)
    return (f"https://colab.research.google.com/github/{owner_name}/blob/"
            f"{quote(branch, safe='/')}/{quote(path, safe='/')}")


def nbgitpuller_url(hub: str, path, *, repository: str = REPOSITORY, branch: str = BRANCH,
                    interface: str = "tree") -> str:
    """An nbgitpuller link: a JupyterHub clones (or updates) the repository, then opens a file.

    The student clicks the link, logs in to the hub, and nbgitpuller pulls the repository
    into a folder named after it in their home directory, merging with their own changes
    instead of overwriting them, then opens ``path`` inside that folder.

    Parameters
    ----------
    hub : str
        The hub's address, ``hub.example.edu`` or ``https://hub.example.edu`` (a path
        prefix such as ``https://example.edu/jupyter`` is kept).
    path : str or Path
        The file to open, relative to the repository root.
    repository : str
        The GitHub repository's URL.
    branch : str
        The branch to pull; nbgitpuller's own default is ``master``, so it is always given.
    interface : {"tree", "lab"}
        ``"tree"`` opens the classic notebook interface, ``"lab"`` JupyterLab.

    Returns
    -------
    str
        ``https://<hub>/hub/user-redirect/git-pull?repo=<repository>&urlpath=<interface
        path>/<name>/<path>&branch=<branch>``, where ``<name>`` is the repository's folder.
    """
    if not isinstance(hub, str):
        raise TypeError(f"hub must be a str, got {type(hub).__name__}")
    address = hub if "://" in hub else f"https://{hub}"
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment or " " in hub:
        raise ValueError(f"hub must be a host name or an http(s) URL, got {hub!r}")
    path, owner_name, branch = _notebook_path(path), _github(repository), _branch(branch)
    prefixes = {"tree": "tree", "lab": "lab/tree"}
    if interface not in prefixes:
        raise ValueError(f"interface must be 'tree' or 'lab', got {interface!r}")
    folder = owner_name.split("/")[1]
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    urlpath = f"{prefixes[interface]}/{folder}/{path}"
    query = "&".join(f"{key}={quote(value, safe='/:')}" for key, value in (
        ("repo", f"https://github.com/{owner_name}"),
        ("urlpath", urlpath),
        ("branch", branch),
    ))
    return f"{base}/hub/user-redirect/git-pull?{query}"
