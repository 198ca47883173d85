"""What the checker raises, and the time limit it keeps."""

from __future__ import annotations

import contextlib
import signal
import threading
import time


class StepError(ValueError):
    """A step of a derivation does not follow from the previous expression."""


class NotCheckable(StepError):
    """A step could not be checked: no proof, and no sample that could decide it.

    A subclass of :class:`StepError`, so a derivation with such a step cannot execute either:
    the author has to state the missing fact, give sampling domains, or cite the step.
    """


class _TimeUp(BaseException):
    """Raised inside a computation when its time limit has passed.

    A ``BaseException``, so that library code with ``except Exception`` does not swallow it.
    """


class _EvalfTimeUp(_TimeUp):
    """One numeric evaluation took too long: that point is skipped, the check goes on."""


@contextlib.contextmanager
def time_limit(seconds: float | None, exc: type[BaseException] = _TimeUp):
    """Interrupt the block after ``seconds`` of CPU time of this process by raising ``exc``.

    ``exc`` is what is raised (an inner limit can raise its own kind). The limit counts the
    processor time the check uses (``ITIMER_PROF``: user and system time of the process), not
    wall time, so that a verdict does not depend on how loaded the machine is: under wall
    time, a check that takes 8 s alone reached the 20 s limit on a machine running five other
    jobs, and a step's mark changed from *symbolic* to *numeric* with the load. Uses
    ``SIGPROF``, so it only works in the main thread of a POSIX process (a Jupyter kernel runs
    cells there); elsewhere the block runs without a limit. Nested limits keep the tighter
    one and restore the outer one on exit.
    """
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and hasattr(signal, "SIGPROF")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    old_handler = signal.getsignal(signal.SIGPROF)
    outer_remaining, _ = signal.getitimer(signal.ITIMER_PROF)
    start = time.process_time()
    limit = seconds if outer_remaining <= 0 else min(seconds, outer_remaining)

    def _raise(signum, frame):
        raise exc()

    signal.signal(signal.SIGPROF, _raise)
    # re-armed every 0.2 s after it fires, in case a handler somewhere swallowed the first one
    signal.setitimer(signal.ITIMER_PROF, max(limit, 1e-3), 0.2)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old_handler)
        if outer_remaining > 0:  # give the enclosing limit back what it has left
            left = outer_remaining - (time.process_time() - start)
            signal.setitimer(signal.ITIMER_PROF, max(left, 1e-3))
