"""Repository-wide pytest policy: a skipped test is a failed run.

This file sits at the repository root so that it applies to every pytest run in the
repository: the unit tests (``pytest tests``) and strict nbval on the notebooks
(``pytest --nbval chapters audit.ipynb``). A reference library that is missing, a
notebook cell marked to skip, or a test that calls ``pytest.skip`` would otherwise let a
run pass while checking less than it claims. The book's tests compare derivlib against
production libraries; those libraries are test dependencies, so a test that cannot find
one must fail, never skip.
"""

from __future__ import annotations

import pytest

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # pytest.importorskip at module level skips the whole module at collection time.
    if report.skipped:
        _skipped.append(report.nodeid or "<collection>")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    if _skipped:
        terminalreporter.section("skipped tests are failures in this repository", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"SKIPPED (counted as failure): {nodeid}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
