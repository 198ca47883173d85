"""The library's shared conventions: strict numeric input, dtype-aware tolerances,
convergence decided by optimality conditions, and results that are never NaN.

These are the helpers every derivlib module is built on (``derivlib._validation`` and
``derivlib._convergence``); ``tests/test_estimator_checks.py`` checks that every public
function actually applies them.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

import derivlib
from derivlib._convergence import ConvergenceWarning, NumericalError, report
from derivlib._validation import (
    as_array,
    check_choice,
    check_finite_result,
    check_probability_vector,
    input_eps,
    sum_tolerance,
)


@pytest.mark.parametrize("value, match", [
    (["1.5", "2"], "x must be array-like of numbers, got strings"),
    ("3", "x must be array-like of numbers, got a string"),
    ([[1.0, "2"]], "x must be array-like of numbers, got strings"),
    (np.array(["1", "2"], dtype=object), "got the string '1'"),
    (np.array([b"1"]), "got strings"),
    ([1 + 2j, 3], "x must be real, got complex"),
    (np.array([1.0, 2.0], dtype=complex), "x must be real, got complex"),
    (1 + 0j, "x must be real, got complex"),
    ([1.0, None], "got None among its entries"),
    (np.array(["2020-01-01"], dtype="M8[D]"), "dtype datetime64"),
    (True, "x must be a number or an array of numbers, got the boolean True"),
    (np.bool_(False), "got the boolean False"),
])
def test_as_array_refuses_what_numpy_would_coerce(value, match):
    # np.asarray(value, dtype=float) parses numeric strings and drops imaginary parts
    with pytest.raises(TypeError, match=match):
        as_array(value, "x")


@pytest.mark.parametrize("value", [[1, 2], [True, False], np.arange(3, dtype=np.uint8),
                                   np.array([1.0], dtype=np.float16), [Fraction(1, 3)],
                                   np.array([1, 2], dtype=object), 2.5, np.float32(1)])
def test_as_array_accepts_real_numbers(value):
    arr = as_array(value, "x")
    assert arr.dtype == np.float64
    np.testing.assert_array_equal(arr, np.asarray(value, dtype=float))


def test_labels_are_real_or_strings():
    from derivlib._validation import as_labels

    with pytest.raises(TypeError, match="y must hold real labels .* got complex"):
        as_labels([1 + 1j, 2], "y")
    # NumPy would turn the numbers into strings and merge 1 with "1"
    with pytest.raises(TypeError, match=r"y must hold labels of one kind .* \['int', 'str'\]"):
        as_labels([1, 2, "1", 2], "y")
    with pytest.raises(TypeError, match="y must hold labels of one kind"):
        as_labels([1, "a", None, 2.0], "y")  # objects: NumPy keeps them, sorting would fail
    with pytest.raises(ValueError, match="y must not contain NaN"):
        as_labels(np.array([1.0, np.nan, 2.0], dtype=object), "y")
    classes, codes = as_labels(["b", "a", "b"], "y")
    assert list(classes) == ["a", "b"] and list(codes) == [1, 0, 1]


def test_check_broadcast_names_the_arguments():
    from derivlib._validation import check_broadcast

    assert check_broadcast({"a": np.ones(3), "b": 1.0}) == (3,)
    with pytest.raises(ValueError, match=r"a, b must broadcast .* a \(3,\), b \(2,\)"):
        check_broadcast({"a": np.ones(3), "b": np.ones(2)})


def test_as_generator_refuses_a_boolean_seed():
    from derivlib._validation import as_generator

    # True is an Integral: it used to be taken as the seed 1
    with pytest.raises(TypeError, match="rng must be .* got the boolean True"):
        as_generator(True)
    assert as_generator(1).random() == np.random.default_rng(1).random()


def test_as_array_raises_no_warning_on_good_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_array(np.array([1.0, 2.0], dtype=np.float32), "x")


def test_probability_tolerance_follows_the_input_dtype():
    rng = np.random.default_rng(0)
    p64 = rng.dirichlet(np.ones(50), size=200)
    p32 = p64.astype(np.float32)
    # a correctly rounded float32 probability vector does not sum to 1 within 1e-8 ...
    assert np.abs(p32.astype(float).sum(axis=1) - 1).max() > 1e-8
    # ... but it is accepted, because the tolerance is scaled to float32
    check_probability_vector(p32, "p", axis=1)
    assert sum_tolerance(p32, 50) == pytest.approx(4 * 50 * np.finfo(np.float32).eps)
    assert sum_tolerance(p64, 50) == 1e-8
    assert input_eps([0.5, 0.5]) == np.finfo(float).eps
    # float64 input keeps the tight tolerance
    with pytest.raises(ValueError, match="must sum to 1"):
        check_probability_vector([0.5, 0.5 + 1e-7], "p")
    # and float32 input that is really off is still refused
    with pytest.raises(ValueError, match="must sum to 1"):
        check_probability_vector(np.array([0.5, 0.51], dtype=np.float32), "p")


def test_check_choice():
    assert check_choice("qr", "method", ("qr", "svd")) == "qr"
    for bad in ("QR", 1, None, True):
        with pytest.raises(ValueError, match=r"method must be one of 'qr', 'svd'"):
            check_choice(bad, "method", ("qr", "svd"))


def test_check_finite_result_raises_numerical_error():
    check_finite_result(np.ones(3), "w", "rescale X")
    with pytest.raises(NumericalError, match=r"w is not finite in float64 \(1 NaN.*rescale X"):
        check_finite_result(np.array([1.0, np.nan]), "w", "rescale X")
    # a NumericalError is a ValueError and a FloatingPointError
    assert issubclass(NumericalError, ValueError) and issubclass(NumericalError,
                                                                  FloatingPointError)


def test_report_decides_by_the_measure_not_by_a_flag():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert report("M", measure="gap", value=1e-9, tol=1e-8, n_iter=3) is True
    with pytest.warns(ConvergenceWarning, match=r"M did not converge: gap = 0.01 > tol = "
                                                r"1e-08 after 3 iteration\(s\) of "
                                                r"max_iter=3; try more"):
        assert report("M", measure="gap", value=1e-2, tol=1e-8, n_iter=3, max_iter=3,
                      advice="try more") is False
    for bad in (np.nan, np.inf):
        with pytest.warns(ConvergenceWarning):
            assert report("M", measure="gap", value=bad, tol=1.0, n_iter=1) is False


def test_the_shared_classes_are_exported():
    assert derivlib.ConvergenceWarning is ConvergenceWarning
    assert issubclass(derivlib.ConvergenceError, RuntimeError)
    assert issubclass(derivlib.SeparationWarning, UserWarning)


def test_no_module_level_name_shadows_a_builtin():
    # kalman.filter shadowed the builtin filter inside its module (issue 11): a reader of
    # `filter(...)` there could not tell which one runs
    import ast
    import builtins
    from pathlib import Path

    names = set(dir(builtins))
    root = Path(derivlib.__file__).parent
    shadows = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            defined = [node.name] if isinstance(node, ast.FunctionDef | ast.ClassDef) else [
                t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            shadows += [f"{path.relative_to(root)}: {n}" for n in defined if n in names]
    assert not shadows, shadows


def test_results_are_named_tuples():
    # every public function of the chapter modules returns an array, a number or a
    # NamedTuple (fields by name), never a bare tuple whose order a reader must remember
    import importlib.util
    import sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "estimator_checks", Path(__file__).with_name("test_estimator_checks.py"))
    checks = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("estimator_checks", checks)
    spec.loader.exec_module(checks)

    bare = []
    for case in checks.REGISTRY:
        if case.run is not None:  # an estimator, driven by the harness (fit returns self)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = case.make()
            result = case.call(kwargs)
        if type(result) is tuple:
            bare.append(case.id)
    assert not bare, f"return a NamedTuple instead of a bare tuple: {bare}"
