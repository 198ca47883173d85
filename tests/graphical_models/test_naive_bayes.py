"""Tests of derivlib.graphical_models.naive_bayes (chapter graphical_models/naive_bayes).

References, independent of the code under test:

* scikit-learn's ``GaussianNB`` (``var_smoothing`` at its default 1e-9 and at 0),
  ``MultinomialNB``, ``BernoulliNB`` and ``CategoricalNB`` (``alpha`` set to match,
  ``force_alpha=True``, ``binarize`` as given), on iris, wine, digits and random data: the
  fitted parameters, ``predict_proba`` and ``predict_log_proba`` to 1e-10, ``predict`` exactly;
* brute force: the class posterior as Bayes' rule written out with the product of the
  per-feature densities (``scipy.stats.norm.pdf``, explicit products of probabilities), in
  exact rational arithmetic (``fractions``) for the discrete models;
* the ML estimates against a direct numerical maximisation of the log-likelihood on the
  simplex (``scipy.optimize.minimize`` over softmax parameters);
* ``sklearn.calibration.calibration_curve`` for the reliability diagram's points.

Properties (hypothesis): posteriors sum to one and ``log_posterior`` is invariant to a shift
of the log-likelihoods; the Dirichlet MAP with alpha + 1 is the posterior mean with alpha.
Every validation error the chapter lists is triggered once (probabilities that do not sum to
one, negative counts, empty data, unseen categories, unfitted models, alpha = 0 with a zero count).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.optimize
import scipy.stats
import sklearn.naive_bayes as sk
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_digits, load_iris, load_wine

from derivlib.graphical_models import naive_bayes as nb

TOL = 1e-10


def _close(a, b, tol=TOL):
    np.testing.assert_allclose(a, b, rtol=0, atol=tol)


# --------------------------------------------------------------------------- scikit-learn
@pytest.mark.parametrize("loader", [load_iris, load_wine])
@pytest.mark.parametrize("var_smoothing", [1e-9, 0.0, 1e-3])
def test_gaussian_matches_sklearn(loader, var_smoothing):
    X, y = loader(return_X_y=True)
    ours = nb.GaussianNB(var_smoothing=var_smoothing).fit(X[::2], y[::2])
    ref = sk.GaussianNB(var_smoothing=var_smoothing).fit(X[::2], y[::2])
    _close(ours.theta_, ref.theta_)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=TOL)
    np.testing.assert_allclose(ours.epsilon_, ref.epsilon_, rtol=TOL)
    _close(ours.class_prior_, ref.class_prior_)
    _close(ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]))
    np.testing.assert_allclose(ours.predict_log_proba(X[1::2]), ref.predict_log_proba(X[1::2]),
                               rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(ours.predict(X[1::2]), ref.predict(X[1::2]))


def test_gaussian_given_priors_match_sklearn():
    X, y = load_iris(return_X_y=True)
    priors = np.array([0.2, 0.5, 0.3])
    ours = nb.GaussianNB(priors=priors).fit(X, y)
    ref = sk.GaussianNB(priors=priors).fit(X, y)
    _close(ours.class_prior_, ref.class_prior_)
    _close(ours.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0, 1e-3])
@pytest.mark.parametrize("fit_prior", [True, False])
def test_multinomial_matches_sklearn(alpha, fit_prior):
    X, y = load_digits(return_X_y=True)
    ours = nb.MultinomialNB(alpha=alpha, fit_prior=fit_prior).fit(X[:1200], y[:1200])
    ref = sk.MultinomialNB(alpha=alpha, fit_prior=fit_prior, force_alpha=True).fit(X[:1200],
                                                                               y[:1200])
    _close(ours.feature_count_, ref.feature_count_)
    _close(ours.feature_log_prob_, ref.feature_log_prob_)
    _close(ours.class_log_prior_, ref.class_log_prior_)
    _close(ours.predict_proba(X[1200:]), ref.predict_proba(X[1200:]))
    np.testing.assert_array_equal(ours.predict(X[1200:]), ref.predict(X[1200:]))


@pytest.mark.parametrize("alpha, binarize", [(1.0, 0.0), (0.5, 4.0), (2.0, 8.0)])
def test_bernoulli_matches_sklearn(alpha, binarize):
    X, y = load_digits(return_X_y=True)
    ours = nb.BernoulliNB(alpha=alpha, binarize=binarize).fit(X[:1200], y[:1200])
    ref = sk.BernoulliNB(alpha=alpha, binarize=binarize, force_alpha=True).fit(X[:1200],
                                                                           y[:1200])
    _close(ours.feature_count_, ref.feature_count_)
    _close(ours.feature_log_prob_, ref.feature_log_prob_)
    _close(ours.predict_proba(X[1200:]), ref.predict_proba(X[1200:]))
    np.testing.assert_allclose(ours.predict_log_proba(X[1200:]),
                               ref.predict_log_proba(X[1200:]), rtol=TOL, atol=TOL)


def test_bernoulli_without_binarize_takes_binary_input():
    rng = np.random.default_rng(5)
    X = (rng.random((80, 6)) < 0.4).astype(float)
    y = rng.integers(0, 3, size=80)
    ours = nb.BernoulliNB(binarize=None).fit(X, y)
    ref = sk.BernoulliNB(binarize=None).fit(X, y)
    _close(ours.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("alpha", [1.0, 0.3, 3.0])
def test_categorical_matches_sklearn(alpha):
    rng = np.random.default_rng(1)
    X = rng.integers(0, [2, 5, 3, 7], size=(150, 4))
    y = rng.choice(["a", "b", "c"], size=150)
    ours = nb.CategoricalNB(alpha=alpha, min_categories=7).fit(X, y)
    ref = sk.CategoricalNB(alpha=alpha, min_categories=7, force_alpha=True).fit(X, y)
    np.testing.assert_array_equal(ours.n_categories_, ref.n_categories_)
    for a, b in zip(ours.feature_log_prob_, ref.feature_log_prob_, strict=True):
        _close(a, b)
    for a, b in zip(ours.category_count_, ref.category_count_, strict=True):
        _close(a, b)
    Xt = rng.integers(0, 7, size=(40, 4))
    _close(ours.predict_proba(Xt), ref.predict_proba(Xt))
    np.testing.assert_array_equal(ours.predict(Xt), ref.predict(Xt))


def test_categorical_on_digits_matches_sklearn():
    X, y = load_digits(return_X_y=True)
    Xc = np.digitize(X, [4.5, 11.5])
    ours = nb.CategoricalNB(min_categories=3).fit(Xc[:1200], y[:1200])
    ref = sk.CategoricalNB(min_categories=3).fit(Xc[:1200], y[:1200])
    _close(ours.predict_proba(Xc[1200:]), ref.predict_proba(Xc[1200:]))


def test_calibration_curve_matches_sklearn():
    rng = np.random.default_rng(2)
    prob = rng.random(700) ** 2
    prob[:3] = [0.0, 1.0, 0.5]
    y = (rng.random(700) < prob).astype(float)
    for n_bins in (5, 10, 13):
        ours = nb.calibration_curve(y, prob, n_bins=n_bins)
        ref_true, ref_pred = calibration_curve(y, prob, n_bins=n_bins)
        _close(ours.prob_true, ref_true)
        _close(ours.prob_pred, ref_pred)
        assert ours.counts.sum() == 700


# --------------------------------------------------------------------------- brute force
def test_gaussian_posterior_is_bayes_rule_with_a_product_of_densities():
    X, y = load_iris(return_X_y=True)
    model = nb.GaussianNB(var_smoothing=0.0).fit(X, y)
    for x in X[::17]:
        joint = []
        for c in model.classes_:
            X_k = X[y == c]
            density = np.prod(scipy.stats.norm(X_k.mean(axis=0), X_k.std(axis=0)).pdf(x))
            joint.append(np.mean(y == c) * density)
        _close(model.predict_proba(x[None])[0], np.array(joint) / sum(joint), 1e-12)


def _exact_posterior(prior, theta_rows, x_prob):
    """Bayes' rule in fractions: prior[k] * prod_j x_prob(theta_rows[k], j), normalised."""
    joint = [prior[k] * np.prod([x_prob(theta_rows[k], j) for j in range(len(theta_rows[k]))],
                                dtype=object) for k in range(len(prior))]
    total = sum(joint)
    return [float(p / total) for p in joint]


