r"""Semi-naive Bayes: one-dependence estimators (SPODE, TAN by Chow-Liu, AODE).

The code of the chapter ``chapters/graphical_models/semi_naive_bayes.ipynb``. Naive Bayes
assumes the features independent given the class; a *one-dependence estimator* lets every
feature depend on the class and on at most one other feature, its parent:

.. math::

    p(c, \mathbf x) = p(c) \prod_{j=1}^{D} p(x_j \mid c, x_{\pi(j)})        (snb-ode)

(``pi(j) = -1``: the feature has the class as its only parent). Three choices of the parents:

* **SPODE** (super-parent): one feature ``s`` is every other feature's parent;
* **TAN** (tree-augmented naive Bayes): the parents form a tree, the maximum spanning tree
  of the conditional mutual informations :math:`I(X_i; X_j \mid C)` (Chow and Liu's
  algorithm), which maximises the likelihood among all trees (eq. ``snb-ll-tree``);
* **AODE**: the average of the SPODE joints over every super-parent whose value was seen at
  least ``m`` times in training (eq. ``snb-aode``).

Every conditional probability is a smoothed frequency (eq. ``snb-smoothing``),

.. math::

    \hat p(x_j = v \mid c, x_{\pi(j)} = u) = \frac{N_{c u v} + \alpha}{N_{c u} + \alpha r_j},

and the class prior the unsmoothed frequency :math:`N_c / N`, as scikit-learn's
``CategoricalNB``: with no parents the classifier *is* categorical naive Bayes.

Symbols
-------
=============  ============================================================  ==========
symbol         meaning                                                       shape
=============  ============================================================  ==========
``X``          categorical features, integer codes ``0 .. r_j - 1``           ``(N, D)``
``y``          class labels (any type ``np.unique`` sorts)                   ``(N,)``
``parents``    ``parents[j]``: the parent feature of feature ``j``, or -1    ``(D,)``
``alpha``      additive (Laplace / Lidstone) smoothing, > 0                  scalar
``weights``    symmetric edge weights of a complete graph on the features    ``(D, D)``
``root``       the feature the tree is directed away from                    int
``m``          AODE's minimum training frequency of a super-parent's value   int
=============  ============================================================  ==========

Logarithms are natural (mutual informations in nats); probabilities are combined in log
space (``scipy.special.logsumexp``), so many features cannot underflow them.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
from scipy.special import logsumexp

from derivlib._validation import as_array, as_labels, check_positive, check_same_length

__all__ = [
    "AODE",
    "SPODE",
    "TAN",
    "OneDependenceBayes",
    "chow_liu_tree",
    "conditional_mutual_information_matrix",
    "mutual_information_matrix",
    "maximum_spanning_tree",
    "quantile_discretize",
    "tan_structure",
    "tree_log_likelihood",
]


# --------------------------------------------------------------------------- validation
def _as_codes(X, name: str = "X") -> np.ndarray:
    """Categorical data: a 2-D array of non-negative integer codes (floats such as 2.0 too)."""
    arr = as_array(X, name, ndim=2)
    if arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one feature (column), got shape "
                         f"{arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must hold category codes >= 0 (a code counts "
                         f"occurrences of a category, it cannot be negative), got minimum "
                         f"{arr.min():g}")
    if np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must hold integer category codes 0, 1, 2, ..., got "
                         f"non-integer values such as {arr[arr != np.round(arr)][0]:g}")
    return arr.astype(np.int64)


def _check_root(root, D: int, name: str = "root") -> int:
    if isinstance(root, bool | np.bool_) or not isinstance(root, numbers.Integral):
        raise TypeError(f"{name} must be an integer feature index, got {root!r}")
    if not 0 <= root < D:
        raise ValueError(f"{name} must name a feature, an index in 0..{D - 1}, got {root}")
    return int(root)


def _check_parents(parents, D: int) -> np.ndarray:
    """``parents[j]`` in -1..D-1, not j itself, and no cycle (the graph is a forest)."""
    arr = as_array(parents, "parents", ndim=1)
    if arr.shape != (D,):
        raise ValueError(f"parents must have one entry per feature, shape ({D},), got "
                         f"shape {arr.shape}")
    if np.any(arr != np.round(arr)):
        raise ValueError("parents must hold integer feature indices (or -1 for none)")
    arr = arr.astype(np.int64)
    bad = np.flatnonzero((arr < -1) | (arr >= D))
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"parents[{j}] = {arr[j]} names no feature: parents must be -1 "
                         f"or an index in 0..{D - 1}")
    for j in range(D):  # follow the chain of parents: a cycle returns to a visited feature
        seen, k = {j}, int(arr[j])
        while k != -1:
            if k in seen:
                raise ValueError(f"parents must describe a forest, but the parents of "
                                 f"feature {j} form a cycle through feature {k}")
            seen.add(k)
            k = int(arr[k])
    return arr


def _check_weights(weights) -> np.ndarray:
    W = as_array(weights, "weights", ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"weights must be a square matrix, got shape {W.shape}")
    if not np.allclose(W, W.T, rtol=1e-12, atol=0):
        raise ValueError("weights must be symmetric (an undirected graph), got "
                         f"max |weights - weights^T| = {np.abs(W - W.T).max():.3g}")
    return W


# --------------------------------------------------------------------------- data
def quantile_discretize(X, n_bins: int = 3) -> np.ndarray:
    """Replace each column of real data by the index of its quantile bin, 0..n_bins-1.

    The bin edges of column ``j`` are its empirical quantiles at ``1/n_bins, 2/n_bins, ...``
    (``numpy.quantile``), so each bin holds about ``N / n_bins`` samples (fewer distinct
    codes where the column has ties). The edges are taken from ``X`` itself, without labels.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Real features.
    n_bins : int, default 3
        Number of bins, >= 2.

    Returns
    -------
    ndarray of int, shape (N, D)
    """
    X = as_array(X, "X", ndim=2)
    n_bins = check_positive(n_bins, "n_bins", integer=True)
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2, got {n_bins}")
    levels = np.arange(1, n_bins) / n_bins
    codes = np.empty(X.shape, dtype=np.int64)
    for j in range(X.shape[1]):
        edges = np.quantile(X[:, j], levels)
        codes[:, j] = np.searchsorted(edges, X[:, j], side="right")
    return codes


# --------------------------------------------------------------------------- information
def _mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Empirical mutual information of two code vectors, in nats (eq. snb-mi)."""
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    seen = joint > 0  # 0 log 0 = 0
    return float(np.sum(joint[seen] * np.log(joint[seen] / outer[seen])))


