r"""Naive Bayes: Bayes' rule with features independent given the class.

The code of the chapter ``chapters/graphical_models/naive_bayes.ipynb``. The class posterior
is Bayes' rule with a likelihood that factorises over the features (eq. ``nb-factorise``),

.. math::
    \log p(y = k \mid \mathbf x) = \log\pi_k + \sum_{j=1}^{D} \log p(x_j \mid y = k)
    - \log\sum_{k'} \exp\Big(\log\pi_{k'} + \sum_j \log p(x_j \mid y = k')\Big),
    \qquad \text{(eq. nb-log-posterior)}

computed in log space by the log-sum-exp with the largest term factored out
(:func:`log_posterior`). The
maximum-likelihood estimates of the four feature models (eqs. ``nb-gauss-ml``,
``nb-categorical-ml``, ``nb-bernoulli-ml``), with the additive smoothing of a Dirichlet
posterior mean (eq. ``nb-dirichlet-mean``), are the ``fit`` of four estimators that mirror
scikit-learn's (same parameters, same fitted attributes, same ``var_smoothing`` and
``alpha``): :class:`GaussianNB`, :class:`MultinomialNB`, :class:`BernoulliNB`,
:class:`CategoricalNB`. :func:`dirichlet_posterior_mean` and :func:`dirichlet_map` are the
two smoothed estimates of a categorical distribution the chapter compares (the posterior mean
under a Dirichlet(alpha) prior is the mode under Dirichlet(alpha + 1)), and
:func:`calibration_curve` the reliability diagram's points.

Symbols
-------
=============  ===================================================================  ===========
symbol         meaning                                                              shape
=============  ===================================================================  ===========
``X``          features, one sample per row (counts for the multinomial model,     ``(n, D)``
               category indices 0, 1, ... for the categorical one)
``y``          class labels (any type ``np.unique`` can sort)                       ``(n,)``
``K``          number of classes
``pi``         class prior :math:`\pi_k` (``class_prior_``)                         ``(K,)``
``theta_``     Gaussian means :math:`\mu_{kj}`                                      ``(K, D)``
``var_``       Gaussian variances :math:`\sigma^2_{kj}` (+ ``epsilon_``)            ``(K, D)``
``alpha``      pseudo-count of additive smoothing (Dirichlet prior parameter)
=============  ===================================================================  ===========
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from derivlib._validation import (
    _show,
    as_array,
    as_labels,
    check_bool,
    check_positive,
    check_probability_vector,
    check_same_length,
)

__all__ = [
    "BernoulliNB",
    "CalibrationCurve",
    "CategoricalNB",
    "GaussianNB",
    "MultinomialNB",
    "calibration_curve",
    "dirichlet_map",
    "dirichlet_posterior_mean",
    "log_posterior",
]


# --------------------------------------------------------------------------- plain functions
def _log_posterior(log_prior: np.ndarray, log_likelihood: np.ndarray) -> np.ndarray:
    log_joint = log_prior + log_likelihood                              # a_k, eq. (nb-factorise)
    m = log_joint.max(axis=1, keepdims=True)                            # the largest a_k
    shifted = log_joint - m                                             # every exponent <= 0
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # eq. (nb-log-posterior)


def log_posterior(log_prior, log_likelihood) -> np.ndarray:
    r"""Normalised log class posteriors from log priors and per-class log-likelihoods.

    Parameters
    ----------
    log_prior : array_like, shape (K,)
        :math:`\log\pi_k`, finite.
    log_likelihood : array_like, shape (n, K)
        :math:`\log p(\mathbf x_n \mid y = k)` (for naive Bayes, the sum over the features),
        finite.

    Returns
    -------
    ndarray, shape (n, K)
        :math:`\log p(y = k \mid \mathbf x_n)`; each row's exponentials sum to 1.

    Notes
    -----
    Eq. ``nb-log-posterior``: the log-sum-exp subtracts the largest log joint before it
    exponentiates (as ``scipy.special.logsumexp`` does), so log-likelihoods of -10 000 (a
    long document) give the right answer where the product of probabilities would underflow
    to 0/0.

    Examples
    --------
    >>> np.exp(log_posterior(np.log([0.5, 0.5]), [[-1000.0, -1001.0]])).round(4)
    array([[0.7311, 0.2689]])
    """
    log_prior = as_array(log_prior, "log_prior", ndim=1)
    log_likelihood = as_array(log_likelihood, "log_likelihood", ndim=2)
    if log_likelihood.shape[1] != log_prior.shape[0]:
        raise ValueError(f"log_likelihood must have one column per class (len(log_prior) = "
                         f"{log_prior.shape[0]}), got shape {log_likelihood.shape}")
    return _log_posterior(log_prior, log_likelihood)


def _check_counts(counts, name: str) -> np.ndarray:
    counts = as_array(counts, name, ndim=(1, 2))
    if np.any(counts < 0):
        raise ValueError(f"{name} must be non-negative counts, got minimum {counts.min():.6g}")
    return counts


def _check_alpha(alpha, minimum: float = 0.0) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number, got {_show(alpha)}")
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha < minimum:
        raise ValueError(f"alpha must be a finite number >= {minimum:g}, got {alpha!r}")
    return alpha


def dirichlet_posterior_mean(counts, alpha=1.0) -> np.ndarray:
    r"""Posterior mean of a categorical distribution under a symmetric Dirichlet prior.

    Parameters
    ----------
    counts : array_like, shape (K,) or (m, K)
        Non-negative counts :math:`n_k` of each category (one distribution per row).
    alpha : float, default 1.0
        Dirichlet parameter :math:`\alpha \ge 0` (the pseudo-count); 1 is Laplace's rule of
        succession, 0 the maximum-likelihood estimate :math:`n_k / N`.

    Returns
    -------
    ndarray, same shape as ``counts``
        :math:`(n_k + \alpha) / (N + K\alpha)`, eq. ``nb-dirichlet-mean``: scikit-learn's
        smoothed estimate with pseudo-count ``alpha``.

    Examples
    --------
    >>> dirichlet_posterior_mean([3, 0, 1], alpha=1.0)
    array([0.57142857, 0.14285714, 0.28571429])
    """
    counts = _check_counts(counts, "counts")
    alpha = _check_alpha(alpha)
    K = counts.shape[-1]
    total = counts.sum(axis=-1, keepdims=True) + K * alpha
    if np.any(total == 0):
        raise ValueError("counts must have a positive total in every row when alpha = 0 "
                         "(the maximum-likelihood estimate n_k / N is 0/0 for no data)")
    return (counts + alpha) / total                                     # eq. (nb-dirichlet-mean)


def dirichlet_map(counts, alpha=2.0) -> np.ndarray:
    r"""Mode (MAP estimate) of a categorical distribution's Dirichlet posterior.

    Parameters
    ----------
    counts : array_like, shape (K,) or (m, K)
        Non-negative counts :math:`n_k`.
    alpha : float, default 2.0
        Dirichlet parameter, :math:`\alpha \ge 1` (below 1 the posterior density is unbounded
        at the boundary of the simplex wherever a count is 0, and has no interior mode);
        1 is the maximum-likelihood estimate.

    Returns
    -------
    ndarray, same shape as ``counts``
        :math:`(n_k + \alpha - 1) / (N + K(\alpha - 1))`, eq. ``nb-dirichlet-map``. With
        ``alpha = a + 1`` it equals :func:`dirichlet_posterior_mean` with ``alpha = a``.

    Examples
    --------
    >>> dirichlet_map([3, 0, 1], alpha=2.0)
    array([0.57142857, 0.14285714, 0.28571429])
    """
    counts = _check_counts(counts, "counts")
    alpha = _check_alpha(alpha, minimum=1.0)
    K = counts.shape[-1]
    total = counts.sum(axis=-1, keepdims=True) + K * (alpha - 1.0)
    if np.any(total == 0):
        raise ValueError("counts must have a positive total in every row when alpha = 1 "
                         "(the maximum-likelihood estimate n_k / N is 0/0 for no data)")
    return (counts + alpha - 1.0) / total                               # eq. (nb-dirichlet-map)


class CalibrationCurve(NamedTuple):
    """Output of :func:`calibration_curve`: one point per non-empty bin."""

    prob_true: np.ndarray  # fraction of positives in the bin
    prob_pred: np.ndarray  # mean predicted probability in the bin
    counts: np.ndarray  # number of samples in the bin


def calibration_curve(y, prob, *, n_bins=10) -> CalibrationCurve:
    """The points of a reliability diagram: observed frequency against predicted probability.

    Parameters
    ----------
    y : array_like, shape (n,)
        Binary outcomes, 0 or 1 (for a multi-class model: 1 where the sample is of the class).
    prob : array_like, shape (n,)
        Predicted probabilities of the outcome 1, in [0, 1].
    n_bins : int, default 10
        Number of equal-width bins of [0, 1].

    Returns
    -------
    CalibrationCurve
        ``prob_true``, ``prob_pred`` and ``counts`` of the non-empty bins, in increasing order
        of the bin (scikit-learn's ``calibration_curve(..., strategy="uniform")``). A
        calibrated model has ``prob_true`` close to ``prob_pred``.
    """
    y = as_array(y, "y", ndim=1)
    prob = as_array(prob, "prob", ndim=1)
    check_same_length(y, prob, "y", "prob")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y must hold binary outcomes 0 or 1, got {_show(np.unique(y))}")
    if np.any((prob < 0) | (prob > 1)):
        raise ValueError(f"prob must be probabilities in [0, 1], got the range "
                         f"[{prob.min():.6g}, {prob.max():.6g}]")
    n_bins = check_positive(n_bins, "n_bins", integer=True)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bin_of = np.searchsorted(edges[1:-1], prob)  # the last bin includes 1
    counts = np.bincount(bin_of, minlength=n_bins)
    sum_prob = np.bincount(bin_of, weights=prob, minlength=n_bins)
    sum_true = np.bincount(bin_of, weights=y, minlength=n_bins)
    filled = counts > 0
    return CalibrationCurve(sum_true[filled] / counts[filled], sum_prob[filled] / counts[filled],
                            counts[filled])


# --------------------------------------------------------------------------- shared plumbing
def _fit_labels(X, y, finite: bool = True):
    """Validate ``X`` and ``y``; return X, the classes, the class codes and their one-hot.

    ``finite=False`` leaves the finiteness of X to the caller (see ``_fitted_X``).
    """
    X = as_array(X, "X", ndim=2, finite=finite)
    classes, codes = as_labels(y, "y")
    check_same_length(X, codes, "X", "y")
    Y = np.zeros((len(codes), len(classes)))
    Y[np.arange(len(codes)), codes] = 1.0                               # one-hot targets
    return X, classes, codes, Y


def _class_log_prior(class_count, class_prior, fit_prior, name="class_prior"):
    """log pi_k: given, the class frequencies (eq. nb-prior-ml), or uniform."""
    K = len(class_count)
    fit_prior = check_bool(fit_prior, "fit_prior")
    if class_prior is not None:
        prior = check_probability_vector(class_prior, name)
        if prior.ndim != 1 or len(prior) != K:
            raise ValueError(f"{name} must have one entry per class ({K}), got shape "
                             f"{prior.shape}")
        if np.any(prior == 0):
            raise ValueError(f"{name} must be positive (a zero prior rules a class out), got "
                             f"{_show(prior)}")
        return np.log(prior)
    if fit_prior:
        return np.log(class_count) - np.log(class_count.sum())           # eq. (nb-prior-ml)
    return np.full(K, -np.log(K))


def _fitted_X(model, X, what: str = "features", finite: bool = True) -> np.ndarray:
    """Validate X for a fitted estimator: fitted first, then as many columns as in fit.

    ``finite=False`` leaves the finiteness of X to the caller, who checks it on a result
    (one pass over X fewer).
    """
    if not hasattr(model, "classes_"):
        raise ValueError(f"this {type(model).__name__} is not fitted yet; call fit(X, y) first")
    X = as_array(X, "X", ndim=2, finite=finite)
    if X.shape[1] != model.n_features_in_:
        raise ValueError(f"X must have {model.n_features_in_} {what} (as in fit), got "
                         f"{X.shape[1]}")
    return X


def _clear_fitted(model) -> None:
    """Delete the attributes of an earlier fit (names ending in ``_``)."""
    for name in [k for k in vars(model) if k.endswith("_") and not k.startswith("__")]:
        delattr(model, name)


def _check_nonnegative(X, name="X") -> np.ndarray:
    lowest = X.min()  # X is not empty: as_array refused that
    if np.isnan(lowest):
        raise ValueError(f"{name} must be finite, got NaN value(s)")
    if lowest < 0:
        raise ValueError(f"{name} must hold non-negative counts, got minimum {lowest:.6g}")
    return X


def _smoothed_log(count, total, alpha, what):
    """log((count + alpha) / total) with a clear error where alpha = 0 meets a zero count."""
    if alpha == 0 and np.any(count == 0):
        raise ValueError(f"alpha = 0 (the maximum-likelihood estimate) gives probability 0 to "
                         f"{what} never seen in a class, and log 0 = -inf; use alpha > 0")
    return np.log(count + alpha) - np.log(total)


class _Predictions:
    """``predict_log_proba``, ``predict_proba`` and ``predict`` from ``_log_likelihood``."""

    def predict_log_proba(self, X) -> np.ndarray:
        """Log class posteriors, eq. ``nb-log-posterior``, shape ``(n, K)``."""
        log_likelihood = self._log_likelihood(X)  # checks that fit was called first
        return _log_posterior(self.class_log_prior_, log_likelihood)

    def predict_proba(self, X) -> np.ndarray:
        """Class posteriors :math:`p(y = k \\mid \\mathbf x_n)`, shape ``(n, K)``."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        """The class of largest posterior (equivalently, of largest log joint), shape ``(n,)``."""
        log_likelihood = self._log_likelihood(X)  # checks that fit was called first
        log_joint = self.class_log_prior_ + log_likelihood
        return self.classes_[np.argmax(log_joint, axis=1)]


# --------------------------------------------------------------------------- estimators
class GaussianNB(_Predictions):
    r"""Gaussian naive Bayes: each feature Gaussian given the class, scikit-learn style.

    Parameters
    ----------
    priors : array_like of shape (K,), optional
        Class priors (positive, summing to 1); by default the class frequencies.
    var_smoothing : float, default 1e-9
        As in scikit-learn: ``var_smoothing`` times the largest variance of a feature (over
        all the data) is added to every variance, so that a feature constant within a class
        does not give a zero variance. 0 gives the maximum-likelihood variances.

    Attributes
    ----------
    classes_, class_count_, class_prior_, class_log_prior_ : ndarray, shape (K,)
    theta_ : ndarray, shape (K, D)
        Per-class means, eq. ``nb-gauss-ml``.
    var_ : ndarray, shape (K, D)
        Per-class maximum-likelihood variances (divided by the class count) plus ``epsilon_``.
    epsilon_ : float
    n_features_in_ : int

    Examples
    --------
    >>> X = [[0.0], [0.2], [1.0], [1.3]]
    >>> GaussianNB().fit(X, [0, 0, 1, 1]).predict([[0.1], [1.1]])
    array([0., 1.])
    """

    def __init__(self, *, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y):
        """Per-class means and variances, eq. ``nb-gauss-ml``; returns ``self``."""
        _clear_fitted(self)
        X, classes, codes, Y = _fit_labels(X, y)
        var_smoothing = check_positive(self.var_smoothing, "var_smoothing", strict=False)
        K, D = len(classes), X.shape[1]
        theta, var = np.empty((K, D)), np.empty((K, D))
        for k in range(K):
            X_k = X[codes == k]
            theta[k] = X_k.mean(axis=0)                                 # eq. (nb-gauss-ml)
            var[k] = ((X_k - theta[k]) ** 2).mean(axis=0)               # eq. (nb-gauss-ml)
        count = Y.sum(axis=0)
        weight = (count / count.sum())[:, None]
        overall_mean = np.sum(weight * theta, axis=0)
        # the variance of each feature over all the data, by the law of total variance
        # (within-class plus between-class), without another pass over X
        overall_var = np.sum(weight * (var + (theta - overall_mean) ** 2), axis=0)
        epsilon = var_smoothing * float(overall_var.max())
        var += epsilon
        if np.any(var == 0):
            k, j = np.argwhere(var == 0)[0]
            raise ValueError(f"feature {j} is constant in class {classes[k]!r}: its variance "
                             f"is 0 and its density infinite; use var_smoothing > 0")
        self.class_count_ = count
        self.class_log_prior_ = _class_log_prior(self.class_count_, self.priors, True,
                                                 "priors")
        self.class_prior_ = np.exp(self.class_log_prior_)
        self.classes_, self.theta_, self.var_, self.epsilon_ = classes, theta, var, epsilon
        self.center_ = overall_mean  # for the fast log-likelihood only
        self.n_features_in_ = D
        return self

    def _log_likelihood(self, X) -> np.ndarray:
        """log p(x_n | y = k) = sum_j log N(x_nj | mu_kj, sigma2_kj), shape (n, K).

        The squares are expanded, sum_j (x_j - mu_kj)^2 / sigma2_kj = sum_j x_j^2 / sigma2_kj
        - 2 sum_j x_j mu_kj / sigma2_kj + sum_j mu_kj^2 / sigma2_kj, so that the work is two
        matrix products instead of K passes over X; X is centred on the training mean first,
        so that the cancellation of the expansion stays at the level of the spread of the
        data, not of its offset (``_textbook_log_likelihood`` is the plain loop; the tests
        check that the two agree).
        """
        X = _fitted_X(self, X) - self.center_
        mu = self.theta_ - self.center_
        precision = 1.0 / self.var_
        squares = (X**2) @ precision.T - 2.0 * X @ (mu * precision).T + np.sum(mu**2 * precision,
                                                                               axis=1)
        return -0.5 * np.sum(np.log(2 * np.pi * self.var_), axis=1) - 0.5 * squares

    def _textbook_log_likelihood(self, X) -> np.ndarray:
        """The plain loop over the classes, eq. (nb-factorise) with Gaussian factors."""
        X = _fitted_X(self, X)
        out = np.empty((X.shape[0], len(self.classes_)))
        for k in range(len(self.classes_)):
            out[:, k] = (-0.5 * np.sum(np.log(2 * np.pi * self.var_[k]))
                         - 0.5 * np.sum((X - self.theta_[k]) ** 2 / self.var_[k], axis=1))
        return out


class MultinomialNB(_Predictions):
    r"""Multinomial naive Bayes for count features (word counts), scikit-learn style.

    Parameters
    ----------
    alpha : float, default 1.0
        Additive (Lidstone) smoothing, the pseudo-count of eq. ``nb-dirichlet-mean``; 1 is
        Laplace smoothing, 0 maximum likelihood (refused where a count is 0). As
        scikit-learn's ``alpha`` with ``force_alpha=True`` (its default).
    fit_prior : bool, default True
        Class priors from the class frequencies; False: uniform.
    class_prior : array_like of shape (K,), optional
        Given class priors (positive, summing to 1).

    Attributes
    ----------
    classes_, class_count_, class_log_prior_ : ndarray, shape (K,)
    feature_count_ : ndarray, shape (K, D)
        Total count of each feature in each class.
    feature_log_prob_ : ndarray, shape (K, D)
        :math:`\log\theta_{kj}`, eq. ``nb-multinomial-ml`` smoothed.
    n_features_in_ : int

    Examples
    --------
    >>> X = [[3, 0, 1], [2, 1, 0], [0, 2, 3], [1, 3, 2]]
    >>> model = MultinomialNB(alpha=1.0).fit(X, ["a", "a", "b", "b"])
    >>> np.exp(model.feature_log_prob_).round(3)
    array([[0.6  , 0.2  , 0.2  ],
           [0.143, 0.429, 0.429]])
    >>> model.predict([[0, 1, 4]])
    array(['b'], dtype='<U1')
    """

    def __init__(self, *, alpha=1.0, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def fit(self, X, y):
        """Smoothed word frequencies per class, eq. ``nb-multinomial-ml``; returns ``self``."""
        _clear_fitted(self)
        X, classes, _, Y = _fit_labels(X, y, finite=False)
        _check_nonnegative(X)  # NaN and -inf refused here
        alpha = _check_alpha(self.alpha)
        with np.errstate(invalid="ignore"):  # 0 * inf where X holds +inf: refused below
            self.feature_count_ = Y.T @ X                              # N_kj: counts per class
        if not np.all(np.isfinite(self.feature_count_)):  # +inf in X: a one-hot Y spreads it
            _clear_fitted(self)
            raise ValueError("X must be finite, got NaN or infinite value(s)")
        smoothed_total = self.feature_count_.sum(axis=1, keepdims=True) + alpha * X.shape[1]
        self.feature_log_prob_ = _smoothed_log(self.feature_count_, smoothed_total, alpha,
                                               "a feature")            # eq. (nb-multinomial-ml)
        self.class_count_ = Y.sum(axis=0)
        self.class_log_prior_ = _class_log_prior(self.class_count_, self.class_prior,
                                                 self.fit_prior)
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        return self

    def _log_likelihood(self, X) -> np.ndarray:
        """sum_j x_nj log theta_kj (the multinomial coefficient cancels), shape (n, K)."""
        X = _check_nonnegative(_fitted_X(self, X, finite=False))  # NaN, -inf: refused here
        log_likelihood = X @ self.feature_log_prob_.T
        # every log theta_kj is finite and negative, so an infinite or NaN entry of X gives
        # a non-finite entry of the product: the check on it is the check on X, and cheaper
        if not np.all(np.isfinite(log_likelihood)):
            raise ValueError("X must be finite, got NaN or infinite value(s)")
        return log_likelihood


class BernoulliNB(_Predictions):
    r"""Bernoulli naive Bayes for binary features (word present or absent), scikit-learn style.

    Parameters
    ----------
    alpha : float, default 1.0
        Additive smoothing: :math:`\hat\theta_{kj} = (N_{kj} + \alpha) / (N_k + 2\alpha)`.
    binarize : float or None, default 0.0
        Threshold: a feature is 1 where it is greater than ``binarize``. None: ``X`` must
        already hold 0 and 1.
    fit_prior : bool, default True
    class_prior : array_like of shape (K,), optional

    Attributes
    ----------
    classes_, class_count_, class_log_prior_ : ndarray, shape (K,)
    feature_count_ : ndarray, shape (K, D)
        :math:`N_{kj}`, the number of samples of class k in which feature j is present.
    feature_log_prob_ : ndarray, shape (K, D)
        :math:`\log\hat\theta_{kj}`, eq. ``nb-bernoulli-ml`` smoothed.
    n_features_in_ : int

    Examples
    --------
    >>> X = [[1, 0], [1, 1], [0, 1], [0, 0]]
    >>> model = BernoulliNB(alpha=1.0, binarize=None).fit(X, [0, 0, 1, 1])
    >>> np.exp(model.feature_log_prob_)  # (N_kj + 1) / (N_k + 2)
    array([[0.75, 0.5 ],
           [0.25, 0.5 ]])
    """

    def __init__(self, *, alpha=1.0, binarize=0.0, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.binarize = binarize
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def _binary(self, X) -> np.ndarray:
        if self.binarize is None:
            if not np.all((X == 0) | (X == 1)):
                raise ValueError("X must hold 0 and 1 when binarize is None, got other values")
            return X
        if isinstance(self.binarize, bool) or not isinstance(self.binarize, numbers.Real) \
                or not np.isfinite(self.binarize):
            raise TypeError(f"binarize must be a finite real number or None, got "
                            f"{_show(self.binarize)}")
        return (X > self.binarize).astype(float)

    def fit(self, X, y):
        """Smoothed presence frequencies per class, eq. ``nb-bernoulli-ml``; returns ``self``."""
        _clear_fitted(self)
        X, classes, _, Y = _fit_labels(X, y)
        alpha = _check_alpha(self.alpha)
        X = self._binary(X)
        self.class_count_ = Y.sum(axis=0)
        self.feature_count_ = Y.T @ X                                  # N_kj: samples with x_j = 1
        total = self.class_count_[:, None] + 2 * alpha
        self.feature_log_prob_ = _smoothed_log(self.feature_count_, total, alpha,
                                               "a feature value")       # eq. (nb-bernoulli-ml)
        if alpha == 0 and np.any(self.feature_count_ == self.class_count_[:, None]):
            raise ValueError("alpha = 0 (the maximum-likelihood estimate) gives probability 0 "
                             "to a feature's absence never seen in a class, and log 0 = -inf; "
                             "use alpha > 0")
        self.class_log_prior_ = _class_log_prior(self.class_count_, self.class_prior,
                                                 self.fit_prior)
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        return self

    def _log_likelihood(self, X) -> np.ndarray:
        """sum_j [x_nj log theta_kj + (1 - x_nj) log(1 - theta_kj)], shape (n, K)."""
        X = self._binary(_fitted_X(self, X))
        log_absent = np.log1p(-np.exp(self.feature_log_prob_))   # log(1 - theta): absent words
        return X @ (self.feature_log_prob_ - log_absent).T + log_absent.sum(axis=1)


class CategoricalNB(_Predictions):
    r"""Categorical naive Bayes: each feature a category 0, 1, ..., scikit-learn style.

    Parameters
    ----------
    alpha : float, default 1.0
        Additive smoothing: :math:`\hat\theta_{kjc} = (N_{kjc} + \alpha) / (N_k + C_j\alpha)`
        with :math:`C_j` the number of categories of feature j.
    fit_prior : bool, default True
    class_prior : array_like of shape (K,), optional
    min_categories : int, optional
        At least this many categories per feature (0, ..., ``min_categories`` - 1), so that a
        category absent from the training data can still be predicted; by default the
        largest category seen, plus 1.

    Attributes
    ----------
    classes_, class_count_, class_log_prior_ : ndarray, shape (K,)
    n_categories_ : ndarray of int, shape (D,)
    category_count_ : list of D arrays of shape (K, C_j)
    feature_log_prob_ : list of D arrays of shape (K, C_j)
        :math:`\log\hat\theta_{kjc}`, eq. ``nb-categorical-ml`` smoothed.
    n_features_in_ : int

    Examples
    --------
    >>> model = CategoricalNB(alpha=1.0).fit([[0], [0], [2], [1], [2]], [0, 0, 0, 1, 1])
    >>> np.exp(model.feature_log_prob_[0]).round(3)  # (N_kjc + 1) / (N_k + 3)
    array([[0.5  , 0.167, 0.333],
           [0.2  , 0.4  , 0.4  ]])
    """

    def __init__(self, *, alpha=1.0, fit_prior=True, class_prior=None, min_categories=None):
        self.alpha = alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior
        self.min_categories = min_categories

    @staticmethod
    def _categories(X) -> np.ndarray:
        if np.any(X < 0) or np.any(X != np.round(X)):
            raise ValueError("X must hold category indices 0, 1, 2, ... (non-negative "
                             "integers), got other values")
        return X.astype(np.intp)

    def fit(self, X, y):
        """Smoothed category frequencies per class, eq. ``nb-categorical-ml``; returns ``self``."""
        _clear_fitted(self)
        X, classes, _, Y = _fit_labels(X, y)
        alpha = _check_alpha(self.alpha)
        Xc = self._categories(X)
        n_categories = Xc.max(axis=0) + 1
        if self.min_categories is not None:
            minimum = check_positive(self.min_categories, "min_categories", integer=True)
            n_categories = np.maximum(n_categories, minimum)
        self.class_count_ = Y.sum(axis=0)
        self.category_count_, self.feature_log_prob_ = [], []
        for j, C_j in enumerate(n_categories):
            count = Y.T @ np.eye(C_j)[Xc[:, j]]                     # N_kjc, shape (K, C_j)
            total = count.sum(axis=1, keepdims=True) + alpha * C_j
            self.category_count_.append(count)
            self.feature_log_prob_.append(_smoothed_log(count, total, alpha, "a category"))
        self.class_log_prior_ = _class_log_prior(self.class_count_, self.class_prior,
                                                 self.fit_prior)
        self.classes_, self.n_categories_ = classes, n_categories
        self.n_features_in_ = X.shape[1]
        return self

    def _log_likelihood(self, X) -> np.ndarray:
        """sum_j log theta_{k j x_nj}, shape (n, K)."""
        Xc = self._categories(_fitted_X(self, X))
        unseen = Xc >= self.n_categories_
        if np.any(unseen):
            n, j = np.argwhere(unseen)[0]
            raise ValueError(f"X has category {Xc[n, j]} in feature {j}, but fit saw only "
                             f"{self.n_categories_[j]} categories (0..{self.n_categories_[j] - 1})"
                             f"; raise min_categories")
        out = np.zeros((Xc.shape[0], len(self.classes_)))
        for j, log_theta in enumerate(self.feature_log_prob_):
            out += log_theta.T[Xc[:, j]]  # row x_nj of the (C_j, K) table, for every n
        return out