def test_discrete_posteriors_against_exact_fractions():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 4, size=(30, 5))
    y = np.arange(30) % 2
    alpha = Fraction(1)
    counts = [sum(y == k) for k in (0, 1)]
    prior = [Fraction(c, 30) for c in counts]
    x_new = np.array([3, 0, 1, 2, 0])
    # multinomial: theta_kj = (N_kj + alpha) / (sum_j N_kj + D alpha), likelihood prod theta^x
    theta = [[Fraction(int(X[y == k, j].sum())) + alpha for j in range(5)] for k in (0, 1)]
    theta = [[t / sum(row) for t in row] for row in theta]
    exact = _exact_posterior(prior, theta, lambda row, j: row[j] ** int(x_new[j]))
    _close(nb.MultinomialNB().fit(X, y).predict_proba(x_new[None])[0], exact, 1e-14)
    # Bernoulli (x > 0): theta_kj = (N_kj + alpha) / (N_k + 2 alpha), absent words count
    present = X > 0
    theta = [[(Fraction(int(present[y == k, j].sum())) + alpha) / (counts[k] + 2 * alpha)
              for j in range(5)] for k in (0, 1)]
    exact = _exact_posterior(prior, theta,
                             lambda row, j: row[j] if x_new[j] > 0 else 1 - row[j])
    _close(nb.BernoulliNB().fit(X, y).predict_proba(x_new[None])[0], exact, 1e-14)
    # categorical: theta_kjc = (N_kjc + alpha) / (N_k + C_j alpha)
    C = X.max(axis=0) + 1
    theta = [[(Fraction(int(np.sum(X[y == k, j] == x_new[j]))) + alpha)
              / (counts[k] + int(C[j]) * alpha) for j in range(5)] for k in (0, 1)]
    exact = _exact_posterior(prior, theta, lambda row, j: row[j])
    _close(nb.CategoricalNB().fit(X, y).predict_proba(x_new[None])[0], exact, 1e-14)


