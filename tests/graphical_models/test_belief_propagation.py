"""Tests of derivlib.graphical_models.belief_propagation (chapter
graphical_models/belief_propagation).

References, independent of the code under test:

* pgmpy 1.1.2: ``BeliefPropagation`` (junction-tree calibration, queried one variable at a
  time, as a multi-variable query allocates the joint) and ``VariableElimination`` on a
  ``DiscreteMarkovNetwork`` holding the same factors, with and without evidence, to 1e-10;
* brute-force enumeration: the unnormalised joint as one ``numpy.einsum`` of every table
  (written here, not the module's ``brute_force``), its sums and maxima;
* ``derivlib.sequences.hmm.forward_backward`` and ``viterbi`` (tested against hmmlearn) for
  the chain written as an HMM.

Invariants: loopy BP is exact on trees; marginals sum to one and the pairwise marginals of a
chain marginalise to the single ones (hypothesis). Every validation error is triggered once.
"""

from __future__ import annotations

import string
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pgmpy.factors.discrete import DiscreteFactor
from pgmpy.inference import BeliefPropagation, VariableElimination
from pgmpy.models import DiscreteMarkovNetwork
from scipy.special import logsumexp

from derivlib import ConvergenceWarning
from derivlib.graphical_models import belief_propagation as bp
from derivlib.sequences import hmm

TOL = 1e-10


# ----------------------------------------------------------------------------- references

def random_tree(rng, n_vars=7, *, evidence=False):
    """A random tree-structured factor graph: each new variable joins an earlier one by a
    pairwise factor, or (sometimes) two new variables join one earlier by a three-way
    factor; unary factors on some variables. Cardinalities 2 to 4."""
    names = [f"v{i}" for i in range(n_vars)]
    cards = {v: int(rng.integers(2, 5)) for v in names}
    factors, i = [], 1
    while i < n_vars:
        p = names[int(rng.integers(i))]
        if i + 1 < n_vars and rng.random() < 0.3:
            scope = (names[i], p, names[i + 1])
            i += 2
        else:
            scope = (p, names[i])
            i += 1
        factors.append((scope, rng.uniform(0.05, 1.0, size=[cards[v] for v in scope])))
    for v in names:
        if rng.random() < 0.5:
            factors.append(((v,), rng.uniform(0.05, 1.0, size=cards[v])))
    graph = bp.factor_graph(cards, factors)
    observed = {}
    if evidence:
        for v in rng.choice(names, size=2, replace=False):
            observed[str(v)] = int(rng.integers(cards[str(v)]))
    return graph, observed


def joint(graph, evidence=None):
    """The unnormalised joint p~(x) over the variables in graph order, by one einsum."""
    names = list(graph.cardinality)
    letter = dict(zip(names, string.ascii_letters, strict=False))
    operands, subscripts = [], []
    for factor in graph.factors:
        operands.append(factor.table)
        subscripts.append("".join(letter[v] for v in factor.scope))
    for v in names:  # a factor of ones on every variable, so that every axis appears
        operands.append(np.ones(graph.cardinality[v]))
        subscripts.append(letter[v])
    P = np.einsum(",".join(subscripts) + "->" + "".join(letter[v] for v in names), *operands)
    for v, state in (evidence or {}).items():
        keep = np.zeros(graph.cardinality[v])
        keep[state] = 1.0
        shape = [1] * len(names)
        shape[names.index(v)] = -1
        P = P * keep.reshape(shape)
    return P


def enumerated_marginals(graph, evidence=None):
    P = joint(graph, evidence)
    names = list(graph.cardinality)
    Z = P.sum()
    marg = {v: P.sum(axis=tuple(j for j in range(len(names)) if j != i)) / Z
            for i, v in enumerate(names)}
    return marg, np.log(Z)


def to_pgmpy(graph):
    model = DiscreteMarkovNetwork()
    model.add_nodes_from(list(graph.cardinality))
    for factor in graph.factors:  # a clique per factor
        for a in range(len(factor.scope)):
            for b in range(a + 1, len(factor.scope)):
                model.add_edge(factor.scope[a], factor.scope[b])
    model.add_factors(*[DiscreteFactor(list(f.scope), [graph.cardinality[v] for v in f.scope],
                                       f.table) for f in graph.factors])
    return model