def mutual_information_matrix(X) -> np.ndarray:
    r"""Empirical mutual information :math:`\hat I(X_i; X_j)` of every pair of features.

    .. math:: \hat I(X_i; X_j) = \sum_{u, v} \hat p(u, v) \log
              \frac{\hat p(u, v)}{\hat p(u)\,\hat p(v)}          (snb-mi)

    with the frequencies :math:`\hat p` of the data (no smoothing): Chow and Liu's edge weights.

    Parameters
    ----------
    X : array_like of int, shape (N, D)

    Returns
    -------
    ndarray, shape (D, D)
        Symmetric, zero diagonal, in nats.
    """
    X = _as_codes(X)
    D = X.shape[1]
    W = np.zeros((D, D))
    for i in range(D):
        for j in range(i + 1, D):
            W[i, j] = W[j, i] = _mutual_information(X[:, i], X[:, j])
    return W


def conditional_mutual_information_matrix(X, y) -> np.ndarray:
    r"""Empirical conditional mutual information :math:`\hat I(X_i; X_j \mid C)`.

    .. math:: \hat I(X_i; X_j \mid C) = \sum_c \hat p(c)\, \hat I(X_i; X_j \mid C = c)
                                                                     (snb-cmi)

    the mutual information within each class, averaged with the class frequencies: the
    edge weights of TAN {Friedman, Geiger and Goldszmidt 1997}.

    Parameters
    ----------
    X : array_like of int, shape (N, D)
    y : array_like, shape (N,)
        Class labels.

    Returns
    -------
    ndarray, shape (D, D)
        Symmetric, zero diagonal, in nats.
    """
    X = _as_codes(X)
    _, codes = as_labels(y, "y")
    check_same_length(X, codes, "X", "y")
    D = X.shape[1]
    W = np.zeros((D, D))
    for c in np.unique(codes):
        rows = X[codes == c]
        share = len(rows) / len(X)
        for i in range(D):
            for j in range(i + 1, D):
                W[i, j] += share * _mutual_information(rows[:, i], rows[:, j])
    return W + W.T