def test_ml_estimate_maximises_the_likelihood_on_the_simplex():
    """alpha -> 0: the estimate is the numerical maximiser of sum_j N_kj log theta_kj."""
    counts = np.array([7.0, 1.0, 4.0, 12.0])

    def negative_loglik(a):  # theta = softmax(a): every point of the open simplex
        return -counts @ (a - scipy.special.logsumexp(a))

    best = scipy.optimize.minimize(negative_loglik, np.zeros(4), method="BFGS", tol=1e-12)
    theta_num = np.exp(best.x - scipy.special.logsumexp(best.x))
    _close(nb.dirichlet_posterior_mean(counts, alpha=0.0), theta_num, 1e-6)
    X = np.diag(counts)  # one "document" per word: feature_count_ is counts
    model = nb.MultinomialNB(alpha=0.0).fit(X, np.zeros(4))
    _close(np.exp(model.feature_log_prob_[0]), theta_num, 1e-6)


def test_dirichlet_estimates_against_the_beta_posterior():
    # K = 2: the posterior is Beta(n1 + a, n2 + a); its mean and mode from scipy.stats
    n1, n2, a = 3.0, 1.0, 2.5
    post = scipy.stats.beta(n1 + a, n2 + a)
    _close(nb.dirichlet_posterior_mean([n1, n2], a)[0], post.mean(), 1e-14)
    mode = scipy.optimize.minimize_scalar(lambda p: -post.logpdf(p), bounds=(1e-9, 1 - 1e-9),
                                          method="bounded", options={"xatol": 1e-12}).x
    _close(nb.dirichlet_map([n1, n2], a)[0], mode, 1e-7)