def pgmpy_marginals(model, names, evidence, engine):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in names:
            if v in evidence:
                continue
            q = engine.query([v], evidence=evidence or None, show_progress=False)
            values = np.asarray(q.values, dtype=float)
            out[v] = values / values.sum()  # VariableElimination on a Markov network
            # returns the unnormalised marginal
    return out


def random_chain(rng, N, K):
    return rng.uniform(0.05, 1.0, size=(N, K)), rng.uniform(0.05, 1.0, size=(N - 1, K, K))


# ----------------------------------------------------------------------------- sum-product

@pytest.mark.parametrize("seed", range(6))
def test_tree_sum_product_matches_pgmpy_and_enumeration(seed):
    rng = np.random.default_rng(seed)
    graph, evidence = random_tree(rng, n_vars=7, evidence=seed % 2 == 1)
    ours = bp.sum_product(graph, evidence or None)
    exact, log_Z = enumerated_marginals(graph, evidence)
    assert ours.log_Z == pytest.approx(log_Z, abs=TOL)
    for v in graph.cardinality:
        np.testing.assert_allclose(ours.marginals[v], exact[v], rtol=0, atol=TOL)
    model = to_pgmpy(graph)
    names = list(graph.cardinality)
    for engine in (BeliefPropagation(model), VariableElimination(model)):
        ref = pgmpy_marginals(model, names, evidence, engine)
        for v, values in ref.items():
            np.testing.assert_allclose(ours.marginals[v], values, rtol=0, atol=TOL)


def test_factor_marginals_match_enumeration():
    rng = np.random.default_rng(11)
    graph, evidence = random_tree(rng, n_vars=6, evidence=True)
    ours = bp.sum_product(graph, evidence)
    P = joint(graph, evidence)
    P = P / P.sum()
    names = list(graph.cardinality)
    for factor, belief in zip(graph.factors, ours.factor_marginals, strict=True):
        axes = [names.index(v) for v in factor.scope]
        expected = P.sum(axis=tuple(j for j in range(len(names)) if j not in axes))
        expected = np.moveaxis(expected, np.argsort(np.argsort(axes)), range(len(axes)))
        np.testing.assert_allclose(belief, expected, rtol=0, atol=TOL)


@pytest.mark.parametrize("N, K", [(2, 2), (5, 3), (9, 4)])
def test_chain_sum_product_matches_enumeration_and_pgmpy(N, K):
    rng = np.random.default_rng(N * K)
    unary, pairwise = random_chain(rng, N, K)
    ours = bp.chain_sum_product(unary, pairwise)
    graph = bp.chain_graph(unary, pairwise)
    P = joint(graph)
    assert ours.log_Z == pytest.approx(np.log(P.sum()), abs=TOL)
    P = P / P.sum()
    for n in range(N):
        others = tuple(j for j in range(N) if j != n)
        np.testing.assert_allclose(ours.marginals[n], P.sum(axis=others), rtol=0, atol=TOL)
    for n in range(N - 1):
        others = tuple(j for j in range(N) if j not in (n, n + 1))
        np.testing.assert_allclose(ours.pair_marginals[n], P.sum(axis=others), rtol=0,
                                   atol=TOL)
    ref = pgmpy_marginals(to_pgmpy(graph), list(graph.cardinality), {},
                          BeliefPropagation(to_pgmpy(graph)))
    for n in range(N):
        np.testing.assert_allclose(ours.marginals[n], ref[f"x{n + 1}"], rtol=0, atol=TOL)


def test_chain_and_tree_sum_product_agree_with_evidence():
    rng = np.random.default_rng(3)
    unary, pairwise = random_chain(rng, 30, 8)
    graph = bp.chain_graph(unary, pairwise)
    evidence = {f"x{n + 1}": int(rng.integers(8)) for n in range(0, 30, 3)}
    tree = bp.sum_product(graph, evidence)
    clamped = unary.copy()  # evidence as a unary indicator
    for name, state in evidence.items():
        n = int(name[1:]) - 1
        keep = np.zeros(8)
        keep[state] = 1.0
        clamped[n] *= keep
    chain = bp.chain_sum_product(clamped, pairwise)
    assert chain.log_Z == pytest.approx(tree.log_Z, abs=TOL)
    for n in range(30):
        np.testing.assert_allclose(chain.marginals[n], tree.marginals[f"x{n + 1}"], atol=TOL)


