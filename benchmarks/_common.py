"""What the benchmark scripts share: timing, the machine, the result file, the printed table.

Every ``benchmarks/bench_<topic>.py`` times derivlib against a production library on the
same inputs in one run and writes ``benchmarks/results/<topic>.json`` through :class:`Run`,
in one schema (the book's benchmark page renders these files; ``tests/test_benchmarks.py``
checks them)::

    {"topic": "hmm", "title": "...", "machine": "<OS, arch, CPUs, CPU model, Python, NumPy,
     BLAS threads>", "date": "<UTC, ISO 8601, seconds>", "load_average": [<before>, <after>],
     "rows": [{"benchmark": str, "params": str, "reference": str, "derivlib_s": float,
               "reference_s": float, "ratio": float, "target": float | None, "notes": str}]}

``ratio`` is ``derivlib_s / reference_s`` (below 1: derivlib was faster) and ``target`` the
largest ratio the project's issue asked for, or None where none was set. Benchmarks are
never pass/fail on speed: a missed target is reported, not raised.

The file starts with ``_`` so that ``make bench`` does not run it as a benchmark. The scripts
import it as ``_common`` (``python benchmarks/bench_<topic>.py`` puts ``benchmarks/`` first
on ``sys.path``).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ROW_FIELDS = ("benchmark", "params", "reference", "derivlib_s", "reference_s", "ratio",
              "target", "notes")
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Timed:
    """The best time of one callable over several runs, and what its last run returned.

    Attributes
    ----------
    seconds : float
        Minimum wall-clock time of one call (``time.perf_counter``).
    result : object
        The return value of the last call.
    repeats : int
        Number of calls that were timed.
    """

    seconds: float
    result: Any
    repeats: int


def race(ours: Callable[[], Any], reference: Callable[[], Any], repeats: int, *,
         max_seconds: float | None = None,
         clock: Callable[[], float] = time.perf_counter) -> tuple[Timed, Timed]:
    """Best-of-``repeats`` times of two calls, run back to back so both see the same load.

    Each repeat calls both, alternating which goes first (``ours`` in the first repeat,
    ``reference`` in the second, ...), so that neither always runs on caches warmed, or a
    machine slowed, by the other.

    Parameters
    ----------
    ours, reference : callable
        Calls without arguments on the same inputs: derivlib's and the reference library's.
    repeats : int
        Number of repeats, at least 1.
    max_seconds : float, optional
        Stop after the repeat in which the total time of all calls so far exceeds this
        (at least one repeat always runs): for configurations that take long.
    clock : callable, default ``time.perf_counter``
        Returns the time in seconds (replaceable for testing).

    Returns
    -------
    tuple of Timed
        For ``ours`` and for ``reference``, in that order.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    calls = (ours, reference)
    times: tuple[list[float], list[float]] = ([], [])
    results: list[Any] = [None, None]
    total = 0.0
    for r in range(repeats):
        for k in ((0, 1) if r % 2 == 0 else (1, 0)):
            start = clock()
            results[k] = calls[k]()
            elapsed = clock() - start
            times[k].append(elapsed)
            total += elapsed
        if max_seconds is not None and total > max_seconds:
            break
    return (Timed(min(times[0]), results[0], len(times[0])),
            Timed(min(times[1]), results[1], len(times[1])))


def limit_blas_threads(n: int = 1) -> None:
    """Limit the BLAS and OpenMP thread pools of every library loaded so far to ``n`` threads.

    Call it after the libraries are imported (``threadpoolctl`` acts on the loaded ones). It
    does nothing if one of ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``
    is set in the environment: the libraries then follow that setting. :func:`machine`
    reports the thread counts actually in effect.
    """
    if any(var in os.environ for var in _THREAD_VARIABLES):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)  # stays in effect for the rest of the process


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() or None
    except OSError:
        pass
    return None


def _blas_threads() -> str:
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    if not blas:
        return "BLAS threads unknown"
    names = [f"{lib['internal_api']} {lib.get('version') or ''}".strip() for lib in blas]
    threads = {lib["num_threads"] for lib in blas}
    if len(threads) == 1:
        return f"BLAS threads {threads.pop()} ({', '.join(names)})"
    return "BLAS threads " + ", ".join(f"{name}: {lib['num_threads']}"
                                       for name, lib in zip(names, blas, strict=True))