# --------------------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(arrays(float, (4, 3), elements=st.floats(-800, 0)), st.floats(-50, 50))
def test_log_posterior_normalises_and_ignores_shifts(log_lik, shift):
    log_prior = np.log([0.2, 0.3, 0.5])
    post = nb.log_posterior(log_prior, log_lik)
    np.testing.assert_allclose(np.exp(post).sum(axis=1), 1.0, rtol=1e-12)
    _close(nb.log_posterior(log_prior, log_lik + shift), post, 1e-9)
    assert np.all(np.isfinite(post))


@settings(max_examples=60, deadline=None)
@given(arrays(float, 5, elements=st.integers(0, 50).map(float)), st.floats(0.01, 20))
def test_map_with_alpha_plus_one_is_the_posterior_mean(counts, alpha):
    _close(nb.dirichlet_map(counts, alpha + 1.0), nb.dirichlet_posterior_mean(counts, alpha),
           1e-12)
    np.testing.assert_allclose(nb.dirichlet_posterior_mean(counts, alpha).sum(), 1.0,
                               rtol=1e-12)


def test_log_posterior_survives_underflow():
    # a product of 5000 probabilities of about 0.1 is 1e-5000: 0 in float64
    log_lik = np.array([[5000 * np.log(0.1), 5000 * np.log(0.1) - np.log(3.0)]])
    post = np.exp(nb.log_posterior(np.log([0.5, 0.5]), log_lik))
    _close(post, [[0.75, 0.25]], 1e-12)


def test_duplicated_feature_multiplies_the_log_odds():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 1)) + np.repeat([[0.0], [1.0]], 100, axis=0)
    y = np.repeat([0, 1], 100)

    def log_odds(m):
        p = nb.GaussianNB(var_smoothing=0.0).fit(np.repeat(X, m, axis=1), y).predict_log_proba(
            np.repeat(X[:5], m, axis=1))
        return p[:, 1] - p[:, 0]

    prior_odds = 0.0  # equal classes
    _close(log_odds(3) - prior_odds, 3 * (log_odds(1) - prior_odds), 1e-10)


# --------------------------------------------------------------------------- bad input
def test_probabilities_that_do_not_sum_to_one_are_refused():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="priors must sum to 1"):
        nb.GaussianNB(priors=[0.3, 0.3, 0.3]).fit(X, y)
    with pytest.raises(ValueError, match="class_prior must sum to 1"):
        nb.MultinomialNB(class_prior=[0.5, 0.6, 0.1]).fit(X, y)
    with pytest.raises(ValueError, match="class_prior must have one entry per class"):
        nb.BernoulliNB(class_prior=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="class_prior must be positive"):
        nb.CategoricalNB(class_prior=[0.5, 0.5, 0.0]).fit(X.astype(int), y)


def test_negative_counts_are_refused():
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="X must hold non-negative counts"):
        nb.MultinomialNB().fit(X, [0, 1])
    model = nb.MultinomialNB().fit(np.abs(X), [0, 1])
    with pytest.raises(ValueError, match="X must hold non-negative counts"):
        model.predict(X)
    with pytest.raises(ValueError, match="counts must be non-negative"):
        nb.dirichlet_posterior_mean([1.0, -2.0])
    with pytest.raises(ValueError, match="X must hold category indices"):
        nb.CategoricalNB().fit(X, [0, 1])
    with pytest.raises(ValueError, match="X must hold category indices"):
        nb.CategoricalNB().fit([[0.5], [1.0]], [0, 1])


def test_empty_data_is_refused():
    for model in (nb.GaussianNB(), nb.MultinomialNB(), nb.BernoulliNB(), nb.CategoricalNB()):
        with pytest.raises(ValueError, match="X must have at least 1 element"):
            model.fit(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match="X and y must have the same length"):
        nb.GaussianNB().fit(np.zeros((3, 2)), [0, 1])