# --------------------------------------------------------------------------- trees
def maximum_spanning_tree(weights, root: int = 0) -> np.ndarray:
    """The maximum-weight spanning tree of a complete graph, directed away from ``root``.

    Prim's algorithm: grow the tree from ``root``, each time adding the heaviest edge from a
    node in the tree to a node outside it (ties go to the smallest index of the node in the
    tree, then of the node outside). With distinct weights the maximum spanning tree is
    unique, and Kruskal's algorithm (networkx, pgmpy) finds the same one.

    Parameters
    ----------
    weights : array_like, shape (D, D)
        Symmetric edge weights (the diagonal is ignored).
    root : int, default 0

    Returns
    -------
    parents : ndarray of int, shape (D,)
        ``parents[j]`` is the node before ``j`` on the path from ``root``; -1 at the root.
    """
    W = _check_weights(weights)
    D = W.shape[0]
    root = _check_root(root, D)
    parents = np.full(D, -1, dtype=np.int64)
    in_tree = [root]
    outside = [j for j in range(D) if j != root]
    while outside:
        # the heaviest edge (i, j) with i in the tree and j outside it
        i, j = max(((i, j) for i in in_tree for j in outside), key=lambda e: W[e])
        parents[j] = i
        in_tree.append(j)
        outside.remove(j)
    return parents


def chow_liu_tree(X, root: int = 0) -> np.ndarray:
    """Chow and Liu's tree: the maximum spanning tree of the mutual informations.

    Returns ``parents`` (shape ``(D,)``, -1 at ``root``): the tree-structured distribution
    of maximum likelihood (eq. snb-ll-tree without the class).
    """
    return maximum_spanning_tree(mutual_information_matrix(X), root)


def tan_structure(X, y, root: int = 0) -> np.ndarray:
    """TAN's tree: the maximum spanning tree of the conditional mutual informations.

    Returns ``parents`` (shape ``(D,)``, -1 at ``root``): together with the class as a parent
    of every feature, the TAN of maximum likelihood (eq. snb-ll-tree).
    """
    return maximum_spanning_tree(conditional_mutual_information_matrix(X, y), root)


def _family_counts(X: np.ndarray, codes: np.ndarray, K: int, j: int, p: int,
                   r: np.ndarray) -> np.ndarray:
    """Counts N[c, u, v] of (class c, parent value u, value v of feature j); u = 0 if p = -1."""
    parent = X[:, p] if p >= 0 else np.zeros(len(X), dtype=np.int64)
    counts = np.zeros((K, r[p] if p >= 0 else 1, r[j]))
    np.add.at(counts, (codes, parent, X[:, j]), 1.0)
    return counts


def tree_log_likelihood(X, parents, y=None) -> float:
    r"""The log-likelihood of the data at the maximum-likelihood parameters of a forest.

    .. math:: \ell = \sum_n \Big[\log \hat p(c_n) + \sum_j
              \log \hat p(x_{nj} \mid c_n, x_{n\pi(j)})\Big]       (snb-ll-counts)

    with unsmoothed frequencies (without ``y``: no class, the Chow-Liu setting). It equals
    a constant plus ``N`` times the summed (conditional) mutual information of the edges
    (eq. snb-ll-tree).

    Parameters
    ----------
    X : array_like of int, shape (N, D)
    parents : array_like of int, shape (D,)
        ``parents[j]`` in ``-1 .. D-1``, without cycles.
    y : array_like, shape (N,), optional
        Class labels: the class is then a parent of every feature.

    Returns
    -------
    float
    """
    X = _as_codes(X)
    parents = _check_parents(parents, X.shape[1])
    if y is None:
        codes, K = np.zeros(len(X), dtype=np.int64), 1
    else:
        classes, codes = as_labels(y, "y")
        check_same_length(X, codes, "X", "y")
        K = len(classes)
    r = X.max(axis=0) + 1
    class_counts = np.bincount(codes, minlength=K).astype(float)
    ll = float(np.sum(class_counts * np.log(class_counts / len(X))))
    for j, p in enumerate(parents):
        n_cuv = _family_counts(X, codes, K, j, int(p), r)
        n_cu = n_cuv.sum(axis=2, keepdims=True)
        seen = n_cuv > 0
        ll += float(np.sum(n_cuv[seen] * np.log((n_cuv / np.where(n_cu > 0, n_cu, 1))[seen])))
    return ll


