"""The derivation checker's engine; its public face is :mod:`derivlib.derivation`.

- :mod:`.errors`: :class:`StepError`, :class:`NotCheckable` and the time limit;
- :mod:`.expectation`: the operator ``E`` and its expansion by linearity;
- :mod:`.premises`: definitions, hypotheses and claims;
- :mod:`.sampling`: where the numeric check looks;
- :mod:`.symbolic`: proofs, and where SymPy is not trusted;
- :mod:`.engine`: one check, symbolic then numeric.
"""

from derivlib.checker.errors import NotCheckable, StepError

__all__ = ["NotCheckable", "StepError"]