def test_other_errors_name_what_is_wrong():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="not fitted yet"):
        nb.GaussianNB().predict(X)
    with pytest.raises(ValueError, match="X must have 4 features"):
        nb.GaussianNB().fit(X, y).predict(X[:, :3])
    Xc = np.array([[0, 1], [1, 0], [2, 1]])
    with pytest.raises(ValueError, match="category 3 in feature 1"):
        nb.CategoricalNB().fit(Xc, [0, 1, 1]).predict([[0, 3]])
    with pytest.raises(ValueError, match="alpha = 0 .* use alpha > 0"):
        nb.MultinomialNB(alpha=0.0).fit(Xc, [0, 1, 1])
    with pytest.raises(ValueError, match="alpha = 0 .* absence"):
        nb.BernoulliNB(alpha=0.0).fit([[1.0], [1.0], [1.0]], [0, 0, 1])
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        nb.MultinomialNB(alpha=-1.0).fit(Xc, [0, 1, 1])
    with pytest.raises(ValueError, match="alpha must be a finite number >= 1"):
        nb.dirichlet_map([1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="feature 0 is constant in class"):
        nb.GaussianNB(var_smoothing=0.0).fit([[1.0, 2.0], [1.0, 3.0], [0.0, 1.0]], [0, 0, 1])
    with pytest.raises(ValueError, match="X must hold 0 and 1 when binarize is None"):
        nb.BernoulliNB(binarize=None).fit([[2.0], [0.0]], [0, 1])
    with pytest.raises(ValueError, match="y must hold binary outcomes"):
        nb.calibration_curve([0.0, 2.0], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"prob must be probabilities in \[0, 1\]"):
        nb.calibration_curve([0.0, 1.0], [0.1, 1.2])
    with pytest.raises(ValueError, match="log_likelihood must have one column per class"):
        nb.log_posterior([0.0, 0.0], [[0.0, 0.0, 0.0]])


def test_failed_fit_leaves_the_estimator_unfitted():
    X, y = load_iris(return_X_y=True)
    model = nb.GaussianNB().fit(X, y)
    model.priors = [0.5, 0.5, 0.5]
    with pytest.raises(ValueError):
        model.fit(X, y)
    with pytest.raises(ValueError, match="not fitted yet"):
        model.predict(X)


# --------------------------------------------------------------------------- fast paths
@pytest.mark.parametrize("offset", [0.0, 1e3, -5e4])
def test_gaussian_fast_log_likelihood_agrees_with_the_loop(offset):
    """The expanded squares (two matrix products) against the plain loop over classes,
    also for data far from the origin, where the expansion would cancel without centring."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 4, size=300)
    X = offset + rng.normal(size=(300, 7)) * rng.uniform(0.01, 3.0, size=7) + y[:, None]
    model = nb.GaussianNB().fit(X, y)
    Xt = offset + rng.normal(size=(50, 7)) * 2
    fast, loop = model._log_likelihood(Xt), model._textbook_log_likelihood(Xt)
    np.testing.assert_allclose(fast, loop, rtol=1e-9, atol=1e-9 * np.abs(loop).max())
    ref = sk.GaussianNB().fit(X, y)
    _close(model.predict_proba(Xt), ref.predict_proba(Xt))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_multinomial_predict_refuses_non_finite_counts(bad):
    model = nb.MultinomialNB().fit(np.array([[1.0, 2.0], [3.0, 0.0]]), [0, 1])
    X = np.array([[1.0, 2.0], [0.0, bad]])
    with pytest.raises(ValueError, match="X must (be finite|hold non-negative)"):
        model.predict_proba(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_multinomial_fit_refuses_non_finite_counts(bad):
    X = np.array([[1.0, 2.0], [0.0, bad], [2.0, 2.0]])
    with pytest.raises(ValueError, match="X must (be finite|hold non-negative)"):
        nb.MultinomialNB().fit(X, [0, 1, 1])


def test_docstring_examples_all_run():
    import doctest

    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    n_examples = 0
    for test in finder.find(nb):
        n_examples += len(test.examples)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert n_examples == result.attempted == 14
