"""Benchmark derivlib.graphical_models.bayesian_networks against pgmpy on the same networks
and data, in one run.

* d-separation: every pair of the Asia network with every conditioning set of at most two
  other nodes (616 questions), and 300 random (x, y, Z) questions with |Z| <= 3 on the
  37-node ALARM network; ``bn.d_separated`` against ``DiscreteBayesianNetwork.is_dconnected``;
* exact inference: ``bn.query`` (variable elimination) against pgmpy's
  ``VariableElimination.query`` for one posterior on Asia and on ALARM (the reference is
  built once, outside the timing, as a reader would reuse it);
* structure scores: ``bn.bic_score`` and ``bn.bdeu_score`` of the true Asia graph on
  20 000 samples against ``pgmpy.estimators.BIC`` / ``BDeu`` ``.score``, both starting from
  the data (a NumPy array for derivlib, a categorical DataFrame for pgmpy);
* hill climbing on BIC from the empty graph on 5000 Asia samples: ``bn.hill_climb`` (plain,
  tabu list of 100 as pgmpy's default) against ``HillClimbSearch.estimate``.

The answers are checked to agree before they are timed. Both run in one process on one
core; no targets were set by the issue, so the rows carry none.

Run from the repository root: ``.venv/bin/python benchmarks/bench_bayesian_networks.py``;
writes ``benchmarks/results/bayesian_networks.json``.
"""

from __future__ import annotations

import gzip
import itertools
import os
import warnings

import numpy as np
import pandas as pd
from _common import Run, limit_blas_threads, race

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import pgmpy
    from pgmpy.estimators import BIC, BDeu, HillClimbSearch
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import BIFReader

from derivlib.graphical_models import bayesian_networks as bn


def load(name: str):
    """A bundled network: pgmpy's model and derivlib's (parents, cpts, states)."""
    path = os.path.join(os.path.dirname(pgmpy.__file__), "utils", "example_models",
                        f"{name}.bif.gz")
    with gzip.open(path, "rt") as f:
        model = BIFReader(string=f.read()).get_model()
    parents, cpts, states = {}, {}, {}
    for cpd in model.get_cpds():
        v = cpd.variable
        parents[v] = tuple(cpd.variables[1:])
        cpts[v] = np.moveaxis(cpd.values, 0, -1).copy()
        states[v] = list(cpd.state_names[v])
    order = bn.topological_order(parents)
    return model, {v: parents[v] for v in order}, cpts, states


def main() -> None:
    limit_blas_threads(1)
    run = Run("bayesian_networks", "Bayesian networks: d-separation, inference, scores, search")
    version = f"pgmpy {pgmpy.__version__}"
    rng = np.random.default_rng(2026)

    # ---- d-separation
    asia_model, asia_parents, asia_cpts, asia_states = load("asia")
    alarm_model, alarm_parents, alarm_cpts, alarm_states = load("alarm")
    nodes = list(asia_parents)
    questions = [(x, y, given) for x, y in itertools.combinations(nodes, 2)
                 for k in range(3)
                 for given in itertools.combinations([v for v in nodes if v not in (x, y)], k)]
    alarm_nodes = list(alarm_parents)
    alarm_questions = []
    for _ in range(300):
        picked = rng.choice(alarm_nodes, size=2 + int(rng.integers(0, 4)), replace=False)
        alarm_questions.append((picked[0], picked[1], tuple(picked[2:])))
    for label, model, parents, qs in (("Asia", asia_model, asia_parents, questions),
                                      ("ALARM", alarm_model, alarm_parents, alarm_questions)):
        def ours(parents=parents, qs=qs):
            return [bn.d_separated(parents, x, y, g) for x, y, g in qs]

        def theirs(model=model, qs=qs):
            return [not model.is_dconnected(x, y, observed=list(g)) for x, y, g in qs]

        assert ours() == theirs()
        a, b = race(ours, theirs, 5)
        run.add("d-separation", f"{label} ({len(parents)} nodes), {len(qs)} questions",
                f"{version} DiscreteBayesianNetwork.is_dconnected", a.seconds, b.seconds,
                repeats=a.repeats,
                notes=f"{sum(a.result)} separated, {len(qs) - sum(a.result)} connected")

    # ---- variable elimination
    for label, model, parents, cpts, states, variable, evidence in (
            ("Asia", asia_model, asia_parents, asia_cpts, asia_states, "lung",
             {"xray": "yes", "dysp": "yes"}),
            ("ALARM", alarm_model, alarm_parents, alarm_cpts, alarm_states, "LVFAILURE",
             {"HRBP": "HIGH", "CO": "LOW", "BP": "LOW", "SAO2": "LOW"})):
        codes = {v: states[v].index(s) for v, s in evidence.items()}
        ve = VariableElimination(model)

        def ours(parents=parents, cpts=cpts, variable=variable, codes=codes):
            return bn.query(parents, cpts, variable, codes)

        def theirs(ve=ve, variable=variable, evidence=evidence):
            return ve.query([variable], evidence=evidence, show_progress=False).values

        assert np.allclose(ours(), theirs(), atol=1e-10)
        a, b = race(ours, theirs, 10)
        run.add("variable elimination", f"{label}, p({variable} | {len(evidence)} observed)",
                f"{version} VariableElimination.query", a.seconds, b.seconds,
                repeats=a.repeats, notes="derivlib validates the network at every call")

    # ---- scores
    X = bn.sample(asia_parents, asia_cpts, 20_000, rng=rng)
    df = pd.DataFrame(X, columns=nodes).astype("category")
    for name, ours, Ref in (("BIC", lambda: bn.bic_score(X, asia_parents), BIC),
                            ("BDeu (ess 10)", lambda: bn.bdeu_score(X, asia_parents, ess=10.0),
                             BDeu)):
        def theirs(Ref=Ref):
            return Ref(df).score(asia_model)

        assert abs(ours() - theirs()) < 1e-10 * abs(ours())
        a, b = race(ours, theirs, 10)
        run.add(f"{name} score", "Asia true graph, N=20000", f"{version} {Ref.__name__}.score",
                a.seconds, b.seconds, repeats=a.repeats)

    # ---- hill climbing
    X5 = X[:5000]
    df5 = df.iloc[:5000]

    def ours_hc():
        return bn.hill_climb(X5, nodes, tabu_length=100)

    def theirs_hc():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return HillClimbSearch(df5).estimate(scoring_method="bic-d", show_progress=False)

    found = theirs_hc()
    theirs_parents = {v: tuple(u for u in nodes if u in found.get_parents(v)) for v in nodes}
    our_score, their_score = ours_hc().score, bn.bic_score(X5, theirs_parents)
    a, b = race(ours_hc, theirs_hc, 3)
    run.add("hill climbing (BIC, from the empty graph)", "Asia, N=5000",
            f"{version} HillClimbSearch.estimate", a.seconds, b.seconds, repeats=a.repeats,
            notes=f"BIC of the result: derivlib {our_score:.2f}, pgmpy {their_score:.2f}; "
                  f"SHD to the truth: derivlib "
                  f"{bn.structural_hamming_distance(a.result.parents, asia_parents)}, pgmpy "
                  f"{bn.structural_hamming_distance(theirs_parents, asia_parents)}")
    run.finish()


if __name__ == "__main__":
    main()
