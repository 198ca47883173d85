r"""The derivation checker: a chain of expressions in which every step is verified.

A derivation is a chain :math:`e_0 \;R_1\; e_1 \;R_2\; e_2 \cdots` where each relation
:math:`R_k` is one of ``=``, ``<=``, ``>=``, ``<``, ``>`` and each step carries its reason.
:meth:`Derivation.step` checks the new expression against the previous one before it
accepts it (the engine is :mod:`derivlib.checker`), and marks it with what was shown:

=============  ==========================================================================
*symbolic*     SymPy proved it for all values of the symbols, in general (and two sample
               points confirmed SymPy's answer)
*instance*     SymPy proved it for a fixed size only: the chain says which (``instance=``),
               or its expressions are explicit matrices
*numeric*      both sides agreed (or the inequality held) at sample points: exact rational
               values drawn wide, with edge values and every branch reached; derivatives
               with respect to matrices and vectors always land here, computed by finite
               differences, because SymPy's matrix calculus is wrong in known cases
*cited*        not checked: a result taken from the literature, with its ``references.bib``
               key (``check="cite", cite="key"``)
=============  ==========================================================================

A step that fails raises :class:`StepError` with both sides, the reason and a failing
point; a step that cannot be decided raises :class:`NotCheckable` (a :class:`StepError`), so
a wrong derivation cannot execute.

What a chain or a step rests on is stated in three kinds (see :mod:`derivlib.checker.premises`),
and all of it is shown under the rendered chain:

=================  ====================================================================
``define=``        definitions ``{name: value}``: substituted, never checked
``assume=``        hypotheses: ``sympy.Q`` predicates on symbols (sampled values satisfy them)
                   and equations such as moment assumptions ``Eq(E(x[i]), mu)``
``facts=``         claims, checked like steps; one that cannot be checked must be
                   ``claim(statement, cite="key")`` and counts as cited
``random``         random symbols, ``IndexedBase`` or matrix symbols for :class:`E`; a dict
                   ``{x: sympy.stats distribution}`` lets moment statements be checked
``constants``      symbols that are constants inside :class:`E` (any other symbol there is
                   an error)
``domains``        ``{symbol: (low, high)}``: closed sampling ranges
``instance``       the fixed size the chain is about, e.g. ``"N = 2, K = 2"``
=================  ====================================================================

Each displayed chain stores a structured record of its steps, marks and premises in the
notebook (the output's metadata, key ``derivlib``); the book's tooling reads it back from
the saved notebooks (``tools.audit`` in the repository, not part of derivlib) and the audit page
counts it.

This module is the public face and holds no code of its own: every name is re-exported from
where it lives (``X is derivlib.derivation.X``).

=================================  ================================================================
:mod:`derivlib.checker.chain`      the chain: :class:`Derivation`, :class:`Step`, :class:`Audit`,
                                   :func:`cite`, :class:`CitedResult`, their records
                                   (``METADATA_KEY``, ``MARKS``) and their LaTeX rendering
:mod:`derivlib.checker.exercises`  the exercise checker: :func:`check_answer`, :class:`AnswerCheck`
:mod:`derivlib.checker.engine`     the checking engine: :func:`check_equal`, :class:`Verdict`
                                   (with ``errors``, ``expectation``, ``premises``, ``sampling``,
                                   ``symbolic``)
:mod:`derivlib.display`            :func:`show_source`, re-exported here for the chapters
=================================  ================================================================

The names imported below as ``name as name`` are not in ``__all__``; they were importable from
this module before it was split, and still are.
"""

from derivlib.checker.chain import MARKS as MARKS
from derivlib.checker.chain import METADATA_KEY as METADATA_KEY
from derivlib.checker.chain import Audit, CitedResult, Derivation, Step, cite
from derivlib.checker.engine import CHECKS as CHECKS
from derivlib.checker.engine import RELATIONS as RELATIONS
from derivlib.checker.engine import TIME_LIMIT as TIME_LIMIT
from derivlib.checker.engine import Context as Context
from derivlib.checker.engine import Verdict, check_equal
from derivlib.checker.engine import as_expression as as_expression
from derivlib.checker.engine import short as short
from derivlib.checker.engine import validate_domains as validate_domains
from derivlib.checker.engine import validate_rtol as validate_rtol
from derivlib.checker.engine import verify_premises as verify_premises
from derivlib.checker.errors import NotCheckable, StepError
from derivlib.checker.exercises import AnswerCheck, check_answer
from derivlib.checker.expectation import Declared as Declared
from derivlib.checker.expectation import E
from derivlib.checker.premises import Claim, claim
from derivlib.checker.premises import Premise as Premise
from derivlib.checker.premises import Premises as Premises
from derivlib.checker.premises import parse_claims as parse_claims
from derivlib.checker.premises import parse_definitions as parse_definitions
from derivlib.checker.premises import parse_hypotheses as parse_hypotheses
from derivlib.display import show_source

__all__ = [
    "Audit",
    "AnswerCheck",
    "Claim",
    "CitedResult",
    "Derivation",
    "E",
    "NotCheckable",
    "Step",
    "StepError",
    "Verdict",
    "check_answer",
    "check_equal",
    "cite",
    "claim",
    "show_source",
]