@pytest.mark.parametrize("seed", range(3))
def test_chain_sum_product_is_forward_backward(seed):
    # sum-product on the chain with psi_1 = pi * b_1, psi_n = b_n and the pairwise A is the
    # HMM's scaled forward-backward: gamma, xi and log p(X) (chapter: bp-chain-hmm)
    rng = np.random.default_rng(seed)
    K, N = 3, 12
    pi, A = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K)
    B_obs = rng.uniform(0.01, 1.0, size=(N, K))
    post = hmm.forward_backward(pi, A, B_obs, pairwise="full")
    unary = B_obs.copy()
    unary[0] *= pi
    ours = bp.chain_sum_product(unary, A)
    np.testing.assert_allclose(ours.marginals, post.gamma, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.pair_marginals, post.xi, rtol=0, atol=TOL)
    assert ours.log_Z == pytest.approx(post.loglik, abs=TOL)
    np.testing.assert_allclose(ours.log_c, post.log_c, rtol=0, atol=TOL)


def test_normalised_messages_do_not_underflow():
    # 4000 steps of potentials around 1e-3: Z is about 1e-12000, zero in float64; the
    # normalised messages give log Z, checked against a log-space recursion (logsumexp)
    rng = np.random.default_rng(5)
    N, K = 4000, 4
    unary = rng.uniform(1e-4, 2e-3, size=(N, K))
    pairwise = rng.uniform(0.1, 1.0, size=(K, K))
    ours = bp.chain_sum_product(unary, pairwise)
    log_a = np.log(unary[0])
    for n in range(1, N):
        log_a = logsumexp(log_a[:, None] + np.log(pairwise), axis=0) + np.log(unary[n])
    expected = logsumexp(log_a)
    assert expected < -20000
    assert ours.log_Z == pytest.approx(expected, rel=1e-12)
    assert np.all(np.isfinite(ours.marginals))
    tree = bp.sum_product(bp.chain_graph(unary[:600], pairwise))
    assert np.isfinite(tree.log_Z) and tree.log_Z < -3000


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 6), K=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_chain_marginals_are_consistent(N, K, seed):
    rng = np.random.default_rng(seed)
    unary, pairwise = rng.uniform(0.0, 1.0, size=(N, K)) + 1e-3, rng.uniform(
        0.0, 1.0, size=(max(N - 1, 0), K, K)) + 1e-3
    ours = bp.chain_sum_product(unary, pairwise)
    np.testing.assert_allclose(ours.marginals.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(ours.pair_marginals.sum(axis=2), ours.marginals[:-1],
                               atol=1e-12)
    np.testing.assert_allclose(ours.pair_marginals.sum(axis=1), ours.marginals[1:],
                               atol=1e-12)


def test_a_forest_and_a_variable_without_factors():
    # two components and a lone variable: Z is the product of the components' sums (the lone
    # variable contributes its number of states) and each root completes its own part
    rng = np.random.default_rng(12)
    graph = bp.factor_graph({"a": 2, "b": 3, "c": 3, "d": 2, "lone": 4},
                            [(("a", "b"), rng.uniform(0.1, 1, size=(2, 3))),
                             (("c", "d"), rng.uniform(0.1, 1, size=(3, 2))),
                             (("d",), rng.uniform(0.1, 1, size=2))])
    evidence = {"b": 2}
    ours = bp.sum_product(graph, evidence)
    exact, log_Z = enumerated_marginals(graph, evidence)
    assert ours.log_Z == pytest.approx(log_Z, abs=TOL)
    for v in exact:
        np.testing.assert_allclose(ours.marginals[v], exact[v], atol=TOL)
    np.testing.assert_allclose(ours.marginals["lone"], np.full(4, 0.25), atol=TOL)
    best = bp.max_sum(graph, evidence)
    P = joint(graph, evidence)
    assert best.log_value == pytest.approx(np.log(P.max()), abs=TOL)
    assert best.assignment["lone"] == 0  # a tie over all four states: the first


# ----------------------------------------------------------------------------- max-sum

@pytest.mark.parametrize("seed", range(6))
def test_max_sum_matches_enumeration(seed):
    rng = np.random.default_rng(100 + seed)
    graph, evidence = random_tree(rng, n_vars=7, evidence=seed % 2 == 0)
    ours = bp.max_sum(graph, evidence or None)
    P = joint(graph, evidence)
    names = list(graph.cardinality)
    best = np.unravel_index(int(np.argmax(P)), P.shape)  # continuous tables: no ties
    assert ours.assignment == {v: int(s) for v, s in zip(names, best, strict=True)}
    assert ours.log_value == pytest.approx(np.log(P.max()), abs=TOL)
    with np.errstate(divide="ignore"):
        for i, v in enumerate(names):
            expected = np.log(P.max(axis=tuple(j for j in range(len(names)) if j != i)))
            np.testing.assert_allclose(ours.log_max_marginals[v], expected, rtol=0, atol=1e-9)


def test_max_sum_breaks_ties_by_the_first_state():
    # a constant table: every assignment is a MAP; the rule picks state 0 everywhere
    graph = bp.factor_graph({"a": 3, "b": 2, "c": 2},
                            [(("a", "b"), np.ones((3, 2))), (("b", "c"), np.ones((2, 2)))])
    assert bp.max_sum(graph).assignment == {"a": 0, "b": 0, "c": 0}
    # a tie between (1, 0) and (0, 1) in one factor: the first in row-major order
    graph = bp.factor_graph({"a": 2, "b": 2}, [(("a", "b"), np.array([[0.1, 0.5],
                                                                      [0.5, 0.2]]))])
    assert bp.max_sum(graph).assignment == {"a": 0, "b": 1}


def test_max_sum_on_a_chain_is_viterbi():
    rng = np.random.default_rng(8)
    K, N = 4, 15
    pi, A = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K)
    B_obs = rng.uniform(0.01, 1.0, size=(N, K))
    unary = B_obs.copy()
    unary[0] *= pi
    ours = bp.max_sum(bp.chain_graph(unary, A))
    best = hmm.viterbi(pi, A, B_obs)
    assert [ours.assignment[f"x{n + 1}"] for n in range(N)] == best.path.tolist()
    assert ours.log_value == pytest.approx(best.log_prob, abs=1e-9)


