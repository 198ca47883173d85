"""Benchmark derivlib.graphical_models.belief_propagation against pgmpy, in one run.

Two problems, each with evidence on every third variable, all other variables queried:

* a chain of N = 30 variables with K = 8 states (random positive unary and pairwise
  potentials): ``belief_propagation.chain_sum_product`` (the evidence folded into the unary
  potentials, inside the timed call) and ``belief_propagation.sum_product`` on the chain's
  factor graph;
* a random tree of 30 variables with 2 to 5 states (each variable joins an earlier one by
  a pairwise factor; unary factors on every variable): ``belief_propagation.sum_product``;

against pgmpy's ``BeliefPropagation`` (junction-tree calibration) on a
``DiscreteMarkovNetwork`` with the same factors, queried one variable at a time (a joint
query over many variables allocates their joint table), and against ``VariableElimination``
queried the same way. Both sides start from the model and the evidence: pgmpy's time includes
building the inference object, derivlib's the validation of the graph. The marginals are
checked to agree (to 1e-10) before they are timed. Target: sum-product on the chain and on
the tree at most 0.01 times ``BeliefPropagation``'s time (issue 14; a prototype measured
5e-4); no target against ``VariableElimination``.

Run from the repository root: ``.venv/bin/python benchmarks/bench_belief_propagation.py``;
writes ``benchmarks/results/belief_propagation.json``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pgmpy
from _common import Run, limit_blas_threads, race
from pgmpy.factors.discrete import DiscreteFactor
from pgmpy.inference import BeliefPropagation, VariableElimination
from pgmpy.models import DiscreteMarkovNetwork

from derivlib.graphical_models import belief_propagation as bp

N, K = 30, 8
TARGET = 0.01


def to_pgmpy(graph):
    model = DiscreteMarkovNetwork()
    model.add_nodes_from(list(graph.cardinality))
    for factor in graph.factors:
        if len(factor.scope) == 2:
            model.add_edge(*factor.scope)
    model.add_factors(*[DiscreteFactor(list(f.scope), [graph.cardinality[v] for v in f.scope],
                                       f.table) for f in graph.factors])
    return model


def pgmpy_queries(model, names, evidence, engine_class):
    engine = engine_class(model)
    out = {}
    for v in names:
        if v not in evidence:
            values = engine.query([v], evidence=evidence, show_progress=False).values
            out[v] = values / values.sum()
    return out


def random_tree(rng, n_vars):
    names = [f"v{i}" for i in range(n_vars)]
    cards = {v: int(rng.integers(2, 6)) for v in names}
    factors = [((v,), rng.uniform(0.1, 1.0, size=cards[v])) for v in names]
    for i in range(1, n_vars):
        p = names[int(rng.integers(i))]
        factors.append(((p, names[i]), rng.uniform(0.1, 1.0, size=(cards[p], cards[names[i]]))))
    return bp.factor_graph(cards, factors)


def main() -> None:
    limit_blas_threads(1)
    warnings.simplefilter("ignore")  # pgmpy's FutureWarnings
    run = Run("belief_propagation", "Belief propagation: sum-product on a chain and a tree")
    rng = np.random.default_rng(2026)
    label = f"pgmpy {pgmpy.__version__} "

    unary = rng.uniform(0.1, 1.0, size=(N, K))
    pairwise = rng.uniform(0.1, 1.0, size=(N - 1, K, K))
    chain = bp.chain_graph(unary, pairwise)
    chain_evidence = {f"x{n + 1}": int(rng.integers(K)) for n in range(0, N, 3)}

    def chain_fast():
        clamped = unary.copy()
        for name, state in chain_evidence.items():
            keep = np.zeros(K)
            keep[state] = 1.0
            clamped[int(name[1:]) - 1] *= keep
        return bp.chain_sum_product(clamped, pairwise)

    tree = random_tree(rng, N)
    tree_evidence = {f"v{i}": int(rng.integers(tree.cardinality[f"v{i}"]))
                     for i in range(0, N, 3)}

    problems = [
        ("chain sum-product (chain_sum_product)", f"N={N}, K={K}, evidence on every 3rd",
         chain, chain_evidence, chain_fast,
         lambda r: {f"x{n + 1}": r.marginals[n] for n in range(N)}),
        ("chain sum-product (sum_product on the factor graph)",
         f"N={N}, K={K}, evidence on every 3rd", chain, chain_evidence,
         lambda: bp.sum_product(chain, chain_evidence), lambda r: r.marginals),
        ("tree sum-product (sum_product)", f"{N} variables, 2-5 states, evidence on every 3rd",
         tree, tree_evidence, lambda: bp.sum_product(tree, tree_evidence),
         lambda r: r.marginals),
    ]
    for benchmark, params, graph, evidence, ours_call, marginals_of in problems:
        model = to_pgmpy(graph)
        names = list(graph.cardinality)
        ours_marginals = marginals_of(ours_call())
        for engine_class, target in ((BeliefPropagation, TARGET), (VariableElimination, None)):
            ref = pgmpy_queries(model, names, evidence, engine_class)
            for v, values in ref.items():  # same answers first
                assert np.allclose(ours_marginals[v], values, rtol=0, atol=1e-10), v
            ours, theirs = race(ours_call, lambda m=model, e=engine_class, ev=evidence, n=names:
                                pgmpy_queries(m, n, ev, e), repeats=3)
            run.add(benchmark, params,
                    label + f"{engine_class.__name__}.query (one variable at a time)",
                    ours.seconds, theirs.seconds, target=target, repeats=ours.repeats)
    run.finish()


if __name__ == "__main__":
    main()
