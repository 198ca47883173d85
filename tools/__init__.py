"""The book's tooling: what builds, checks and hands out the book, not what the book is about.

``derivlib`` (``src/derivlib``) is the library a reader installs on Colab or Binder: the
algorithms, the derivation checker and the chapter display helpers. This package is the rest,
used only from a clone of the repository, and never installed:

=================  ===========================================================================
``tools.book``     the table of contents, chapters, prerequisite graph, plan and launch links
                   (the course guide, the benchmarks page, the structural tests)
``tools.graph``    the course guide's prerequisite graph as SVG, each chapter a link
``tools.audit``    the derivation records stored in executed notebooks (the audit page)
``tools.execute``  ``make execute``: sync a Jupytext pair, execute it, write it reproducibly
                   (with the Explore frames of the website next to it)
``tools.student``  ``make student``: the chapters without their solutions
``tools.mutate``   ``make mutate``: mutation testing of the derivation checker
=================  ===========================================================================

``tools.measure_pages`` measures the built site on a throttled phone (bytes transferred and
the first paint), a timing reported in the closing notes, never asserted by a test.

Run the entry points from the repository root (``python -m tools.execute audit.md``). The
notebooks at the root (``audit``, ``course_guide``, ``benchmarks``) run with the root as their
working directory, so ``import tools`` works there as it does in the tests (the root's
``conftest.py`` puts the root on ``sys.path``). Nothing in ``derivlib`` imports this package
(``tests/test_tools_boundary.py`` checks it).
"""
