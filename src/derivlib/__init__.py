"""derivlib: the algorithms of *Machine-learning derivations that run*.

Every module mirrors one chapter of the book: ``derivlib.foundations.sample_variance``
is the code of ``chapters/foundations/sample_variance.ipynb`` and is tested in
``tests/foundations/test_sample_variance.py``. ``derivlib.derivation`` is the
derivation checker that every chapter uses.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

from derivlib._convergence import (  # noqa: E402  (the shared warnings and errors)
    ConvergenceError,
    ConvergenceWarning,
    NumericalError,
    SeparationWarning,
)

__all__ += ["ConvergenceError", "ConvergenceWarning", "NumericalError", "SeparationWarning"]
