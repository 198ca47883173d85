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


# --------------------------------------------------------------------------- names and order
# Issue 11: the same name for the same thing in every module, one argument order, and no
# module alias that means two things. The rules, with their reasons, are in CONTRIBUTING.md
# ("Names and argument order"); these tests enforce them on the signatures themselves.

_PACKAGES = ("derivlib.foundations", "derivlib.linear_models", "derivlib.graphical_models",
             "derivlib.sequences")

# a parameter or NamedTuple field with one of these names is a convention broken
_FORBIDDEN = {
    "t": "targets are y (the chapters' t is the argument y)",
    "w0": "the intercept is b",
    "lr": "the step size is eta",
    "T": "a sequence length is N",
}
# a parameter with one of these names is a convention broken; as a field of a result it is
# right (n_iter: the iterations a solver ran, scikit-learn's n_iter_)
_FORBIDDEN_PARAMETERS = {
    "n_iter": "an iteration budget is max_iter, a fixed number of steps without a stopping "
              "rule n_steps; n_iter is the result's field, the iterations run",
}


def _chapter_modules():
    import importlib
    import pkgutil

    modules = []
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                modules.append(importlib.import_module(f"{package_name}.{info.name}"))
    return modules


def _public_signatures():
    """``(qualified name, parameter or field names, "parameter" or "field")`` of every public
    callable, estimator method and NamedTuple in the ``__all__`` of every chapter module."""
    import inspect

    out = []
    for module in _chapter_modules():
        for name in module.__all__:
            obj = getattr(module, name)
            where = f"{module.__name__}.{name}"
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if inspect.isclass(obj) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
                out.append((where, tuple(obj._fields), "field"))
                members = [(m, v) for m, v in vars(obj).items()
                           if inspect.isfunction(v) and not m.startswith("_")]
            elif inspect.isclass(obj):
                members = [("__init__", obj.__init__)] + [
                    (m, v) for m, v in vars(obj).items()
                    if inspect.isfunction(v) and not m.startswith("_")]
            elif callable(obj):
                out.append((where, tuple(inspect.signature(obj).parameters), "parameter"))
                continue
            else:
                continue
            for m, v in members:
                params = tuple(p for p in inspect.signature(v).parameters if p != "self")
                out.append((f"{where}.{m}", params, "parameter"))
    return out


def test_every_chapter_module_is_inspected():
    names = {m.__name__ for m in _chapter_modules()}
    assert {"derivlib.foundations.mle_kl", "derivlib.foundations.sample_variance",
            "derivlib.linear_models.linear_regression",
            "derivlib.linear_models.logistic_regression", "derivlib.linear_models.svm",
            "derivlib.sequences.hmm", "derivlib.sequences.kalman"} <= names
    assert len(_public_signatures()) > 100


def test_one_name_for_one_thing():
    signatures = _public_signatures()
    broken = [f"{where}: {p} ({_FORBIDDEN[p]})"
              for where, names, _ in signatures for p in names if p in _FORBIDDEN]
    broken += [f"{where}: parameter {p} ({_FORBIDDEN_PARAMETERS[p]})"
               for where, names, kind in signatures if kind == "parameter"
               for p in names if p in _FORBIDDEN_PARAMETERS]
    assert not broken, "\n".join(broken)
    # the budgets are there under their name, and n_iter as a field (cannot pass vacuously)
    budgets = {where for where, names, kind in signatures
               if kind == "parameter" and "max_iter" in names}
    assert {"derivlib.sequences.hmm.baum_welch", "derivlib.sequences.kalman.em",
            "derivlib.linear_models.logistic_regression.irls",
            "derivlib.linear_models.svm.smo"} <= budgets
    assert any("n_iter" in names for _, names, kind in signatures if kind == "field")


