"""The derivation checker; its public face is :mod:`derivlib.derivation`, which re-exports it.

The engine:

- :mod:`.errors`: :class:`StepError`, :class:`NotCheckable` and the time limit;
- :mod:`.expectation`: the operator ``E`` and its expansion by linearity;
- :mod:`.premises`: definitions, hypotheses and claims;
- :mod:`.sampling`: where the numeric check looks;
- :mod:`.symbolic`: proofs, and where SymPy is not trusted;
- :mod:`.engine`: one check, symbolic then numeric (``check``, and ``check_equal`` from the
  arguments a chain takes).

Built on it:

- :mod:`.chain`: the chain (``Derivation``, ``Step``, ``Audit``, ``cite``), its records and
  its LaTeX rendering;
- :mod:`.exercises`: the exercise checker (``check_answer``).
"""

from derivlib.checker.errors import NotCheckable, StepError

__all__ = ["NotCheckable", "StepError"]
