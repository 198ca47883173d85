"""Tests of derivlib.graphical_models.semi_naive_bayes (chapter
``chapters/graphical_models/semi_naive_bayes.ipynb``).

References: scikit-learn's ``CategoricalNB`` (the classifier without parents, to 1e-10) and
``mutual_info_score`` (the edge weights); pgmpy's ``TreeSearch`` (the TAN and Chow-Liu
structures, ``n_jobs=1``) and ``DiscreteBayesianNetwork`` + ``VariableElimination`` (the
SPODE / TAN / AODE posteriors from the same CPDs); and brute force: the conditional
probabilities recounted in Python loops, the posteriors by enumeration of the full joint
table, and the Chow-Liu theorem (eq. snb-ll-tree) by enumeration of every spanning tree.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pgmpy.estimators import TreeSearch
from pgmpy.factors.discrete import TabularCPD
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork
from sklearn.metrics import mutual_info_score
from sklearn.naive_bayes import CategoricalNB

from derivlib.graphical_models import semi_naive_bayes as snb

SEEDS = [0, 1, 2, 3, 4]


def _correlated(seed, N=300, D=5, K=2, r=3):
    """Random codes with some features copied from others (correlated given the class)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, size=N)
    X = (rng.integers(0, r, size=(N, D)) + y[:, None]) % r
    for j in range(1, D):
        copy = rng.random(N) < rng.uniform(0.2, 0.8)
        X[:, j] = np.where(copy, X[:, rng.integers(0, j)], X[:, j])
    return X, y


def _distinct(weights, gap=1e-9):
    """The off-diagonal weights are pairwise distinct: the maximum spanning tree is unique."""
    w = np.sort(weights[np.triu_indices(len(weights), 1)])
    return np.all(np.diff(w) > gap)


def _edges(parents, prefix="x"):
    return {(f"{prefix}{p}", f"{prefix}{j}") for j, p in enumerate(parents) if p >= 0}


# --------------------------------------------------------------------------- naive Bayes
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("alpha", [1.0, 0.3, 2.5])
def test_no_parents_is_categorical_naive_bayes(seed, alpha):
    X, y = _correlated(seed, K=3)
    ours = snb.OneDependenceBayes(alpha=alpha).fit(X, y)
    ref = CategoricalNB(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=0,
                               atol=1e-10)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.class_log_prior_, ref.class_log_prior_, rtol=1e-12)
    for j in range(X.shape[1]):
        np.testing.assert_allclose(ours.feature_log_prob_[j][:, 0, :],
                                   ref.feature_log_prob_[j], rtol=1e-12)


def test_string_labels():
    X, y = _correlated(0)
    labels = np.array(["no", "yes"])[y]
    ours = snb.TAN(root=1).fit(X, labels)
    assert set(ours.predict(X)) <= {"no", "yes"}
    np.testing.assert_allclose(ours.predict_proba(X), snb.TAN(root=1).fit(X, y)
                               .predict_proba(X), atol=1e-14)


# --------------------------------------------------------------------------- counting
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_conditional_probabilities_are_smoothed_frequencies(seed):
    X, y = _correlated(seed, N=80, D=3, r=3)
    alpha = 0.5
    model = snb.OneDependenceBayes(parents=[-1, 0, 1], alpha=alpha).fit(X, y)
    for j, p in [(1, 0), (2, 1)]:
        for c in range(2):
            for u in range(3):
                n_cu = sum(1 for n in range(len(X)) if y[n] == c and X[n, p] == u)
                for v in range(3):
                    n_cuv = sum(1 for n in range(len(X))
                                if y[n] == c and X[n, p] == u and X[n, j] == v)
                    want = (n_cuv + alpha) / (n_cu + 3 * alpha)
                    assert np.isclose(np.exp(model.feature_log_prob_[j][c, u, v]), want,
                                      rtol=1e-12)


# --------------------------------------------------------------------------- information
@pytest.mark.parametrize("seed", SEEDS)
def test_mutual_information_against_sklearn(seed):
    X, y = _correlated(seed)
    W = snb.mutual_information_matrix(X)
    Wc = snb.conditional_mutual_information_matrix(X, y)
    for i, j in itertools.combinations(range(X.shape[1]), 2):
        assert np.isclose(W[i, j], mutual_info_score(X[:, i], X[:, j]), rtol=1e-12)
        cmi = sum(np.mean(y == c) * mutual_info_score(X[y == c, i], X[y == c, j])
                  for c in np.unique(y))
        assert np.isclose(Wc[i, j], cmi, rtol=1e-12, atol=1e-15)
    assert np.all(np.diag(W) == 0) and np.allclose(W, W.T)