# The argument order, one rule (CONTRIBUTING.md):
#   1. a routine that fits or estimates from raw data takes the data first, (X, y, ...), as
#      scikit-learn's fit(X, y);
#   2. a function that evaluates something (an objective, its gradient or Hessian, a step, a
#      diagnostic) at given parameters takes the parameters first, then the data, as
#      scipy.optimize calls fun(w, *args);
#   3. a loss takes (y, prediction), as sklearn.metrics does; a density or log-likelihood
#      takes (x, its parameters), as scipy.stats' logpdf(x, loc, scale), and so do the
#      filters and smoothers of a state-space model (the posterior of the hidden states
#      and the likelihood of the observations).
# In the sequences modules, whether a function takes the raw observations decides:
# test_sequences_take_observations_first_and_recursions_the_chain_first below.
# Each entry: module, function, its leading parameters in the rule's order.
_LR = "derivlib.linear_models.linear_regression"
_LOG = "derivlib.linear_models.logistic_regression"
_SVM = "derivlib.linear_models.svm"
_MLE = "derivlib.foundations.mle_kl"
_SV = "derivlib.foundations.sample_variance"
_HMM = "derivlib.sequences.hmm"
_KF = "derivlib.sequences.kalman"
_GAUSS = "derivlib.foundations.gaussian"
_BN = "derivlib.graphical_models.bayesian_networks"
_NB = "derivlib.graphical_models.naive_bayes"
_BP = "derivlib.graphical_models.belief_propagation"
_SNB = "derivlib.graphical_models.semi_naive_bayes"
_ORDER = {
    "data first (fit or estimate from data)": [
        (_LR, "least_squares", ("X", "y")), (_LR, "ridge", ("X", "y", "lam")),
        (_LR, "ridge_path", ("X", "y", "lams")), (_LR, "lasso", ("X", "y", "lam")),
        (_LR, "textbook_lasso", ("X", "y", "lam")), (_LR, "lasso_path", ("X", "y", "lams")),
        (_LR, "lasso_lam_max", ("X", "y")), (_LR, "gradient_descent", ("X", "y")),
        (_LOG, "irls", ("X", "y")), (_LOG, "textbook_irls", ("X", "y")),
        (_LOG, "gradient_descent", ("X", "y")),
        (_LOG, "fit_softmax", ("X", "y")), (_SVM, "smo", ("X", "y")),
        (_SV, "ml_mean", ("x",)), (_SV, "ml_variance", ("x",)),
        (_SV, "unbiased_variance", ("x",)),
        (_HMM, "baum_welch", ("X", "pi", "A", "emission")),
        (_HMM, "baum_welch_step", ("X", "pi", "A", "emission")),
        (_KF, "em", ("x", "ssm")), (_KF, "em_step", ("x", "ssm")),
        (_KF, "m_step", ("x", "smoothed", "ssm")),
    ],
    "parameters first (evaluate at given parameters)": [
        (_LR, "lasso_objective", ("w", "b", "X", "y", "lam")),
        (_LR, "noise_variance", ("w", "b", "X", "y")),
        (_LR, "gradient_descent_step", ("w", "X", "y", "eta")),
        (_LR, "lasso_duality_gap", ("w", "X", "y", "lam")),
        (_LOG, "objective", ("w", "b", "X", "y")), (_LOG, "gradient", ("w", "b", "X", "y")),
        (_LOG, "hessian", ("w", "b", "X")), (_LOG, "newton_step", ("w", "b", "X", "y")),
        (_LOG, "predict_proba", ("w", "b", "X")),
        (_LOG, "softmax_objective", ("W", "b", "X", "y")),
        (_LOG, "softmax_gradient", ("W", "b", "X", "y")),
        (_LOG, "softmax_hessian", ("W", "b", "X")),
        (_LOG, "softmax_predict_proba", ("W", "b", "X")),
        (_SVM, "dual_objective", ("alpha", "y", "K")),
        (_SVM, "primal_objective", ("alpha", "b", "y", "K", "C")),
        (_SVM, "kkt_violations", ("alpha", "b", "y", "K", "C")),
        (_SVM, "kkt_gap", ("alpha", "y", "F", "C")), (_SVM, "bias", ("alpha", "y", "F", "C")),
        # hmm's recursions: the chain's parameters, then the per-step likelihoods
        (_HMM, "forward", ("pi", "A", "B_obs")), (_HMM, "backward", ("A", "B_obs", "c")),
        (_HMM, "forward_backward", ("pi", "A", "B_obs")),
        (_HMM, "log_forward_backward", ("pi", "A", "B_obs")),
        (_HMM, "viterbi", ("pi", "A", "B_obs")), (_HMM, "textbook_viterbi", ("pi", "A", "B_obs")),
        (_HMM, "log_joint", ("pi", "A", "z", "B_obs")),
    ],
    "observations first (a loss, a density, a filter or a smoother)": [
        (_MLE, "squared_loss", ("y", "y_hat")), (_MLE, "squared_loss_grad", ("y", "y_hat")),
        (_MLE, "binary_cross_entropy", ("y", "z")),
        (_MLE, "binary_cross_entropy_grad", ("y", "z")),
        (_MLE, "softmax_cross_entropy", ("Y", "Z")),
        (_MLE, "softmax_cross_entropy_grad", ("Y", "Z")),
        (_MLE, "gaussian_nll", ("y", "mu", "sigma2")),
        (_MLE, "gaussian_nll_grad", ("y", "mu", "sigma2")),
        (_SV, "gaussian_log_likelihood", ("x", "mu", "sigma2")),
        (_HMM, "categorical_likelihood", ("x", "B")),
        (_HMM, "log_categorical_likelihood", ("x", "B")),
        (_HMM, "gaussian_log_likelihood", ("X", "means", "covars")),
        (_HMM, "emission_log_likelihood", ("X", "emission")),
        (_KF, "loglikelihood", ("x", "ssm")), (_KF, "kalman_filter", ("x", "ssm")),
        (_KF, "smooth", ("x", "ssm")), (_KF, "textbook_filter", ("x", "ssm")),
        (_KF, "textbook_smoother", ("x", "ssm")),
        (_GAUSS, "logpdf", ("x", "mu", "Sigma")),
        (_MLE, "gaussian_nll_hessian", ("X", "sigma2")),
        (_LR, "log_evidence", ("X", "y", "alpha", "beta")),
        (_SVM, "epsilon_insensitive_loss", ("y", "y_hat", "epsilon")),
        (_KF, "innovations", ("x", "ssm")), (_KF, "nis", ("x", "ssm")),
        (_KF, "nees", ("z", "mean", "cov")),
    ],
}
# Data first (case 1) and parameters first (case 2), for the functions written after the
# table above.
_ORDER["data first (fit or estimate from data)"] += [
    (_GAUSS, "ml_covariance", ("X",)),
    (_LR, "bayesian_posterior", ("X", "y", "alpha", "beta")), (_LR, "lms", ("X", "y", "eta")),
    (_LR, "hat_matrix", ("X",)), (_LR, "lipschitz_constant", ("X",)),
    (_LR, "ridge_shrinkage", ("X", "lam")),
    (_LOG, "fista", ("X", "y", "C")), (_LOG, "laplace_posterior", ("X", "y")),
    (_SVM, "svr", ("X", "y", "C", "epsilon")),
    (_BN, "fit_counts", ("X", "parents")), (_BN, "family_scores", ("X", "parents")),
    (_BN, "bic_score", ("X", "parents")), (_BN, "k2_score", ("X", "parents")),
    (_BN, "bdeu_score", ("X", "parents")), (_BN, "hill_climb", ("X", "nodes")),
    (_NB, "dirichlet_posterior_mean", ("counts", "alpha")),
    (_NB, "dirichlet_map", ("counts", "alpha")),
    (_SNB, "quantile_discretize", ("X", "n_bins")),
    (_SNB, "mutual_information_matrix", ("X",)),
    (_SNB, "conditional_mutual_information_matrix", ("X", "y")),
    (_SNB, "chow_liu_tree", ("X", "root")), (_SNB, "tan_structure", ("X", "y", "root")),
]
_ORDER["parameters first (evaluate at given parameters)"] += [
    (_GAUSS, "marginal", ("mu", "Sigma", "idx")),
    (_GAUSS, "condition", ("mu", "Sigma", "idx", "values")),
    (_GAUSS, "linear_gaussian_posterior", ("mu", "Sigma", "A", "b", "R", "y")),
    (_MLE, "binary_cross_entropy_hessian", ("w", "b", "X")),
    (_MLE, "softmax_cross_entropy_hessian", ("W", "b", "X")),
    (_LR, "bayesian_predictive", ("mean", "cov", "X", "beta")),
    (_LOG, "elastic_net_objective", ("w", "b", "X", "y", "C")),
    (_LOG, "predictive_probit", ("w", "S", "X")),
    (_LOG, "wald_standard_errors", ("w", "b", "X")),
    (_SVM, "svr_dual_objective", ("alpha", "alpha_star", "y", "K", "epsilon")),
    (_HMM, "predictive", ("pi", "A", "B_obs")), (_HMM, "alpha_gamma_smoother", ("A", "alpha_hat")),
    (_BN, "joint", ("parents", "cpts")), (_BN, "query", ("parents", "cpts", "variables")),
    # message passing: the model (a factor graph, or a chain's potentials), then the evidence
    (_BP, "sum_product", ("graph", "evidence")), (_BP, "max_sum", ("graph", "evidence")),
    (_BP, "loopy_bp", ("graph", "evidence")), (_BP, "brute_force", ("graph", "evidence")),
    (_BP, "chain_sum_product", ("unary", "pairwise")),
]
_ORDER["observations first (a loss, a density, a filter or a smoother)"] += [
    (_BN, "log_likelihood", ("X", "parents", "cpts")),
    (_NB, "calibration_curve", ("y", "prob")),
    (_SNB, "tree_log_likelihood", ("X", "parents", "y")),
]
# Public functions the rule does not order, because they take no data and no parameters to
# evaluate at, each with the reason: closed forms of a model's parameters, distributions
# compared with each other, elementwise maps, kernels of two data sets, solver internals the
# chapters show, samplers and model constructors. A new public function must be in _ORDER
# or here (test_every_public_function_is_ordered_or_exempt).
_UNORDERED = {
    (_GAUSS, "product"): "two Gaussians' parameters, symmetric in the two",
    (_GAUSS, "linear_gaussian_marginal"): "a model's parameters only (no observation)",
    (_MLE, "kl_divergence"): "two distributions",
    (_MLE, "gaussian_kl"): "two distributions",
    (_MLE, "mixture_kl"): "two distributions",
    (_MLE, "mixture_moments"): "a distribution's parameters only",
    (_MLE, "forward_kl_gaussian_fit"): "a target distribution's parameters only",
    (_MLE, "reverse_kl_gaussian_fit"): "a target distribution's parameters, then a start",
    (_MLE, "mutual_information"): "a joint probability table",
    (_MLE, "gaussian_mutual_information"): "a correlation",
    (_SV, "excess_kurtosis"): "a distribution's name",
    (_SV, "expected_ml_variance"): "a closed form of the model's parameters",
    (_SV, "mse_optimal_divisor"): "a closed form of the model's parameters",
    (_SV, "variance_estimator_mse"): "a closed form of the model's parameters",
    (_SV, "variance_of_ml_mean"): "a closed form of the model's parameters",
    (_SV, "variance_of_ml_variance"): "a closed form of the model's parameters",
    (_SV, "variance_of_unbiased_variance"): "a closed form of the model's parameters",
    (_SV, "simulate_estimators"): "a sampler: the sizes, then the model",
    (_LR, "soft_threshold"): "an elementwise map",
    (_LOG, "sigmoid"): "an elementwise map",
    (_LOG, "sigmoid_derivative"): "an elementwise map",
    (_LOG, "lda_weights"): "the class-conditional Gaussians' parameters only",
    (_SVM, "hinge_loss"): "an elementwise map of the margins",
    (_SVM, "linear_kernel"): "a kernel of two data sets",
    (_SVM, "polynomial_kernel"): "a kernel of two data sets",
    (_SVM, "rbf_kernel"): "a kernel of two data sets",
    (_SVM, "kernel_matrix"): "a kernel of two data sets",
    (_SVM, "select_working_set"): "SMO's internal step on the solver's state",
    (_SVM, "textbook_select_working_set"): "SMO's internal step on the solver's state",
    (_SVM, "two_variable_update"): "SMO's internal step on the solver's state",
    (_HMM, "sample"): "a sampler: the model, then the size",
    (_KF, "sample"): "a sampler: the model, then the size",
    (_KF, "check_ssm"): "a validator of the model",
    (_KF, "constant_velocity"): "a model constructor",
    (_BN, "asia"): "a model constructor (a network shipped as data)",
    (_BP, "factor_graph"): "a model constructor",
    (_BP, "chain_graph"): "a model constructor",
    (_NB, "log_posterior"): "Bayes' rule on two tables (the prior's and the likelihood's logs)",
    (_BN, "sample"): "a sampler: the model, then the size",
    (_BN, "d_separated"): "a property of a graph (no data, no parameters)",
    (_BN, "markov_blanket"): "a property of a graph (no data, no parameters)",
    (_BN, "topological_order"): "a property of a graph (no data, no parameters)",
    (_BN, "structural_hamming_distance"): "a distance between two graphs",
    (_SNB, "maximum_spanning_tree"): "a property of a weighted graph (no data, no parameters)",
}