# --------------------------------------------------------------------------- classifiers
class _BayesRule:
    """What every classifier of this module does with its ``joint_log_likelihood``."""

    def predict_log_proba(self, X) -> np.ndarray:
        """``log p(c | x_n)``, shape ``(N, K)``: Bayes' rule in log space."""
        jll = self.joint_log_likelihood(X)
        return jll - logsumexp(jll, axis=1, keepdims=True)

    def predict_proba(self, X) -> np.ndarray:
        """``p(c | x_n)``, shape ``(N, K)``; rows sum to one."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample, shape ``(N,)``."""
        jll = self.joint_log_likelihood(X)  # raises first if not fitted
        return self.classes_[np.argmax(jll, axis=1)].copy()


class OneDependenceBayes(_BayesRule):
    r"""A one-dependence Bayesian classifier with given parents (naive Bayes without them).

    .. math:: p(c \mid \mathbf x) \propto \hat p(c) \prod_j
              \hat p(x_j \mid c, x_{\pi(j)})                         (snb-ode)

    with the smoothed frequencies of eq. snb-smoothing and the class prior
    :math:`N_c / N`. With ``parents=None`` (every entry -1) it is categorical naive Bayes,
    the same numbers as scikit-learn's ``CategoricalNB(alpha=alpha)``.

    Parameters
    ----------
    parents : array_like of int, shape (D,), optional
        ``parents[j]``: the parent feature of ``j`` or -1; no cycles. None: naive Bayes.
    alpha : float, default 1.0
        Additive smoothing, > 0 (1 is Laplace's rule).

    Attributes
    ----------
    classes_ : ndarray, shape (K,)
    class_log_prior_ : ndarray, shape (K,)
    n_categories_ : ndarray of int, shape (D,)
        ``r_j``: the largest code seen in training plus one.
    parents_ : ndarray of int, shape (D,)
    feature_log_prob_ : list of D arrays
        ``feature_log_prob_[j][c, u, v] = log p(x_j = v | c, x_parent = u)``, of shape
        ``(K, r_parent, r_j)``; ``(K, 1, r_j)`` for a feature without a parent.
    """

    def __init__(self, parents=None, alpha: float = 1.0):
        self.parents = copy.deepcopy(parents)  # never the caller's array
        self.alpha = alpha

    def _parents_for(self, X: np.ndarray, codes: np.ndarray) -> np.ndarray:
        if self.parents is None:
            return np.full(X.shape[1], -1, dtype=np.int64)
        return _check_parents(self.parents, X.shape[1])

    def fit(self, X, y):
        """Count and smooth the conditional probabilities (eq. snb-smoothing)."""
        alpha = check_positive(self.alpha, "alpha")
        X = _as_codes(X)
        self.classes_, codes = as_labels(y, "y")
        check_same_length(X, codes, "X", "y")
        K, D = len(self.classes_), X.shape[1]
        self.parents_ = self._parents_for(X, codes)
        self.n_categories_ = X.max(axis=0) + 1
        class_count = np.bincount(codes, minlength=K).astype(float)
        self.class_log_prior_ = np.log(class_count) - np.log(class_count.sum())
        self.feature_log_prob_ = []
        for j in range(D):
            # N[c, u, v] + alpha over N[c, u] + alpha r_j  (snb-smoothing)
            n_cuv = _family_counts(X, codes, K, j, int(self.parents_[j]), self.n_categories_)
            n_cu = n_cuv.sum(axis=2, keepdims=True)
            self.feature_log_prob_.append(np.log(n_cuv + alpha)
                                          - np.log(n_cu + alpha * self.n_categories_[j]))
        return self

    def _check_X_new(self, X) -> np.ndarray:
        if not hasattr(self, "feature_log_prob_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit(X, y)")
        X = _as_codes(X)
        if X.shape[1] != len(self.n_categories_):
            raise ValueError(f"X must have the {len(self.n_categories_)} features seen in "
                             f"fit, got {X.shape[1]}")
        unseen = X >= self.n_categories_
        if np.any(unseen):
            j = int(np.flatnonzero(unseen.any(axis=0))[0])
            raise ValueError(f"X has code {X[unseen.any(axis=1)][0, j]} in feature {j}, "
                             f"but fit saw only 0..{self.n_categories_[j] - 1}")
        return X

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        """log p(c, x_n) for every sample and class, shape (N, K)  (snb-ode)."""
        jll = np.tile(self.class_log_prior_, (len(X), 1))
        for j, table in enumerate(self.feature_log_prob_):
            p = int(self.parents_[j])
            u = X[:, p] if p >= 0 else np.zeros(len(X), dtype=np.int64)
            jll += table[:, u, X[:, j]].T  # log p(x_j | c, x_parent), every class
        return jll

    def joint_log_likelihood(self, X) -> np.ndarray:
        """``log p(c, x_n)`` of every sample and class, shape ``(N, K)``."""
        return self._joint_log_likelihood(self._check_X_new(X))



