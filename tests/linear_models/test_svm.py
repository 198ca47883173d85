"""Tests of derivlib.linear_models.svm (chapter ``chapters/linear_models/svm.ipynb``).

The solver is compared with scikit-learn's ``SVC`` (LIBSVM) on the same data, C, kernel and
kernel parameters, both run to a KKT tolerance of 1e-6: dual objective (eq. svm-dual), the
set of support vectors, the dual coefficients and the decision function. The kernels are
compared with ``sklearn.metrics.pairwise``. The pieces of SMO are checked against brute
force: the two-variable update (eqs. svm-smo-step, svm-smo-clip) against a bounded scalar
maximisation of the restricted dual, the working-set choice (eq. svm-wss2) against the exact
gain of every pair. Invariants: the dual never decreases, the KKT conditions (eq. svm-kkt)
hold to the tolerance, weak duality P >= D for every feasible alpha (hypothesis) and a
vanishing duality gap at the solution (the hinge-loss view, eq. svm-primal-hinge). Every
public function validates its input (array-likes converted, lengths, labels in {-1, +1},
finite positive C, finite b, a symmetric precomputed kernel); each error is triggered once.

Support vector regression (``svm.SVR``, ``svm.svr``) is compared with scikit-learn's ``SVR``
(LIBSVM's epsilon-SVR) at a tight tolerance, and its dual (eq. svm-svr-dual) with a generic
QP solver (SciPy's SLSQP) on small problems; multiclass ``svm.SVC`` (one-versus-one) with
``SVC(decision_function_shape="ovo")`` on iris and wine, and its vote with LIBSVM's rule on
hand-made decision values.
"""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from sklearn import svm as sk_svm
from sklearn.datasets import make_classification, make_moons
from sklearn.metrics import pairwise

from derivlib._convergence import ConvergenceError, ConvergenceWarning, NumericalError
from derivlib.linear_models import svm

TOL = 1e-6


def _data(seed, n=150, d=4):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=3, n_redundant=0,
                               flip_y=0.1, random_state=seed)
    return X, y


def _sklearn_alpha(clf, n):
    alpha = np.zeros(n)
    alpha[clf.support_] = np.abs(clf.dual_coef_[0])
    return alpha


# --------------------------------------------------------------------------- docstrings
def test_docstring_examples_all_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    n_examples = 0
    for test in finder.find(svm):
        n_examples += len(test.examples)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert n_examples == result.attempted == 14


# --------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_match_sklearn_pairwise(seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(30, 5)), rng.normal(size=(20, 5))
    gamma = float(rng.uniform(0.05, 2.0))
    np.testing.assert_allclose(svm.rbf_kernel(X, Y, gamma=gamma),
                               pairwise.rbf_kernel(X, Y, gamma=gamma), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(svm.rbf_kernel(X, gamma=gamma),
                               pairwise.rbf_kernel(X, gamma=gamma), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        svm.polynomial_kernel(X, Y, degree=3, gamma=gamma, coef0=0.5),
        pairwise.polynomial_kernel(X, Y, degree=3, gamma=gamma, coef0=0.5), rtol=1e-12)
    np.testing.assert_allclose(svm.linear_kernel(X, Y), pairwise.linear_kernel(X, Y),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 40), gamma=st.floats(0.01, 5.0))
def test_kernel_matrices_are_positive_semidefinite(kernel, seed, n, gamma):
    X = np.random.default_rng(seed).normal(size=(n, 3))
    K = svm.kernel_matrix(X, kernel=kernel, gamma=gamma, degree=2, coef0=1.0)
    np.testing.assert_allclose(K, K.T, rtol=1e-12, atol=1e-12)
    eig = np.linalg.eigvalsh(K)
    assert eig.min() >= -1e-9 * max(1.0, eig.max())


def test_rbf_kernel_diagonal_is_exactly_one_and_entries_in_unit_interval():
    X = np.random.default_rng(0).normal(size=(50, 3)) * 100
    K = svm.rbf_kernel(X, gamma=0.3)
    assert np.all(np.diag(K) == 1.0)
    assert np.all((K >= 0) & (K <= 1))


# --------------------------------------------------------------------------- the solver vs SVC
CASES = [
    ("rbf", {"gamma": 0.5}, 0.1), ("rbf", {"gamma": 0.5}, 1.0), ("rbf", {"gamma": 2.0}, 10.0),
    ("poly", {"gamma": 0.3, "degree": 3, "coef0": 1.0}, 0.1),
    ("poly", {"gamma": 0.3, "degree": 2, "coef0": 1.0}, 1.0),
    ("linear", {}, 0.1), ("linear", {}, 1.0),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("kernel", "params", "C"), CASES)
def test_smo_matches_libsvm(kernel, params, C, seed):
    X, y = _data(seed)
    ref = sk_svm.SVC(C=C, kernel=kernel, tol=TOL, **params).fit(X, y)
    ours = svm.SVC(C=C, kernel=kernel, tol=TOL, **params).fit(X, y)
    assert ours.converged_ and ours.kkt_gap_ <= TOL
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    # the same support vectors, with the same coefficients alpha_n y_n
    np.testing.assert_array_equal(ours.support_, np.sort(ref.support_))
    order = np.argsort(ref.support_)
    np.testing.assert_allclose(ours.dual_coef_[0], ref.dual_coef_[0][order], atol=1e-3)
    # the dual objective, eq. (svm-dual), of both solutions
    K = svm.kernel_matrix(X, kernel=kernel, **({"gamma": 1.0} | params))
    y_pm = np.where(y == ref.classes_[1], 1.0, -1.0)
    d_ref = svm.dual_objective(_sklearn_alpha(ref, len(y)), y_pm, K)
    assert ours.dual_objective_ == pytest.approx(d_ref, rel=1e-4)
    assert svm.dual_objective(ours.alpha_, y_pm, K) == pytest.approx(ours.dual_objective_,
                                                                    rel=1e-10)
    # the decision function, on the data and on new points
    X_new = np.random.default_rng(seed).normal(size=(40, X.shape[1])) * X.std(0)
    for Z in (X, X_new):
        np.testing.assert_allclose(ours.decision_function(Z), ref.decision_function(Z),
                                   atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X_new), ref.predict(X_new))


def test_smo_matches_libsvm_on_moons_with_default_gamma_and_string_labels():
    X, y01 = make_moons(n_samples=200, noise=0.2, random_state=0)
    y = np.array(["blue", "red"])[y01]
    ref = sk_svm.SVC(C=3.0, tol=TOL).fit(X, y)
    ours = svm.SVC(C=3.0, tol=TOL).fit(X, y)
    assert ours.gamma_ == pytest.approx(ref._gamma, rel=1e-12)
    np.testing.assert_array_equal(ours.support_, np.sort(ref.support_))
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert set(ours.predict(X)) <= {"blue", "red"}


def test_kernel_column_cache_gives_the_same_solution():
    X, y = _data(5, n=120)
    y_pm = 2.0 * y - 1
    full = svm.smo(X, y_pm, 1.0, gamma=0.5, tol=TOL)
    # a cache of two columns forces recomputation; the answer must not change
    cached = svm.smo(X, y_pm, 1.0, gamma=0.5, tol=TOL, precompute_limit=0, cache_mb=1e-6)
    np.testing.assert_allclose(cached.alpha, full.alpha, rtol=0, atol=1e-12)
    assert cached.b == pytest.approx(full.b, abs=1e-12)
    assert cached.n_iter == full.n_iter


def test_precomputed_kernel_gives_the_same_solution():
    X, y = _data(6, n=100)
    y_pm = 2.0 * y - 1
    K = svm.rbf_kernel(X, gamma=0.7)
    a = svm.smo(X, y_pm, 2.0, gamma=0.7, tol=TOL)
    b = svm.smo(K, y_pm, 2.0, kernel="precomputed", tol=TOL)
    np.testing.assert_array_equal(a.alpha, b.alpha)