# ----------------------------------------------------------------------------- loopy BP

def ising_grid(J, h, signs, n=3):
    s = np.array([-1.0, 1.0])
    factors = [((f"x{r}{c}",), np.exp(h[r, c] * s)) for r in range(n) for c in range(n)]
    k = 0
    for r in range(n):
        for c in range(n):
            for r2, c2 in ((r, c + 1), (r + 1, c)):
                if r2 < n and c2 < n:
                    factors.append(((f"x{r}{c}", f"x{r2}{c2}"),
                                    np.exp(J * signs[k] * np.outer(s, s))))
                    k += 1
    return bp.factor_graph({f"x{r}{c}": 2 for r in range(n) for c in range(n)}, factors)


@pytest.mark.parametrize("seed", range(4))
def test_loopy_bp_is_exact_on_trees(seed):
    rng = np.random.default_rng(200 + seed)
    graph, evidence = random_tree(rng, n_vars=8, evidence=seed % 2 == 0)
    ours = bp.loopy_bp(graph, evidence or None, tol=1e-13, max_iter=100)
    assert ours.converged
    damped = bp.loopy_bp(graph, evidence or None, damping=0.5, tol=1e-13, max_iter=300)
    assert damped.converged  # damping changes the path, not the fixed point
    exact, _ = enumerated_marginals(graph, evidence)
    for v in graph.cardinality:
        np.testing.assert_allclose(ours.marginals[v], exact[v], rtol=0, atol=TOL)
        np.testing.assert_allclose(damped.marginals[v], exact[v], rtol=0, atol=TOL)
    tree = bp.sum_product(graph, evidence or None)
    for a, b in zip(ours.factor_marginals, tree.factor_marginals, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def test_loopy_bp_is_approximate_on_a_grid():
    rng = np.random.default_rng(1)
    h = rng.normal(0, 0.3, size=(3, 3))
    graph = ising_grid(0.8, h, np.ones(12))
    ours = bp.loopy_bp(graph)
    assert ours.converged
    exact, _ = enumerated_marginals(graph)
    err = max(np.abs(ours.marginals[v] - exact[v]).max() for v in exact)
    assert 0.05 < err < 0.5  # measured 0.24: the loops make it over-confident
    weak = bp.loopy_bp(ising_grid(0.05, h, np.ones(12)))
    exact_weak, _ = enumerated_marginals(ising_grid(0.05, h, np.ones(12)))
    assert max(np.abs(weak.marginals[v] - exact_weak[v]).max() for v in exact) < 1e-3


def test_loopy_bp_warns_when_it_does_not_converge_and_damping_helps():
    rng = np.random.default_rng(5)
    h, signs = rng.normal(0, 0.3, size=(3, 3)), rng.choice([-1.0, 1.0], size=12)
    graph = ising_grid(2.0, h, signs)  # frustrated couplings: the messages oscillate
    with pytest.warns(ConvergenceWarning, match=r"loopy_bp did not converge.*damping"):
        plain = bp.loopy_bp(graph, max_iter=300)
    assert not plain.converged and plain.n_iter == 300 and plain.residual > 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        damped = bp.loopy_bp(graph, damping=0.5, max_iter=300)
    assert damped.converged and damped.residual <= 1e-10



def ring(n, J):
    """n spins on a ring, couplings exp(J s_i s_{i+1}) with s_{n+1} = s_1, no field."""
    s = np.array([-1.0, 1.0])
    factors = [((f"s{i}", f"s{(i + 1) % n}"), np.exp(J * np.outer(s, s))) for i in range(n)]
    return bp.factor_graph({f"s{i}": 2 for i in range(n)}, factors)


@pytest.mark.parametrize("n", [3, 4, 5, 8])
@pytest.mark.parametrize("J", [0.3, 1.2])
def test_loopy_bp_on_a_ring_misses_the_correlation_around_the_loop(n, J):
    # Chapter eqs. (bp-ring-exact), (bp-ring-error): without a field loopy BP's correlation
    # of neighbours is tanh J (one coupling), the exact one (t + t^(n-1)) / (1 + t^n)
    # (Baxter 1982, ch. 2, transfer matrix). The exact value comes from the einsum
    # enumeration written here, the expected ones from the closed forms.
    graph = ring(n, J)
    spins = np.array([-1.0, 1.0])
    loopy = bp.loopy_bp(graph, tol=1e-13)
    assert loopy.converged
    t = np.tanh(J)
    np.testing.assert_allclose(spins @ loopy.factor_marginals[0] @ spins, t, rtol=1e-12)
    pair = joint(graph).sum(axis=tuple(range(2, n)))   # p~(s0, s1), by einsum
    exact = spins @ (pair / pair.sum()) @ spins
    np.testing.assert_allclose(exact, (t + t ** (n - 1)) / (1 + t**n), rtol=1e-12)
    np.testing.assert_allclose(exact - t, t ** (n - 1) * (1 - t**2) / (1 + t**n), rtol=1e-10)
    for v in graph.cardinality:                          # the single beliefs are exact
        np.testing.assert_allclose(loopy.marginals[v], [0.5, 0.5], rtol=0, atol=1e-12)

# ----------------------------------------------------------------------------- brute force

def test_brute_force_matches_einsum():
    rng = np.random.default_rng(4)
    graph, evidence = random_tree(rng, n_vars=6, evidence=True)
    ours = bp.brute_force(graph, evidence)
    exact, log_Z = enumerated_marginals(graph, evidence)
    assert ours.log_Z == pytest.approx(log_Z, abs=TOL)
    for v in exact:
        np.testing.assert_allclose(ours.marginals[v], exact[v], atol=TOL)
    P = joint(graph, evidence)
    assert ours.log_value == pytest.approx(np.log(P.max()), abs=TOL)


# ----------------------------------------------------------------------------- bad input

def test_bad_graphs_are_refused_with_a_message_that_names_the_problem():
    ok = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"factors\[0\]: unknown variable 'c'"):
        bp.factor_graph({"a": 2, "b": 3}, [(("a", "c"), ok)])
    with pytest.raises(ValueError, match=r"factors\[1\] table must have shape \(2, 3\)"):
        bp.factor_graph({"a": 2, "b": 3}, [(("a",), np.ones(2)), (("a", "b"), ok.T)])
    with pytest.raises(ValueError, match=r"factors\[0\] table must be non-negative"):
        bp.factor_graph({"a": 2, "b": 3}, [(("a", "b"), -ok)])
    with pytest.raises(ValueError, match=r"factors\[0\] table must be finite"):
        bp.factor_graph({"a": 2}, [(("a",), np.array([1.0, np.nan]))])
    with pytest.raises(ValueError, match="appears twice"):
        bp.factor_graph({"a": 2}, [(("a", "a"), np.ones((2, 2)))])
    with pytest.raises(ValueError, match=r"cardinality\['a'\] must be > 0"):
        bp.factor_graph({"a": 0}, [])
    with pytest.raises(TypeError, match=r"cardinality\['a'\] must be an integer"):
        bp.factor_graph({"a": 2.5}, [])
    with pytest.raises(TypeError, match="cardinality must be a dict"):
        bp.factor_graph([("a", 2)], [])
    with pytest.raises(TypeError, match=r"factors\[0\]: the scope must be"):
        bp.factor_graph({"a": 2}, [("a", np.ones(2))])
    with pytest.raises(TypeError, match="graph must be a FactorGraph"):
        bp.sum_product({"a": 2})


