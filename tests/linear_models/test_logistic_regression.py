"""Tests of derivlib.linear_models.logistic_regression.

Chapter ``chapters/linear_models/logistic_regression.ipynb``. The fits are compared with
scikit-learn's ``LogisticRegression`` (binary and multinomial) on the same data, with the
same ``C``: scikit-learn minimises ``C * sum(loss) + ||w||^2 / 2`` without penalising the
intercept, which is eq. (logreg-obj) of the chapter times ``C``. The losses are compared with
``sklearn.metrics.log_loss``, the gradients (eqs. logreg-grad, logreg-softmax-grad) and Hessians
(eqs. logreg-hess, logreg-softmax-hess) with central finite differences, and convexity (the Hessian
is positive semi-definite) is checked on random points, also with hypothesis. Labels of any
sortable type (strings) give the same fit as 0/1 labels, bit for bit, and are mapped back by
``predict``. Every validation error is triggered once, and a diverging gradient-descent step
raises instead of returning NaN.

The chapter's other views of the model: ``lda_weights`` against scikit-learn's
``LinearDiscriminantAnalysis`` posteriors and PRML's two-class formulas (eqs. 4.66-4.67);
``fista`` (L1 / elastic net) against scikit-learn's ``saga`` on the objective, the weights and
the zeros, against ``irls`` without L1, and on the subgradient conditions written out;
``laplace_posterior`` against ``irls`` (isotropic prior), BFGS and finite differences;
``predictive_probit`` against adaptive quadrature of the exact integral; and
``wald_standard_errors`` against statsmodels' ``Logit`` on its Spector data, an explicit
inverse Hessian, and the bootstrap.
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats
from scipy.special import expit, softmax
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import log_loss

import derivlib
from derivlib import ConvergenceError, NumericalError
from derivlib.linear_models import logistic_regression as logreg

SEEDS = [0, 1, 2]


def _central_diff(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient (or Jacobian, for vector-valued f) of f at x by central differences."""
    x = np.asarray(x, dtype=float)
    cols = []
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def _binary_data(seed: int, n: int = 120, d: int = 4, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * scale
    w = rng.standard_normal(d)
    y = (rng.random(n) < expit(X @ w + 0.3)).astype(float)
    return X, y


def _multiclass_data(seed: int, n: int = 150, d: int = 3, K: int = 3):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n)
    means = rng.standard_normal((K, d)) * 1.5
    X = means[labels] + rng.standard_normal((n, d))
    return X, labels


def _sklearn(X, y, C, solver, fit_intercept=True):
    model = SkLogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=100_000,
                                 fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs may report rounding-level stalls
        return model.fit(X, y)


# --------------------------------------------------------------------------- docstrings
def test_docstring_examples_all_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    n_examples = 0
    for test in finder.find(logreg):
        n_examples += len(test.examples)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert n_examples == result.attempted == 36