class SPODE(OneDependenceBayes):
    """Super-parent one-dependence estimator: feature ``parent`` is every other's parent.

    Parameters
    ----------
    parent : int, default 0
        The super-parent feature.
    alpha : float, default 1.0
    """

    def __init__(self, parent: int = 0, alpha: float = 1.0):
        self.parent = parent
        self.alpha = alpha

    def _parents_for(self, X, codes):
        s = _check_root(self.parent, X.shape[1], "parent")
        parents = np.full(X.shape[1], s, dtype=np.int64)
        parents[s] = -1
        return parents


class TAN(OneDependenceBayes):
    """Tree-augmented naive Bayes: the parents are TAN's maximum spanning tree.

    ``fit`` computes ``tan_structure(X, y, root)`` (the conditional mutual informations of
    the training data, eq. snb-cmi), then counts as :class:`OneDependenceBayes`.

    Parameters
    ----------
    root : int, default 0
        The feature the tree is directed away from (any root gives the same likelihood).
    alpha : float, default 1.0
    """

    def __init__(self, root: int = 0, alpha: float = 1.0):
        self.root = root
        self.alpha = alpha

    def _parents_for(self, X, codes):
        root = _check_root(self.root, X.shape[1])
        return tan_structure(X, codes, root)


class AODE(_BayesRule):
    r"""Averaged one-dependence estimators: the mean of the SPODE joints.

    .. math:: p(c, \mathbf x) \approx \frac{1}{|S(\mathbf x)|} \sum_{s \in S(\mathbf x)}
              \hat p(c)\, \hat p(x_s \mid c) \prod_{j \ne s} \hat p(x_j \mid c, x_s)
                                                                     (snb-aode)

    over the super-parents :math:`S(\mathbf x) = \{s : N(x_s) \ge m\}` whose value in
    :math:`\mathbf x` was seen at least ``m`` times in training {Webb, Boughton and Wang
    2005}; where no feature qualifies, naive Bayes. Every term is a fitted :class:`SPODE`
    (same smoothing), so the AODE is exactly their average.

    Parameters
    ----------
    m : int, default 1
        Minimum training frequency of a super-parent's value (>= 0; 0 averages all D).
    alpha : float, default 1.0

    Attributes
    ----------
    classes_, spodes_ (the D fitted SPODEs), naive_bayes_ (the fallback),
    value_counts_ (list of D arrays: the training frequency of each code).
    """

    def __init__(self, m: int = 1, alpha: float = 1.0):
        self.m = m
        self.alpha = alpha

    def fit(self, X, y):
        """Fit one SPODE per feature and the naive-Bayes fallback."""
        check_positive(self.m, "m", strict=False, integer=True)
        check_positive(self.alpha, "alpha")
        X = _as_codes(X)
        self.naive_bayes_ = OneDependenceBayes(None, self.alpha).fit(X, y)
        self.classes_ = self.naive_bayes_.classes_
        self.spodes_ = [SPODE(s, self.alpha).fit(X, y) for s in range(X.shape[1])]
        self.value_counts_ = [np.bincount(X[:, s]) for s in range(X.shape[1])]
        return self

    def joint_log_likelihood(self, X) -> np.ndarray:
        """``log`` of the averaged joint of eq. snb-aode, shape ``(N, K)``."""
        if not hasattr(self, "spodes_"):
            raise ValueError("this AODE is not fitted yet: call fit(X, y)")
        X = self.naive_bayes_._check_X_new(X)
        D = X.shape[1]
        # qualifies[n, s]: the value of feature s in sample n was seen >= m times
        qualifies = np.column_stack([self.value_counts_[s][X[:, s]] >= self.m
                                     for s in range(D)])
        per_parent = np.stack([spode._joint_log_likelihood(X) for spode in self.spodes_])
        per_parent = np.where(qualifies.T[:, :, None], per_parent, -np.inf)
        n_used = qualifies.sum(axis=1)
        jll = self.naive_bayes_._joint_log_likelihood(X)  # the fallback: naive Bayes
        used = n_used > 0
        # log of the mean of the qualifying joints  (snb-aode)
        jll[used] = (logsumexp(per_parent[:, used], axis=0)
                     - np.log(n_used[used])[:, None])
        return jll