# --------------------------------------------------------------------------- trees
def _all_spanning_trees(D):
    """Every spanning tree of the complete graph on D nodes, as a set of edges."""
    pairs = list(itertools.combinations(range(D), 2))
    for edges in itertools.combinations(pairs, D - 1):
        label = list(range(D))  # union-find by relabelling: a cycle joins one component

        def find(a, label=label):
            while label[a] != a:
                a = label[a]
            return a
        acyclic = True
        for a, b in edges:
            ra, rb = find(a), find(b)
            if ra == rb:
                acyclic = False
                break
            label[ra] = rb
        if acyclic:
            yield edges


def _direct(edges, D, root):
    parents = np.full(D, -1)
    frontier, seen = [root], {root}
    while frontier:
        a = frontier.pop()
        for u, v in edges:
            for s, t in ((u, v), (v, u)):
                if s == a and t not in seen:
                    parents[t] = s
                    seen.add(t)
                    frontier.append(t)
    return parents


@pytest.mark.parametrize("seed", SEEDS)
def test_maximum_spanning_tree_by_enumeration(seed):
    rng = np.random.default_rng(seed)
    D = 5
    W = rng.random((D, D))
    W = W + W.T
    best = max(_all_spanning_trees(D), key=lambda e: sum(W[a, b] for a, b in e))
    parents = snb.maximum_spanning_tree(W, root=seed % D)
    np.testing.assert_array_equal(parents, _direct(best, D, seed % D))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("with_class", [True, False])
def test_chow_liu_theorem_by_enumeration(seed, with_class):
    # eq. snb-ll-tree: the ML log-likelihood of every tree is const + N * (sum of edge
    # weights), and the maximum spanning tree has the largest one
    X, y = _correlated(seed, N=200, D=4)
    y_arg = y if with_class else None
    W = (snb.conditional_mutual_information_matrix(X, y) if with_class
         else snb.mutual_information_matrix(X))
    trees = list(_all_spanning_trees(4))
    assert len(trees) == 16  # Cayley: 4^(4-2)
    lls, scores = [], []
    for edges in trees:
        parents = _direct(edges, 4, root=0)
        lls.append(snb.tree_log_likelihood(X, parents, y_arg))
        scores.append(len(X) * sum(W[a, b] for a, b in edges))
    const = np.array(lls) - np.array(scores)
    np.testing.assert_allclose(const, const[0], rtol=1e-10)
    found = snb.tan_structure(X, y, 0) if with_class else snb.chow_liu_tree(X, 0)
    assert np.isclose(snb.tree_log_likelihood(X, found, y_arg), max(lls), rtol=1e-12)
    # the root does not change the likelihood
    for root in range(4):
        other = snb.maximum_spanning_tree(W, root)
        assert np.isclose(snb.tree_log_likelihood(X, other, y_arg), max(lls), rtol=1e-12)


def test_tree_log_likelihood_by_direct_sum():
    X, y = _correlated(3, N=60, D=3)
    parents = [1, -1, 1]
    ll = 0.0
    for n in range(len(X)):
        ll += np.log(np.mean(y == y[n]))
        for j, p in enumerate(parents):
            ctx = (y == y[n]) & ((X[:, p] == X[n, p]) if p >= 0 else True)
            ll += np.log(np.mean(X[ctx, j] == X[n, j]))
    assert np.isclose(snb.tree_log_likelihood(X, parents, y), ll, rtol=1e-12)


# --------------------------------------------------------------------------- pgmpy
def _frame(X, y=None):
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    if y is not None:
        df["C"] = y
    return df


@pytest.mark.parametrize("seed", SEEDS)
def test_tan_structure_equals_pgmpy_tree_search(seed):
    X, y = _correlated(seed, N=400, D=5)
    assert _distinct(snb.conditional_mutual_information_matrix(X, y))  # ties avoided
    root = seed % 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dag = TreeSearch(_frame(X, y), root_node=f"x{root}", n_jobs=1).estimate(
            estimator_type="tan", class_node="C", show_progress=False)
    ours = snb.tan_structure(X, y, root)
    assert set(dag.edges()) == _edges(ours) | {("C", f"x{j}") for j in range(5)}