def machine() -> str:
    """One readable line: OS, architecture, CPUs, CPU model, Python, NumPy, BLAS threads."""
    parts = [f"{platform.system()} {platform.release()}", platform.machine(),
             f"{os.cpu_count()} CPUs"]
    model = _cpu_model()
    if model:
        parts.append(model)
    parts += [f"Python {platform.python_version()}", f"NumPy {np.__version__}",
              _blas_threads()]
    return ", ".join(parts)


def _load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


class Run:
    """The rows of one benchmark script, written as ``results/<topic>.json`` at the end.

    Created before the first measurement: it records the date and the 1-minute load average
    then, and the load average again when :meth:`finish` is called.

    Parameters
    ----------
    topic : str
        The ``<topic>`` of ``bench_<topic>.py``.
    title : str
        Heading of the topic on the book's benchmark page.
    """

    def __init__(self, topic: str, title: str) -> None:
        self.topic, self.title = topic, title
        self.rows: list[dict] = []
        self.date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.load_before = _load_average()
        self._start = time.perf_counter()

    def add(self, benchmark: str, params: str, reference: str, derivlib_s: float,
            reference_s: float, *, target: float | None = None, notes: str = "",
            repeats: int | None = None) -> dict:
        """Append one row (and print it); returns the row.

        Parameters
        ----------
        benchmark, params, reference : str
            What is timed, its sizes and settings, and the reference (library, version and
            call).
        derivlib_s, reference_s : float
            Best times in seconds, measured on the same inputs in this run.
        target : float, optional
            The largest ratio the project's issue asked for.
        notes : str
            Anything a reader needs to interpret the row (iterations, agreement, ...).
        repeats : int, optional
            Number of timed runs behind each time; prepended to the notes.
        """
        if not (derivlib_s > 0 and reference_s > 0):
            raise ValueError(f"times must be positive, got {derivlib_s} and {reference_s}")
        notes = "; ".join(s for s in (f"best of {repeats}" if repeats else "", notes) if s)
        row = {
            "benchmark": benchmark,
            "params": params,
            "reference": reference,
            "derivlib_s": _sig(derivlib_s, 6),
            "reference_s": _sig(reference_s, 6),
            "ratio": _sig(derivlib_s / reference_s, 4),
            "target": None if target is None else float(target),
            "notes": notes,
        }
        self.rows.append(row)
        print(f"  {benchmark} ({params}) vs {reference}: {row['ratio']:.3g}x"
              f"{_verdict(row, ' (target {t:g}x, {v})')}", flush=True)
        return row

    def result(self) -> dict:
        """The result document (see the module docstring for its schema)."""
        return {
            "topic": self.topic,
            "title": self.title,
            "machine": machine(),
            "date": self.date,
            "load_average": [self.load_before, _load_average()],
            "rows": self.rows,
        }

    def finish(self, directory: Path = RESULTS) -> Path:
        """Write ``<directory>/<topic>.json``, print the table; returns the path written."""
        if not self.rows:
            raise RuntimeError("no rows to write")
        result = self.result()
        path = Path(directory) / f"{self.topic}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print_table(result)
        try:
            shown = path.relative_to(RESULTS.parents[1])
        except ValueError:
            shown = path
        print(f"wrote {shown} in {time.perf_counter() - self._start:.1f} s")
        return path


def _verdict(row: dict, fmt: str = "{v}") -> str:
    if row["target"] is None:
        return ""
    return fmt.format(t=row["target"], v="met" if row["ratio"] <= row["target"] else "MISSED")


def print_table(result: dict) -> None:
    """Print a result document as a table: one line per row, then its reference and notes."""
    print(f"\n{result['title']} ({result['topic']})")
    print(f"{result['machine']}; {result['date']}; 1-minute load average "
          f"{result['load_average'][0]} before, {result['load_average'][1]} after")
    rows = result["rows"]
    wb = max(len("benchmark"), *(len(r["benchmark"]) for r in rows))
    wp = max(len("params"), *(len(r["params"]) for r in rows))
    print(f"{'benchmark':<{wb}}  {'params':<{wp}}  {'derivlib':>10}  {'reference':>10}  "
          f"{'ratio':>8}  {'target':>6}")
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']:g}x"
        print(f"{r['benchmark']:<{wb}}  {r['params']:<{wp}}  {_seconds(r['derivlib_s']):>10}  "
              f"{_seconds(r['reference_s']):>10}  {r['ratio']:>7.3g}x  {target:>6}  "
              f"{_verdict(r)}")
        print(f"    vs {r['reference']}" + (f"; {r['notes']}" if r["notes"] else ""))


def _seconds(t: float) -> str:
    return f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.3f} s"