def test_every_public_function_is_ordered_or_exempt():
    """A public function of a chapter module is listed in _ORDER (its argument order is
    checked) or in _UNORDERED with the reason the rule does not apply; nothing is left out
    by forgetting it, as eleven functions of issue 13 were at first."""
    import inspect

    listed = {(m, n) for entries in _ORDER.values() for m, n, _ in entries}
    both = listed & set(_UNORDERED)
    assert not both, f"in _ORDER and in _UNORDERED: {sorted(both)}"
    missing = []
    for module in _chapter_modules():
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and (module.__name__, name) not in listed | set(_UNORDERED):
                missing.append(f"{module.__name__}.{name}{inspect.signature(obj)}")
    assert not missing, ("public functions neither ordered (_ORDER) nor exempt (_UNORDERED):\n"
                         + "\n".join(missing))
    import importlib

    stale = [k for k in _UNORDERED if not hasattr(importlib.import_module(k[0]), k[1])]
    assert not stale, f"_UNORDERED names functions that do not exist: {stale}"


@pytest.mark.parametrize("rule", list(_ORDER))
def test_one_argument_order(rule):
    import importlib
    import inspect

    wrong = []
    for module, name, expected in _ORDER[rule]:
        f = getattr(importlib.import_module(module), name, None)
        if f is None:
            wrong.append(f"{module}.{name}: missing")
            continue
        got = tuple(inspect.signature(f).parameters)[:len(expected)]
        if got != expected:
            wrong.append(f"{module}.{name}{got} should start {expected}")
    assert not wrong, f"{rule}:\n" + "\n".join(wrong)