# --------------------------------------------------------------------------- invariants
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_kkt_conditions_hold_at_the_solution(seed):
    X, y = _data(seed)
    y_pm = 2.0 * y - 1
    C = [0.1, 1.0, 10.0, 100.0][seed]
    res = svm.smo(X, y_pm, C, gamma=0.5, tol=TOL)
    K = svm.rbf_kernel(X, gamma=0.5)
    assert res.converged and res.gap <= TOL
    # feasibility: the box and the equality constraint
    assert np.all((res.alpha >= 0) & (res.alpha <= C))
    assert abs(res.alpha @ y_pm) <= 1e-10 * max(1.0, C * len(y))
    # complementary slackness, eq. (svm-kkt-cases), to the stopping tolerance
    assert svm.kkt_violations(res.alpha, res.b, y_pm, K, C).max() <= TOL
    # the maintained gradient is the true one
    np.testing.assert_allclose(res.F, K @ (res.alpha * y_pm) - y_pm, atol=1e-9)
    assert svm.kkt_gap(res.alpha, y_pm, res.F, C) == pytest.approx(res.gap, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dual_never_decreases_and_its_record_is_exact(seed):
    X, y = _data(seed)
    y_pm = 2.0 * y - 1
    res = svm.smo(X, y_pm, 1.0, kernel="poly", gamma=0.3, degree=3, coef0=1.0, tol=TOL)
    K = svm.polynomial_kernel(X, degree=3, gamma=0.3, coef0=1.0)
    assert res.dual[0] == 0.0 and len(res.dual) == res.n_iter + 1
    assert np.all(np.diff(res.dual) >= -1e-12)
    assert res.dual[-1] == pytest.approx(svm.dual_objective(res.alpha, y_pm, K), rel=1e-9)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_duality_gap_vanishes_hinge_loss_view(kernel):
    X, y = _data(3)
    y_pm = 2.0 * y - 1
    C = 0.5
    res = svm.smo(X, y_pm, C, kernel=kernel, gamma=0.5, tol=1e-8)
    K = svm.kernel_matrix(X, kernel=kernel, gamma=0.5)
    P = svm.primal_objective(res.alpha, res.b, y_pm, K, C)
    D = svm.dual_objective(res.alpha, y_pm, K)
    assert P >= D - 1e-9
    assert P - D <= 1e-6 * abs(D)
    if kernel == "linear":  # w = sum_n alpha_n y_n x_n and the primal by hand
        w = X.T @ (res.alpha * y_pm)
        by_hand = 0.5 * w @ w + C * np.maximum(0, 1 - y_pm * (X @ w + res.b)).sum()
        assert P == pytest.approx(by_hand, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), C=st.floats(0.01, 10.0), b=st.floats(-3.0, 3.0))
def test_weak_duality_for_every_feasible_alpha(seed, C, b):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 30))
    X = rng.normal(size=(n, 2))
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    alpha = rng.uniform(0, C, size=n)
    # make sum alpha_n y_n = 0 by shrinking the heavier class
    pos, neg = alpha[y > 0].sum(), alpha[y < 0].sum()
    if pos > neg:
        alpha[y > 0] *= neg / pos
    else:
        alpha[y < 0] *= pos / neg
    K = svm.rbf_kernel(X, gamma=1.0)
    assert svm.primal_objective(alpha, b, y, K, C) >= svm.dual_objective(alpha, y, K) - 1e-9


# --------------------------------------------------------------------------- SMO pieces
def _restricted_dual(alpha, y, K, i, j):
    """The dual along the line y_i a_i + y_j a_j = const, as a function of a_j."""
    zeta = y[i] * alpha[i] + y[j] * alpha[j]

    def D(a_j):
        a = alpha.copy()
        a[j] = a_j
        a[i] = y[i] * (zeta - y[j] * a_j)
        return svm.dual_objective(a, y, K)

    return D


@pytest.mark.parametrize("seed", range(12))
def test_two_variable_update_is_the_clipped_maximiser(seed):
    rng = np.random.default_rng(seed)
    n, C = 6, float(rng.uniform(0.5, 3.0))
    X = rng.normal(size=(n, 2))
    y = rng.choice([-1.0, 1.0], size=n)
    K = svm.rbf_kernel(X, gamma=0.8)
    alpha = rng.uniform(0, C, size=n)
    alpha[rng.random(n) < 0.3] = 0.0
    i, j = 0, 1
    E = K @ (alpha * y) - y  # f(x) - y without the bias (it cancels)
    ai, aj = svm.two_variable_update(alpha[i], alpha[j], y[i], y[j], E[i], E[j],
                                     K[i, i], K[j, j], K[i, j], C)
    # feasible: in the box and on the line
    assert 0.0 <= ai <= C and 0.0 <= aj <= C
    assert y[i] * ai + y[j] * aj == pytest.approx(y[i] * alpha[i] + y[j] * alpha[j], abs=1e-12)
    # the maximiser of the restricted dual over the feasible segment, by brute force
    if y[i] != y[j]:
        L, H = max(0, alpha[j] - alpha[i]), min(C, C + alpha[j] - alpha[i])
    else:
        L, H = max(0, alpha[i] + alpha[j] - C), min(C, alpha[i] + alpha[j])
    D = _restricted_dual(alpha, y, K, i, j)
    best = optimize.minimize_scalar(lambda a: -D(a), bounds=(L, H), method="bounded",
                                    options={"xatol": 1e-12})
    assert D(aj) >= -best.fun - 1e-10
    assert aj == pytest.approx(best.x, abs=1e-5)


def test_two_variable_update_clips_to_the_box():
    # an unconstrained step far outside [L, H] = [0, C] lands on H
    ai, aj = svm.two_variable_update(0.0, 0.0, 1.0, -1.0, -100.0, 100.0, 1.0, 1.0, 0.0, C=1.0)
    assert (ai, aj) == (1.0, 1.0)
    # same labels: alpha_i + alpha_j is kept, alpha_j in [max(0, s - C), min(C, s)]
    ai, aj = svm.two_variable_update(0.8, 0.6, 1.0, 1.0, 50.0, -50.0, 1.0, 1.0, 0.0, C=1.0)
    assert (ai, aj) == pytest.approx((0.4, 1.0))


@pytest.mark.parametrize("select", [svm.select_working_set, svm.textbook_select_working_set])
@pytest.mark.parametrize("seed", range(6))
def test_wss2_picks_the_pair_with_the_largest_unclipped_gain(seed, select):
    rng = np.random.default_rng(seed)
    n, C = 12, 1.0
    X = rng.normal(size=(n, 2))
    y = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    K = svm.rbf_kernel(X, gamma=0.5)
    alpha = rng.choice([0.0, 0.3, 1.0], size=n)
    F = K @ (alpha * y) - y
    up = np.where(y > 0, alpha < C, alpha > 0)
    low = np.where(y > 0, alpha > 0, alpha < C)
    i, j, gap, _ = select(F, up, low, np.diag(K).copy(), lambda t: K[t])
    assert i == np.flatnonzero(up)[np.argmin(F[up])]
    assert gap == pytest.approx(F[low].max() - F[up].min())
    assert gap == pytest.approx(svm.kkt_gap(alpha, y, F, C))
    # brute force: the dual gain of the unclipped step along d_i = y_i, d_j = -y_j
    gains = {}
    for t in np.flatnonzero(low):
        b_it = F[t] - F[i]
        if b_it > 0:
            a_it = K[i, i] + K[t, t] - 2 * K[i, t]
            step = b_it / a_it
            d = np.zeros(n)
            d[i], d[t] = y[i] * step, -y[t] * step
            gains[t] = svm.dual_objective(alpha + d, y, K) - svm.dual_objective(alpha, y, K)
    assert j == max(gains, key=gains.get)



