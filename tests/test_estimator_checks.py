"""Estimator checks in the style of scikit-learn's ``check_estimator``, run over every
public function and estimator of derivlib's chapter modules (issue 10, "the library
never lies").

How it works
------------
``REGISTRY`` holds, for every public callable, one (or a few) *cases*: a factory
``make()`` returning the keyword arguments of one small valid call, built from a fixed
seed, and optionally ``run`` (how an estimator is driven: construct, ``fit``, then its
prediction methods). The arguments of that call are classified by their value:

* a NumPy array is an *array argument*; so is an array field of a NamedTuple argument
  (``ssm.A``, ``emission.B``), substituted inside the NamedTuple;
* a real number (not a bool) is a *scalar parameter*; a bool a *bool parameter*; a string
  (or a tuple of strings, e.g. kalman's ``fit``) a *choice parameter*.

From that classification the checks are generated:

* array argument: numeric strings of the same shape, complex values, NaN in one entry, +inf
  in one entry, an empty array (0 along the first axis), a wrong number of dimensions (a
  trailing axis of length 1, e.g. ``y`` as an ``(n, 1)`` column); and, for the arguments
  a case lists in ``mismatch``, one entry too many along the last axis (the message may
  then name either side of the disagreement, any array argument of the call);
* scalar parameter: NaN, inf, a numeric string (``str(value)``), ``True``;
* bool parameter: ``'no'``, ``1``, ``None``;
* choice parameter: an unknown choice;

each must raise ``TypeError`` or ``ValueError`` whose message names the argument (as a
whole word; for a NamedTuple field, the field or the NamedTuple's parameter). Per case
also: the valid call itself runs without warnings; no returned array (inside NamedTuples,
lists, and fitted estimators' attributes too) shares memory with an input array; the
caller's arrays are not modified; every float in the result is finite; float32 input is
accepted and gives results close to float64's.

A refusal check that does not apply (a documented exception: ``C = np.inf`` means "no
penalty", labels may be any sortable type, ...) is listed in the case's ``exempt`` with
its reason. It is not skipped (the repository counts a skip as a failure, see
``conftest.py``) but turned around: ``test_documented_exception_is_accepted`` checks that
the documented behaviour holds, so an exemption cannot hide a defect or go stale. Nothing
is skipped or xfailed: a failure here is a real defect of the module (or a registry entry
to correct).

Every refusal check first makes sure the valid call of its case works, so a broken factory
cannot make the refusal checks pass vacuously.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import numbers
import re
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pytest

from derivlib.foundations import gaussian, mle_kl, sample_variance
from derivlib.graphical_models import bayesian_networks as bn
from derivlib.graphical_models import belief_propagation as bp
from derivlib.graphical_models import naive_bayes as nb
from derivlib.graphical_models import semi_naive_bayes as snb
from derivlib.linear_models import linear_regression as linreg
from derivlib.linear_models import logistic_regression as logreg
from derivlib.linear_models import svm
from derivlib.sequences import hmm, kalman

MODULES = (
    "derivlib.foundations.gaussian",
    "derivlib.foundations.sample_variance",
    "derivlib.foundations.mle_kl",
    "derivlib.linear_models.linear_regression",
    "derivlib.linear_models.logistic_regression",
    "derivlib.linear_models.svm",
    "derivlib.sequences.hmm",
    "derivlib.sequences.kalman",
    "derivlib.graphical_models.semi_naive_bayes",
    "derivlib.graphical_models.bayesian_networks",
    "derivlib.graphical_models.naive_bayes",
    "derivlib.graphical_models.belief_propagation",
)

# --------------------------------------------------------------------------------------
# Public names that are not callables to check, each with the reason.
# --------------------------------------------------------------------------------------

_RESULT = "NamedTuple result class: plain data, no validation or computation of its own"
_CONTAINER = ("NamedTuple parameter container (construction does no validation); its "
              "array fields are substituted inside every call that takes it")
_WARNING = "warning class re-exported from derivlib._convergence (no behaviour to check)"

EXCLUDED: dict[str, str] = {
    "derivlib.foundations.gaussian.Gaussian": _RESULT,
    "derivlib.foundations.gaussian.GaussianProduct": _RESULT,
    "derivlib.foundations.sample_variance.EstimatorDraws": _RESULT,
    "derivlib.linear_models.linear_regression.GaussianPosterior": _RESULT,
    "derivlib.foundations.mle_kl.GaussianFit": _RESULT,
    "derivlib.foundations.mle_kl.MixtureMoments": _RESULT,
    "derivlib.linear_models.linear_regression.GradientDescentResult": _RESULT,
    "derivlib.linear_models.linear_regression.LMSResult": _RESULT,
    "derivlib.linear_models.linear_regression.Predictive": _RESULT,
    "derivlib.linear_models.linear_regression.LassoResult": _RESULT,
    "derivlib.linear_models.linear_regression.LinearFit": _RESULT,
    "derivlib.linear_models.logistic_regression.ConvergenceWarning": _WARNING,
    "derivlib.linear_models.logistic_regression.SeparationWarning": _WARNING,
    "derivlib.linear_models.logistic_regression.LogisticFit": _RESULT,
    "derivlib.linear_models.logistic_regression.SoftmaxFit": _RESULT,
    "derivlib.linear_models.svm.SMOResult": _RESULT,
    "derivlib.linear_models.svm.SVRResult": _RESULT,
    "derivlib.linear_models.svm.PairUpdate": _RESULT,
    "derivlib.linear_models.svm.WorkingSet": _RESULT,
    "derivlib.linear_models.logistic_regression.NewtonStep": _RESULT,
    "derivlib.linear_models.logistic_regression.LinearDiscriminant": _RESULT,
    "derivlib.linear_models.logistic_regression.SparseLogisticFit": _RESULT,
    "derivlib.linear_models.logistic_regression.LaplacePosterior": _RESULT,
    "derivlib.sequences.hmm.BaumWelchStep": _RESULT,
    "derivlib.sequences.hmm.BaumWelchResult": _RESULT,
    "derivlib.sequences.hmm.Forward": _RESULT,
    "derivlib.sequences.hmm.HMMSample": _RESULT,
    "derivlib.sequences.hmm.Posterior": _RESULT,
    "derivlib.sequences.hmm.ViterbiResult": _RESULT,
    "derivlib.sequences.hmm.Categorical": _CONTAINER,
    "derivlib.sequences.hmm.Gaussian": _CONTAINER,
    "derivlib.sequences.kalman.EMResult": _RESULT,
    "derivlib.sequences.kalman.EMStep": _RESULT,
    "derivlib.sequences.kalman.FilterResult": _RESULT,
    "derivlib.sequences.kalman.Innovations": _RESULT,
    "derivlib.sequences.kalman.Sample": _RESULT,
    "derivlib.sequences.kalman.SmootherResult": _RESULT,
    "derivlib.sequences.kalman.LinearGaussianSSM": _CONTAINER,
    "derivlib.graphical_models.bayesian_networks.HillClimbResult": _RESULT,
    "derivlib.graphical_models.bayesian_networks.JointTable": _RESULT,
    "derivlib.graphical_models.bayesian_networks.Network": _RESULT,
    "derivlib.graphical_models.naive_bayes.CalibrationCurve": _RESULT,
    "derivlib.graphical_models.belief_propagation.BeliefResult": _RESULT,
    "derivlib.graphical_models.belief_propagation.BruteForce": _RESULT,
    "derivlib.graphical_models.belief_propagation.ChainResult": _RESULT,
    "derivlib.graphical_models.belief_propagation.LoopyResult": _RESULT,
    "derivlib.graphical_models.belief_propagation.MAPResult": _RESULT,
    "derivlib.graphical_models.belief_propagation.Factor": (
        "NamedTuple container of one factor (scope, table); factor_graph validates it"),
    "derivlib.graphical_models.belief_propagation.FactorGraph": (
        "NamedTuple container built and validated by factor_graph (its case); every "
        "algorithm re-validates it"),
}


# --------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Case:
    """One small valid call of a public callable, and what does not apply to it.

    ``make()`` returns the keyword arguments (fresh arrays at every call). ``run(**kwargs)``
    performs the call (default: ``target(**kwargs)``). ``exempt`` maps ``(kind, param)`` to
    the reason a generated check does not apply (``kind`` ``"*"``: every check of that
    parameter). ``names`` maps a parameter to the names its error message may use instead
    (``X_new`` of an estimator's ``predict`` is called ``X``). ``fields`` restricts which
    fields of a NamedTuple argument are substituted (the others are documented as unused).
    ``mismatch`` lists the array arguments whose last axis is tied to another argument
    (``y`` to ``X``, ``w`` to ``X``'s columns, ``X_new`` to the fitted ``X``): they also get
    one entry too many along it.
    """

    id: str
    target: object
    make: Callable[[], dict]
    run: Callable | None = None
    exempt: Mapping[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    names: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    fields: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    mismatch: tuple[str, ...] = ()

    def call(self, kwargs):
        return (self.run or self.target)(**kwargs)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _fit_predict(cls, methods):
    """Drive an estimator: ``cls(**params).fit(X, y)``, then each method on ``X_new``."""
    def run(X, y, X_new, **params):
        est = cls(**params)
        fitted = est.fit(X, y)
        assert fitted is est
        return est, {m: getattr(est, m)(X_new) for m in methods}
    run.__name__ = f"fit_predict_{cls.__name__}"
    return run


_ESTIMATOR_NAMES = {"X_new": ("X", "X_new")}

# reasons shared by several cases
_C_INF = "C = np.inf is documented as 'no penalty' (the unregularised fit)"
_LABELS = ("labels may be of any type np.unique can sort, strings included (documented), so "
           "numeric strings are valid labels (complex ones are not: complex is refused "
           "everywhere)")
_ANY_SHAPE = "documented for input of any shape (elementwise), so no ndim is wrong"


# -- data ------------------------------------------------------------------------------

def _regression():
    rng = _rng(1)
    X = rng.normal(size=(12, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=12)
    return X, y


def _binary(n=20, labels=(0.0, 1.0)):
    """Two overlapping Gaussian clouds (not separable), labels as floats."""
    rng = _rng(2)
    y = np.array([labels[i % 2] for i in range(n)])
    sign = np.where(np.arange(n) % 2 == 0, -1.0, 1.0)
    X = rng.normal(size=(n, 2)) + 0.8 * sign[:, None]
    return X, y


def _three_classes(n=24):
    rng = _rng(3)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 1.5], [1.3, -0.8], [-1.3, -0.8]])
    X = centres[y] + rng.normal(size=(n, 2))
    return X, y.astype(float)


def _gaussian3():
    """A 3-D Gaussian: mean and a symmetric positive definite covariance."""
    mu = np.array([0.5, -1.0, 2.0])
    Sigma = np.array([[2.0, 0.6, -0.3], [0.6, 1.5, 0.2], [-0.3, 0.2, 1.0]])
    return mu, Sigma


def _linear_gaussian():
    mu, Sigma = _gaussian3()
    A = np.array([[1.0, 0.5, 0.0], [0.0, -1.0, 2.0]])
    return dict(mu=mu, Sigma=Sigma, A=A, b=np.array([0.1, -0.2]),
                R=np.array([[0.5, 0.1], [0.1, 0.4]]))


def _hmm_params():
    pi = np.array([0.6, 0.4])
    A = np.array([[0.8, 0.2], [0.3, 0.7]])
    B = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])
    return pi, A, B


def _hmm_symbols():
    pi, A, B = _hmm_params()
    return hmm.sample(pi, A, hmm.Categorical(B), 30, rng=4).x


def _hmm_gaussian(full=False):
    means = np.array([[-1.0, 0.0], [1.5, 0.5]])
    if full:
        covars = np.array([[[1.0, 0.2], [0.2, 0.8]], [[0.7, -0.1], [-0.1, 1.2]]])
    else:
        covars = np.array([[1.0, 0.8], [0.7, 1.2]])
    return hmm.Gaussian(means, covars)


def _hmm_gaussian_obs():
    pi, A, _ = _hmm_params()
    return np.asarray(hmm.sample(pi, A, _hmm_gaussian(), 30, rng=5).x, dtype=float)


def _b_obs():
    pi, A, B = _hmm_params()
    return hmm.categorical_likelihood(_hmm_symbols(), B)


def _ssm():
    return kalman.LinearGaussianSSM(
        A=np.array([[0.9, 0.2], [0.0, 0.7]]),
        C=np.array([[1.0, 0.5]]),
        Q=np.array([[0.2, 0.05], [0.05, 0.1]]),
        R=np.array([[0.3]]),
        mu0=np.array([0.5, -0.2]),
        V0=np.array([[1.0, 0.1], [0.1, 0.5]]),
    )


def _ssm_obs():
    return np.asarray(kalman.sample(_ssm(), 15, rng=6).x, dtype=float).reshape(15, 1)


def _ssm_B():
    return np.array([[1.0, 0.0], [0.5, -1.0]])  # d = 2 states, m = 2 inputs


def _ssm_u():
    return np.cos(np.arange(30.0)).reshape(15, 2)


def _nees_args():
    s = kalman.sample(_ssm(), 15, rng=6)
    f = kalman.kalman_filter(s.x, _ssm())
    return dict(z=s.z, mean=f.mean, cov=f.cov)


def _svm_problem():
    X, y01 = _binary(16)
    y = np.where(y01 > 0, 1.0, -1.0)
    K = svm.rbf_kernel(X, gamma=0.5)
    rng = _rng(7)
    C = 1.0
    alpha = rng.uniform(0.0, C, size=len(y))
    F = rng.normal(size=len(y))
    return X, y, K, alpha, F, C


def _working_set():
    X, y, K, alpha, F, C = _svm_problem()
    up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
    low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))
    return dict(F=F, up=up, low=low, diag=np.diag(K).copy(),
                column=lambda i: K[:, i].copy(), check_input=True)


def _bp_chain():
    rng = _rng(9)
    return rng.uniform(0.1, 1.0, size=(6, 3)), rng.uniform(0.1, 1.0, size=(5, 3, 3))


def _bp_tree_factors():
    """A small tree-structured factor graph: a pairwise, a three-way and a unary factor."""
    rng = _rng(10)
    cards = {"a": 2, "b": 3, "c": 2, "d": 2}
    factors = [(("a", "b"), rng.uniform(0.1, 1.0, size=(2, 3))),
               (("b", "c", "d"), rng.uniform(0.1, 1.0, size=(3, 2, 2))),
               (("d",), rng.uniform(0.1, 1.0, size=2))]
    return cards, factors


def _bp_tree():
    return bp.factor_graph(*_bp_tree_factors())


# -- the cases -------------------------------------------------------------------------

def _categorical(n=30, d=3):
    """Integer codes 0..2 with the second feature copied from the first half of the time."""
    rng = _rng(7)
    y = np.arange(n) % 2
    X = (rng.integers(0, 3, size=(n, d)) + y[:, None]) % 3
    X[::2, 1] = X[::2, 0]
    return X, y.astype(float)


def _snb_case(name, cls, methods, **params):
    Xc, yc = _categorical()
    return Case(name, cls,
                lambda: dict(X=Xc.copy(), y=yc.copy(), X_new=Xc[:5].copy(), **{
                    k: (v.copy() if isinstance(v, np.ndarray) else v)
                    for k, v in params.items()}),
                run=_fit_predict(cls, methods), names=_ESTIMATOR_NAMES,
                exempt={("strings", "y"): _LABELS}, mismatch=("y", "X_new"))


def _cases():
    X, y = _regression()
    d = X.shape[1]
    eta = 0.5 / np.linalg.norm(X, 2) ** 2
    w = np.array([0.8, -1.5, 0.2])
    lams = np.array([0.5, 0.1, 0.01])
    Xb, yb = _binary()
    X3, y3 = _three_classes()
    onehot = np.eye(3)[y3.astype(int)]
    pi, A, B = _hmm_params()
    svm_X, svm_y, svm_K, svm_alpha, svm_F, svm_C = _svm_problem()
    nb_counts = _rng(9).poisson(2.0, size=(24, 4)).astype(float)  # naive Bayes: word counts
    nb_categories = _rng(10).integers(0, 4, size=(24, 3)).astype(float)  # category indices

    sv = sample_variance
    cases = [
        # ---- foundations.gaussian
        Case("condition", gaussian.condition,
             lambda: dict(mu=_gaussian3()[0], Sigma=_gaussian3()[1], idx=[2],
                          values=np.array([1.5])),
             mismatch=("mu", "values")),
        Case("linear_gaussian_marginal", gaussian.linear_gaussian_marginal, _linear_gaussian,
             mismatch=("mu", "b")),
        Case("linear_gaussian_posterior", gaussian.linear_gaussian_posterior,
             lambda: dict(_linear_gaussian(), y=np.array([0.3, 1.0])),
             mismatch=("mu", "b", "y")),
        Case("logpdf", gaussian.logpdf,
             lambda: dict(x=_rng().normal(size=(5, 3)), mu=_gaussian3()[0],
                          Sigma=_gaussian3()[1]),
             mismatch=("x", "mu")),
        Case("marginal", gaussian.marginal,
             lambda: dict(mu=_gaussian3()[0], Sigma=_gaussian3()[1], idx=[0, 2]),
             mismatch=("mu",)),
        Case("ml_covariance", gaussian.ml_covariance,
             lambda: dict(X=_rng().normal(size=(6, 3)), ddof=1)),
        Case("product", gaussian.product,
             lambda: dict(mu1=_gaussian3()[0], Sigma1=_gaussian3()[1],
                          mu2=np.array([1.0, 0.0, -1.0]), Sigma2=np.diag([1.0, 2.0, 0.5])),
             mismatch=("mu1", "mu2")),
        # ---- foundations.sample_variance
        Case("expected_ml_variance", sv.expected_ml_variance, lambda: dict(sigma2=2.0, N=5)),
        Case("gaussian_log_likelihood[sv]", sv.gaussian_log_likelihood,
             lambda: dict(x=_rng().normal(size=8), mu=0.3, sigma2=1.5)),
        Case("ml_mean", sv.ml_mean, lambda: dict(x=_rng().normal(size=(4, 3)), axis=0),
             exempt={("ndim", "x"): "x may have any shape (documented)"}),
        Case("ml_variance", sv.ml_variance,
             lambda: dict(x=_rng().normal(size=(4, 3)), axis=0, mu=np.array([0.1, 0.0, -0.2])),
             # x may have any shape, but a known mu must then match it: an x of another ndim
             # disagrees with mu, and the message may name either
             names={"x": ("x", "mu")},
             mismatch=("mu",)),
        Case("ml_variance[mu scalar]", sv.ml_variance,
             lambda: dict(x=_rng().normal(size=6), mu=0.2),
             exempt={("ndim", "x"): "x may have any shape (documented)"}),
        Case("simulate_estimators", sv.simulate_estimators,
             lambda: dict(N=5, sigma=1.0, mu=0.0, n_trials=50, rng=0)),
        Case("unbiased_variance", sv.unbiased_variance,
             lambda: dict(x=_rng().normal(size=(4, 3)), axis=0),
             exempt={("ndim", "x"): "x may have any shape (documented)"}),
        Case("variance_of_ml_mean", sv.variance_of_ml_mean, lambda: dict(sigma2=2.0, N=5)),
        Case("variance_of_ml_variance", sv.variance_of_ml_variance,
             lambda: dict(sigma2=2.0, N=5)),
        Case("variance_of_unbiased_variance", sv.variance_of_unbiased_variance,
             lambda: dict(sigma2=2.0, N=5)),
        Case("variance_of_unbiased_variance[kurtosis]", sv.variance_of_unbiased_variance,
             lambda: dict(sigma2=2.0, N=5, excess_kurtosis=3.0)),
        Case("variance_of_ml_variance[kurtosis]", sv.variance_of_ml_variance,
             lambda: dict(sigma2=2.0, N=5, excess_kurtosis=6.0)),
        Case("variance_estimator_mse", sv.variance_estimator_mse,
             lambda: dict(sigma2=2.0, N=5, divisor=6.0, excess_kurtosis=3.0)),
        Case("mse_optimal_divisor", sv.mse_optimal_divisor,
             lambda: dict(N=5, excess_kurtosis=3.0)),
        Case("excess_kurtosis", sv.excess_kurtosis, lambda: dict(distribution="laplace")),
        Case("simulate_estimators[laplace]", sv.simulate_estimators,
             lambda: dict(N=5, sigma=1.0, mu=0.0, n_trials=50, rng=0, distribution="laplace")),

        # ---- foundations.mle_kl
        Case("binary_cross_entropy", mle_kl.binary_cross_entropy,
             lambda: dict(y=np.array([0.0, 1, 1, 0, 1, 0]), z=_rng().normal(size=6),
                          reduction="mean"),
             mismatch=("y", "z")),
        Case("binary_cross_entropy_grad", mle_kl.binary_cross_entropy_grad,
             lambda: dict(y=np.array([0.0, 1, 1, 0, 1, 0]), z=_rng().normal(size=6)),
             mismatch=("y", "z")),
        Case("gaussian_kl", mle_kl.gaussian_kl,
             lambda: dict(mu0=0.1, sigma0=1.2, mu1=-0.3, sigma1=0.8)),
        Case("gaussian_kl[arrays]", mle_kl.gaussian_kl,
             lambda: dict(mu0=np.array([0.1, 0.2]), sigma0=np.array([1.2, 0.9]),
                          mu1=np.array([-0.3, 0.0]), sigma1=np.array([0.8, 1.1])),
             exempt={("ndim", p): "broadcasting arrays of any shape are documented"
                     for p in ("mu0", "sigma0", "mu1", "sigma1")},
             mismatch=("mu0",)),
        Case("gaussian_nll", mle_kl.gaussian_nll,
             lambda: dict(y=_rng().normal(size=6), mu=_rng(1).normal(size=6), sigma2=1.3,
                          reduction="sum"),
             mismatch=("y", "mu")),
        Case("gaussian_nll_grad", mle_kl.gaussian_nll_grad,
             lambda: dict(y=_rng().normal(size=6), mu=_rng(1).normal(size=6),
                          sigma2=np.full(6, 1.3)),
             mismatch=("y", "mu", "sigma2")),
        Case("kl_divergence", mle_kl.kl_divergence,
             lambda: dict(p=np.array([0.2, 0.3, 0.5]), q=np.array([0.4, 0.4, 0.2])),
             mismatch=("p", "q")),
        Case("softmax_cross_entropy[one-hot]", mle_kl.softmax_cross_entropy,
             lambda: dict(Y=onehot.copy(), Z=_rng().normal(size=onehot.shape),
                          reduction="none"),
             mismatch=("Y", "Z")),
        Case("softmax_cross_entropy[labels]", mle_kl.softmax_cross_entropy,
             lambda: dict(Y=y3.astype(int), Z=_rng().normal(size=onehot.shape),
                          reduction="mean"),
             mismatch=("Y",)),
        Case("softmax_cross_entropy_grad", mle_kl.softmax_cross_entropy_grad,
             lambda: dict(Y=onehot.copy(), Z=_rng().normal(size=onehot.shape)),
             mismatch=("Y", "Z")),
        Case("squared_loss", mle_kl.squared_loss,
             lambda: dict(y=_rng().normal(size=6), y_hat=_rng(1).normal(size=6),
                          reduction="mean"),
             mismatch=("y", "y_hat")),
        Case("squared_loss_grad", mle_kl.squared_loss_grad,
             lambda: dict(y=_rng().normal(size=6), y_hat=_rng(1).normal(size=6)),
             mismatch=("y", "y_hat")),
        Case("gaussian_nll_hessian", mle_kl.gaussian_nll_hessian,
             lambda: dict(X=_rng().normal(size=(6, 2)), sigma2=1.3)),
        Case("binary_cross_entropy_hessian", mle_kl.binary_cross_entropy_hessian,
             lambda: dict(w=_rng(1).normal(size=2), b=0.2, X=_rng().normal(size=(6, 2))),
             mismatch=("w",)),
        Case("softmax_cross_entropy_hessian", mle_kl.softmax_cross_entropy_hessian,
             lambda: dict(W=_rng(1).normal(size=(2, 3)), b=_rng(2).normal(size=3),
                          X=_rng().normal(size=(6, 2))),
             mismatch=("b",)),
        Case("mixture_moments", mle_kl.mixture_moments,
             lambda: dict(weights=np.array([0.3, 0.7]), means=np.array([-1.0, 2.0]),
                          sigmas=np.array([0.5, 1.0])),
             mismatch=("means", "sigmas")),
        Case("mixture_kl", mle_kl.mixture_kl,
             lambda: dict(mu=0.5, sigma=1.2, weights=np.array([0.3, 0.7]),
                          means=np.array([-1.0, 2.0]), sigmas=np.array([0.5, 1.0]),
                          direction="reverse"),
             mismatch=("means",)),
        Case("forward_kl_gaussian_fit", mle_kl.forward_kl_gaussian_fit,
             lambda: dict(weights=np.array([0.3, 0.7]), means=np.array([-1.0, 2.0]),
                          sigmas=np.array([0.5, 1.0])),
             mismatch=("sigmas",)),
        Case("reverse_kl_gaussian_fit", mle_kl.reverse_kl_gaussian_fit,
             lambda: dict(weights=np.array([0.3, 0.7]), means=np.array([-1.0, 2.0]),
                          sigmas=np.array([0.5, 1.0]), mu_init=1.0, sigma_init=1.0,
                          n_grid=401, tol=1e-6, max_iter=200),
             mismatch=("means",)),
        Case("mutual_information", mle_kl.mutual_information,
             lambda: dict(P=np.array([[0.1, 0.2, 0.1], [0.3, 0.1, 0.2]]))),
        Case("gaussian_mutual_information", mle_kl.gaussian_mutual_information,
             lambda: dict(rho=0.6)),

        # ---- linear_models.linear_regression
        Case("bayesian_posterior", linreg.bayesian_posterior,
             lambda: dict(X=X.copy(), y=y.copy(), alpha=0.5, beta=2.0),
             mismatch=("y",)),
        Case("bayesian_predictive", linreg.bayesian_predictive,
             lambda: dict(mean=w.copy(), cov=0.1 * np.eye(d) + 0.01, X=X.copy(), beta=2.0),
             mismatch=("mean", "cov", "X")),
        Case("lms", linreg.lms,
             lambda: dict(X=X.copy(), y=y.copy(), eta=0.01, n_epochs=2, fit_intercept=True,
                          w_init=np.zeros(d)),
             mismatch=("y", "w_init")),
        Case("log_evidence", linreg.log_evidence,
             lambda: dict(X=X.copy(), y=y.copy(), alpha=0.5, beta=2.0),
             mismatch=("y",)),
        Case("gradient_descent[linreg]", linreg.gradient_descent,
             lambda: dict(X=X.copy(), y=y.copy(), eta=eta, n_steps=20, w_init=np.zeros(d)),
             mismatch=("y", "w_init")),
        Case("gradient_descent_step", linreg.gradient_descent_step,
             lambda: dict(w=w.copy(), X=X.copy(), y=y.copy(), eta=eta),
             mismatch=("y", "w")),
        Case("hat_matrix", linreg.hat_matrix, lambda: dict(X=X.copy(), fit_intercept=False)),
        Case("lasso", linreg.lasso,
             lambda: dict(X=X.copy(), y=y.copy(), lam=0.1, fit_intercept=True, tol=1e-6,
                          max_iter=500, method="auto", w_init=np.zeros(d)),
             mismatch=("y", "w_init")),
        Case("lasso_duality_gap", linreg.lasso_duality_gap,
             lambda: dict(w=w.copy(), X=X.copy(), y=y.copy(), lam=0.1, fit_intercept=True),
             mismatch=("y", "w")),
        Case("lasso_lam_max", linreg.lasso_lam_max,
             lambda: dict(X=X.copy(), y=y.copy(), fit_intercept=True),
             mismatch=("y",)),
        Case("lasso_objective", linreg.lasso_objective,
             lambda: dict(w=w.copy(), b=0.1, X=X.copy(), y=y.copy(), lam=0.1),
             mismatch=("y", "w")),
        Case("lasso_path", linreg.lasso_path,
             lambda: dict(X=X.copy(), y=y.copy(), lams=lams.copy(), fit_intercept=True,
                          tol=1e-8, max_iter=2000),
             mismatch=("y",)),
        Case("least_squares", linreg.least_squares,
             lambda: dict(X=X.copy(), y=y.copy(), fit_intercept=True, method="qr"),
             mismatch=("y",)),
        Case("lipschitz_constant", linreg.lipschitz_constant, lambda: dict(X=X.copy())),
        Case("noise_variance", linreg.noise_variance,
             lambda: dict(w=w.copy(), b=0.1, X=X.copy(), y=y.copy(), ddof=0),
             mismatch=("y", "w")),
        Case("ridge", linreg.ridge,
             lambda: dict(X=X.copy(), y=y.copy(), lam=0.5, fit_intercept=True),
             mismatch=("y",)),
        Case("ridge_path", linreg.ridge_path,
             lambda: dict(X=X.copy(), y=y.copy(), lams=lams.copy(), fit_intercept=True),
             mismatch=("y",)),
        Case("ridge_shrinkage", linreg.ridge_shrinkage,
             lambda: dict(X=X.copy(), lam=0.5, fit_intercept=True)),
        Case("soft_threshold", linreg.soft_threshold,
             lambda: dict(z=np.array([-3.0, -0.5, 0.0, 2.0]), gamma=1.0),
             exempt={("ndim", "z"): _ANY_SHAPE,
                     ("empty", "z"): "elementwise, documented: empty in, empty out"}),
        Case("textbook_lasso", linreg.textbook_lasso,
             lambda: dict(X=X.copy(), y=y.copy(), lam=0.1, fit_intercept=True, tol=1e-6,
                          max_iter=500),
             mismatch=("y",)),

        # ---- linear_models.logistic_regression
        Case("LogisticRegression", logreg.LogisticRegression,
             lambda: dict(X=Xb.copy(), y=yb.copy(), X_new=Xb[:5].copy(), C=1.0,
                          solver="irls", fit_intercept=True, tol=1e-8, max_iter=100),
             run=_fit_predict(logreg.LogisticRegression,
                              ("predict", "predict_proba", "decision_function")),
             names=_ESTIMATOR_NAMES,
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("LogisticRegression[gd]", logreg.LogisticRegression,
             lambda: dict(X=Xb.copy(), y=yb.copy(), X_new=Xb[:5].copy(), C=1.0,
                          solver="gd", fit_intercept=True, tol=1e-4, max_iter=5000),
             run=_fit_predict(logreg.LogisticRegression, ("predict_proba",)),
             names=_ESTIMATOR_NAMES,
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("SoftmaxRegression", logreg.SoftmaxRegression,
             lambda: dict(X=X3.copy(), y=y3.copy(), X_new=X3[:5].copy(), C=1.0,
                          method="newton", fit_intercept=True, tol=1e-8, max_iter=100),
             run=_fit_predict(logreg.SoftmaxRegression, ("predict", "predict_proba")),
             names=_ESTIMATOR_NAMES,
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("fit_softmax", logreg.fit_softmax,
             lambda: dict(X=X3.copy(), y=y3.copy(), C=1.0, fit_intercept=True,
                          method="lbfgs", tol=1e-6, max_iter=500),
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y",)),
        Case("irls", logreg.irls,
             lambda: dict(X=Xb.copy(), y=yb.copy(), C=1.0, fit_intercept=True, tol=1e-8,
                          max_iter=100),
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y",)),
        Case("textbook_irls", logreg.textbook_irls,
             lambda: dict(X=Xb.copy(), y=yb.copy(), C=1.0, fit_intercept=True, tol=1e-8,
                          max_iter=100),
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y",)),
        Case("gradient_descent[logreg]", logreg.gradient_descent,
             lambda: dict(X=Xb.copy(), y=yb.copy(), C=1.0, fit_intercept=True, eta=0.05,
                          tol=1e-4, max_iter=5000, warn=True),
             exempt={("inf", "C"): _C_INF, ("strings", "y"): _LABELS},
             mismatch=("y",)),
        Case("gradient", logreg.gradient,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy(), y=yb.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("w", "y")),
        # y is left out: hessian documents it as optional and ignored
        Case("hessian", logreg.hessian,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("w",)),
        Case("newton_step", logreg.newton_step,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy(), y=yb.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("w", "y")),
        Case("objective", logreg.objective,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy(), y=yb.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("w", "y")),
        Case("predict_proba", logreg.predict_proba,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy()),
             mismatch=("w",)),
        Case("sigmoid", logreg.sigmoid, lambda: dict(z=np.array([-2.0, 0.0, 0.5, 30.0])),
             exempt={("ndim", "z"): _ANY_SHAPE}),
        Case("sigmoid_derivative", logreg.sigmoid_derivative,
             lambda: dict(z=np.array([-2.0, 0.0, 0.5, 30.0])),
             exempt={("ndim", "z"): _ANY_SHAPE}),
        Case("softmax_gradient", logreg.softmax_gradient,
             lambda: dict(W=_rng().normal(size=(2, 3)), b=np.array([0.1, 0.0, -0.1]),
                          X=X3.copy(), y=y3.astype(int), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("W", "b", "y")),
        Case("softmax_hessian", logreg.softmax_hessian,
             lambda: dict(W=_rng().normal(size=(2, 3)), b=np.array([0.1, 0.0, -0.1]),
                          X=X3.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("W", "b")),
        Case("softmax_objective", logreg.softmax_objective,
             lambda: dict(W=_rng().normal(size=(2, 3)), b=np.array([0.1, 0.0, -0.1]),
                          X=X3.copy(), y=onehot.copy(), C=1.0),
             exempt={("inf", "C"): _C_INF},
             mismatch=("W", "b", "y")),
        Case("lda_weights", logreg.lda_weights,
             lambda: dict(means=np.array([[0.0, 1.0], [1.0, -0.5], [2.0, 0.5]]),
                          Sigma=np.array([[1.0, 0.3], [0.3, 0.8]]),
                          priors=np.array([0.2, 0.3, 0.5])),
             mismatch=("Sigma", "priors")),
        Case("fista", logreg.fista,
             lambda: dict(X=Xb.copy(), y=yb.copy(), C=0.5, l1_ratio=0.7, fit_intercept=True,
                          tol=1e-6, max_iter=5000),
             exempt={("strings", "y"): _LABELS},
             mismatch=("y",)),
        Case("elastic_net_objective", logreg.elastic_net_objective,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy(), y=yb.copy(), C=1.0,
                          l1_ratio=0.5),
             mismatch=("w", "y")),
        Case("laplace_posterior", logreg.laplace_posterior,
             lambda: dict(X=Xb.copy(), y=yb.copy(), S0=np.array([[2.0, 0.5], [0.5, 1.0]]),
                          m0=np.array([0.1, -0.1]), tol=1e-8, max_iter=100),
             mismatch=("y", "S0", "m0")),
        Case("predictive_probit", logreg.predictive_probit,
             lambda: dict(w=np.array([0.3, -0.2]), S=np.array([[0.5, 0.1], [0.1, 0.3]]),
                          X=Xb.copy()),
             mismatch=("w", "S")),
        Case("wald_standard_errors", logreg.wald_standard_errors,
             lambda: dict(w=np.array([0.3, -0.2]), b=0.1, X=Xb.copy()),
             mismatch=("w",)),
        Case("softmax_predict_proba", logreg.softmax_predict_proba,
             lambda: dict(W=_rng().normal(size=(2, 3)), b=np.array([0.1, 0.0, -0.1]),
                          X=X3.copy()),
             mismatch=("W", "b")),

        # ---- linear_models.svm
        Case("SVC", svm.SVC,
             lambda: dict(X=Xb.copy(), y=yb.copy(), X_new=Xb[:5].copy(), C=1.0,
                          kernel="rbf", gamma="scale", degree=3, coef0=0.0, tol=1e-6,
                          max_iter=20000),
             run=_fit_predict(svm.SVC, ("predict", "decision_function")),
             names=_ESTIMATOR_NAMES,
             exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("SVC[poly, gamma float]", svm.SVC,
             lambda: dict(X=Xb.copy(), y=yb.copy(), X_new=Xb[:5].copy(), C=0.5,
                          kernel="poly", gamma=0.5, degree=2, coef0=1.0, tol=1e-6,
                          max_iter=20000),
             run=_fit_predict(svm.SVC, ("decision_function",)),
             names=_ESTIMATOR_NAMES,
             exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("SVC[3 classes, one-versus-one]", svm.SVC,
             lambda: dict(X=X3.copy(), y=y3.copy(), X_new=X3[:5].copy(), C=1.0,
                          kernel="rbf", gamma=0.5, degree=3, coef0=0.0, tol=1e-6,
                          max_iter=20000),
             run=_fit_predict(svm.SVC, ("predict", "decision_function")),
             names=_ESTIMATOR_NAMES,
             exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("SVR", svm.SVR,
             lambda: dict(X=X.copy(), y=y.copy(), X_new=X[:5].copy(), C=1.0, epsilon=0.1,
                          kernel="rbf", gamma="scale", degree=3, coef0=0.0, tol=1e-6,
                          max_iter=20000),
             run=_fit_predict(svm.SVR, ("predict",)),
             names=_ESTIMATOR_NAMES,
             mismatch=("y", "X_new")),
        Case("SVR[linear, gamma float]", svm.SVR,
             lambda: dict(X=X.copy(), y=y.copy(), X_new=X[:5].copy(), C=2.0, epsilon=0.0,
                          kernel="linear", gamma=0.5, degree=3, coef0=0.0, tol=1e-6,
                          max_iter=20000),
             run=_fit_predict(svm.SVR, ("predict",)),
             names=_ESTIMATOR_NAMES,
             mismatch=("y", "X_new")),
        Case("svr", svm.svr,
             lambda: dict(X=X.copy(), y=y.copy(), C=1.0, epsilon=0.1, kernel="rbf", gamma=0.5,
                          degree=3, coef0=0.0, tol=1e-6, max_iter=20000,
                          precompute_limit=5000, cache_mb=10.0),
             mismatch=("y",)),
        Case("svr_dual_objective", svm.svr_dual_objective,
             lambda: dict(alpha=svm_alpha.copy(), alpha_star=svm_alpha[::-1].copy(),
                          y=svm_F.copy(), K=svm_K.copy(), epsilon=0.1),
             mismatch=("alpha", "alpha_star", "y", "K")),
        Case("epsilon_insensitive_loss", svm.epsilon_insensitive_loss,
             lambda: dict(y=np.array([0.0, 1.0, -2.0, 0.5]),
                          y_hat=np.array([0.05, 0.2, -1.0, 0.5]), epsilon=0.1),
             mismatch=("y", "y_hat")),
        Case("bias", svm.bias,
             lambda: dict(alpha=svm_alpha.copy(), y=svm_y.copy(), F=svm_F.copy(), C=svm_C),
             mismatch=("alpha", "y", "F")),
        Case("dual_objective", svm.dual_objective,
             lambda: dict(alpha=svm_alpha.copy(), y=svm_y.copy(), K=svm_K.copy()),
             mismatch=("alpha", "y", "K")),
        Case("hinge_loss", svm.hinge_loss,
             lambda: dict(margins=np.array([-1.0, 0.2, 1.0, 3.0])),
             exempt={("ndim", "margins"): _ANY_SHAPE}),
        Case("kernel_matrix", svm.kernel_matrix,
             lambda: dict(X=svm_X.copy(), Y=svm_X[:4].copy(), kernel="rbf", gamma=0.5,
                          degree=3, coef0=0.0),
             mismatch=("Y",)),
        Case("kkt_gap", svm.kkt_gap,
             lambda: dict(alpha=svm_alpha.copy(), y=svm_y.copy(), F=svm_F.copy(), C=svm_C),
             mismatch=("alpha", "y", "F")),
        Case("kkt_violations", svm.kkt_violations,
             lambda: dict(alpha=svm_alpha.copy(), y=svm_y.copy(), K=svm_K.copy(), b=0.1,
                          C=svm_C),
             mismatch=("alpha", "y", "K")),
        Case("linear_kernel", svm.linear_kernel,
             lambda: dict(X=svm_X.copy(), Y=svm_X[:4].copy()),
             mismatch=("Y",)),
        Case("polynomial_kernel", svm.polynomial_kernel,
             lambda: dict(X=svm_X.copy(), Y=svm_X[:4].copy(), degree=2, gamma=0.5,
                          coef0=1.0),
             mismatch=("Y",)),
        Case("primal_objective", svm.primal_objective,
             lambda: dict(alpha=svm_alpha.copy(), b=0.1, y=svm_y.copy(), K=svm_K.copy(),
                          C=svm_C),
             mismatch=("alpha", "y", "K")),
        Case("rbf_kernel", svm.rbf_kernel,
             lambda: dict(X=svm_X.copy(), Y=svm_X[:4].copy(), gamma=0.5),
             mismatch=("Y",)),
        Case("select_working_set", svm.select_working_set, _working_set,
             mismatch=("F", "up", "low", "diag")),
        Case("smo", svm.smo,
             lambda: dict(X=svm_X.copy(), y=svm_y.copy(), C=1.0, kernel="rbf", gamma=0.5,
                          degree=3, coef0=0.0, tol=1e-6, max_iter=20000,
                          precompute_limit=5000, cache_mb=10.0),
             mismatch=("y",)),
        Case("textbook_select_working_set", svm.textbook_select_working_set, _working_set,
             mismatch=("F", "up", "low", "diag")),
        Case("two_variable_update", svm.two_variable_update,
             lambda: dict(alpha_i=0.2, alpha_j=0.5, y_i=1, y_j=-1, E_i=0.3, E_j=-0.2,
                          K_ii=1.0, K_jj=1.0, K_ij=0.3, C=1.0, check_input=True)),

        # ---- graphical_models.semi_naive_bayes
        _snb_case("OneDependenceBayes", snb.OneDependenceBayes,
                  ("predict", "predict_proba", "predict_log_proba", "joint_log_likelihood"),
                  parents=np.array([-1, 0, 1]), alpha=1.0),
        _snb_case("SPODE", snb.SPODE, ("predict", "predict_proba"), parent=1, alpha=0.5),
        _snb_case("TAN", snb.TAN, ("predict", "predict_proba", "predict_log_proba"),
                  root=2, alpha=1.0),
        _snb_case("AODE", snb.AODE,
                  ("predict", "predict_proba", "predict_log_proba", "joint_log_likelihood"),
                  m=2, alpha=1.0),
        Case("mutual_information_matrix", snb.mutual_information_matrix,
             lambda: dict(X=_categorical()[0])),
        Case("conditional_mutual_information_matrix",
             snb.conditional_mutual_information_matrix,
             lambda: dict(X=_categorical()[0], y=_categorical()[1]),
             exempt={("strings", "y"): _LABELS}, mismatch=("y",)),
        Case("maximum_spanning_tree", snb.maximum_spanning_tree,
             lambda: dict(weights=snb.mutual_information_matrix(_categorical()[0]), root=1)),
        Case("chow_liu_tree", snb.chow_liu_tree, lambda: dict(X=_categorical()[0], root=0)),
        Case("tan_structure", snb.tan_structure,
             lambda: dict(X=_categorical()[0], y=_categorical()[1], root=2),
             exempt={("strings", "y"): _LABELS}, mismatch=("y",)),
        Case("tree_log_likelihood", snb.tree_log_likelihood,
             lambda: dict(X=_categorical()[0], parents=np.array([-1, 0, 0]),
                          y=_categorical()[1]),
             exempt={("strings", "y"): _LABELS}, mismatch=("y", "parents")),
        Case("quantile_discretize", snb.quantile_discretize,
             lambda: dict(X=_rng(3).normal(size=(12, 3)), n_bins=3)),

        # ---- sequences.hmm
        Case("alpha_gamma_smoother", hmm.alpha_gamma_smoother,
             lambda: dict(A=A.copy(), alpha_hat=hmm.forward(pi, A, _b_obs()).alpha_hat),
             mismatch=("A", "alpha_hat")),
        Case("backward", hmm.backward,
             lambda: dict(A=A.copy(), B_obs=_b_obs(), c=hmm.forward(pi, A, _b_obs()).c),
             mismatch=("A", "B_obs", "c")),
        Case("baum_welch[categorical]", hmm.baum_welch,
             lambda: dict(X=_hmm_symbols(), pi=pi.copy(), A=A.copy(),
                          emission=hmm.Categorical(B.copy()), max_iter=200, tol=1e-4,
                          min_covar=0.0),
             mismatch=("pi", "A", "emission.B")),
        Case("baum_welch[gaussian]", hmm.baum_welch,
             lambda: dict(X=_hmm_gaussian_obs(), pi=pi.copy(), A=A.copy(),
                          emission=_hmm_gaussian(), max_iter=200, tol=1e-4, min_covar=1e-3),
             mismatch=("pi", "A", "emission.means", "emission.covars")),
        Case("baum_welch_step[categorical]", hmm.baum_welch_step,
             lambda: dict(X=_hmm_symbols(), pi=pi.copy(), A=A.copy(),
                          emission=hmm.Categorical(B.copy()), min_covar=0.0),
             mismatch=("pi", "A", "emission.B")),
        Case("baum_welch_step[lengths]", hmm.baum_welch_step,
             lambda: dict(X=_hmm_symbols(), pi=pi.copy(), A=A.copy(),
                          emission=hmm.Categorical(B.copy()), lengths=np.array([12, 18]),
                          min_covar=0.0),
             mismatch=("pi", "A", "emission.B", "lengths")),
        Case("baum_welch_step[gaussian full]", hmm.baum_welch_step,
             lambda: dict(X=_hmm_gaussian_obs(), pi=pi.copy(), A=A.copy(),
                          emission=_hmm_gaussian(full=True), min_covar=1e-3),
             mismatch=("pi", "A", "emission.means", "emission.covars")),
        Case("categorical_likelihood", hmm.categorical_likelihood,
             lambda: dict(x=_hmm_symbols(), B=B.copy())),
        Case("emission_log_likelihood[categorical]", hmm.emission_log_likelihood,
             lambda: dict(X=_hmm_symbols(), emission=hmm.Categorical(B.copy()))),
        Case("emission_log_likelihood[gaussian]", hmm.emission_log_likelihood,
             lambda: dict(X=_hmm_gaussian_obs(), emission=_hmm_gaussian()),
             mismatch=("emission.means",)),
        Case("forward", hmm.forward, lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs()),
             mismatch=("pi", "A", "B_obs")),
        Case("forward_backward", hmm.forward_backward,
             lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs(), pairwise="sum"),
             mismatch=("pi", "A", "B_obs")),
        Case("forward_backward[log]", hmm.forward_backward,
             lambda: dict(pi=pi.copy(), A=A.copy(), log_B_obs=np.log(_b_obs()),
                          pairwise="full"),
             mismatch=("pi", "A", "log_B_obs")),
        Case("gaussian_log_likelihood[hmm full]", hmm.gaussian_log_likelihood,
             lambda: dict(X=_hmm_gaussian_obs(), means=_hmm_gaussian(True).means,
                          covars=_hmm_gaussian(True).covars),
             mismatch=("means", "covars")),
        Case("gaussian_log_likelihood[hmm diag]", hmm.gaussian_log_likelihood,
             lambda: dict(X=_hmm_gaussian_obs(), means=_hmm_gaussian().means,
                          covars=_hmm_gaussian().covars),
             mismatch=("means", "covars")),
        Case("log_categorical_likelihood", hmm.log_categorical_likelihood,
             lambda: dict(x=_hmm_symbols(), B=B.copy())),
        Case("log_forward_backward", hmm.log_forward_backward,
             lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs(), pairwise="sum"),
             mismatch=("pi", "A", "B_obs")),
        Case("log_forward_backward[log]", hmm.log_forward_backward,
             lambda: dict(pi=pi.copy(), A=A.copy(), log_B_obs=np.log(_b_obs()),
                          pairwise="full"),
             mismatch=("pi", "A", "log_B_obs")),
        Case("log_joint", hmm.log_joint,
             lambda: dict(pi=pi.copy(), A=A.copy(), z=np.arange(30) % 2, B_obs=_b_obs()),
             mismatch=("z", "B_obs")),
        Case("log_joint[log]", hmm.log_joint,
             lambda: dict(pi=pi.copy(), A=A.copy(), z=np.arange(30) % 2,
                          log_B_obs=np.log(_b_obs())),
             mismatch=("z", "log_B_obs")),
        Case("predictive", hmm.predictive,
             lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs(), b_next=B.T.copy()),
             mismatch=("pi", "A", "B_obs", "b_next")),
        Case("predictive[log]", hmm.predictive,
             lambda: dict(pi=pi.copy(), A=A.copy(), log_B_obs=np.log(_b_obs()),
                          b_next=B[:, 0].copy()),
             mismatch=("pi", "A", "log_B_obs", "b_next")),
        Case("sample[hmm categorical]", hmm.sample,
             lambda: dict(pi=pi.copy(), A=A.copy(), emission=hmm.Categorical(B.copy()),
                          N=10, rng=0),
             mismatch=("pi", "A")),
        Case("sample[hmm gaussian]", hmm.sample,
             lambda: dict(pi=pi.copy(), A=A.copy(), emission=_hmm_gaussian(True), N=10,
                          rng=0),
             mismatch=("pi", "A")),
        Case("textbook_viterbi", hmm.textbook_viterbi,
             lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs()),
             mismatch=("pi", "A", "B_obs")),
        Case("textbook_viterbi[log]", hmm.textbook_viterbi,
             lambda: dict(pi=pi.copy(), A=A.copy(), log_B_obs=np.log(_b_obs())),
             mismatch=("pi", "A", "log_B_obs")),
        Case("viterbi", hmm.viterbi, lambda: dict(pi=pi.copy(), A=A.copy(), B_obs=_b_obs()),
             mismatch=("pi", "A", "B_obs")),
        Case("viterbi[log]", hmm.viterbi,
             lambda: dict(pi=pi.copy(), A=A.copy(), log_B_obs=np.log(_b_obs())),
             mismatch=("pi", "A", "log_B_obs")),

        # ---- sequences.kalman
        Case("check_ssm", kalman.check_ssm, lambda: dict(ssm=_ssm()),
             mismatch=("ssm.C", "ssm.Q", "ssm.R", "ssm.mu0", "ssm.V0")),
        Case("constant_velocity", kalman.constant_velocity,
             lambda: dict(dt=1.0, q=0.5, r=1.0, n_dims=1, mu0=np.array([0.0, 1.0]),
                          V0=np.eye(2)),
             mismatch=("mu0", "V0")),
        Case("em", kalman.em,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), max_iter=100, tol=1e-2,
                          fit=("A", "C", "Q", "R", "mu0", "V0")),
             mismatch=("x", "ssm.C")),
        Case("em[subset]", kalman.em,  # the parameters not fitted must not be the caller's
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), max_iter=100, tol=1e-4, fit=("Q", "R")),
             mismatch=("x", "ssm.mu0")),
        Case("em_step", kalman.em_step,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), fit=("A", "Q")),
             mismatch=("x", "ssm.C")),
        Case("kalman_filter", kalman.kalman_filter,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), steady_state=True),
             mismatch=("x", "ssm.mu0")),
        Case("loglikelihood", kalman.loglikelihood, lambda: dict(x=_ssm_obs(), ssm=_ssm()),
             mismatch=("x",)),
        Case("m_step", kalman.m_step,
             lambda: dict(x=_ssm_obs(), smoothed=kalman.smooth(_ssm_obs(), _ssm()),
                          ssm=_ssm(), fit=("A", "R")),
             fields={"smoothed": ("mean", "cov", "lag_one_cov")},
             mismatch=("x", "smoothed.mean")),
        Case("sample[kalman]", kalman.sample, lambda: dict(ssm=_ssm(), N=10, rng=0),
             mismatch=("ssm.A",)),
        Case("smooth", kalman.smooth,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), steady_state=False),
             mismatch=("x", "ssm.mu0")),
        Case("textbook_filter", kalman.textbook_filter,
             lambda: dict(x=_ssm_obs(), ssm=_ssm()),
             mismatch=("x", "ssm.mu0")),
        Case("textbook_smoother", kalman.textbook_smoother,
             lambda: dict(x=_ssm_obs(), ssm=_ssm()),
             mismatch=("x", "ssm.mu0")),
        Case("kalman_filter[control]", kalman.kalman_filter,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), steady_state=False, B=_ssm_B(), u=_ssm_u()),
             mismatch=("x", "B", "u")),
        Case("smooth[control]", kalman.smooth,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), steady_state=True, B=_ssm_B(), u=_ssm_u()),
             mismatch=("x", "B", "u")),
        Case("loglikelihood[control]", kalman.loglikelihood,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("textbook_filter[control]", kalman.textbook_filter,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("textbook_smoother[control]", kalman.textbook_smoother,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("sample[kalman control]", kalman.sample,
             lambda: dict(ssm=_ssm(), N=15, rng=0, B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("innovations", kalman.innovations,
             lambda: dict(x=_ssm_obs(), ssm=_ssm()), mismatch=("x", "ssm.mu0")),
        Case("innovations[control]", kalman.innovations,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("nis", kalman.nis, lambda: dict(x=_ssm_obs(), ssm=_ssm()),
             mismatch=("x", "ssm.mu0")),
        Case("nis[control]", kalman.nis,
             lambda: dict(x=_ssm_obs(), ssm=_ssm(), B=_ssm_B(), u=_ssm_u()),
             mismatch=("B", "u")),
        Case("nees", kalman.nees, lambda: _nees_args(), mismatch=("z", "mean", "cov")),

        # ---- graphical_models.bayesian_networks (graphs and tables are dicts: only the
        # data X and the numbers and names are substituted)
        Case("asia", bn.asia, dict),
        Case("topological_order", bn.topological_order, lambda: dict(parents=_asia().parents)),
        Case("d_separated", bn.d_separated,
             lambda: dict(parents=_asia().parents, x="asia", y="smoke", given=("dysp",))),
        Case("markov_blanket", bn.markov_blanket,
             lambda: dict(parents=_asia().parents, x="either")),
        Case("structural_hamming_distance", bn.structural_hamming_distance,
             lambda: dict(parents={v: () for v in _asia().parents},
                          parents_true=_asia().parents)),
        Case("joint", bn.joint, lambda: dict(parents=_asia().parents, cpts=_asia().cpts)),
        Case("query", bn.query,
             lambda: dict(parents=_asia().parents, cpts=_asia().cpts, variables="lung",
                          evidence={"xray": 0})),
        Case("sample[bn]", bn.sample,
             lambda: dict(parents=_asia().parents, cpts=_asia().cpts, N=20, rng=0)),
        Case("fit_counts", bn.fit_counts,
             lambda: dict(X=_asia_data(), parents=_asia().parents, prior="bdeu",
                          pseudo_count=1.0, ess=5.0)),
        Case("log_likelihood[bn]", bn.log_likelihood,
             lambda: dict(X=_asia_data(), parents=_asia().parents,
                          cpts=bn.fit_counts(_asia_data(), _asia().parents, prior="k2"))),
        Case("family_scores", bn.family_scores,
             lambda: dict(X=_asia_data(), parents=_asia().parents, score="bdeu", ess=5.0)),
        Case("bic_score", bn.bic_score,
             lambda: dict(X=_asia_data(), parents=_asia().parents)),
        Case("k2_score", bn.k2_score,
             lambda: dict(X=_asia_data(), parents=_asia().parents)),
        Case("bdeu_score", bn.bdeu_score,
             lambda: dict(X=_asia_data(), parents=_asia().parents, ess=5.0)),
        Case("hill_climb", bn.hill_climb,
             lambda: dict(X=_asia_data(), nodes=tuple(_asia().parents), score="bic", ess=5.0,
                          max_iter=50, tabu_length=10, patience=3, epsilon=1e-4)),
        # ---- graphical_models.naive_bayes
        Case("GaussianNB", nb.GaussianNB,
             lambda: dict(X=X3.copy(), y=y3.copy(), X_new=X3[:5].copy(), var_smoothing=1e-9),
             run=_fit_predict(nb.GaussianNB, ("predict", "predict_proba", "predict_log_proba")),
             names=_ESTIMATOR_NAMES, exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("MultinomialNB", nb.MultinomialNB,
             lambda: dict(X=nb_counts.copy(), y=y3.copy(), X_new=nb_counts[:5].copy(),
                          alpha=1.0, fit_prior=True),
             run=_fit_predict(nb.MultinomialNB,
                              ("predict", "predict_proba", "predict_log_proba")),
             names=_ESTIMATOR_NAMES, exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("BernoulliNB", nb.BernoulliNB,
             lambda: dict(X=X3.copy(), y=y3.copy(), X_new=X3[:5].copy(), alpha=0.5,
                          binarize=0.2, fit_prior=False),
             run=_fit_predict(nb.BernoulliNB, ("predict", "predict_proba", "predict_log_proba")),
             names=_ESTIMATOR_NAMES, exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("CategoricalNB", nb.CategoricalNB,
             lambda: dict(X=nb_categories.copy(), y=y3.copy(), X_new=nb_categories[:5].copy(),
                          alpha=1.0, fit_prior=True, min_categories=4),
             run=_fit_predict(nb.CategoricalNB,
                              ("predict", "predict_proba", "predict_log_proba")),
             names=_ESTIMATOR_NAMES, exempt={("strings", "y"): _LABELS},
             mismatch=("y", "X_new")),
        Case("log_posterior", nb.log_posterior,
             lambda: dict(log_prior=np.log([0.2, 0.3, 0.5]),
                          log_likelihood=_rng(8).normal(size=(6, 3)) - 50.0),
             mismatch=("log_prior", "log_likelihood")),
        Case("dirichlet_posterior_mean", nb.dirichlet_posterior_mean,
             lambda: dict(counts=nb_counts[:3].copy(), alpha=1.0)),
        Case("dirichlet_map", nb.dirichlet_map,
             lambda: dict(counts=nb_counts[:3].copy(), alpha=2.0)),
        Case("calibration_curve", nb.calibration_curve,
             lambda: dict(y=(np.arange(20) % 2).astype(float),
                          prob=np.linspace(0.02, 0.98, 20), n_bins=5),
             mismatch=("y", "prob")),
        # ---- graphical_models.belief_propagation (graph and evidence are containers that
        # the generated checks do not substitute: tests/graphical_models covers their errors)
        Case("factor_graph", bp.factor_graph,
             lambda: dict(zip(("cardinality", "factors"), _bp_tree_factors(), strict=True))),
        Case("chain_graph", bp.chain_graph,
             lambda: dict(zip(("unary", "pairwise"), _bp_chain(), strict=True)),
             mismatch=("unary", "pairwise")),
        Case("chain_sum_product", bp.chain_sum_product,
             lambda: dict(zip(("unary", "pairwise"), _bp_chain(), strict=True)),
             mismatch=("unary", "pairwise")),
        Case("chain_sum_product[shared]", bp.chain_sum_product,
             lambda: dict(unary=_bp_chain()[0], pairwise=_bp_chain()[1][0].copy()),
             mismatch=("unary", "pairwise")),
        Case("sum_product", bp.sum_product, lambda: dict(graph=_bp_tree(), evidence={"c": 1})),
        Case("max_sum", bp.max_sum, lambda: dict(graph=_bp_tree(), evidence=None)),
        Case("loopy_bp", bp.loopy_bp,
             lambda: dict(graph=_bp_tree(), evidence={"a": 0}, damping=0.2, max_iter=200,
                          tol=1e-10)),
        Case("brute_force", bp.brute_force, lambda: dict(graph=_bp_tree(), evidence={"b": 2})),
    ]
    return cases


def _asia():
    return bn.asia()


def _asia_data():
    net = bn.asia()
    return bn.sample(net.parents, net.cpts, 200, rng=8).astype(float)


REGISTRY: list[Case] = _cases()
CASES = {case.id: case for case in REGISTRY}


# --------------------------------------------------------------------------------------
# Classification of the arguments, substitutions
# --------------------------------------------------------------------------------------

ARRAY_KINDS = ("strings", "complex", "nan", "inf", "empty", "ndim")
SCALAR_KINDS = ("nan", "inf", "string", "bool")
BOOL_KINDS = ("no", "one", "none")
CHOICE_KINDS = ("unknown",)


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def _classify(case: Case, kwargs: dict):
    """``[(param, role)]``: role is "array", "scalar", "bool" or "choice"."""
    out = []
    for name, value in kwargs.items():
        if isinstance(value, np.ndarray):
            out.append((name, "array"))
        elif _is_namedtuple(value):
            wanted = case.fields.get(name, value._fields)
            out += [(f"{name}.{f}", "array") for f in value._fields
                    if f in wanted and isinstance(getattr(value, f), np.ndarray)]
        elif isinstance(value, bool | np.bool_):
            out.append((name, "bool"))
        elif isinstance(value, numbers.Real):
            out.append((name, "scalar"))
        elif isinstance(value, str) or (isinstance(value, tuple) and value
                                        and all(isinstance(v, str) for v in value)):
            out.append((name, "choice"))
    return out


_ROLE_KINDS = {"array": ARRAY_KINDS, "scalar": SCALAR_KINDS, "bool": BOOL_KINDS,
               "choice": CHOICE_KINDS}


def _substitute_array(a: np.ndarray, kind: str):
    if kind == "strings":
        return a.astype(str)  # numeric strings of the same shape
    if kind == "complex":
        return a.astype(complex) + 1j
    if kind in ("nan", "inf"):
        b = a.astype(float)  # a copy
        b.flat[0] = np.nan if kind == "nan" else np.inf
        return b
    if kind == "empty":
        return np.empty((0,) + a.shape[1:], dtype=a.dtype)
    if kind == "ndim":
        return a[..., np.newaxis].copy()
    if kind == "shape":
        return np.concatenate([a, a[..., -1:]], axis=-1)
    raise AssertionError(kind)


def _substitute_value(value, role: str, kind: str):
    if role == "array":
        return _substitute_array(value, kind)
    if role == "scalar":
        return {"nan": float("nan"), "inf": float("inf"), "string": str(value),
                "bool": True}[kind]
    if role == "bool":
        return {"no": "no", "one": 1, "none": None}[kind]
    if role == "choice":
        return ("no-such-choice",) if isinstance(value, tuple) else "no-such-choice"
    raise AssertionError(role)


def _with(kwargs: dict, param: str, role: str, kind: str) -> dict:
    kwargs = dict(kwargs)
    if "." in param:
        outer, field = param.split(".", 1)
        nt = kwargs[outer]
        kwargs[outer] = nt._replace(**{field: _substitute_value(getattr(nt, field), role,
                                                                kind)})
    else:
        kwargs[param] = _substitute_value(kwargs[param], role, kind)
    return kwargs


def _accepted_names(case: Case, param: str) -> tuple[str, ...]:
    if "." in param:
        outer, field = param.split(".", 1)
        return (field, outer, param)
    return case.names.get(param, (param,))


def _names_argument(message: str, names) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message) or
               re.search(rf"\.{re.escape(n)}(?!\w)", message) for n in names)


def _exemption(case: Case, param: str, kind: str) -> str | None:
    return case.exempt.get((kind, param)) or case.exempt.get(("*", param))


def _generated_refusals():
    """The refusal checks, and the documented exceptions (checked to be accepted)."""
    refused, accepted = [], []
    for case in REGISTRY:
        try:
            roles = _classify(case, case.make())
        except Exception:  # the factory itself fails: reported by test_valid_call
            continue
        for param, role in roles:
            kinds = _ROLE_KINDS[role] + (("shape",) if param in case.mismatch else ())
            for kind in kinds:
                target = accepted if _exemption(case, param, kind) else refused
                target.append(pytest.param(case.id, param, role, kind,
                                           id=f"{case.id}-{param}-{kind}"))
    return refused, accepted


REFUSALS, ACCEPTANCES = _generated_refusals()


# --------------------------------------------------------------------------------------
# Walking results and inputs
# --------------------------------------------------------------------------------------

def _leaves(obj, path="result"):
    """Yield ``(path, value)`` for every array or number inside ``obj``: through tuples,
    NamedTuples, lists, dicts and derivlib objects (fitted estimators' attributes)."""
    if isinstance(obj, np.ndarray):
        yield path, obj
    elif isinstance(obj, bool | np.bool_ | numbers.Number):
        yield path, obj
    elif _is_namedtuple(obj):
        for f in obj._fields:
            yield from _leaves(getattr(obj, f), f"{path}.{f}")
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for k, item in obj.items():
            yield from _leaves(item, f"{path}[{k!r}]")
    elif type(obj).__module__.startswith("derivlib") and hasattr(obj, "__dict__"):
        for k, item in vars(obj).items():
            yield from _leaves(item, f"{path}.{k}")


def _input_arrays(kwargs):
    return [(p, v) for p, v in _leaves(kwargs, "input") if isinstance(v, np.ndarray)]


def _float_leaves(obj):
    for path, v in _leaves(obj):
        if isinstance(v, np.ndarray) and v.dtype.kind in "fc":
            yield path, v
        elif isinstance(v, float | np.floating):
            yield path, v


@functools.cache
def _valid_call_error(case_id: str) -> str | None:
    """Why the registered valid call fails, or None if it works."""
    case = CASES[case_id]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.call(case.make())
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    return None


def _require_valid(case: Case):
    err = _valid_call_error(case.id)
    if err is not None:
        pytest.fail(f"the registered valid call of {case.id} fails ({err}); the other "
                    f"checks of this case would be vacuous")


def _summary(result) -> str:
    text = ", ".join(f"{p}={np.array2string(np.asarray(v), threshold=4)}"
                     if isinstance(v, np.ndarray) else f"{p}={v!r}"
                     for p, v in list(_leaves(result))[:3])
    return text[:200]


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------

def _public_callables():
    out = {}
    for modname in MODULES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            out[f"{modname}.{name}"] = getattr(mod, name)
    return out


def test_registry_covers_every_public_callable():
    public = _public_callables()
    covered = {id(case.target) for case in REGISTRY}
    missing = [q for q, obj in public.items() if q not in EXCLUDED and id(obj) not in covered]
    assert not missing, (f"public callables without a case in REGISTRY (add one, or an "
                         f"EXCLUDED entry with a reason if it is not a callable): {missing}")


def test_exclusions_are_public_and_not_callables_to_check():
    public = _public_callables()
    for qualname, reason in EXCLUDED.items():
        assert qualname in public, f"stale exclusion {qualname}"
        obj = public[qualname]
        is_data = inspect.isclass(obj) and (
            issubclass(obj, BaseException) or (issubclass(obj, tuple) and
                                                hasattr(obj, "_fields")))
        assert is_data, f"{qualname} is excluded but is a function or estimator"
        assert reason


def test_exemptions_name_generated_checks():
    known = {(c.id, p, k) for c in REGISTRY for p, role in _classify(c, c.make())
             for k in _ROLE_KINDS[role] + ("*", "shape")}
    for case in REGISTRY:
        arrays = {p for p, role in _classify(case, case.make()) if role == "array"}
        assert set(case.mismatch) <= arrays, f"{case.id}: mismatch names no array argument"
        for (kind, param), reason in case.exempt.items():
            assert (case.id, param, kind) in known, f"{case.id}: stale exemption {kind, param}"
            assert reason


@pytest.mark.parametrize("case_id", list(CASES))
def test_valid_call(case_id):
    """The registered call is valid: it runs, without any warning."""
    case = CASES[case_id]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        case.call(case.make())


@pytest.mark.parametrize("case_id, param, role, kind", REFUSALS)
def test_bad_input_is_refused_naming_the_argument(case_id, param, role, kind):
    case = CASES[case_id]
    _require_valid(case)
    kwargs = _with(case.make(), param, role, kind)
    bad = kwargs[param.split(".")[0]]
    if "." in param:
        bad = getattr(bad, param.split(".", 1)[1])
    shown = (" ".join(np.array2string(bad, threshold=4).split())
             if isinstance(bad, np.ndarray) else repr(bad))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.call(kwargs)
        except (TypeError, ValueError) as err:
            names = _accepted_names(case, param)
            if kind == "shape":  # a disagreement: naming either side of it is right
                names += tuple(n for p, r in _classify(case, case.make()) if r == "array"
                               for n in _accepted_names(case, p))
            if not _names_argument(str(err), names):
                pytest.fail(f"{param}={shown}: {type(err).__name__} does not name "
                            f"{param!r}: {err}")
            return
        except Exception as err:
            pytest.fail(f"{param}={shown}: raised {type(err).__name__} (not TypeError or "
                        f"ValueError): {err}")
    warned = sorted({type(w.message).__name__ for w in caught})
    pytest.fail(f"{param}={shown}: accepted" + (f" with only {', '.join(warned)}"
                                                if warned else " silently")
                + f"; returned {_summary(result)}")


@pytest.mark.parametrize("case_id, param, role, kind", ACCEPTANCES)
def test_documented_exception_is_accepted(case_id, param, role, kind):
    """A check the registry exempts is a documented behaviour: it must really hold (the
    substituted call runs), so an exemption can neither hide a defect nor go stale."""
    case = CASES[case_id]
    _require_valid(case)
    kwargs = _with(case.make(), param, role, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case.call(kwargs)
        except Exception as err:
            pytest.fail(f"exempt as documented ({_exemption(case, param, kind)}), but "
                        f"refused: {type(err).__name__}: {err}")


@pytest.mark.parametrize("case_id", list(CASES))
def test_results_do_not_alias_inputs(case_id):
    case = CASES[case_id]
    _require_valid(case)
    kwargs = case.make()
    inputs = _input_arrays(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = case.call(kwargs)
    shared = [f"{path} shares memory with {ip}"
              for path, v in _leaves(result) if isinstance(v, np.ndarray)
              for ip, a in inputs if np.shares_memory(v, a)]
    assert not shared, "; ".join(shared)


@pytest.mark.parametrize("case_id", list(CASES))
def test_inputs_are_not_modified(case_id):
    case = CASES[case_id]
    _require_valid(case)
    kwargs = case.make()
    before = [(p, a.copy()) for p, a in _input_arrays(kwargs)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case.call(kwargs)
    after = dict(_input_arrays(kwargs))
    changed = [p for p, a in before if not np.array_equal(a, after[p], equal_nan=True)]
    assert not changed, f"the call modified the caller's {changed}"


@pytest.mark.parametrize("case_id", list(CASES))
def test_outputs_are_finite(case_id):
    case = CASES[case_id]
    _require_valid(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = case.call(case.make())
    bad = [path for path, v in _float_leaves(result) if not np.all(np.isfinite(v))]
    assert not bad, f"non-finite values in {bad}"


def _to_float32(obj):
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return obj.astype(np.float32)
    if _is_namedtuple(obj):
        return type(obj)(*(_to_float32(v) for v in obj))
    return obj


# iteration records whose length may legitimately differ between float32 and float64 input
_ITERATION_RECORDS = re.compile(r"\.(history|history_|norms|objective|dual|dual_history_|"
                                r"loglik)$")

FLOAT32_CASES = [cid for cid, c in CASES.items()
                 if any(isinstance(v, np.ndarray) and v.dtype.kind == "f"
                        for _, v in _input_arrays(c.make()))]


@pytest.mark.parametrize("case_id", FLOAT32_CASES)
def test_float32_input_is_accepted_and_close(case_id):
    case = CASES[case_id]
    _require_valid(case)
    kwargs = case.make()
    kwargs32 = {k: _to_float32(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = dict(_float_leaves(case.call(kwargs)))
        try:
            got = dict(_float_leaves(case.call(kwargs32)))
        except Exception as err:
            pytest.fail(f"float32 input refused: {type(err).__name__}: {err}")
    far = []
    for path, r in ref.items():
        g = got.get(path)
        r = np.asarray(r, dtype=float)
        if g is None:
            far.append(f"{path} missing")
            continue
        g = np.asarray(g, dtype=float)
        if g.shape != r.shape:
            if not _ITERATION_RECORDS.search(path):
                far.append(f"{path}: shape {g.shape} != {r.shape}")
            continue
        scale = float(np.max(np.abs(r), initial=0.0))
        if not np.allclose(g, r, rtol=1e-3, atol=1e-3 * scale + 1e-6, equal_nan=True):
            err = float(np.max(np.abs(g - r)))
            far.append(f"{path}: max |float32 - float64| = {err:.3g} (scale {scale:.3g})")
    assert not far, "; ".join(far)