# The sequences modules, every public function (CONTRIBUTING.md, "Names and argument order"):
# a function that takes the raw observations (x or X) takes them first, then the model: it
# fits (baum_welch, em), filters or smooths (kalman_filter, smooth), or evaluates a
# likelihood (loglikelihood, emission_log_likelihood). A function that does not is handed
# what the emission model made of them, the per-step likelihoods B_obs[n, k] =
# p(x_n | z_n = k): hmm's recursions (forward, backward, viterbi, log_joint, ...) take the
# chain's parameters (pi, A) first, then the per-step quantities (a path z, B_obs, the
# scalings c), as case 2 takes the parameters before the data.
_OBSERVATIONS = ("x", "X")
_CHAIN = ("pi", "A")
_PER_STEP = ("z", "B_obs", "log_B_obs", "c")


def test_sequences_take_observations_first_and_recursions_the_chain_first():
    checked = {"observations": 0, "recursions": 0}
    wrong = []
    for where, params, kind in _public_signatures():
        if kind != "parameter" or not where.startswith("derivlib.sequences."):
            continue
        if set(params) & set(_OBSERVATIONS):
            checked["observations"] += 1
            if params[0] not in _OBSERVATIONS:
                wrong.append(f"{where}{params}: the observations come first")
        steps = [k for k, p in enumerate(params) if p in _PER_STEP]
        if set(params) & {"B_obs", "log_B_obs"}:
            checked["recursions"] += 1
            lead = params[:steps[0]]
            if set(params) & set(_OBSERVATIONS):
                wrong.append(f"{where}{params}: both raw observations and their likelihoods")
            elif not lead or any(p not in _CHAIN for p in lead):
                wrong.append(f"{where}{params}: the chain's parameters (pi, A) come first, "
                             f"then the per-step quantities {_PER_STEP}")
    assert not wrong, "\n".join(wrong)
    # measured: 14 functions take observations, 7 are recursions on per-step likelihoods
    assert checked["observations"] >= 14 and checked["recursions"] >= 7, checked


def test_each_module_alias_means_one_module():
    # `import linear_regression as lr` in one chapter and `logistic_regression as lr` in the
    # next made `lr.gradient_descent` two different functions (issue 11)
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("chapters/*/*.md"), *root.glob("tests/**/*.py"),
             *root.glob("benchmarks/*.py"), *root.glob("*.md")]
    pattern = re.compile(r"^\s*from\s+(derivlib[\w.]*)\s+import\s+(\w+)\s+as\s+(\w+)"
                         r"|^\s*import\s+(derivlib[\w.]*)\s+as\s+(\w+)", re.M)
    meaning: dict[str, set[str]] = {}
    for path in files:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            module = f"{m[1]}.{m[2]}" if m[1] else m[4]
            alias = m[3] or m[5]
            meaning.setdefault(alias, set()).add(module)
    ambiguous = {a: sorted(ms) for a, ms in meaning.items() if len(ms) > 1}
    assert not ambiguous, ambiguous
    assert {"linreg", "logreg"} <= set(meaning), sorted(meaning)