@pytest.mark.parametrize("seed", SEEDS)
def test_chow_liu_tree_equals_pgmpy_tree_search(seed):
    X, _ = _correlated(seed, N=400, D=6)
    assert _distinct(snb.mutual_information_matrix(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dag = TreeSearch(_frame(X), root_node="x2", n_jobs=1).estimate(
            estimator_type="chow-liu", show_progress=False)
    assert set(dag.edges()) == _edges(snb.chow_liu_tree(X, 2))


def _pgmpy_network(model):
    """A DiscreteBayesianNetwork with the structure and CPDs of a fitted one-dependence model."""
    D, K = len(model.parents_), len(model.classes_)
    edges = [("C", f"x{j}") for j in range(D)] + list(_edges(model.parents_))
    net = DiscreteBayesianNetwork(edges)
    cpds = [TabularCPD("C", K, np.exp(model.class_log_prior_)[:, None])]
    for j in range(D):
        table = np.exp(model.feature_log_prob_[j])  # (K, r_parent, r_j)
        p, r = int(model.parents_[j]), int(model.n_categories_[j])
        if p < 0:
            cpds.append(TabularCPD(f"x{j}", r, table[:, 0, :].T, evidence=["C"],
                                   evidence_card=[K]))
        else:  # columns: C slowest, then the parent
            values = table.reshape(K * table.shape[1], r).T
            cpds.append(TabularCPD(f"x{j}", r, values, evidence=["C", f"x{p}"],
                                   evidence_card=[K, table.shape[1]]))
    net.add_cpds(*cpds)
    net.check_model()
    return net


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("kind", ["spode", "tan"])
def test_posteriors_equal_pgmpy_variable_elimination(seed, kind):
    X, y = _correlated(seed, N=150, D=4, K=3)
    model = (snb.SPODE(parent=seed % 4, alpha=0.5) if kind == "spode"
             else snb.TAN(root=seed % 4, alpha=0.5)).fit(X, y)
    infer = VariableElimination(_pgmpy_network(model))
    ours = model.predict_proba(X[:12])
    for n in range(12):
        q = infer.query(["C"], evidence={f"x{j}": int(X[n, j]) for j in range(4)},
                        show_progress=False)
        np.testing.assert_allclose(ours[n], q.values, rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_aode_equals_average_of_pgmpy_spodes(seed):
    X, y = _correlated(seed, N=150, D=4, K=2)
    model = snb.AODE(m=0, alpha=1.0).fit(X, y)
    ours = model.predict_proba(X[:8])
    nets = [VariableElimination(_pgmpy_network(s)) for s in model.spodes_]
    for n in range(8):
        evidence = {f"x{j}": int(X[n, j]) for j in range(4)}
        # p_s(c, x) = p_s(c | x) p_s(x): VE gives both; AODE averages the joints
        joint = np.zeros(2)
        for infer in nets:
            p_x = infer.query([f"x{j}" for j in range(4)], joint=True, show_progress=False)
            joint += infer.query(["C"], evidence=evidence, show_progress=False).values * \
                p_x.get_value(**evidence)
        np.testing.assert_allclose(ours[n], joint / joint.sum(), rtol=0, atol=1e-10)


# --------------------------------------------------------------------------- enumeration
def _enumerated_joint(model):
    """The full table p(c, x_1, ..., x_D) from the fitted CPDs, by a loop over all cells."""
    r = model.n_categories_
    K = len(model.classes_)
    table = np.zeros((K, *r))
    for c in range(K):
        for x in itertools.product(*(range(int(k)) for k in r)):
            logp = model.class_log_prior_[c]
            for j, p in enumerate(model.parents_):
                logp += model.feature_log_prob_[j][c, x[p] if p >= 0 else 0, x[j]]
            table[(c, *x)] = np.exp(logp)
    return table


@pytest.mark.parametrize("seed", SEEDS)
def test_posteriors_by_enumeration_of_the_joint(seed):
    X, y = _correlated(seed, N=120, D=4, K=2, r=3)
    for model in (snb.SPODE(parent=1).fit(X, y), snb.TAN(root=2).fit(X, y),
                  snb.OneDependenceBayes().fit(X, y)):
        joint = _enumerated_joint(model)
        assert np.isclose(joint.sum(), 1.0, rtol=1e-12)  # a distribution
        ours = model.predict_proba(X)
        for n in range(len(X)):
            col = joint[(slice(None), *X[n])]
            np.testing.assert_allclose(ours[n], col / col.sum(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("m", [0, 1, 20, 45, 1000])
def test_aode_by_enumeration_with_frequency_limit(m):
    X, y = _correlated(4, N=120, D=4, K=2, r=3)
    model = snb.AODE(m=m).fit(X, y)
    joints = [_enumerated_joint(s) for s in model.spodes_]
    nb = _enumerated_joint(model.naive_bayes_)
    ours = model.predict_proba(X)
    for n in range(len(X)):
        used = [s for s in range(4) if np.sum(X[:, s] == X[n, s]) >= m]
        col = (np.mean([joints[s][(slice(None), *X[n])] for s in used], axis=0) if used
               else nb[(slice(None), *X[n])])
        np.testing.assert_allclose(ours[n], col / col.sum(), rtol=0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(2, 4))
def test_posteriors_are_distributions(seed, D, r):
    X, y = _correlated(seed, N=40, D=D, K=3, r=r)
    for model in (snb.TAN(), snb.AODE(), snb.SPODE(parent=D - 1)):
        P = model.fit(X, y).predict_proba(X)
        assert np.all(P >= 0) and np.allclose(P.sum(axis=1), 1.0, atol=1e-12)


def test_many_features_do_not_underflow():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(50, 2000))
    y = rng.integers(0, 2, size=50)
    for model in (snb.TAN(), snb.AODE(), snb.OneDependenceBayes()):
        P = model.fit(X[:, :400] if isinstance(model, snb.TAN) else X, y).predict_proba(
            X[:5, :400] if isinstance(model, snb.TAN) else X[:5])
        assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1.0)


def test_correlated_copy_tan_is_calibrated_naive_bayes_is_not():
    # x1 = x0 exactly: naive Bayes counts x0's evidence twice, TAN (edge 0 -> 1) once
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=20_000)
    x0 = (rng.random(20_000) < np.where(y == 1, 0.8, 0.3)).astype(int)
    X = np.column_stack([x0, x0])
    tan = snb.TAN().fit(X, y)
    assert list(tan.parents_) == [-1, 0]
    truth = snb.OneDependenceBayes().fit(X[:, :1], y).predict_proba([[1]])[0, 1]
    assert np.isclose(tan.predict_proba([[1, 1]])[0, 1], truth, atol=1e-3)
    assert snb.OneDependenceBayes().fit(X, y).predict_proba([[1, 1]])[0, 1] > truth + 0.1


def test_quantile_discretize():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    codes = snb.quantile_discretize(X, n_bins=3)
    for j in range(3):
        assert np.array_equal(np.bincount(codes[:, j]), [100, 100, 100])
        order = np.argsort(X[:, j])
        assert np.all(np.diff(codes[order, j]) >= 0)  # monotone in the value


# --------------------------------------------------------------------------- bad input
def test_bad_input_names_the_argument():
    X, y = _correlated(0, N=30, D=3)
    with pytest.raises(ValueError, match="X must hold category codes >= 0.*cannot be "
                                         "negative"):
        snb.TAN().fit(np.where(X == 0, -1, X), y)
    with pytest.raises(ValueError, match="X must hold integer category codes"):
        snb.OneDependenceBayes().fit(X + 0.5, y)
    with pytest.raises(ValueError, match="X must have at least"):
        snb.AODE().fit(np.empty((0, 3)), [])
    with pytest.raises(ValueError, match="parents must describe a forest.*cycle"):
        snb.OneDependenceBayes(parents=[1, 2, 0]).fit(X, y)
    with pytest.raises(ValueError, match=r"parents\[2\] = 7 names no feature"):
        snb.OneDependenceBayes(parents=[-1, 0, 7]).fit(X, y)
    with pytest.raises(ValueError, match="parents must describe a forest"):
        snb.tree_log_likelihood(X, [0, -1, -1])  # its own parent: a cycle of length one
    with pytest.raises(ValueError, match="parent must name a feature"):
        snb.SPODE(parent=3).fit(X, y)
    with pytest.raises(ValueError, match="root must name a feature"):
        snb.TAN(root=-1).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        snb.TAN(alpha=0.0).fit(X, y)
    with pytest.raises(ValueError, match="X and y must have the same length"):
        snb.TAN().fit(X, y[:-1])
    with pytest.raises(ValueError, match="weights must be symmetric"):
        snb.maximum_spanning_tree([[0, 1], [2, 0]])
    model = snb.TAN().fit(X, y)
    with pytest.raises(ValueError, match="X has code 5 in feature 0, but fit saw only"):
        model.predict(np.array([[5, 0, 0]]))
    with pytest.raises(ValueError, match="X must have the 3 features"):
        model.predict(X[:, :2])
    with pytest.raises(ValueError, match="not fitted"):
        snb.AODE().predict(X)