def test_a_cycle_is_named():
    loop = bp.factor_graph({"a": 2, "b": 2, "c": 2, "d": 2},
                           [(("a", "b"), np.ones((2, 2))), (("b", "c"), np.ones((2, 2))),
                            (("c", "a"), np.ones((2, 2))), (("c", "d"), np.ones((2, 2)))])
    for algorithm in (bp.sum_product, bp.max_sum):
        with pytest.raises(ValueError, match=r"not a tree, it has the cycle (.* - )+"
                                             r".*psi\(c, a\).*loopy_bp") as err:
            algorithm(loop)
        cycle = str(err.value).split("cycle ")[1].split(";")[0].split(" - ")
        assert set(cycle) == {"a", "b", "c", "psi(a, b)", "psi(b, c)", "psi(c, a)"}
    # two factors on the same pair of variables make a cycle too
    double = bp.factor_graph({"a": 2, "b": 2}, [(("a", "b"), np.ones((2, 2))),
                                                (("b", "a"), np.ones((2, 2)))])
    with pytest.raises(ValueError, match=r"cycle [ab] - psi\([ab], [ab]\) - [ab] - "
                                         r"psi\([ab], [ab]\) - [ab];"):
        bp.sum_product(double)


def test_bad_evidence_and_impossible_evidence():
    graph = bp.factor_graph({"a": 2, "b": 2}, [(("a", "b"), np.array([[1.0, 0.0],
                                                                      [0.0, 1.0]]))])
    with pytest.raises(ValueError, match="evidence: unknown variable 'z'"):
        bp.sum_product(graph, {"z": 0})
    with pytest.raises(ValueError, match=r"evidence\['a'\] must be a state 0..1, got 2"):
        bp.sum_product(graph, {"a": 2})
    with pytest.raises(ValueError, match=r"evidence\['a'\] must be a state 0..1, got True"):
        bp.max_sum(graph, {"a": True})
    with pytest.raises(TypeError, match="evidence must be a dict"):
        bp.loopy_bp(graph, [("a", 0)])
    for algorithm in (bp.sum_product, bp.max_sum, bp.loopy_bp, bp.brute_force):
        with pytest.raises(ValueError, match="probability zero"):
            algorithm(graph, {"a": 0, "b": 1})