# --------------------------------------------------------------------------- textbook WSS2
# textbook_select_working_set is eq. (svm-wss2) as a loop over the candidates t; the fast
# select_working_set computes every ratio at once in one reused buffer. They must pick the
# same pair, or, where two candidates tie exactly, pairs of the same value: the same F_i and
# the same ratio (F_j - F_i)^2 / max(a_ij, tau), computed here from K.
def _wss_state(seed: int):
    """A random state of SMO's selection: F, the masks, the kernel. Every fourth state has
    equal points (a_it = 0), near-equal ones (0 < a_it < tau) and F on a coarse grid (exact
    ties); every fourth an indefinite symmetric 'kernel' (a_it < 0)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    X = rng.normal(size=(n, 2))
    F = rng.normal(size=n)
    if seed % 4 == 1:
        X[rng.integers(0, n, n // 3)] = X[0]  # equal points
        X[-1] = X[0] + 1e-8  # a near-equal point: a_it about 1e-16, below tau
        F = np.round(F * 2) / 2  # F on a grid of 1/2: ties in i and in the ratios
    K = svm.rbf_kernel(X, gamma=float(rng.uniform(0.1, 2.0)))
    if seed % 4 == 3:
        K = rng.normal(size=(n, n))
        K = K + K.T  # symmetric, not positive semi-definite
    while True:
        up, low = rng.random(n) < rng.uniform(0.2, 0.9), rng.random(n) < rng.uniform(0.2, 0.9)
        if up.any() and low.any():
            return F, up, low, np.diag(K).copy(), K


def _ratio(F, K, i, j):
    return (F[j] - F[i]) ** 2 / max(K[i, i] + K[j, j] - 2 * K[i, j], svm.TAU)


def _assert_same_choice(plain, fast, F, K):
    """Same pair, or an exact tie of the same value; returns True at a tie."""
    assert plain.gap == fast.gap
    if (plain.i, plain.j) == (fast.i, fast.j):
        np.testing.assert_array_equal(plain.column, fast.column)
        return False
    assert F[plain.i] == F[fast.i]  # both the smallest F over I_up
    assert (plain.j < 0) == (fast.j < 0)
    if plain.j >= 0:
        assert _ratio(F, K, plain.i, plain.j) == _ratio(F, K, fast.i, fast.j)
    return True


def test_textbook_select_working_set_agrees_on_random_states():
    counts = dict(no_j=0, tied_i=0, tied_ratios=0, indefinite=0, below_tau=0)
    for seed in range(600):
        F, up, low, diag, K = _wss_state(seed)
        plain = svm.textbook_select_working_set(F, up, low, diag, lambda t, K=K: K[:, t])
        fast = svm.select_working_set(F, up, low, diag, lambda t, K=K: K[:, t])
        _assert_same_choice(plain, fast, F, K)
        i, j = fast.i, fast.j
        a = K[i, i] + np.diag(K) - 2 * K[i]  # a_it for every t
        cands = np.flatnonzero(low & (F > F[i]))
        counts["no_j"] += j < 0
        counts["tied_i"] += np.sum(F[up] == F[i]) > 1
        counts["tied_ratios"] += j >= 0 and sum(_ratio(F, K, i, t) == _ratio(F, K, i, j)
                                                for t in cands) > 1
        counts["indefinite"] += np.any(a[cands] < 0)
        counts["below_tau"] += np.any((a[cands] > 0) & (a[cands] < svm.TAU))
    # the states cover what the selection must get right: no j, ties, a_it < 0 and
    # 0 < a_it < tau among the candidates (measured: 14, 50, 11, 131, 26 of 600 states)
    assert counts["no_j"] >= 5 and counts["tied_i"] >= 20 and counts["tied_ratios"] >= 5, counts
    assert counts["indefinite"] >= 50 and counts["below_tau"] >= 10, counts


@pytest.mark.parametrize(("kernel", "C"), [("rbf", 1.0), ("linear", 10.0), ("poly", 100.0)])
def test_textbook_select_working_set_agrees_along_smo_runs(kernel, C, monkeypatch):
    # every selection of whole SMO runs, made by both functions on the solver's own states
    fast_select = svm.select_working_set
    calls = []

    def both(F, up, low, diag, column, *, check_input=True):
        fast = fast_select(F, up, low, diag, column, check_input=check_input)
        plain = svm.textbook_select_working_set(F, up, low, diag, column,
                                                check_input=check_input)
        K = np.column_stack([column(t) for t in range(len(F))])
        calls.append(_assert_same_choice(plain, fast, F, K))
        return fast

    monkeypatch.setattr(svm, "select_working_set", both)
    X, y = _data(3, n=60)
    res = svm.smo(X, 2.0 * y - 1, C, kernel=kernel, gamma=0.5, degree=2, coef0=1.0, tol=1e-6)
    assert res.converged and len(calls) >= 50, len(calls)  # cannot pass vacuously


def test_bias_from_free_support_vectors():
    X, y = _data(0)
    y_pm = 2.0 * y - 1
    res = svm.smo(X, y_pm, 1.0, gamma=0.5, tol=1e-9)
    K = svm.rbf_kernel(X, gamma=0.5)
    free = (res.alpha > 0) & (res.alpha < 1.0)
    assert free.any()
    # each free vector alone gives b = y_n - sum_m alpha_m y_m K_nm, eq. (svm-bias)
    each = y_pm[free] - K[free] @ (res.alpha * y_pm)
    np.testing.assert_allclose(each, res.b, atol=1e-8)


def test_bias_without_free_vectors_is_the_midpoint():
    y = np.array([1.0, 1.0, -1.0, -1.0])
    alpha = np.array([0.0, 1.0, 1.0, 0.0])
    F = np.array([0.5, -0.2, 0.1, -0.4])
    # I_up: y=+1 and alpha<C -> 0; y=-1 and alpha>0 -> 2;  I_low: 1 (y=+1, alpha>0), 3
    assert svm.bias(alpha, y, F, 1.0) == pytest.approx(-(min(0.5, 0.1) + max(-0.2, -0.4)) / 2)


def test_max_iter_warns_and_reports_not_converged():
    X, y = _data(0)
    y_pm = 2.0 * y - 1
    # the shared ConvergenceWarning (not a RuntimeWarning), with the gap and advice
    with pytest.warns(ConvergenceWarning, match=r"SMO did not converge: KKT gap = .* > tol = "
                                                r"0.001 after 5 iteration\(s\) of max_iter=5; "
                                                r"raise max_iter, lower C, or scale X"):
        res = svm.smo(X, y_pm, 1.0, gamma=0.5, max_iter=5)
    assert not res.converged and res.n_iter == 5 and res.gap > 1e-3
    # the reported gap is that of the returned alpha (gradient recomputed from scratch)
    K = svm.rbf_kernel(X, gamma=0.5)
    assert res.gap == pytest.approx(svm.kkt_gap(res.alpha, y_pm, K @ (res.alpha * y_pm) - y_pm,
                                                1.0), abs=1e-12)


# --------------------------------------------------------------------------- estimator API
def test_estimator_api():
    X, y = _data(1, n=60)
    clf = svm.SVC(C=1.0, gamma=0.5)
    assert clf.fit(X, y) is clf
    learned = ["alpha_", "classes_", "support_", "support_vectors_", "dual_coef_",
               "intercept_", "gamma_", "dual_objective_", "kkt_gap_", "n_iter_",
               "converged_", "dual_history_"]
    for name in learned:
        assert hasattr(clf, name), name
    assert clf.dual_coef_.shape == (1, len(clf.support_))
    assert clf.intercept_.shape == (1,)
    assert clf.decision_function(X[:7]).shape == (7,)
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert np.mean(clf.predict(X) == y) > 0.7


# --------------------------------------------------------------------------- validation
X_OK = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
Y_OK = np.array([0, 1, 1, 0])


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (X_OK, Y_OK[:3], {}, "X and y must have the same length"),
        (X_OK, np.array([1, 1, 1, 1]), {}, "at least two classes, got 1"),
        (X_OK, Y_OK, {"C": 0.0}, "C must be > 0"),
        (X_OK, Y_OK, {"C": -1.0}, "C must be > 0"),
        (X_OK, Y_OK, {"gamma": 0.0}, "gamma must be > 0"),
        (X_OK, Y_OK, {"gamma": -2.0}, "gamma must be > 0"),
        (np.where(X_OK == 1, np.nan, X_OK), Y_OK, {}, "X must be finite"),
        (np.where(X_OK == 1, np.inf, X_OK), Y_OK, {}, "X must be finite"),
        (X_OK[:, 0], Y_OK, {}, "X must be 2-D"),
        (X_OK, Y_OK, {"kernel": "sigmoid"}, "kernel must be"),
        (X_OK, Y_OK, {"gamma": "wide"}, "gamma must be 'scale'"),
    ],
)
def test_estimator_rejects_bad_input(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        svm.SVC(**kwargs).fit(X, y)


def test_function_validation():
    K = np.eye(4)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    with pytest.raises(ValueError, match="y must contain only -1 and \\+1"):
        svm.smo(K, np.array([0.0, 1.0, 0.0, 1.0]), kernel="precomputed")
    with pytest.raises(ValueError, match="both classes"):
        svm.smo(K, np.ones(4), kernel="precomputed")
    with pytest.raises(ValueError, match="precomputed kernel must have shape"):
        svm.smo(np.ones((4, 3)), y, kernel="precomputed")
    with pytest.raises(ValueError, match="tol must be > 0"):
        svm.smo(K, y, kernel="precomputed", tol=0.0)
    with pytest.raises(ValueError, match="Y must have the same number of features"):
        svm.rbf_kernel(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="gamma must be > 0"):
        svm.rbf_kernel(np.ones((2, 3)), gamma=-1.0)
    with pytest.raises(ValueError, match="K must have shape"):
        svm.dual_objective(np.ones(4), y, np.eye(3))
    with pytest.raises(ValueError, match="not fitted"):
        svm.SVC().decision_function(X_OK)
    clf = svm.SVC().fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="must have 2 features"):
        clf.predict(np.ones((3, 5)))


# --------------------------------------------------------------------------- helpers' validation
Y_PM = np.array([1.0, -1.0, 1.0, -1.0])
ALPHA = np.array([0.0, 0.5, 0.5, 1.0])
F_OK = np.array([-1.0, 0.2, -0.3, 0.8])


def test_helpers_accept_lists_and_give_the_same_result():
    K = svm.rbf_kernel(X_OK)
    for f, args in [(svm.kkt_gap, (ALPHA, Y_PM, F_OK, 1.0)), (svm.bias, (ALPHA, Y_PM, F_OK, 1.0)),
                    (svm.kkt_violations, (ALPHA, 0.1, Y_PM, K, 1.0)),
                    (svm.dual_objective, (ALPHA, Y_PM, K)),
                    (svm.primal_objective, (ALPHA, 0.1, Y_PM, K, 1.0))]:
        as_lists = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
        np.testing.assert_array_equal(f(*as_lists), f(*args))
    up, low = np.array([True, True, True, False]), np.array([False, True, True, True])
    column = svm.rbf_kernel(X_OK).__getitem__
    for select in (svm.select_working_set, svm.textbook_select_working_set):
        expected = select(F_OK, up, low, np.ones(4), column)
        got = select(F_OK.tolist(), up.tolist(), low.tolist(), [1.0] * 4, column)
        assert got[:3] == expected[:3]


@pytest.mark.parametrize("f", [svm.kkt_gap, svm.bias])
@pytest.mark.parametrize(("args", "error", "match"), [
    ((ALPHA, Y_PM, F_OK[:3], 1.0), ValueError,
     "alpha and F must have the same length, got 4 and 3"),
    ((ALPHA[:3], Y_PM, F_OK, 1.0), ValueError,
     "alpha and y must have the same length, got 3 and 4"),
    ((ALPHA, Y_PM, F_OK, -1.0), ValueError, "C must be > 0, got -1.0"),
    ((ALPHA, Y_PM, F_OK, 0.0), ValueError, "C must be > 0, got 0.0"),
    ((ALPHA, Y_PM, F_OK, np.inf), ValueError, "C must be finite, got inf"),
    ((ALPHA, Y_PM, F_OK, "1"), TypeError, "C must be a real number, got '1'"),
    ((ALPHA, np.array([1.0, 0.0, 1.0, -1.0]), F_OK, 1.0), ValueError,
     r"y must contain only -1 and \+1, got values \[-1.  0.  1.\]"),
    ((ALPHA, Y_PM, np.array([0.0, np.nan, 0.0, 0.0]), 1.0), ValueError, "F must be finite"),
    ((np.ones((4, 1)), Y_PM, F_OK, 1.0), ValueError, "alpha must be 1-D"),
])
def test_kkt_gap_and_bias_reject_bad_input(f, args, error, match):
    with pytest.raises(error, match=match):
        f(*args)


def test_bias_with_a_bad_c_no_longer_returns_inf():
    # C = -1 used to make every alpha "bounded" and return b = inf
    with pytest.raises(ValueError, match="C must be > 0, got -1"):
        svm.bias(ALPHA, Y_PM, F_OK, -1)


@pytest.mark.parametrize(("f", "args", "match"), [
    (svm.kkt_violations, (ALPHA, np.nan, Y_PM, np.eye(4), 1.0), "b must be finite"),
    (svm.kkt_violations, (ALPHA, [0.1, 0.2], Y_PM, np.eye(4), 1.0), "b must be 0-D"),
    (svm.kkt_violations, (ALPHA, 0.0, Y_PM * 2, np.eye(4), 1.0), r"y must contain only -1 and \+1"),
    (svm.kkt_violations, (ALPHA, 0.0, Y_PM, np.eye(4), np.nan), "C must be finite"),
    (svm.primal_objective, (ALPHA, np.inf, Y_PM, np.eye(4), 1.0), "b must be finite"),
    (svm.primal_objective, (ALPHA, 0.0, Y_PM, np.eye(4), -2.0), "C must be > 0, got -2.0"),
    (svm.primal_objective, (ALPHA, 0.0, np.zeros(4), np.eye(4), 1.0),
     r"y must contain only -1 and \+1, got values \[0.\]"),
    (svm.dual_objective, (ALPHA, np.array([1.0, -1.0, 2.0, -1.0]), np.eye(4)),
     r"y must contain only -1 and \+1"),
    (svm.dual_objective, (ALPHA, Y_PM[:3], np.eye(4)), "alpha and y must have the same length"),
])
def test_objectives_and_kkt_violations_reject_bad_input(f, args, match):
    with pytest.raises(ValueError, match=match):
        f(*args)


UPDATE = {"alpha_i": 0.2, "alpha_j": 0.5, "y_i": 1.0, "y_j": -1.0, "E_i": -0.3, "E_j": 0.4,
          "K_ii": 1.0, "K_jj": 1.0, "K_ij": 0.2, "C": 1.0}


@pytest.mark.parametrize(("bad", "error", "match"), [
    ({"C": -1.0}, ValueError, "C must be > 0, got -1.0"),
    ({"C": np.inf}, ValueError, "C must be finite, got inf"),
    ({"C": None}, TypeError, "C must be a real number, got None"),
    ({"y_i": 0.0}, ValueError, r"y_i must be -1 or \+1, got 0"),
    ({"y_j": 2}, ValueError, r"y_j must be -1 or \+1, got 2"),
    ({"alpha_i": 1.5}, ValueError, r"alpha_i must be in \[0, C\] = \[0, 1\], got 1.5"),
    ({"alpha_j": -0.1}, ValueError, r"alpha_j must be in \[0, C\] = \[0, 1\], got -0.1"),
    ({"E_i": np.nan}, ValueError, "E_i must be finite"),
    ({"K_ij": np.inf}, ValueError, "K_ij must be finite"),
    ({"K_jj": [1.0, 2.0]}, ValueError, "K_jj must be 0-D"),
    ({"E_j": "0.1"}, TypeError, "E_j must be array-like of numbers"),
])
def test_two_variable_update_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        svm.two_variable_update(**(UPDATE | bad))


def test_two_variable_update_stays_in_the_box_and_accepts_array_scalars():
    ai, aj = svm.two_variable_update(**UPDATE)
    assert 0.0 <= ai <= 1.0 and 0.0 <= aj <= 1.0
    # 0-d arrays and NumPy scalars are converted (C, like every C of derivlib, is a number)
    as_arrays = {k: (np.float64(v) if k == "C" else np.array(v)) for k, v in UPDATE.items()}
    assert svm.two_variable_update(**as_arrays) == (ai, aj)
    # smo's inner loop skips the checks; on valid input the result is the same
    assert svm.two_variable_update(**UPDATE, check_input=False) == (ai, aj)


@pytest.mark.parametrize("select", [svm.select_working_set, svm.textbook_select_working_set])
def test_select_working_set_rejects_bad_input(select):
    up, low = np.array([True, True, True, False]), np.array([False, True, True, True])
    diag, column = np.ones(4), np.eye(4).__getitem__
    with pytest.raises(ValueError, match="F and diag must have the same length, got 4 and 3"):
        select(F_OK, up, low, diag[:3], column)
    with pytest.raises(ValueError, match=r"up must be a boolean mask of shape \(4,\) .*got "
                                         r"dtype int64 and shape \(4,\)"):
        select(F_OK, up.astype(np.int64), low, diag, column)
    with pytest.raises(ValueError, match=r"low must be a boolean mask .* shape \(3,\)"):
        select(F_OK, up, low[:3], diag, column)
    with pytest.raises(ValueError, match="low must select at least one index"):
        select(F_OK, up, np.zeros(4, bool), diag, column)
    with pytest.raises(ValueError, match="F must be finite"):
        select(np.r_[F_OK[:3], np.nan], up, low, diag, column)
    with pytest.raises(TypeError, match="column must be a callable returning K"):
        select(F_OK, up, low, diag, np.eye(4))


def test_a_non_symmetric_precomputed_kernel_is_rejected_up_front():
    X, y = _data(2, n=60)
    y_pm = 2.0 * y - 1
    K = svm.rbf_kernel(X, gamma=0.5)
    bad = K.copy()
    bad[3, 40] += 1e-3  # one entry: max |K - K^T| = 1e-3, relative to max |K| = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # raised before any iteration (no max_iter warning)
        with pytest.raises(ValueError, match=r"X must be a symmetric precomputed kernel matrix "
                                             r"\(to a relative 1e-10\), got max \|X - X\^T\| "
                                             r"= 0.001 with max \|X\| = 1"):
            svm.smo(bad, y_pm, 1.0, kernel="precomputed", max_iter=3)
    # rounding-level asymmetry (1e-13 relative) is accepted, and changes nothing visible
    near = K.copy()
    near[3, 40] += 1e-13
    res = svm.smo(near, y_pm, 1.0, kernel="precomputed", tol=TOL)
    ref = svm.smo(K, y_pm, 1.0, kernel="precomputed", tol=TOL)
    np.testing.assert_allclose(res.alpha, ref.alpha, atol=1e-9)


@pytest.mark.parametrize("entry", [(7, 1100), (1100, 7), (600, 601)])
def test_symmetry_check_covers_every_block_of_a_large_kernel(entry):
    n = 1200  # several tiles of the check (256 rows each), above and below the diagonal
    K = np.eye(n)
    K[entry] = 0.5
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    with pytest.raises(ValueError, match=r"X must be a symmetric precomputed kernel matrix .*"
                                         r"got max \|X - X\^T\| = 0.5"):
        svm.smo(K, y, 1.0, kernel="precomputed")


# --------------------------------------------------------------------------- issue 10: no lies
# Two overlapping Gaussian clouds (80 points, 2-D): at a large C the dual is badly conditioned
# and plain SMO crawls (LIBSVM needs 5.7e5 updates at C = 1e4 and 1.4e8 at C = 1e6).
def _clouds(seed):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(1, 1, (40, 2))])
    return X, np.r_[np.zeros(40), np.ones(40)]


def _duality_gap_and_dual(clf, X, y, C):
    y_pm = np.where(y == clf.classes_[1], 1.0, -1.0)
    K = svm.kernel_matrix(X, kernel=clf.kernel, gamma=clf.gamma_)
    P = svm.primal_objective(clf.alpha_, clf.intercept_[0], y_pm, K, C)
    D = svm.dual_objective(clf.alpha_, y_pm, K)
    return P - D, D, y_pm, K


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("C", [1.0, 1e2, 1e4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smo_agrees_with_libsvm_on_overlapping_clouds_up_to_large_C(seed, C, kernel):
    X, y = _clouds(seed)
    tol = 1e-3
    ref = sk_svm.SVC(C=C, kernel=kernel, tol=tol).fit(X, y)
    ours = svm.SVC(C=C, kernel=kernel, tol=tol).fit(X, y)  # used to stop at max_iter (C=1e4)
    assert ours.converged_ and ours.kkt_gap_ <= tol
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    _, D, y_pm, K = _duality_gap_and_dual(ours, X, y, C)
    a_ref = _sklearn_alpha(ref, len(y))
    D_ref = svm.dual_objective(a_ref, y_pm, K)
    assert D == pytest.approx(D_ref, rel=1e-6)
    # LIBSVM's own KKT gap, recomputed from its dual coefficients
    gap_ref = svm.kkt_gap(a_ref, y_pm, K @ (a_ref * y_pm) - y_pm, C)
    f_diff = np.abs(ours.decision_function(X) - ref.decision_function(X)).max()
    if gap_ref <= 1.5 * tol:  # LIBSVM's answer meets (about) its tolerance: agree with it
        assert f_diff <= 10 * tol
    else:  # (C = 1e4, rbf: LIBSVM's gap is 2-3 tol) ours must then be the better maximiser
        assert D >= D_ref


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_smo_solves_c_1e6_where_it_used_to_stop_at_max_iter(kernel):
    # before: 100000 updates, KKT gap 7.8 (linear) / 6.4 (rbf), training accuracy 0.69 / 0.78
    X, y = _clouds(0)
    C, tol = 1e6, 1e-3
    ours = svm.SVC(C=C, kernel=kernel, tol=tol).fit(X, y)
    assert ours.converged_ and ours.kkt_gap_ <= tol
    gap, D, y_pm, K = _duality_gap_and_dual(ours, X, y, C)
    # P - D = sum_n [C xi_n - alpha_n (1 - m_n)] <= C sum_n (KKT violation of n) <= n C tol
    assert svm.kkt_violations(ours.alpha_, ours.intercept_[0], y_pm, K, C).max() <= tol
    assert -1e-9 * abs(D) <= gap <= len(y) * C * tol
    assert np.all((ours.alpha_ >= 0) & (ours.alpha_ <= C))
    assert abs(ours.alpha_ @ y_pm) <= 1e-12 * C * len(y)
    if kernel == "rbf":  # LIBSVM takes 5e6 updates here (1.5 s); linear would take 1.4e8
        ref = sk_svm.SVC(C=C, kernel=kernel, tol=tol).fit(X, y)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        assert D >= svm.dual_objective(_sklearn_alpha(ref, len(y)), y_pm, K)


def test_polished_run_keeps_the_dual_record_exact_and_monotone():
    X, y = _clouds(1)
    y_pm = 2.0 * y - 1
    res = svm.smo(X, y_pm, 1e4, kernel="linear", tol=1e-3)
    K = svm.linear_kernel(X)
    assert res.converged and res.n_polish > 0  # the active-set phase ran
    assert len(res.dual) == res.n_iter + 1 and res.dual[0] == 0.0
    assert np.all(np.diff(res.dual) >= -1e-12 * abs(res.dual[-1]))
    assert res.dual[-1] == pytest.approx(svm.dual_objective(res.alpha, y_pm, K), rel=1e-9)
    np.testing.assert_allclose(res.F, K @ (res.alpha * y_pm) - y_pm, rtol=0, atol=1e-9)
    assert res.gap == svm.kkt_gap(res.alpha, y_pm, res.F, 1e4)


def test_svc_fit_raises_convergence_error_instead_of_returning_a_non_solution():
    X, y = _data(0)
    clf = svm.SVC(C=1.0, gamma=0.5, max_iter=5)
    with pytest.raises(ConvergenceError, match=r"SMO \(SVC.fit\) did not converge: KKT gap = "
                                               r".* > tol = 0.001 after 5 iteration\(s\) of "
                                               r"max_iter=5; raise max_iter, lower C"):
        clf.fit(X, y)
    assert not hasattr(clf, "support_vectors_")  # nothing half-fitted to predict with


@pytest.mark.parametrize(("y", "error", "match"), [
    ([1, None, 2.0, 1], TypeError, "y must hold labels that can be sorted"),
    ([1, "a", None, 2.0], TypeError, "y must hold labels of one kind"),
    ([1, "a", 1, "a"], TypeError, "y must hold labels of one kind"),  # 1 became '1'
    ([1, 2, "1", 2], TypeError, "y must hold labels of one kind"),  # 1 and '1' one class
    (np.array([1 + 1j, 2, 1 + 1j, 2]), TypeError, "y must hold real labels"),
    (np.array([1.0, np.nan, 1.0, 2.0], dtype=object), ValueError, "y must not contain NaN"),
])
def test_svc_rejects_unsortable_complex_or_nan_labels_naming_y(y, error, match):
    with pytest.raises(error, match=match):
        svm.SVC().fit(X_OK, y)


def test_svc_keeps_the_labels_dtype_and_accepts_bool_labels():
    clf = svm.SVC(kernel="linear", C=10.0).fit(X_OK, np.array([False, True, True, False]))
    assert clf.classes_.dtype == bool and clf.predict(X_OK).dtype == bool
    np.testing.assert_array_equal(clf.predict(X_OK), [False, True, True, False])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"cache_mb": -1.0}, ValueError, "cache_mb must be > 0"),
    ({"cache_mb": "200"}, TypeError, "cache_mb must be a real number"),
    ({"precompute_limit": -1}, ValueError, "precompute_limit must be >= 0"),
    ({"precompute_limit": "5000"}, TypeError, "precompute_limit must be an integer"),
    ({"precompute_limit": 2.5}, TypeError, "precompute_limit must be an integer"),
    ({"kernel": "linear", "gamma": "wide"}, TypeError, "gamma must be a real number"),
    ({"kernel": "rbf", "degree": 2.5}, TypeError, "degree must be an integer"),
    ({"kernel": "rbf", "coef0": np.nan}, ValueError, "coef0 must be finite"),
    ({"kernel": "linear", "gamma": np.inf}, ValueError, "gamma must be finite"),
    ({"kernel": "poly", "coef0": True}, TypeError, "coef0 must be a real number"),
    ({"kernel": "sigmoid"}, ValueError, "kernel must be one of"),
])
def test_smo_validates_every_parameter(kwargs, error, match):
    X, y = _data(0, n=20)
    with pytest.raises(error, match=match):
        svm.smo(X, 2.0 * y - 1, 1.0, **kwargs)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"kernel": "rbf", "degree": "3"}, TypeError, "degree must be an integer"),
    ({"kernel": "linear", "coef0": -1.0}, ValueError, "coef0 must be >= 0"),
    ({"tol": True}, TypeError, "tol must be a real number"),
    ({"max_iter": 0}, ValueError, "max_iter must be > 0"),
    ({"max_iter": 10.5}, TypeError, "max_iter must be an integer"),
    ({"C": "1"}, TypeError, "C must be a real number"),
])
def test_svc_validates_every_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        svm.SVC(**kwargs).fit(X_OK, Y_OK)


@pytest.mark.parametrize("value", ["no", 0, 1, None])
def test_check_input_must_be_a_real_bool(value):
    # 'no' used to be taken as True and 0 as False
    with pytest.raises(TypeError, match="check_input must be True or False"):
        svm.two_variable_update(**UPDATE, check_input=value)
    up, low = np.array([True, True, True, False]), np.array([False, True, True, True])
    for select in (svm.select_working_set, svm.textbook_select_working_set):
        with pytest.raises(TypeError, match="check_input must be True or False"):
            select(F_OK, up, low, np.ones(4), np.eye(4).__getitem__, check_input=value)
    # NumPy booleans are booleans
    assert svm.two_variable_update(**UPDATE, check_input=np.True_) == \
        svm.two_variable_update(**UPDATE)


def test_rbf_kernel_of_overflow_range_inputs_is_not_nan():
    # ||x||^2 overflows float64 for entries of 1e200; the kernel is still 1 or exp(-huge) = 0
    X = 1e200 * np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, -1.0]])
    expected = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1.0]])
    np.testing.assert_array_equal(svm.rbf_kernel(X, gamma=1.0), expected)
    np.testing.assert_array_equal(svm.rbf_kernel(X, X[:2], gamma=1.0), expected[:, :2])
    # scale 2^520 and gamma 2^-1040: exactly the kernel of the unscaled points with gamma 1
    U = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_allclose(svm.rbf_kernel(np.ldexp(U, 520), gamma=2.0**-1040),
                               pairwise.rbf_kernel(U, gamma=1.0), rtol=1e-13, atol=1e-15)


def test_svc_with_gamma_scale_is_scale_invariant_even_in_the_overflow_range():
    # gamma="scale" makes the rbf SVM invariant to scaling X; at 2^510 ||x||^2 overflows
    X, y = make_moons(n_samples=60, noise=0.2, random_state=1)
    ref = sk_svm.SVC(C=1.0, tol=TOL).fit(X, y)
    big = svm.SVC(C=1.0, tol=TOL).fit(np.ldexp(X, 510), y)
    np.testing.assert_array_equal(big.support_, np.sort(ref.support_))
    np.testing.assert_allclose(big.decision_function(np.ldexp(X, 510)),
                               ref.decision_function(X), atol=1e-4)


def test_gamma_scale_that_float64_cannot_hold_raises_numerical_error():
    X = 1e200 * np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 2.0]])
    with pytest.raises(NumericalError, match=r"gamma='scale' is 1 / \(d Var\[X\]\)"):
        svm.SVC().fit(X, Y_OK)


@pytest.mark.parametrize(("f", "args", "what"), [
    (svm.linear_kernel, (np.full((2, 2), 1e200),), "the linear kernel"),
    (svm.polynomial_kernel, (np.full((2, 2), 1e100),), "the polynomial kernel"),
    (svm.kernel_matrix, (np.full((2, 2), 1e200),), None),
    (svm.dual_objective, ([1.0, 1.0], [1.0, -1.0], [[1e308, -1e308], [-1e308, 1e308]]),
     "the dual objective"),
    (svm.primal_objective, ([2.0, 2.0], 0.0, [1.0, -1.0], [[1e308, 0.0], [0.0, 1e308]], 1.0),
     "the primal objective"),
    (svm.kkt_violations, ([1.0, 1.0], 0.0, [1.0, 1.0], [[1e308, 1e308], [1e308, 1e308]], 1.0),
     "the margins"),
])
def test_overflow_raises_numerical_error_instead_of_returning_inf_or_nan(f, args, what):
    kwargs = {"kernel": "linear"} if f is svm.kernel_matrix else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning on the way
        with pytest.raises(NumericalError, match=what or "the linear kernel"):
            f(*args, **kwargs)


def test_two_variable_update_is_exact_for_overflow_range_entries():
    # E_i - E_j = -2e308 and eta = 4e308 overflow; the step y_j (E_i - E_j) / eta = 0.5 does not
    got = svm.two_variable_update(0.0, 0.0, 1.0, -1.0, -1e308, 1e308, 1e308, 1e308, -1e308, 1.0)
    assert got == (0.5, 0.5)


def test_smo_refuses_a_problem_whose_gradient_overflows():
    X, y = _data(0, n=20)
    with pytest.raises(NumericalError, match=r"C \* n \* max\|K\|"):
        svm.smo(X * 1e75, 2.0 * y - 1, 1e6, kernel="linear")


def test_float32_precomputed_kernel_symmetric_to_its_precision_is_accepted():
    X, y = _data(2, n=60)
    y_pm = 2.0 * y - 1
    K32 = svm.rbf_kernel(X, gamma=0.5).astype(np.float32)
    near = K32.copy()
    i, j = np.unravel_index(np.argmin(np.abs(K32 - 0.5)), K32.shape)  # an entry near 0.5
    near[i, j] = np.nextafter(near[i, j], np.float32(2))  # one float32 rounding step, 6e-8
    assert near[i, j] != near[j, i]  # used to be refused: asymmetric beyond 1e-10
    ref = svm.smo(K32, y_pm, 1.0, kernel="precomputed", tol=TOL)
    res = svm.smo(near, y_pm, 1.0, kernel="precomputed", tol=TOL)
    assert res.converged
    np.testing.assert_allclose(res.alpha, ref.alpha, atol=1e-5)


def test_results_never_alias_the_inputs():
    X, y = _data(3, n=40)
    y_pm = 2.0 * y - 1
    K = svm.rbf_kernel(X, gamma=0.5)
    res = svm.smo(K, y_pm, 1.0, kernel="precomputed")
    for out in (res.alpha, res.F, res.dual):
        assert not np.shares_memory(out, K) and not np.shares_memory(out, y_pm)
    clf = svm.SVC(kernel="linear").fit(X, y)
    assert not np.shares_memory(clf.support_vectors_, X)
    assert not np.shares_memory(svm.hinge_loss(y_pm), y_pm)


# --------------------------------------------------------------------------- adversarial review
def _two_clouds(seed=1):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 1.5])
    return X, np.r_[-np.ones(40), np.ones(40)]


def test_gamma_scale_of_tiny_inputs_is_exact_or_refused():
    """gamma='scale' is 1 / (d Var[X]): for X 2^-480 it is 4^480 times that of X (exact
    scaling); for X 2^-600 it is beyond float64 (Var[X] underflows to 0 although X is not
    constant), which was silently replaced by gamma = 1 (a kernel matrix of ones)."""
    X, y = _two_clouds()
    gamma = 1.0 / (X.shape[1] * X.var())
    fit = svm.SVC().fit(np.ldexp(X, -480), y)
    np.testing.assert_allclose(fit.gamma_, np.ldexp(gamma, 960), rtol=1e-12)
    for k in (-520, -600):  # Var[X 2^k] subnormal (was "gamma must be finite"), then 0
        with pytest.raises(NumericalError, match="gamma='scale'"):
            svm.SVC().fit(np.ldexp(X, k), y)
    # a constant X keeps scikit-learn's gamma = 1, also when it is tiny
    const = np.ldexp(np.ones((4, 2)), -1000)
    assert svm.SVC().fit(const, [0, 1, 0, 1]).gamma_ == sk_svm.SVC().fit(
        np.ones((4, 2)), [0, 1, 0, 1])._gamma == 1.0


def test_failed_refit_leaves_svc_unfitted():
    """A fit that raises must not leave the model of an earlier fit in place (it did: predict
    then answered with the old model although fit had failed)."""
    X, y = _two_clouds()
    clf = svm.SVC(kernel="linear").fit(X, y)
    clf.max_iter = 1
    with pytest.raises(ConvergenceError):
        clf.fit(3 * X, y)
    assert not hasattr(clf, "support_vectors_") and not hasattr(clf, "classes_")
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(X)
    clf.max_iter = None
    with pytest.raises(ValueError, match="X"):
        svm.SVC().fit(X, y).fit(X * np.nan, y)


# --------------------------------------------------------------------------- regression
SVR_TOL = 1e-8


def _svr_data(seed, n=80):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] + 0.2 * rng.normal(size=n)
    return X, y


def _sklearn_beta(ref, n):
    beta = np.zeros(n)
    beta[ref.support_] = ref.dual_coef_[0]  # alpha_n - alpha*_n
    return beta


def _svr_dual_of_beta(beta, y, K, epsilon):
    """Eq. (svm-svr-dual) at alpha = max(beta, 0), alpha* = max(-beta, 0) (alpha alpha* = 0):
    written out here, independently of derivlib."""
    return float(-0.5 * beta @ K @ beta - epsilon * np.abs(beta).sum() + y @ beta)


SVR_CASES = [
    ("rbf", {"gamma": 0.5}, 0.5), ("rbf", {"gamma": 0.5}, 10.0),
    ("linear", {}, 1.0),
    ("poly", {"gamma": 0.3, "degree": 2, "coef0": 1.0}, 1.0),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("kernel", "params", "C"), SVR_CASES)
def test_svr_matches_libsvm(kernel, params, C, seed):
    X, y = _svr_data(seed)
    epsilon = 0.1
    ref = sk_svm.SVR(C=C, epsilon=epsilon, kernel=kernel, tol=SVR_TOL, **params).fit(X, y)
    ours = svm.SVR(C=C, epsilon=epsilon, kernel=kernel, tol=SVR_TOL, **params).fit(X, y)
    assert ours.converged_ and ours.kkt_gap_ <= SVR_TOL
    K = svm.kernel_matrix(X, kernel=kernel, **({"gamma": 1.0} | params))
    beta_ref = _sklearn_beta(ref, len(y))
    beta = ours.alpha_ - ours.alpha_star_
    # the dual objective of both solutions (written out independently) agree closely: both
    # are within about tol * sum|beta| of the optimum
    d_ref = _svr_dual_of_beta(beta_ref, y, K, epsilon)
    assert ours.dual_objective_ == pytest.approx(d_ref, rel=1e-8, abs=1e-9)
    assert svm.svr_dual_objective(ours.alpha_, ours.alpha_star_, y, K, epsilon) == \
        pytest.approx(ours.dual_objective_, rel=1e-10, abs=1e-12)
    # the coefficients alpha - alpha*: the same support set; values to 1e-3 C (the dual is
    # not strictly concave when K is near singular, so alpha is determined only to about
    # tol / (smallest curvature); the predictions below are determined much better)
    np.testing.assert_array_equal(ours.support_, np.sort(ref.support_))
    np.testing.assert_allclose(beta, beta_ref, atol=1e-3 * C)
    np.testing.assert_allclose(ours.dual_coef_[0], beta[ours.support_])
    # the intercept and the predictions f(x), eq. (svm-svr-f), on the data and new points
    assert ours.intercept_[0] == pytest.approx(ref.intercept_[0], abs=1e-4)
    X_new = np.random.default_rng(seed + 10).uniform(-3.5, 3.5, size=(50, 2))
    for Z in (X, X_new):
        np.testing.assert_allclose(ours.predict(Z), ref.predict(Z), atol=1e-4)


def test_svr_function_matches_the_estimator_and_keeps_the_box():
    X, y = _svr_data(3, n=60)
    res = svm.svr(X, y, 2.0, epsilon=0.2, gamma=0.5, tol=1e-8)
    reg = svm.SVR(C=2.0, epsilon=0.2, gamma=0.5, tol=1e-8).fit(X, y)
    np.testing.assert_array_equal(res.alpha, reg.alpha_)
    assert res.converged and res.gap <= 1e-8
    assert np.all((res.alpha >= 0) & (res.alpha <= 2.0))
    assert np.all((res.alpha_star >= 0) & (res.alpha_star <= 2.0))
    assert abs(np.sum(res.alpha - res.alpha_star)) <= 1e-10 * 2.0 * len(y)  # svm-svr-dual
    assert np.all(np.diff(res.dual) >= -1e-12)  # each SMO step solves its subproblem exactly


def test_svr_dual_matches_a_generic_qp_solver():
    """Eq. (svm-svr-dual) maximised by SLSQP over (alpha, alpha*) with its box and equality
    constraint: the optimum and the optimal f agree with svm.svr."""
    for seed in range(3):
        X, y = _svr_data(seed, n=8)
        K = svm.rbf_kernel(X, gamma=0.5)
        C, epsilon, n = 1.5, 0.15, len(y)

        def neg_dual(z, K=K, y=y, n=n, epsilon=epsilon):
            a, s = z[:n], z[n:]
            beta = a - s
            return 0.5 * beta @ K @ beta + epsilon * (a + s).sum() - y @ beta

        qp = optimize.minimize(neg_dual, np.zeros(2 * n), method="SLSQP",
                               bounds=[(0, C)] * (2 * n),
                               constraints=[{"type": "eq",
                                             "fun": lambda z, n=n: z[:n].sum() - z[n:].sum()}],
                               options={"ftol": 1e-14, "maxiter": 1000})
        assert qp.success
        res = svm.svr(X, y, C, epsilon=epsilon, gamma=0.5, tol=1e-10)
        assert res.dual[-1] == pytest.approx(-qp.fun, rel=1e-7)
        beta_qp = qp.x[:n] - qp.x[n:]
        np.testing.assert_allclose(K @ (res.alpha - res.alpha_star), K @ beta_qp, atol=1e-5)


def test_svr_kkt_conditions_hold_at_the_solution():
    """The KKT cases of eq. (svm-svr-kkt): alpha alpha* = 0; inside the tube both are 0; a
    free alpha_n sits on the upper edge y - f = epsilon, a free alpha*_n on the lower edge;
    at C the point is outside the tube (or on its edge)."""
    X, y = _svr_data(4, n=100)
    C, epsilon, tol = 1.0, 0.2, 1e-9
    reg = svm.SVR(C=C, epsilon=epsilon, gamma=0.5, tol=tol).fit(X, y)
    a, s = reg.alpha_, reg.alpha_star_
    r = y - reg.predict(X)  # residual y_n - f(x_n)
    assert np.all(a * s == 0)
    slack = 1e-6
    assert np.all(np.abs(r[(a == 0) & (s == 0)]) <= epsilon + slack)
    free_a, free_s = (a > 0) & (a < C), (s > 0) & (s < C)
    assert free_a.any() and free_s.any()
    np.testing.assert_allclose(r[free_a], epsilon, atol=slack)
    np.testing.assert_allclose(r[free_s], -epsilon, atol=slack)
    assert np.all(r[a == C] >= epsilon - slack) and np.all(r[s == C] <= -epsilon + slack)


def test_epsilon_insensitive_loss_values():
    y = np.array([0.0, 0.0, 0.0, 1.0, 2.0])
    y_hat = np.array([0.05, -0.1, -0.5, 3.0, 2.0])
    # max(0, |y - y_hat| - 0.1), by hand
    np.testing.assert_allclose(svm.epsilon_insensitive_loss(y, y_hat, 0.1),
                               [0.0, 0.0, 0.4, 1.9, 0.0], atol=1e-15)
    np.testing.assert_allclose(svm.epsilon_insensitive_loss(y, y_hat, 0.0), np.abs(y - y_hat))


def test_svr_validation():
    X, y = _svr_data(0, n=10)
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        svm.SVR(epsilon=-0.1).fit(X, y)
    with pytest.raises(ValueError, match="X and y must have the same length"):
        svm.SVR().fit(X, y[:5])
    with pytest.raises(ValueError, match="y must be 1-D"):
        svm.svr(X, y[:, None], 1.0)
    with pytest.raises(ValueError, match="kernel must be"):
        svm.SVR(kernel="precomputed").fit(X, y)
    with pytest.raises(ValueError, match="y and y_hat must have the same shape"):
        svm.epsilon_insensitive_loss(y, y[:3], 0.1)
    with pytest.raises(ValueError, match="not fitted"):
        svm.SVR().predict(X)
    with pytest.raises(ValueError, match="alpha and alpha_star must have the same length"):
        svm.svr_dual_objective(np.zeros(3), np.zeros(2), np.zeros(3), np.eye(3), 0.1)


def test_svr_max_iter_warns_and_fit_raises():
    X, y = _svr_data(1, n=60)
    with pytest.warns(ConvergenceWarning):
        res = svm.svr(X, y, 10.0, gamma=0.5, tol=1e-10, max_iter=5)
    assert not res.converged and res.n_iter == 5
    with pytest.raises(ConvergenceError):
        svm.SVR(C=10.0, gamma=0.5, tol=1e-10, max_iter=5).fit(X, y)


# --------------------------------------------------------------------------- one-versus-one
def _multiclass_sets():
    from sklearn.datasets import load_iris, load_wine

    X_iris, y_iris = load_iris(return_X_y=True)
    X_wine, y_wine = load_wine(return_X_y=True)
    X_wine = (X_wine - X_wine.mean(0)) / X_wine.std(0)
    return {"iris": (X_iris, y_iris), "wine": (X_wine, y_wine)}


@pytest.mark.parametrize("name", ["iris", "wine"])
@pytest.mark.parametrize(("kernel", "params", "C"), [("rbf", {"gamma": 0.5}, 1.0),
                                                      ("linear", {}, 0.5),
                                                      ("rbf", {"gamma": "scale"}, 10.0)])
def test_one_versus_one_matches_libsvm(name, kernel, params, C):
    X, y = _multiclass_sets()[name]
    ref = sk_svm.SVC(C=C, kernel=kernel, tol=TOL, decision_function_shape="ovo",
                     **params).fit(X, y)
    ours = svm.SVC(C=C, kernel=kernel, tol=TOL, **params).fit(X, y)
    n_classes = len(ref.classes_)
    assert ours.pairs_.tolist() == [[k, l] for k in range(n_classes)
                                    for l in range(k + 1, n_classes)]
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_array_equal(ours.support_, np.sort(ref.support_))
    # LIBSVM's intercept_ of a multiclass SVC is -rho of each pair (positive: first class)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    rng = np.random.default_rng(0)
    noise = 0.5 * rng.normal(size=(200, X.shape[1])) * X.std(0)
    X_new = X[rng.integers(len(X), size=200)] + noise
    for Z in (X, X_new):
        np.testing.assert_allclose(ours.decision_function(Z), ref.decision_function(Z),
                                   atol=1e-4)
        np.testing.assert_array_equal(ours.predict(Z), ref.predict(Z))


def test_one_versus_one_with_string_labels_keeps_them():
    X, y = _multiclass_sets()["iris"]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = svm.SVC(C=1.0, gamma=0.5, tol=TOL).fit(X, names)
    ref = sk_svm.SVC(C=1.0, gamma=0.5, tol=TOL).fit(X, names)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.decision_function(X[:5]).shape == (5, 3)
    assert ours.n_iter_.shape == (3,) and ours.kkt_gap_.max() <= TOL


@pytest.mark.parametrize(("scores", "expected"), [
    # pairs (0, 1), (0, 2), (1, 2); a score > 0 votes for the first class of the pair
    ([1.0, 1.0, -1.0], 0),     # votes for 0, 0, 2: class 0 has two
    ([-1.0, -1.0, -1.0], 2),   # 1, 2, 2
    ([-1.0, 1.0, 1.0], 1),     # 1, 0, 1
    ([1.0, -1.0, 1.0], 0),     # 0, 2, 1: a three-way tie goes to the smallest index
    ([-1.0, 1.0, -1.0], 0),    # 1, 0, 2: again a tie, again class 0
    ([0.0, 0.0, 0.0], 2),      # a zero score votes for the second class: 1, 2, 2
])
def test_one_versus_one_vote_follows_libsvm_tie_rule(scores, expected, monkeypatch):
    """LIBSVM's svm_predict_values: ``++vote[i]`` if the pair's value is > 0, else
    ``++vote[j]``; the winner is the first class with the largest count."""
    X, y = _multiclass_sets()["iris"]
    clf = svm.SVC(C=1.0, gamma=0.5).fit(X, y)
    monkeypatch.setattr(clf, "decision_function", lambda X_new: np.array([scores]))
    assert clf.predict(X[:1])[0] == expected


def test_svr_with_the_kernel_column_cache_gives_the_same_solution():
    """Above precompute_limit the 2N-variable kernel is built from cached N-columns."""
    X, y = _svr_data(2, n=70)
    full = svm.svr(X, y, 3.0, epsilon=0.1, gamma=0.5, tol=1e-8)
    cached = svm.svr(X, y, 3.0, epsilon=0.1, gamma=0.5, tol=1e-8, precompute_limit=0,
                     cache_mb=0.01)  # a cache of a few columns: most are recomputed
    assert full.converged and cached.converged
    np.testing.assert_allclose(cached.alpha, full.alpha, atol=1e-10)
    np.testing.assert_allclose(cached.alpha_star, full.alpha_star, atol=1e-10)
    assert cached.b == pytest.approx(full.b, abs=1e-10)


def test_svr_polished_run_is_exact_monotone_and_at_least_as_good_as_libsvm():
    """A badly conditioned regression (a cubic kernel in one dimension, C = 10), where SMO
    crawls and the active-set polishing of the 2N-variable dual takes over: the dual record
    never decreases and ends at the dual recomputed from the returned point, and the optimum
    is at least LIBSVM's (which needs about two million iterations here)."""
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0, 2 * np.pi, size=60))
    y = np.sin(x) + 0.25 * rng.normal(size=60)
    X = x[:, None]
    params = {"kernel": "poly", "gamma": 0.5, "degree": 3, "coef0": 1.0}
    res = svm.svr(X, y, 10.0, epsilon=0.2, tol=1e-8, **params)
    assert res.converged and res.n_polish > 0
    assert np.all(np.diff(res.dual) >= -1e-9 * abs(res.dual[-1]))
    K = svm.kernel_matrix(X, **params)
    assert res.dual[-1] == pytest.approx(
        svm.svr_dual_objective(res.alpha, res.alpha_star, y, K, 0.2), rel=1e-10)
    ref = sk_svm.SVR(C=10.0, epsilon=0.2, tol=1e-8, **params).fit(X, y)
    beta_ref = _sklearn_beta(ref, len(y))
    assert res.dual[-1] >= _svr_dual_of_beta(beta_ref, y, K, 0.2) - 1e-12 * abs(res.dual[-1])