# --------------------------------------------------------------------------- sigmoid
def test_sigmoid_matches_definition_and_is_stable():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(logreg.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        assert logreg.sigmoid([-1000.0, 1000.0]).tolist() == [0.0, 1.0]
    # sigma(-z) = 1 - sigma(z), eq. (logreg-sigmoid-sym)
    np.testing.assert_allclose(logreg.sigmoid(-z), 1 - logreg.sigmoid(z), atol=1e-15)


def test_sigmoid_derivative_by_finite_differences_and_tails():
    z = np.linspace(-8, 8, 33)
    fd = (logreg.sigmoid(z + 1e-6) - logreg.sigmoid(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(logreg.sigmoid_derivative(z), fd, rtol=1e-6, atol=1e-9)
    # accurate in the tails, where sigma (1 - sigma) would round to zero
    assert logreg.sigmoid_derivative(50.0) == pytest.approx(np.exp(-50.0), rel=1e-12)
    assert logreg.sigmoid_derivative(0.0) == 0.25


# --------------------------------------------------------------------------- loss
@pytest.mark.parametrize("seed", SEEDS)
def test_objective_is_sklearn_log_loss_plus_penalty(seed):
    X, y = _binary_data(seed)
    rng = np.random.default_rng(seed + 10)
    w, b, C = rng.standard_normal(X.shape[1]), 0.4, 0.7
    expected = len(y) * log_loss(y, expit(X @ w + b)) + w @ w / (2 * C)
    assert logreg.objective(w, b, X, y, C=C) == pytest.approx(expected, rel=1e-12)
    assert logreg.objective(w, None, X, y) == pytest.approx(
        len(y) * log_loss(y, expit(X @ w)), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("C", "intercept"), [(np.inf, True), (0.5, True), (2.0, False)])
def test_gradient_and_hessian_by_finite_differences(seed, C, intercept):
    X, y = _binary_data(seed, n=60, d=3)
    rng = np.random.default_rng(seed + 20)
    theta = rng.standard_normal(4 if intercept else 3)

    def split(t):
        return (t[:-1], float(t[-1])) if intercept else (t, None)

    f = lambda t: logreg.objective(*split(t), X, y, C=C)  # noqa: E731
    g = lambda t: logreg.gradient(*split(t), X, y, C=C)  # noqa: E731
    np.testing.assert_allclose(g(theta), _central_diff(f, theta), rtol=1e-6, atol=1e-6)
    H = logreg.hessian(*split(theta), X, y, C=C)
    np.testing.assert_allclose(H, _central_diff(g, theta), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 30.0))
def test_hessian_is_positive_semidefinite_and_loss_convex(seed, scale):
    """Convexity, eq. (logreg-psd): v^T X^T S X v = sum_i s_i (x_i^T v)^2 >= 0."""
    X, y = _binary_data(seed, n=30, d=3)
    rng = np.random.default_rng(seed)
    t1, t2 = rng.standard_normal(4) * scale, rng.standard_normal(4) * scale
    H = logreg.hessian(t1[:-1], t1[-1], X)
    assert np.linalg.eigvalsh(H).min() >= -1e-10 * max(1.0, np.abs(H).max())
    f1 = logreg.objective(t1[:-1], t1[-1], X, y)
    f2 = logreg.objective(t2[:-1], t2[-1], X, y)
    for a in (0.25, 0.5, 0.75):
        tm = a * t1 + (1 - a) * t2
        assert logreg.objective(tm[:-1], tm[-1], X, y) <= a * f1 + (1 - a) * f2 + 1e-9 * (
            1 + abs(f1) + abs(f2))


def test_extreme_logits_give_finite_losses_and_gradients():
    X = np.array([[1.0], [-1.0], [1.0]])
    y = np.array([0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / divide-by-zero warnings
        for w in (1000.0, -1000.0):
            f = logreg.objective([w], 0.0, X, y)
            g = logreg.gradient([w], 0.0, X, y)
            H = logreg.hessian([w], 0.0, X, y)
            assert np.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))
        # two wrong samples with margin 1000 each, one right one: loss 2000
        assert logreg.objective([1000.0], 0.0, X, y) == pytest.approx(2000.0)
        np.testing.assert_allclose(logreg.gradient([1000.0], 0.0, X, y), [2.0, 0.0])
        W = np.array([[1000.0, -1000.0, 0.0]])
        Xs, ys = np.array([[1.0], [-1.0]]), np.array([1, 2])
        assert logreg.softmax_objective(W, None, Xs, ys) == pytest.approx(3000.0)
        assert np.all(np.isfinite(logreg.softmax_gradient(W, np.zeros(3), Xs, ys)))
        assert np.all(np.isfinite(logreg.softmax_hessian(W, np.zeros(3), Xs)))


# --------------------------------------------------------------------------- binary fits
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_irls_matches_sklearn(seed, C, solver):
    X, y = _binary_data(seed)
    sk = _sklearn(X, y, C, solver)
    fit = logreg.irls(X, y, C=C, tol=1e-12)
    assert fit.converged
    np.testing.assert_allclose(fit.w, sk.coef_[0], atol=1e-6, rtol=1e-6)
    assert fit.b == pytest.approx(sk.intercept_[0], abs=1e-6)
    # the same objective value: scikit-learn's is ours times C
    f_sk = logreg.objective(sk.coef_[0], sk.intercept_[0], X, y, C=C)
    assert fit.history[-1] <= f_sk + 1e-9 * abs(f_sk)


@pytest.mark.parametrize("seed", SEEDS)
def test_irls_without_intercept_matches_sklearn(seed):
    X, y = _binary_data(seed)
    sk = _sklearn(X, y, 3.0, "newton-cg", fit_intercept=False)
    fit = logreg.irls(X, y, C=3.0, fit_intercept=False, tol=1e-12)
    assert fit.b is None
    np.testing.assert_allclose(fit.w, sk.coef_[0], atol=1e-6, rtol=1e-6)


def test_estimator_matches_sklearn_probabilities_and_labels():
    X, y01 = _binary_data(4)
    y = np.where(y01 == 1, 7.0, -2.0)  # arbitrary labels; the larger one is class 1
    sk = _sklearn(X, y, 1.0, "newton-cg")
    ours = logreg.LogisticRegression(C=1.0, tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, sk.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    gd = logreg.LogisticRegression(C=1.0, solver="gd", tol=1e-7, max_iter=20_000).fit(X, y)
    np.testing.assert_allclose(gd.coef_, ours.coef_, atol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_irls_is_monotone_and_converges_quadratically(seed):
    # inputs scaled by 2: larger logits, so IRLS needs 6-7 Newton steps from its GLM start
    # and the quadratic phase has several gaps above rounding level to check
    X, y = _binary_data(seed, n=400, d=6, scale=2.0)
    fit = logreg.irls(X, y, C=1.0, tol=1e-14)
    assert fit.converged and 5 <= fit.n_iter <= 10
    assert np.all(np.diff(fit.history) <= 1e-12 * abs(fit.history[0]))
    gaps = fit.history[:-1] - fit.history[-1]
    gaps = gaps[gaps > 1e-10]  # below: rounding noise of the objective (~1e-14 relative)
    tail = gaps[gaps < 1.0]  # the quadratic phase
    assert len(gaps) >= 5 and len(tail) >= 3  # cannot pass vacuously
    # quadratic convergence: gap_{k+1} <= c gap_k^2 (measured c ~ 0.03; asserted c = 1),
    # i.e. the number of correct digits at least doubles each step
    assert np.all(tail[1:] <= tail[:-1] ** 2)


def test_irls_starts_from_the_glm_working_response_then_takes_newton_steps():
    """Start: weighted ridge fit to the working response of mu0 = (y + 1/2)/2 (logreg-irls)."""
    X, y = _binary_data(5)
    n, d = X.shape
    Xt = np.column_stack([X, np.ones(n)])
    mu0 = (y + 0.5) / 2
    s0 = mu0 * (1 - mu0)
    r0 = np.log(mu0 / (1 - mu0)) + (y - mu0) / s0
    Lam = np.diag(np.r_[np.full(d, 1.0), 0.0])  # C = 1
    theta0 = np.linalg.solve(Xt.T @ (s0[:, None] * Xt) + Lam, Xt.T @ (s0 * r0))
    with pytest.warns(logreg.ConvergenceWarning):
        fit = logreg.irls(X, y, C=1.0, max_iter=1)
    assert fit.history[0] == pytest.approx(logreg.objective(theta0[:-1], theta0[-1], X, y, C=1.0))
    w1, b1 = logreg.newton_step(theta0[:-1], theta0[-1], X, y, C=1.0)
    np.testing.assert_allclose(fit.w, w1, rtol=1e-10)
    assert fit.b == pytest.approx(b1, rel=1e-10)
    # and the gradient is zero at the fixed point
    full = logreg.irls(X, y, C=1.0, tol=1e-13)
    np.testing.assert_allclose(logreg.gradient(full.w, full.b, X, y, C=1.0), 0.0, atol=1e-9)



# --------------------------------------------------------------------------- textbook IRLS
# textbook_irls is the chapter's Newton loop written as its equations (from theta = 0, full
# steps, a plain solve); irls is the tuned solver of the same problem with the same stopping
# rule. The problems: 1 to 8 features, 20 to 400 samples, scales 0.3 to 3, offset columns,
# C from 1e-3 to inf, with and without intercept (seeded; separable draws with C = inf are
# left to the separation test below).
def _textbook_problem(seed: int):
    rng = np.random.default_rng(1000 + seed)
    n, d = int(rng.integers(20, 400)), int(rng.integers(1, 9))
    X = rng.standard_normal((n, d)) * rng.choice([0.3, 1.0, 3.0]) + rng.choice([0.0, 0.0, 2.0])
    y = (rng.random(n) < expit(X @ rng.standard_normal(d) + rng.normal())).astype(float)
    y[:2] = [0.0, 1.0]  # both classes occur
    C = float(rng.choice([1e-3, 0.1, 1.0, 100.0, np.inf]))
    return X, y, C


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("seed", range(30))
def test_textbook_irls_agrees_with_irls(seed, fit_intercept):
    X, y, C = _textbook_problem(seed)
    n = len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither may warn: no separation, no stall
        plain = logreg.textbook_irls(X, y, C=C, fit_intercept=fit_intercept, tol=1e-12)
        fast = logreg.irls(X, y, C=C, fit_intercept=fit_intercept, tol=1e-12)
    assert plain.converged and fast.converged
    assert (plain.b is None) == (fast.b is None) == (not fit_intercept)
    theta_plain = np.append(plain.w, [] if plain.b is None else plain.b)
    theta_fast = np.append(fast.w, [] if fast.b is None else fast.b)
    # the claim converged=True, checked by the public gradient: max |grad| / n <= tol (the
    # same sums in another order: a factor 2 for rounding)
    g_plain = logreg.gradient(plain.w, plain.b, X, y, C=C)
    g_fast = logreg.gradient(fast.w, fast.b, X, y, C=C)
    assert np.max(np.abs(g_plain)) / n <= 2e-12
    # strong convexity: |theta - theta*| <= |grad L(theta)| / mu, with mu the smallest
    # eigenvalue of the Hessian near the minimum (taken at irls's answer, with a factor 2)
    mu = np.linalg.eigvalsh(logreg.hessian(fast.w, fast.b, X, C=C))[0]
    bound = 2 * (np.linalg.norm(g_plain) + np.linalg.norm(g_fast)) / mu
    assert np.max(np.abs(theta_plain - theta_fast)) <= bound
    # the chapter's and the docstring's claim: 1e-8 relative (measured: at most 4e-11)
    assert np.max(np.abs(theta_plain - theta_fast)) <= 1e-8 * np.max(np.abs(theta_fast))
    # the history: the objective at theta = 0 (n log 2), then at every iterate
    assert plain.history.shape == plain.norms.shape == (plain.n_iter + 1,)
    assert plain.history[0] == pytest.approx(n * np.log(2.0), rel=1e-14)
    assert plain.history[-1] == pytest.approx(
        logreg.objective(plain.w, plain.b, X, y, C=C), rel=1e-12)
    assert plain.norms[-1] == pytest.approx(np.linalg.norm(plain.w), rel=1e-14)
    np.testing.assert_array_equal(plain.classes, [0.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_textbook_irls_matches_sklearn_and_converges_quadratically(seed):
    # inputs scaled by 3: large logits, so the quadratic phase has three gaps above rounding
    X, y = _binary_data(seed, n=400, d=6, scale=3.0)
    fit = logreg.textbook_irls(X, y, C=1.0, tol=1e-14)
    sk = _sklearn(X, y, 1.0, "newton-cg")
    assert fit.converged
    np.testing.assert_allclose(fit.w, sk.coef_[0], atol=1e-6, rtol=1e-6)
    assert fit.b == pytest.approx(sk.intercept_[0], abs=1e-6)
    # Newton from theta = 0 (measured: 8 or 9 steps here); a wrong Hessian is slower
    assert fit.n_iter <= 10
    gaps = fit.history[:-1] - fit.history[-1]
    tail = gaps[(gaps > 1e-10) & (gaps < 1.0)]  # the quadratic phase, above rounding noise
    assert len(tail) >= 3  # cannot pass vacuously
    assert np.all(tail[1:] <= tail[:-1] ** 2)  # correct digits at least double each step


def test_textbook_irls_on_separable_data_warns_like_irls():
    X, y = _separable()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow anywhere
        with pytest.warns(logreg.SeparationWarning, match="separable"):
            fit = logreg.textbook_irls(X, y, C=np.inf)
    assert not fit.converged and np.all(np.isfinite(fit.w)) and np.isfinite(fit.b)
    assert np.all(np.where(y == 1, 1, -1) * (X @ fit.w + fit.b) > 0)  # it does separate
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with a penalty: a minimiser, no warning
        reg = logreg.textbook_irls(X, y, C=1.0, tol=1e-12)
    np.testing.assert_allclose(reg.w, logreg.irls(X, y, C=1.0, tol=1e-12).w, rtol=1e-8)


def test_textbook_irls_reports_what_stopped_it():
    X, y = _binary_data(1)
    with pytest.warns(logreg.ConvergenceWarning, match=r"textbook_irls \(Newton\) did not "
                      r"converge: max \|gradient\| / n = .* after 1 iteration\(s\) of "
                      r"max_iter=1; raise max_iter"):
        short = logreg.textbook_irls(X, y, C=1.0, tol=1e-14, max_iter=1)
    assert not short.converged and short.n_iter == 1 and len(short.history) == 2
    # no penalty and two equal columns: the Hessian is singular along w1 = -w2
    Xd = np.column_stack([X[:, 0], X[:, 0]])
    with pytest.warns(logreg.ConvergenceWarning, match="the Hessian is singular; use a finite C"):
        stuck = logreg.textbook_irls(Xd, y, C=np.inf)
    assert not stuck.converged and np.all(np.isfinite(stuck.w))
    assert logreg.irls(Xd, y, C=np.inf).converged  # irls regularises the solve


def test_textbook_irls_refuses_what_it_cannot_square():
    X, y = _binary_data(2, n=30, d=2)
    # irls rescales by a power of two; the textbook version says so instead of returning inf
    with pytest.raises(NumericalError, match=r"the gradient or the Hessian .* use irls"):
        logreg.textbook_irls(X * 1e200, y)
    fit = logreg.irls(X * 1e200, y)
    assert fit.converged and np.all(np.isfinite(fit.w))


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_descent_is_monotone_and_reaches_the_irls_solution(seed):
    X, y = _binary_data(seed, n=80, d=3)
    gd = logreg.gradient_descent(X, y, C=1.0, tol=1e-9, max_iter=50_000)
    assert gd.converged
    assert np.all(np.diff(gd.history) <= 1e-12 * abs(gd.history[0]))
    newton = logreg.irls(X, y, C=1.0, tol=1e-12)
    np.testing.assert_allclose(gd.w, newton.w, atol=1e-6)
    assert gd.n_iter > 3 * newton.n_iter  # why Newton is worth its Hessian


def test_no_iteration_budget_gives_a_convergence_warning():
    X, y = _binary_data(1)
    with pytest.warns(logreg.ConvergenceWarning, match="did not converge"):
        logreg.irls(X, y, C=1.0, tol=1e-14, max_iter=1)
    with pytest.warns(logreg.ConvergenceWarning, match="did not converge"):
        logreg.gradient_descent(X, y, max_iter=3)
    with pytest.warns(logreg.ConvergenceWarning):
        logreg.fit_softmax(*_multiclass_data(1), max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logreg.gradient_descent(X, y, max_iter=3, warn=False)


def test_gradient_descent_with_a_diverging_step_raises_naming_eta():
    X, y = _binary_data(0, n=50, d=3)
    # the stability bound 2/L, L = ||[X, 1]||^2 / 4 + 1/C, computed independently
    L = np.linalg.svd(np.column_stack([X, np.ones(50)]), compute_uv=False)[0] ** 2 / 4 + 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, and no "z must be finite"
        with pytest.raises(ValueError, match=rf"eta = 1e\+06 diverges: the weights or the "
                                             rf"objective overflowed .* eta < 2/L = {2 / L:.3g}"):
            logreg.gradient_descent(X, y, C=1.0, eta=1e6, warn=False)
        # just below the bound the iterates stay finite (and the run converges)
        fit = logreg.gradient_descent(X, y, C=1.0, eta=1.9 / L, tol=1e-8, max_iter=20_000)
    assert fit.converged and np.all(np.isfinite(fit.history))


# --------------------------------------------------------------------------- separable data
def _separable(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 2))
    y = (X @ np.array([1.0, -2.0]) + 0.2 > 0).astype(float)
    return X, y


def test_separable_data_warn_instead_of_diverging():
    X, y = _separable()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow anywhere
        with pytest.warns(logreg.SeparationWarning, match="separable"):
            fit = logreg.irls(X, y, C=np.inf)
        assert not fit.converged and np.all(np.isfinite(fit.w))
        with pytest.warns(logreg.SeparationWarning):
            gd = logreg.gradient_descent(X, y, C=np.inf, max_iter=3000, warn=False)
    # without a penalty the norm keeps growing (like log t) ...
    assert gd.norms[-1] > gd.norms[300] > gd.norms[30]
    # ... with one it converges, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = logreg.irls(X, y, C=1.0)
        reg_gd = logreg.gradient_descent(X, y, C=1.0, max_iter=3000, warn=False)
    assert reg.converged and reg_gd.converged and not gd.converged
    assert gd.norms[-1] > 2 * reg_gd.norms[-1]
    np.testing.assert_allclose(reg.w, _sklearn(X, y, 1.0, "newton-cg").coef_[0], atol=1e-6)


# --------------------------------------------------------------------------- softmax
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("C", "intercept"), [(np.inf, True), (0.5, True), (2.0, False)])
def test_softmax_gradient_and_hessian_by_finite_differences(seed, C, intercept):
    X, y = _multiclass_data(seed, n=40, d=2, K=3)
    rng = np.random.default_rng(seed + 30)
    theta = rng.standard_normal((3 if intercept else 2, 3))

    def split(t):
        t = t.reshape(-1, 3)
        return (t[:-1], t[-1]) if intercept else (t, None)

    f = lambda t: logreg.softmax_objective(*split(t), X, y, C=C)  # noqa: E731
    g = lambda t: logreg.softmax_gradient(*split(t), X, y, C=C).ravel()  # noqa: E731
    flat = theta.ravel()
    np.testing.assert_allclose(g(flat), _central_diff(f, flat), rtol=1e-6, atol=1e-6)
    H = logreg.softmax_hessian(*split(flat), X, C=C)
    np.testing.assert_allclose(H, _central_diff(g, flat), rtol=1e-6, atol=1e-6)
    assert np.linalg.eigvalsh(H).min() >= -1e-9


def test_softmax_objective_matches_sklearn_log_loss():
    X, y = _multiclass_data(3, K=4)
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    P = softmax(X @ W + b, axis=1)
    expected = len(y) * log_loss(y, P) + np.sum(W**2) / (2 * 0.3)
    assert logreg.softmax_objective(W, b, X, y, C=0.3) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(logreg.softmax_predict_proba(W, b, X), P, rtol=1e-13)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
@pytest.mark.parametrize(("method", "solver"), [("lbfgs", "lbfgs"), ("newton", "newton-cg")])
def test_softmax_matches_sklearn_multinomial(seed, C, method, solver):
    X, y = _multiclass_data(seed, K=3 + seed % 2)
    sk = _sklearn(X, y, C, solver)
    fit = logreg.fit_softmax(X, y, C=C, method=method, tol=1e-12)
    assert fit.converged
    np.testing.assert_allclose(fit.W.T, sk.coef_, atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(fit.b, sk.intercept_, atol=1e-6, rtol=1e-6)
    assert abs(fit.b.sum()) < 1e-10  # the symmetric solution
    model = logreg.SoftmaxRegression(C=C, method=method, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), sk.predict(X))


def test_softmax_newton_and_lbfgs_agree_and_newton_is_monotone():
    X, y = _multiclass_data(7, K=4)
    newton = logreg.fit_softmax(X, y, C=2.0, method="newton", tol=1e-12)
    lbfgs = logreg.fit_softmax(X, y, C=2.0, method="lbfgs", tol=1e-12)
    np.testing.assert_allclose(newton.W, lbfgs.W, atol=1e-5)
    assert newton.n_iter < lbfgs.n_iter
    assert np.all(np.diff(newton.history) <= 1e-12 * newton.history[0])


def test_two_class_softmax_is_logistic_regression_with_twice_the_C():
    """W = [-v/2, v/2]: ||W||^2 = ||v||^2 / 2, so softmax with C is logistic with 2C."""
    X, y = _binary_data(8)
    soft = logreg.fit_softmax(X, y, C=0.7, method="newton", tol=1e-12)
    binary = logreg.irls(X, y, C=1.4, tol=1e-12)
    np.testing.assert_allclose(soft.W[:, 1] - soft.W[:, 0], binary.w, atol=1e-8)
    assert soft.b[1] - soft.b[0] == pytest.approx(binary.b, abs=1e-8)


def test_softmax_without_penalty_or_intercept_runs():
    X, y = _multiclass_data(2)
    fit = logreg.fit_softmax(X, y, C=np.inf, fit_intercept=False, method="newton", tol=1e-10)
    assert fit.b is None and fit.converged
    np.testing.assert_allclose(fit.W.sum(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(logreg.softmax_gradient(fit.W, None, X, y), 0.0, atol=1e-7)


# --------------------------------------------------------------------------- labels
@pytest.mark.parametrize("fit", [logreg.irls, logreg.textbook_irls, logreg.gradient_descent])
def test_binary_fits_accept_string_labels(fit):
    X, y01 = _binary_data(6, n=60, d=3)
    y_str = np.array(["cat", "dog"])[y01.astype(int)]  # "cat" < "dog": dog is class 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", logreg.ConvergenceWarning)
        ours, ref = fit(X, y_str, C=1.0), fit(X, y01, C=1.0)
    np.testing.assert_array_equal(ours.w, ref.w)  # the same computation: identical weights
    assert ours.b == ref.b and ours.n_iter == ref.n_iter
    np.testing.assert_array_equal(ours.classes, ["cat", "dog"])


def test_softmax_fit_accepts_string_labels():
    X, labels = _multiclass_data(4, n=90, K=3)
    y_str = np.array(["a", "b", "c"])[labels]
    for method in ("lbfgs", "newton"):
        ours = logreg.fit_softmax(X, y_str, C=1.0, method=method)
        ref = logreg.fit_softmax(X, labels, C=1.0, method=method)
        np.testing.assert_array_equal(ours.W, ref.W)
        np.testing.assert_array_equal(ours.b, ref.b)
        np.testing.assert_array_equal(ours.classes, ["a", "b", "c"])


def test_estimators_accept_string_labels_and_map_them_back():
    X, y01 = _binary_data(7, n=80, d=3)
    y_str = np.array(["no", "yes"])[y01.astype(int)]
    ours = logreg.LogisticRegression(C=1.0).fit(X, y_str)
    ref = logreg.LogisticRegression(C=1.0).fit(X, y01)
    np.testing.assert_array_equal(ours.coef_, ref.coef_)
    np.testing.assert_array_equal(ours.intercept_, ref.intercept_)
    np.testing.assert_array_equal(ours.predict(X), np.array(["no", "yes"])[
        ref.predict(X).astype(int)])
    np.testing.assert_array_equal(ours.predict_proba(X), ref.predict_proba(X))
    # scikit-learn maps string labels the same way
    sk = _sklearn(X, y_str, 1.0, "newton-cg")
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))

    Xm, labels = _multiclass_data(5, n=90, K=3)
    names = np.array(["red", "green", "blue"])  # sorted: blue, green, red
    soft = logreg.SoftmaxRegression(C=1.0).fit(Xm, names[labels])
    soft_ref = logreg.SoftmaxRegression(C=1.0).fit(Xm, np.argsort(np.argsort(names))[labels])
    np.testing.assert_array_equal(soft.coef_, soft_ref.coef_)
    np.testing.assert_array_equal(soft.classes_, ["blue", "green", "red"])
    np.testing.assert_array_equal(soft.predict(Xm),
                                  soft.classes_[soft_ref.predict(Xm).astype(int)])


def test_labels_that_cannot_be_sorted_or_are_not_a_1d_array():
    X, _ = _binary_data(0, n=6, d=2)
    with pytest.raises(TypeError, match="y must hold labels that can be sorted"):
        logreg.irls(X, np.array([None, "a", None, "a", 1, "a"], dtype=object))
    with pytest.raises(ValueError, match=r"y must be 1-D, got an array of shape \(3, 2\)"):
        logreg.fit_softmax(X, np.array([["a", "b"]] * 3))
    with pytest.raises(TypeError, match="y must be a 1-D array of labels, got a string 'ab'"):
        logreg.LogisticRegression().fit(X[:2], "ab")
    with pytest.raises(ValueError, match="y must be a 1-D array of labels"):  # ragged
        logreg.gradient_descent(X[:2], [["a", "b"], ["c"]])
    with pytest.raises(ValueError, match=r"y must have at least 1 element\(s\), got shape"):
        logreg.SoftmaxRegression().fit(X, np.array([], dtype=str))


# --------------------------------------------------------------------------- validation
def _fits():
    return [logreg.irls, logreg.textbook_irls, logreg.gradient_descent, logreg.fit_softmax,
            lambda X, y, **kw: logreg.LogisticRegression(**kw).fit(X, y)]


@pytest.mark.parametrize("fit", _fits())
def test_x_and_y_of_different_lengths(fit):
    X, y = _binary_data(0)
    with pytest.raises(ValueError, match="same length"):
        fit(X, y[:-1])


@pytest.mark.parametrize("fit", _fits())
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_x(fit, bad):
    X, y = _binary_data(0)
    X[3, 1] = bad
    with pytest.raises(ValueError, match="X must be finite"):
        fit(X, y)


@pytest.mark.parametrize("fit", _fits())
@pytest.mark.parametrize("C", [0.0, -1.0, np.nan])
def test_non_positive_c(fit, C):
    X, y = _binary_data(0)
    with pytest.raises(ValueError, match="C must be > 0"):
        fit(X, y, C=C)


@pytest.mark.parametrize("fit", [logreg.irls, logreg.textbook_irls, logreg.gradient_descent])
def test_labels_that_are_not_two_classes(fit):
    X, _ = _binary_data(0)
    with pytest.raises(ValueError, match="exactly two classes"):
        fit(X, np.arange(len(X)) % 3)
    with pytest.raises(ValueError, match="exactly two classes"):
        fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match="at least two classes"):
        logreg.fit_softmax(X, np.ones(len(X)))


def test_other_bad_input():
    X, y = _binary_data(0, d=2)
    with pytest.raises(ValueError, match="labels in"):
        logreg.objective([0.0, 0.0], 0.0, X, y + 1)
    with pytest.raises(ValueError, match="w must have shape"):
        logreg.gradient([0.0], 0.0, X, y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        logreg.irls(X[:, 0], y)
    with pytest.raises(TypeError, match="C must be a real number"):
        logreg.irls(X, y, C="1")
    with pytest.raises(ValueError, match="method must be"):
        logreg.fit_softmax(X, y, method="sgd")
    with pytest.raises(ValueError, match="solver must be"):
        logreg.LogisticRegression(solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="eta must be > 0"):
        logreg.gradient_descent(X, y, eta=-0.1)
    with pytest.raises(ValueError, match="W must have shape"):
        logreg.softmax_gradient(np.zeros((3, 2)), None, X, y)
    with pytest.raises(ValueError, match="b must have shape"):
        logreg.softmax_objective(np.zeros((2, 3)), np.zeros(2), X, y)
    with pytest.raises(ValueError, match="label indices"):
        logreg.softmax_objective(np.zeros((2, 2)), None, X, y + 5)
    with pytest.raises(ValueError, match="max_iter must be > 0"):
        logreg.irls(X, y, max_iter=0)


def _all_fits():
    return [logreg.irls, logreg.textbook_irls, logreg.gradient_descent, logreg.fit_softmax,
            lambda X, y, **kw: logreg.LogisticRegression(**kw).fit(X, y),
            lambda X, y, **kw: logreg.SoftmaxRegression(**kw).fit(X, y)]


@pytest.mark.parametrize("fit", _all_fits())
@pytest.mark.parametrize("bad", ["no", 1, None])
def test_fit_intercept_must_be_a_bool(fit, bad):
    X, y = _binary_data(0)
    with pytest.raises(TypeError, match=f"fit_intercept must be True or False, got {bad!r}"):
        fit(X, y, fit_intercept=bad)


def test_warn_must_be_a_bool():
    X, y = _binary_data(0)
    with pytest.raises(TypeError, match="warn must be True or False, got 'no'"):
        logreg.gradient_descent(X, y, warn="no")


@pytest.mark.parametrize("cls", [logreg.LogisticRegression, logreg.SoftmaxRegression])
def test_estimators_check_the_number_of_features_and_that_fit_was_called(cls):
    X, y = _binary_data(0, d=4)
    for method in ("predict", "predict_proba") + (("decision_function",)
                                                  if cls is logreg.LogisticRegression else ()):
        with pytest.raises(ValueError, match=f"this {cls.__name__} is not fitted yet; call "
                                             r"fit\(X, y\) first"):
            getattr(cls(), method)(X)
        model = cls(C=1.0).fit(X, y)
        with pytest.raises(ValueError, match=r"X must have 4 features \(as in fit\), got 5"):
            getattr(model, method)(np.ones((3, 5)))
        with pytest.raises(ValueError, match="X must be 2-D"):
            getattr(model, method)(np.ones(4))


# --------------------------------------------------------------------------- issue 10
# "The library never lies": each test below failed on the code before the fix.


def test_warning_classes_are_the_shared_ones():
    assert logreg.ConvergenceWarning is derivlib.ConvergenceWarning
    assert logreg.SeparationWarning is derivlib.SeparationWarning


def _softmax_grad_ref(W, b, X, labels, C):
    """max |gradient| / n of eq. (logreg-obj) for softmax, from scipy's softmax directly."""
    Y = np.eye(W.shape[1])[labels]
    R = softmax(X @ W + b, axis=1) - Y
    return max(np.abs(X.T @ R + W / C).max(), np.abs(R.sum(axis=0)).max()) / len(X)


def test_lbfgs_stall_is_judged_by_the_gradient_and_finished_by_newton():
    # a badly scaled column: SciPy's L-BFGS stops on a stalled objective (ftol) with the
    # gradient 1.8e5 times tol, and used to report converged=True with weights off by 1e-4
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 150)
    X = rng.standard_normal((3, 4))[labels] * 1.5 + rng.standard_normal((150, 4))
    X[:, 0] *= 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = logreg.fit_softmax(X, labels, C=1e-3, method="lbfgs", tol=1e-8)
    assert fit.converged
    assert _softmax_grad_ref(fit.W, fit.b, X, labels, 1e-3) <= 1e-8
    sk = _sklearn(X, labels, 1e-3, "newton-cg")
    assert _softmax_grad_ref(sk.coef_.T, sk.intercept_, X, labels, 1e-3) <= 1e-10
    np.testing.assert_allclose(fit.W.T, sk.coef_, atol=1e-9, rtol=1e-6)
    np.testing.assert_allclose(fit.b, sk.intercept_, atol=1e-9)


def test_irls_on_inputs_of_magnitude_1e160_gives_the_rescaled_answer():
    # X^T S X overflows float64; irls used to return w = 0 with converged=True
    X, y = _binary_data(0, n=100, d=3)
    sk = SkLogisticRegression(C=np.inf, solver="newton-cg", tol=1e-12,
                              max_iter=10_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, no ConvergenceWarning
        fit = logreg.irls(X * 1e160, y, C=1.0, tol=1e-8)
    # the penalty |w|^2 / 2 with w ~ 1e-160 is below float64's resolution: the answer is the
    # maximum-likelihood fit of X, with the weights divided by 1e160
    assert fit.converged
    np.testing.assert_allclose(fit.w * 1e160, sk.coef_[0], rtol=1e-7)
    assert fit.b == pytest.approx(sk.intercept_[0], rel=1e-7)
    soft = logreg.fit_softmax(X * 1e160, y, C=1.0, tol=1e-8)  # two classes: v = w / 2 per column
    assert soft.converged
    np.testing.assert_allclose((soft.W[:, 1] - soft.W[:, 0]) * 1e160, sk.coef_[0], rtol=1e-7)


def test_overflowing_public_functions_raise_or_give_the_exact_limit():
    X, y = _binary_data(0, n=20, d=3)
    with pytest.raises(NumericalError, match="Hessian"):
        logreg.hessian(np.zeros(3), 0.0, X * 1e160)
    with pytest.raises(NumericalError, match="Hessian"):
        logreg.newton_step(np.zeros(3), 0.0, X * 1e160, y)
    with pytest.raises(NumericalError, match="rescale X"):
        logreg.gradient_descent(X * 1e160, y)
    # 1e200 * 1e200 - 1e200 * 1e200: the products overflow and cancel; undetermined
    Xc, wc = np.array([[1e200, -1e200]]), np.array([1e200, 1e200])
    with pytest.raises(NumericalError, match="cannot be computed"):
        logreg.predict_proba(wc, 0.0, Xc)
    with pytest.raises(NumericalError, match="cannot be computed"):
        logreg.objective(wc, 0.0, Xc, [1])
    # logits beyond float64 with a certain sign: p is exactly 0 or 1 there
    Xb = np.full((3, 1), 1e10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # z = 1e310 > 0 for all: p = 1, gradient sum_i x_i (1 - y_i) = 2e10 and 2 (exact)
        np.testing.assert_array_equal(logreg.gradient([1e300], 0.0, Xb, [0, 1, 0]), [2e10, 2.0])
        P = logreg.softmax_predict_proba(np.array([[1e200, 0.0]]), None,
                                     np.array([[1e200], [-1e200]]))
        np.testing.assert_array_equal(P, [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(NumericalError, match="overflow"):  # loss of a wrong sample: 1e310
        logreg.objective([1e300], 0.0, Xb, [0, 1, 0])


def _separable3(seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 90)
    X = np.array([[-5.0, 0.0], [5.0, 0.0], [0.0, 6.0]])[labels] + rng.standard_normal((90, 2))
    return X, labels


@pytest.mark.parametrize("method", ["lbfgs", "newton"])
def test_softmax_on_separable_classes_warns_and_is_not_converged(method):
    X, labels = _separable3()
    with pytest.warns(logreg.SeparationWarning, match="separable"):
        fit = logreg.fit_softmax(X, labels, C=np.inf, method=method)
    assert not fit.converged and np.all(np.isfinite(fit.W))
    with pytest.raises(ConvergenceError, match="separable"), pytest.warns(logreg.SeparationWarning):
        logreg.SoftmaxRegression(C=np.inf, method=method).fit(X, labels)


def test_quasi_complete_separation_is_detected():
    # tied samples at x = 0 in both classes, the others separated: no MLE exists, the
    # weight diverges, and no iterate classifies every sample correctly
    X = np.array([[-3.0], [-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.warns(logreg.SeparationWarning, match="quasi-completely"):
        fit = logreg.irls(X, y, C=np.inf, max_iter=200)
    assert not fit.converged
    with pytest.warns(logreg.SeparationWarning, match="quasi-completely"):
        soft = logreg.fit_softmax(X, y, C=np.inf, method="newton")
    assert not soft.converged
    with warnings.catch_warnings():  # overlapping classes: no warning, converged
        warnings.simplefilter("error")
        assert logreg.irls(*_binary_data(0), C=np.inf).converged


def test_estimators_raise_when_the_solver_does_not_converge():
    X, y = _binary_data(1)
    with pytest.raises(ConvergenceError, match=r"max \|gradient\| / n = .* > tol = 1e-14 "
                                               r"after 1 iteration"):
        logreg.LogisticRegression(C=1.0, tol=1e-14, max_iter=1).fit(X, y)
    with pytest.raises(ConvergenceError, match="did not converge"):
        logreg.LogisticRegression(C=1.0, solver="gd", max_iter=3).fit(X, y)
    with pytest.raises(ConvergenceError, match="did not converge"):
        logreg.SoftmaxRegression(max_iter=2).fit(*_multiclass_data(1))


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"method": None}, ValueError, "method must be one of 'lbfgs', 'newton', got None"),
    ({"tol": np.nan}, ValueError, "tol must be finite"),
    ({"tol": -1.0}, ValueError, "tol must be > 0"),
    ({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
    ({"C": True}, TypeError, "C must be a real number"),
])
def test_softmax_parameters_are_validated(kwargs, error, text):
    X, labels = _multiclass_data(0, n=30)
    with pytest.raises(error, match=text):
        logreg.fit_softmax(X, labels, **kwargs)


def test_string_and_complex_inputs_are_refused():
    X, y = _binary_data(0, n=10, d=2)
    with pytest.raises(TypeError, match="X must be array-like of numbers"):
        logreg.irls(X.astype(str), y)
    with pytest.raises(TypeError, match="X must be real"):
        logreg.fit_softmax(X + 1j, y)
    with pytest.raises(TypeError, match="w must be real"):
        logreg.objective(np.array([1.0, 1j]), 0.0, X, y)
    with pytest.raises(TypeError, match="eta must be a real number"):
        logreg.gradient_descent(X, y, eta="0.1")
    with pytest.raises(ValueError, match="solver must be one of 'irls', 'gd', got None"):
        logreg.LogisticRegression(solver=None).fit(X, y)


def test_float32_input_gives_the_float64_fit_of_the_same_numbers():
    X, y = _binary_data(2)
    X32 = X.astype(np.float32)
    fit32 = logreg.irls(X32, y, C=1.0, tol=1e-12)
    fit64 = logreg.irls(X32.astype(np.float64), y, C=1.0, tol=1e-12)
    np.testing.assert_array_equal(fit32.w, fit64.w)
    assert fit32.w.dtype == np.float64


@pytest.mark.parametrize("seed", range(5))
def test_the_cheap_floor_bound_bounds_the_rounding_floor(seed):
    # the IRLS convergence test skips the O(n d) rounding floor when a gradient coordinate is
    # above this O(d) bound: that is only sound if the bound is never below the floor
    rng = np.random.default_rng(seed)
    n, d = 200, 4
    X = rng.normal(size=(n, d)) * 10.0 ** rng.uniform(-3, 3, size=d)
    y01 = (rng.random(n) < 0.5).astype(float)
    w, b = rng.normal(size=d) * 10.0 ** rng.uniform(-2, 2), float(rng.normal() * 5)
    z = X @ w + b
    for C in (0.01, 1.0, np.inf):
        floor = logreg._binary_floor(X, y01, w, b, C, z)
        stats = logreg._abs_stats(X)
        stats = (np.append(stats[0], float(n)), max(stats[1], 1.0))
        bound = logreg._floor_bound(stats, np.append(w, b), C, d, n, True)
        assert bound.shape == floor.shape
        assert np.all(bound >= floor)


# --------------------------------------------------------------------------- adversarial review
def _offset_data(seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] + rng.normal(size=50) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_irls_on_offset_columns_finds_the_minimum(C):
    """With an intercept, x w + b = (x - 1e8) w + (b + 1e8 sum w): the weights of X + 1e8 are
    those of X. IRLS returned weights off by a factor 6 (objective 27.5 instead of 15.1) with
    converged=True: the rounding of the raw logits swamped the gradient test."""
    X, y = _offset_data()
    fit = logreg.irls(X + 1e8, y, C=C)
    if np.isinf(C):
        ref = logreg.irls(X, y, C=C).w  # (the reference's own agreement is tested above)
    else:
        ref = SkLogisticRegression(C=C, solver="newton-cg", tol=1e-12,
                                   max_iter=10_000).fit(X, y).coef_[0]
    assert fit.converged
    np.testing.assert_allclose(fit.w, ref, rtol=1e-6)
    ref_b = logreg.irls(X, y, C=C).b - 1e8 * float(np.sum(fit.w))
    assert abs(fit.b - ref_b) <= 1e-6 * 1e8 * np.abs(fit.w).sum()


def test_irls_norms_of_huge_weights_are_finite():
    """Inputs of 2^-530 have weights of about 2^530: ||w|| squares them (inf, with a mere
    RuntimeWarning) unless it is scaled."""
    X, y = _offset_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit = logreg.irls(np.ldexp(X, -530), y, C=np.inf)
    assert np.all(np.isfinite(fit.norms))
    # math.hypot is exact to an ulp and never overflows
    np.testing.assert_allclose(fit.norms[-1], math.hypot(*fit.w), rtol=1e-14)


@pytest.mark.parametrize("make", [
    lambda: logreg.LogisticRegression(max_iter=1),
    lambda: logreg.SoftmaxRegression(max_iter=1),
])
def test_failed_refit_leaves_estimator_unfitted(make):
    """After a failed fit the estimator kept the model of its previous fit."""
    X, y = _offset_data()
    model = make()
    model.max_iter = 100
    model.fit(X, y)
    model.max_iter = 1
    with pytest.raises(ConvergenceError):
        model.fit(X, y)
    assert not hasattr(model, "coef_")
    with pytest.raises(ValueError, match="not fitted"):
        model.predict(X)


def test_estimators_predict_without_intermediate_overflow():
    """x = (1e308, 1e308), w = (3, -2.5): the logit is 5e307, but 3e308 - 2.5e308 is inf - inf
    in float64; predict_proba returned NaN and predict the wrong class."""
    X, y = _offset_data()
    x = np.array([[1e308, 1e308]])
    model = logreg.LogisticRegression().fit(X[:, :2], y)
    model.coef_ = np.array([[3.0, -2.5]])
    model.intercept_ = np.array([0.0])
    np.testing.assert_allclose(model.decision_function(x), [5e307], rtol=1e-15)
    np.testing.assert_array_equal(model.predict_proba(x), [[0.0, 1.0]])
    assert model.predict(x)[0] == model.classes_[1]
    soft = logreg.SoftmaxRegression().fit(X[:, :2], y)
    soft.coef_ = np.array([[0.0, 0.0], [3.0, -2.5]])  # class 1's logit 5e307, class 0's 0
    soft.intercept_ = np.zeros(2)
    np.testing.assert_array_equal(soft.predict_proba(x), [[0.0, 1.0]])
    assert soft.predict(x)[0] == soft.classes_[1]


# ------------------------------------------------------------------ Gaussian class-conditionals
def _lda_data(seed: int, K: int, n: int = 300, d: int = 3):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n)
    means = rng.standard_normal((K, d)) * 1.5
    A = rng.standard_normal((d, d))
    return means[labels] + rng.standard_normal((n, d)) @ A.T, labels


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("K", [2, 3])
def test_lda_weights_give_sklearn_lda_posteriors(seed, K):
    """softmax(W^T x + b) with lda_weights' W, b is LinearDiscriminantAnalysis' posterior."""
    X, labels = _lda_data(seed, K)
    lda = LinearDiscriminantAnalysis(solver="lsqr", store_covariance=True).fit(X, labels)
    fit = logreg.lda_weights(lda.means_, lda.covariance_, lda.priors_)
    proba = logreg.softmax_predict_proba(fit.W, fit.b, X)
    np.testing.assert_allclose(proba, lda.predict_proba(X), rtol=0, atol=1e-10)


def test_lda_weights_binary_case_is_the_sigmoid_of_prml_4_2_1():
    """For two classes, w = Sigma^{-1}(mu_1 - mu_0) and
    b = -mu_1^T Sigma^{-1} mu_1 / 2 + mu_0^T Sigma^{-1} mu_0 / 2 + log(pi_1 / pi_0)
    (Bishop 2006, eqs. 4.66-4.67), computed here with np.linalg.solve; the sigmoid of that
    linear function is scikit-learn's LDA posterior of class 1."""
    X, labels = _lda_data(4, 2)
    lda = LinearDiscriminantAnalysis(solver="lsqr", store_covariance=True).fit(X, labels)
    mu0, mu1 = lda.means_
    Sigma, (pi0, pi1) = lda.covariance_, lda.priors_
    w = np.linalg.solve(Sigma, mu1 - mu0)
    b = (-0.5 * mu1 @ np.linalg.solve(Sigma, mu1) + 0.5 * mu0 @ np.linalg.solve(Sigma, mu0)
         + np.log(pi1 / pi0))
    fit = logreg.lda_weights(lda.means_, Sigma, lda.priors_)
    np.testing.assert_allclose(fit.W[:, 1] - fit.W[:, 0], w, rtol=1e-10)
    assert math.isclose(fit.b[1] - fit.b[0], b, rel_tol=1e-10, abs_tol=1e-12)
    np.testing.assert_allclose(expit(X @ w + b), lda.predict_proba(X)[:, 1], atol=1e-10)


@pytest.mark.parametrize("kwargs, text", [
    (dict(Sigma=[[1.0, 0.0], [0.0, -1.0]]), "positive definite"),
    (dict(Sigma=[[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (dict(priors=[0.7, 0.7]), "sum to 1"),
    (dict(priors=[1.0, 0.0]), "priors must be > 0"),
    (dict(priors=[1.0]), "priors must have shape"),
    (dict(means=[[0.0, 1.0]], priors=[1.0]), "at least 2 rows"),
    (dict(Sigma=np.eye(3)), "Sigma must have shape"),
])
def test_lda_weights_refuses_bad_input(kwargs, text):
    args = dict(means=[[0.0, 0.0], [1.0, 1.0]], Sigma=np.eye(2), priors=[0.5, 0.5]) | kwargs
    with pytest.raises(ValueError, match=text):
        logreg.lda_weights(**args)


# ------------------------------------------------------------------ L1 and elastic net
def _sparse_problem(seed: int, n: int = 150, d: int = 8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[:3] = rng.standard_normal(3) * 2
    y = (rng.random(n) < expit(X @ w + 0.4)).astype(float)
    return X, y


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("C, l1_ratio", [(0.05, 1.0), (0.5, 1.0), (0.1, 0.5), (1.0, 0.2)])
def test_fista_matches_sklearn_saga(seed, C, l1_ratio):
    """scikit-learn minimises C * sum(l_n) + l1_ratio |w|_1 + (1 - l1_ratio) |w|^2 / 2, our
    eq. (logreg-enet-obj) times C, without penalising the intercept; saga with tol=1e-12
    and a large budget is run to its tolerance. Objectives agree to 1e-9 (relative), the
    weights to 1e-5, and the zeros are the same."""
    X, y = _sparse_problem(seed)
    fit = logreg.fista(X, y, C=C, l1_ratio=l1_ratio, tol=1e-10, max_iter=50_000)
    assert fit.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a saga run that stops on its budget fails the test
        sk = SkLogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12,
                                  max_iter=200_000).fit(X, y)
    ours = logreg.elastic_net_objective(fit.w, fit.b, X, y, C=C, l1_ratio=l1_ratio)
    theirs = logreg.elastic_net_objective(sk.coef_[0], sk.intercept_[0], X, y, C=C,
                                          l1_ratio=l1_ratio)
    assert ours <= theirs * (1 + 1e-9)
    assert abs(ours - theirs) <= 1e-9 * theirs
    np.testing.assert_allclose(fit.w, sk.coef_[0], atol=1e-5)
    assert abs(fit.b - sk.intercept_[0]) <= 1e-5
    np.testing.assert_array_equal(fit.w == 0, np.abs(sk.coef_[0]) < 1e-8)


def test_fista_elastic_net_objective_is_sklearn_loss_plus_penalty_over_C():
    X, y = _sparse_problem(0)
    rng = np.random.default_rng(1)
    w, b, C, r = rng.standard_normal(X.shape[1]), 0.3, 0.7, 0.4
    nll = log_loss(y, expit(X @ w + b), normalize=False)
    expected = nll + (r * np.abs(w).sum() + (1 - r) * 0.5 * w @ w) / C
    assert math.isclose(logreg.elastic_net_objective(w, b, X, y, C=C, l1_ratio=r), expected,
                        rel_tol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fista_without_l1_is_the_ridge_fit_of_irls(fit_intercept):
    """l1_ratio = 0 leaves |w|^2 / (2C): the L2 problem that irls solves by Newton."""
    X, y = _sparse_problem(2)
    fit = logreg.fista(X, y, C=0.3, l1_ratio=0.0, fit_intercept=fit_intercept, tol=1e-11)
    newton = logreg.irls(X, y, C=0.3, fit_intercept=fit_intercept, tol=1e-12)
    np.testing.assert_allclose(fit.w, newton.w, atol=1e-7)
    if fit_intercept:
        assert abs(fit.b - newton.b) <= 1e-7
    else:
        assert fit.b is None


def test_fista_is_monotone_and_its_kkt_measure_is_the_subgradient_condition():
    X, y = _sparse_problem(1)
    C, r = 0.2, 0.8
    fit = logreg.fista(X, y, C=C, l1_ratio=r, tol=1e-10)
    assert np.all(np.diff(fit.history) <= 1e-12 * fit.history[0])
    # the KKT conditions, written out: g_j + lam1 sign(w_j) = 0 where w_j != 0,
    # |g_j| <= lam1 where w_j = 0, and a zero intercept derivative
    g = logreg.gradient(fit.w, fit.b, X, y) + np.append((1 - r) / C * fit.w, 0.0)
    lam1, nz = r / C, fit.w != 0
    assert np.all(np.abs(g[:-1][nz] + lam1 * np.sign(fit.w[nz])) <= 1e-10 * len(y))
    assert np.all(np.abs(g[:-1][~nz]) <= lam1 + 1e-10 * len(y))
    assert abs(g[-1]) <= 1e-10 * len(y)
    assert fit.kkt <= 1e-10 and np.any(~nz)  # and the penalty did zero some weights


def test_fista_out_of_budget_warns_and_is_not_converged():
    X, y = _sparse_problem(0)
    with pytest.warns(derivlib.ConvergenceWarning, match="max KKT violation"):
        fit = logreg.fista(X, y, C=0.5, tol=1e-14, max_iter=3)
    assert not fit.converged and fit.n_iter == 3 and fit.kkt > 1e-14


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(C=np.inf), ValueError, "C must be finite"),
    (dict(C=0.0), ValueError, "C must be > 0"),
    (dict(l1_ratio=1.5), ValueError, "l1_ratio must be in"),
    (dict(l1_ratio="0.5"), TypeError, "l1_ratio"),
    (dict(fit_intercept=1), TypeError, "fit_intercept"),
])
def test_fista_refuses_bad_options(kwargs, error, text):
    X, y = _sparse_problem(0)
    with pytest.raises(error, match=text):
        logreg.fista(X, y, **kwargs)


# ------------------------------------------------------------------ Laplace approximation
def test_laplace_posterior_with_isotropic_prior_is_the_l2_fit_and_its_inverse_hessian():
    """Prior N(0, C I) is the penalty |w|^2 / (2C): w_MAP is irls' weights (no intercept),
    and S_N is the inverse of X^T S X + I / C (eq. logreg-laplace), inverted with numpy."""
    X, y = _binary_data(0, n=80, d=3)
    C = 2.0
    post = logreg.laplace_posterior(X, y, C * np.eye(3))
    newton = logreg.irls(X, y, C=C, fit_intercept=False, tol=1e-12)
    np.testing.assert_allclose(post.w, newton.w, rtol=1e-8)
    p = expit(X @ post.w)
    H = X.T @ np.diag(p * (1 - p)) @ X + np.eye(3) / C
    np.testing.assert_allclose(post.S, np.linalg.inv(H), rtol=1e-10)


def test_laplace_posterior_with_a_general_gaussian_prior_minimises_the_map_objective():
    X, y = _binary_data(1, n=60, d=2)
    rng = np.random.default_rng(3)
    A = rng.standard_normal((2, 2))
    S0, m0 = A @ A.T + 0.5 * np.eye(2), np.array([0.5, -1.0])

    def energy(w):
        z = X @ w
        return np.sum(np.logaddexp(0, z) - y * z) + 0.5 * (w - m0) @ np.linalg.solve(S0, w - m0)

    reference = optimize.minimize(energy, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    post = logreg.laplace_posterior(X, y, S0, m0=m0)
    assert post.converged
    np.testing.assert_allclose(post.w, reference.x, atol=1e-6)
    # S_N^{-1} by central differences of the objective's gradient
    grad = optimize.approx_fprime
    H_fd = _central_diff(lambda w: grad(w, energy, 1e-6), post.w, h=1e-4)
    np.testing.assert_allclose(np.linalg.inv(post.S), 0.5 * (H_fd + H_fd.T), rtol=1e-3)


def _exact_predictive(mu, s):
    """int sigma(a) N(a | mu, s^2) da by adaptive quadrature (the integral of eq. logreg-probit)."""
    return integrate.quad(lambda a: expit(a) * stats.norm.pdf(a, mu, s), mu - 12 * s,
                          mu + 12 * s, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def test_predictive_probit_is_close_to_the_exact_integral():
    """The probit approximation's error is about 0.012 at most over this grid (the largest
    error, at mu = 6, s = 4, was measured with quadrature; 0.015 leaves room), is exact at
    mu = 0 (both are 1/2 by symmetry) and for s = 0."""
    worst = 0.0
    for mu in np.linspace(-6, 6, 13):
        for s in [0.25, 1.0, 2.0, 4.0, 8.0]:
            approx = logreg.predictive_probit([mu], [[s * s]], [[1.0]])[0]
            worst = max(worst, abs(approx - _exact_predictive(mu, s)))
            if mu == 0:
                assert approx == 0.5
    assert 0.005 < worst < 0.015
    assert logreg.predictive_probit([1.3], [[0.0]], [[2.0]])[0] == expit(2.6)


def test_predictive_probit_uses_x_transpose_s_x():
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((5, 3)), rng.standard_normal(3)
    A = rng.standard_normal((3, 3))
    S = A @ A.T
    s2 = np.array([x @ S @ x for x in X])
    expected = expit(X @ w / np.sqrt(1 + np.pi * s2 / 8))
    np.testing.assert_allclose(logreg.predictive_probit(w, S, X), expected, rtol=1e-13)


@pytest.mark.parametrize("call, text", [
    (lambda: logreg.laplace_posterior([[1.0], [2.0]], [0, 1], [[-1.0]]), "positive definite"),
    (lambda: logreg.laplace_posterior([[1.0], [2.0]], [0, 1], [[1.0]], m0=[0.0, 1.0]),
     "m0 must have shape"),
    (lambda: logreg.laplace_posterior([[1.0], [2.0]], [0, 2], [[1.0]]), "y must contain"),
    (lambda: logreg.predictive_probit([1.0], [[1.0, 0.0], [0.0, 1.0]], [[1.0]]),
     "S must have shape"),
    (lambda: logreg.predictive_probit([1.0], [[-1.0]], [[1.0]]), "positive semi-definite"),
])
def test_laplace_and_probit_refuse_bad_input(call, text):
    with pytest.raises(ValueError, match=text):
        call()


# ------------------------------------------------------------------ Wald standard errors
def test_wald_standard_errors_match_statsmodels_on_spector():
    """statsmodels' Logit on its bundled Spector-Mazzeo data (32 students, GPA, TUCE, PSI):
    the same MLE and standard errors (statsmodels puts the constant first)."""
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog.to_numpy(float), data.endog.to_numpy(float)
    res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    fit = logreg.irls(X, y, C=np.inf, tol=1e-12)
    se = logreg.wald_standard_errors(fit.w, fit.b, X)
    np.testing.assert_allclose(np.append(fit.w, fit.b), np.roll(res.params, -1), rtol=1e-8)
    np.testing.assert_allclose(se, np.roll(res.bse, -1), rtol=1e-7)


def test_wald_standard_errors_agree_with_the_bootstrap():
    """The nonparametric bootstrap (B = 500 resamples of 400 rows, seed 0) estimates the
    same spread: its standard error has a relative error of about 1/sqrt(2B) = 3%, and the
    Wald formula is itself asymptotic, so 15% is the tolerance."""
    rng = np.random.default_rng(0)
    n = 400
    X = rng.standard_normal((n, 2))
    y = (rng.random(n) < expit(X @ np.array([1.0, -0.5]) + 0.2)).astype(float)
    fit = logreg.irls(X, y, C=np.inf, tol=1e-10)
    se = logreg.wald_standard_errors(fit.w, fit.b, X)
    boot = []
    for _ in range(500):
        idx = rng.integers(0, n, n)
        b_fit = logreg.irls(X[idx], y[idx], C=np.inf, tol=1e-10)
        boot.append(np.append(b_fit.w, b_fit.b))
    np.testing.assert_allclose(np.std(boot, axis=0, ddof=1), se, rtol=0.15)


def test_wald_standard_errors_are_the_root_diagonal_of_the_inverse_hessian():
    X, y = _binary_data(2)
    fit = logreg.irls(X, y, C=np.inf, tol=1e-12)
    p = expit(X @ fit.w + fit.b)
    Xt = np.column_stack([X, np.ones(len(X))])
    cov = np.linalg.inv(Xt.T @ (Xt * (p * (1 - p))[:, None]))
    np.testing.assert_allclose(logreg.wald_standard_errors(fit.w, fit.b, X),
                               np.sqrt(np.diag(cov)), rtol=1e-10)
    se_no_b = logreg.wald_standard_errors(fit.w, None, X)
    assert se_no_b.shape == (X.shape[1],)


def test_wald_standard_errors_refuse_a_singular_hessian():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # collinear columns
    with pytest.raises(ValueError, match="not positive definite"):
        logreg.wald_standard_errors([0.1, 0.2], None, X)