def test_bad_chains_and_loopy_parameters():
    with pytest.raises(ValueError, match=r"pairwise must have shape \(2, 3, 3\) or \(3, 3\)"):
        bp.chain_sum_product(np.ones((3, 3)), np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="unary must be non-negative"):
        bp.chain_sum_product(-np.ones((3, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="pairwise must be non-negative"):
        bp.chain_sum_product(np.ones((3, 2)), -np.ones((2, 2)))
    with pytest.raises(ValueError, match="probability zero"):
        bp.chain_sum_product(np.array([[1.0, 0.0], [0.0, 1.0]]), np.eye(2)[::-1] * 0)
    graph = bp.chain_graph(np.ones((3, 2)), np.ones((2, 2)))
    for damping in (-0.1, 1.0, True, "0.5"):
        with pytest.raises(ValueError, match="damping must be a number in"):
            bp.loopy_bp(graph, damping=damping)
    with pytest.raises(TypeError, match="max_iter must be an integer"):
        bp.loopy_bp(graph, max_iter=2.5)
    with pytest.raises(ValueError, match="tol must be > 0"):
        bp.loopy_bp(graph, tol=0.0)
    big = bp.factor_graph({f"v{i}": 2 for i in range(23)}, [])
    with pytest.raises(ValueError, match="too many to enumerate"):
        bp.brute_force(big)
