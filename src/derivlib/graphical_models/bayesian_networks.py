"""Bayesian networks over discrete variables: the factorisation of a DAG, d-separation, the
Markov blanket, exact inference, parameter learning by counting, decomposable structure
scores and a hill-climbing structure search.

Chapter *Bayesian networks* (``chapters/graphical_models/bayesian_networks.md``).

A network is plain data, with no class around it:

=========  ==========================================================================
name       meaning
=========  ==========================================================================
parents    ``dict`` from each node's name (a string) to the tuple of its parents'
           names, ``{"lung": ("smoke",), "smoke": ()}``; every node is a key, and the
           order of the keys is the order of the columns of the data ``X`` and of the
           axes of a joint table
cpts       ``dict`` from each node to its conditional probability table
           :math:`p(x_i \\mid \\mathrm{pa}_i)`, an array with one axis per parent (in
           the order of ``parents[node]``) and a last axis over the node's states: every
           row ``cpts[node][j]`` sums to 1 (within ``5e-7`` per entry: published tables are
           rounded to six decimals)
           (eq. ``bn-factorisation``)
cards      ``dict`` from each node to its number of states :math:`r_i`
X          ``(N, M)`` data, one row per sample, one column per node, states coded
           ``0, ..., r_i - 1``
=========  ==========================================================================

States are integers ``0 .. r_i - 1``; :func:`asia` gives the state names of the example
network. Reading the graph (:func:`d_separated`, :func:`markov_blanket`) needs only
``parents``.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections import deque
from typing import NamedTuple

import numpy as np
from scipy.special import gammaln

from derivlib._validation import (
    as_array,
    as_generator,
    check_choice,
    check_positive,
    sum_tolerance,
)

__all__ = [
    "HillClimbResult",
    "JointTable",
    "Network",
    "asia",
    "bdeu_score",
    "bic_score",
    "d_separated",
    "family_scores",
    "fit_counts",
    "hill_climb",
    "joint",
    "k2_score",
    "log_likelihood",
    "markov_blanket",
    "query",
    "sample",
    "structural_hamming_distance",
    "topological_order",
]


class Network(NamedTuple):
    """A discrete Bayesian network: its graph, its tables and the names of its states."""

    parents: dict
    cpts: dict
    states: dict


class JointTable(NamedTuple):
    """A joint distribution as a table: ``p[x_1, ..., x_M]``, one axis per node of ``nodes``."""

    nodes: tuple
    p: np.ndarray


class HillClimbResult(NamedTuple):
    """The result of :func:`hill_climb`.

    ``parents`` the graph found, ``score`` its score, ``n_iter`` the moves made,
    ``history`` the score after each move (the first entry is the start graph's score),
    ``moves`` the moves as ``(operation, (from, to))``.
    """

    parents: dict
    score: float
    n_iter: int
    history: np.ndarray
    moves: list


# --------------------------------------------------------------------------- validation
def _check_parents(parents, name: str = "parents") -> dict:
    """A dict from node names to tuples of parent names, every name known, no cycle."""
    if not isinstance(parents, dict):
        raise TypeError(f"{name} must be a dict from each node to the tuple of its parents, "
                        f"got {type(parents).__name__}")
    if not parents:
        raise ValueError(f"{name} must have at least one node, got an empty dict")
    out = {}
    for node, pa in parents.items():
        if not isinstance(node, str):
            raise TypeError(f"{name} must have string node names, got the key {node!r}")
        if isinstance(pa, str) or not isinstance(pa, list | tuple | set | frozenset):
            raise TypeError(f"{name}[{node!r}] must be a tuple of parent names, got {pa!r}")
        pa = tuple(pa)
        for p in pa:
            if p not in parents:
                raise ValueError(f"{name}[{node!r}] names the unknown node {p!r}; the nodes "
                                 f"are {sorted(parents)}")
        if node in pa:
            raise ValueError(f"{name}[{node!r}] lists {node!r} as its own parent (a cycle "
                             f"{node} -> {node})")
        if len(set(pa)) != len(pa):
            raise ValueError(f"{name}[{node!r}] lists a parent twice: {pa!r}")
        out[node] = pa
    _order(out, name)  # raises on a cycle
    return out


def _order(parents: dict, name: str) -> tuple:
    """Kahn's algorithm; on a cycle, find one and name it."""
    n_missing = {v: len(pa) for v, pa in parents.items()}
    children = {v: [] for v in parents}
    for v, pa in parents.items():
        for p in pa:
            children[p].append(v)
    ready = deque(v for v in parents if n_missing[v] == 0)
    order = []
    while ready:
        v = ready.popleft()
        order.append(v)
        for c in children[v]:
            n_missing[c] -= 1
            if n_missing[c] == 0:
                ready.append(c)
    if len(order) < len(parents):
        # every node left has a parent left: walk up through such parents until one repeats
        left = {v for v in parents if v not in order}
        path, seen = [], {}
        v = next(iter(sorted(left)))
        while v not in seen:
            seen[v] = len(path)
            path.append(v)
            v = next(p for p in parents[v] if p in left)
        cycle = path[seen[v]:][::-1] + [path[seen[v]:][::-1][0]]   # parent -> child order
        raise ValueError(f"{name} must describe a directed acyclic graph, got the cycle "
                         + " -> ".join(cycle))
    return tuple(order)


def _check_node(node, parents: dict, name: str) -> str:
    if not isinstance(node, str):
        raise TypeError(f"{name} must be a node name (a string), got {node!r}")
    if node not in parents:
        raise ValueError(f"{name} names the unknown node {node!r}; the nodes are "
                         f"{sorted(parents)}")
    return node


def _check_node_set(nodes, parents: dict, name: str) -> frozenset:
    """One node name or a collection of them."""
    if isinstance(nodes, str):
        nodes = (nodes,)
    if nodes is None:
        nodes = ()
    if not isinstance(nodes, list | tuple | set | frozenset):
        raise TypeError(f"{name} must be a node name or a collection of node names, got "
                        f"{nodes!r}")
    return frozenset(_check_node(v, parents, name) for v in nodes)


def _check_cpts(cpts, parents: dict, name: str = "cpts") -> dict:
    """Each table has one axis per parent and one for the node; rows sum to one."""
    if not isinstance(cpts, dict):
        raise TypeError(f"{name} must be a dict from each node to its table, got "
                        f"{type(cpts).__name__}")
    for node in cpts:
        if node not in parents:
            raise ValueError(f"{name} has a table for the unknown node {node!r}; the nodes "
                             f"are {sorted(parents)}")
    out = {}
    for node in parents:
        if node not in cpts:
            raise ValueError(f"{name} has no table for the node {node!r}")
        out[node] = as_array(cpts[node], f"{name}[{node!r}]", ndim=len(parents[node]) + 1)
    for node, pa in parents.items():
        table = out[node]
        want = tuple(out[p].shape[-1] for p in pa) + table.shape[-1:]
        if table.shape != want:
            raise ValueError(f"{name}[{node!r}] must have the shape {want} (one axis per "
                             f"parent {pa!r}, then the node's states), got {table.shape}")
        if np.any(table < 0):
            row = tuple(int(i) for i in np.argwhere(table < 0)[0][:-1])
            raise ValueError(f"{name}[{node!r}] must be non-negative, got a negative entry in "
                             f"the row {_row_text(pa, row)}")
        sums = table.sum(axis=-1)
        # published tables are rounded to six decimals (ALARM's 0.333333 three times sums
        # to 0.999999): each entry may be off by 5e-7, or by the rounding of a
        # lower-precision input
        r = table.shape[-1]
        bad = np.argwhere(np.abs(sums - 1.0) > sum_tolerance(cpts[node], r, 5e-7 * r))
        if len(bad):
            row = tuple(int(i) for i in bad[0])
            raise ValueError(f"{name}[{node!r}] rows must sum to 1, but the row "
                             f"{_row_text(pa, row)} sums to {sums[row]:.10g}")
    return out


def _row_text(pa, row) -> str:
    return "(" + ", ".join(f"{p}={j}" for p, j in zip(pa, row, strict=True)) + ")" if pa \
        else "(no parents)"


def _check_data(X, parents: dict, cards, name: str = "X", nodes_name: str = "parents"):
    """Data as integer states; cards from the argument or from the data."""
    arr = as_array(X, name, ndim=2)
    nodes = tuple(parents)
    if arr.shape[1] != len(nodes):
        raise ValueError(f"{name} must have one column for each of the {len(nodes)} nodes of "
                         f"{nodes_name} {nodes}, got {arr.shape[1]} columns")
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must hold states coded as non-negative integers 0, 1, ..., "
                         f"got {arr[(arr < 0) | (arr != np.round(arr))][0]!r}")
    codes = arr.astype(np.int64)
    if cards is None:
        cards = {v: int(codes[:, i].max()) + 1 for i, v in enumerate(nodes)}
    else:
        if not isinstance(cards, dict):
            raise TypeError(f"cards must be a dict from each node to its number of states, got "
                            f"{type(cards).__name__}")
        for v in cards:
            if v not in parents:
                raise ValueError(f"cards names the unknown node {v!r}")
        out = {}
        for i, v in enumerate(nodes):
            if v not in cards:
                raise ValueError(f"cards has no number of states for the node {v!r}")
            out[v] = int(check_positive(cards[v], f"cards[{v!r}]", integer=True))
            if codes[:, i].max() >= out[v]:
                raise ValueError(f"{name} column {i} (node {v!r}) has the state "
                                 f"{codes[:, i].max()}, but cards[{v!r}] = {out[v]}")
        cards = out
    return codes, cards


# --------------------------------------------------------------------------- the graph
def topological_order(parents) -> list:
    """The nodes, as a list, in an order where every parent comes before its children.

    Raises ``ValueError`` naming a cycle if ``parents`` is not a DAG.
    """
    parents = _check_parents(parents)
    return list(_order(parents, "parents"))


def d_separated(parents, x, y, given=()) -> bool:
    """Whether ``x`` and ``y`` are d-separated by ``given`` in the DAG ``parents``.

    The reachability ("Bayes ball") algorithm of Koller and Friedman (2009, Alg. 3.1),
    after Shachter (1998): a trail may pass a node ``v`` arriving from a child (going
    *up*) or from a parent (going *down*); an unobserved chain or fork passes, an observed
    one blocks; a collider (arriving down, leaving up... to a parent's other child) passes
    only if ``v`` or one of its descendants is observed (eq. ``bn-dsep-rules``).

    Parameters
    ----------
    parents : dict
        The DAG.
    x, y : str or collection of str
        The two sets of nodes (disjoint from each other and from ``given``).
    given : str or collection of str, default ()
        The observed nodes.

    Returns
    -------
    bool
        True if every trail from ``x`` to ``y`` is blocked, so that
        :math:`x \\perp y \\mid \\text{given}` in every distribution that factorises over
        the graph.
    """
    parents = _check_parents(parents)
    xs = _check_node_set(x, parents, "x")
    ys = _check_node_set(y, parents, "y")
    zs = _check_node_set(given, parents, "given")
    if not xs or not ys:
        raise ValueError("x and y must name at least one node each")
    for a, b, na, nb in ((xs, ys, "x", "y"), (xs, zs, "x", "given"), (ys, zs, "y", "given")):
        if a & b:
            raise ValueError(f"{na} and {nb} must be disjoint, both contain {sorted(a & b)}")
    return not (_reachable(parents, xs, zs) & ys)


def _reachable(parents: dict, xs, zs) -> set:
    """Nodes reachable from ``xs`` by an active trail given ``zs`` (K&F Alg. 3.1)."""
    children = {v: [] for v in parents}
    for v, pa in parents.items():
        for p in pa:
            children[p].append(v)
    # phase 1: the observed nodes and their ancestors (a collider is active iff it is here)
    ancestors, todo = set(), list(zs)
    while todo:
        v = todo.pop()
        if v not in ancestors:
            ancestors.add(v)
            todo.extend(parents[v])
    # phase 2: breadth-first over (node, direction); "up" = arrived from a child
    visited, reached = set(), set()
    todo = deque((v, "up") for v in xs)
    while todo:
        v, direction = todo.popleft()
        if (v, direction) in visited:
            continue
        visited.add((v, direction))
        if v not in zs:
            reached.add(v)
        if direction == "up" and v not in zs:          # chain upwards or fork: both open
            todo.extend((p, "up") for p in parents[v])
            todo.extend((c, "down") for c in children[v])
        elif direction == "down":
            if v not in zs:                            # chain downwards: open
                todo.extend((c, "down") for c in children[v])
            if v in ancestors:                         # collider: open iff observed below
                todo.extend((p, "up") for p in parents[v])
    return reached - set(xs)


def markov_blanket(parents, x) -> list:
    """The Markov blanket of ``x``: its parents, its children and its children's other
    parents (eq. ``bn-markov-blanket``), in the order of the keys of ``parents``."""
    parents = _check_parents(parents)
    x = _check_node(x, parents, "x")
    blanket = set(parents[x])
    for v, pa in parents.items():
        if x in pa:
            blanket.add(v)
            blanket.update(pa)
    blanket.discard(x)
    return [v for v in parents if v in blanket]


def structural_hamming_distance(parents, parents_true) -> int:
    """The number of node pairs whose edge differs (missing, extra or reversed) between two
    DAGs over the same nodes (Tsamardinos et al. 2006)."""
    parents = _check_parents(parents)
    parents_true = _check_parents(parents_true, "parents_true")
    if set(parents) != set(parents_true):
        raise ValueError(f"parents and parents_true must have the same nodes, got "
                         f"{sorted(parents)} and {sorted(parents_true)}")

    def edges(pa):
        return {(p, v) for v, ps in pa.items() for p in ps}

    a, b = edges(parents), edges(parents_true)
    pairs = {frozenset(e) for e in a | b}
    return sum(1 for pair in pairs
               if {e for e in a if frozenset(e) == pair} != {e for e in b if frozenset(e) == pair})


# --------------------------------------------------------------------------- inference
def joint(parents, cpts) -> JointTable:
    """The joint table :math:`p(x_1, \\dots, x_M) = \\prod_i p(x_i \\mid \\mathrm{pa}_i)`
    (eq. ``bn-factorisation``), one axis per node in the order of the keys of ``parents``.

    The table has :math:`\\prod_i r_i` entries: for small networks (the chapter's checks,
    the tests' brute force); :func:`query` answers questions without forming it.
    """
    parents = _check_parents(parents)
    cpts = _check_cpts(cpts, parents)
    nodes = tuple(parents)
    axis = {v: i for i, v in enumerate(nodes)}
    p = np.ones([cpts[v].shape[-1] for v in nodes])
    for v in nodes:
        # the table of v, its axes moved to the joint's axes of (parents..., v)
        family = [axis[u] for u in parents[v]] + [axis[v]]
        shape = [1] * len(nodes)
        for a, size in zip(family, cpts[v].shape, strict=True):
            shape[a] = size
        order = np.argsort(family)
        p = p * np.transpose(cpts[v], order).reshape(shape)   # (bn-factorisation)
    return JointTable(nodes, p)


def query(parents, cpts, variables, evidence=None) -> np.ndarray:
    """The exact posterior :math:`p(\\text{variables} \\mid \\text{evidence})` by variable
    elimination (Koller and Friedman 2009, Alg. 9.1).

    Nodes that are not ancestors of a query or evidence node are dropped (their tables sum
    out to one). Each CPT is a factor; the evidence fixes its axes; every other variable is
    summed out
    in turn, multiplying only the factors that mention it. The elimination
    order is greedy: the variable whose product factor is smallest goes first. Each new
    factor is divided by its largest entry so that long products cannot underflow; the
    answer is normalised at the end.

    Parameters
    ----------
    parents, cpts : dict
        The network.
    variables : str or sequence of str
        The query variables; the result has one axis per variable, in this order.
    evidence : dict, optional
        Observed nodes and their states, ``{"xray": 0}``.

    Returns
    -------
    ndarray
        The posterior table, summing to 1.
    """
    parents = _check_parents(parents)
    cpts = _check_cpts(cpts, parents)
    if isinstance(variables, str):
        variables = (variables,)
    if not isinstance(variables, list | tuple) or not variables:
        raise TypeError(f"variables must be a node name or a non-empty sequence of them, got "
                        f"{variables!r}")
    variables = tuple(_check_node(v, parents, "variables") for v in variables)
    if len(set(variables)) != len(variables):
        raise ValueError(f"variables lists a node twice: {variables!r}")
    evidence = {} if evidence is None else evidence
    if not isinstance(evidence, dict):
        raise TypeError(f"evidence must be a dict from nodes to states, got {evidence!r}")
    for v, s in evidence.items():
        _check_node(v, parents, "evidence")
        r = cpts[v].shape[-1]
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or not 0 <= s < r:
            raise ValueError(f"evidence[{v!r}] must be a state 0..{r - 1}, got {s!r}")
        if v in variables:
            raise ValueError(f"evidence and variables must be disjoint, both contain {v!r}")
    # a node that is no ancestor of a query or evidence node sums out to 1 (children first,
    # each table row sums to one, as in the factorisation's normalisation): drop it
    relevant, todo = set(), [*variables, *evidence]
    while todo:
        v = todo.pop()
        if v not in relevant:
            relevant.add(v)
            todo.extend(parents[v])
    # factors: (scope, table); evidence slices the observed axes away
    factors = []
    for v in (u for u in parents if u in relevant):
        scope = parents[v] + (v,)
        index = tuple(evidence.get(u, slice(None)) for u in scope)
        factors.append((tuple(u for u in scope if u not in evidence), cpts[v][index]))
    hidden = [v for v in parents if v in relevant and v not in evidence and v not in variables]
    card = {v: cpts[v].shape[-1] for v in parents}
    while hidden:
        v = min(hidden, key=lambda u: _product_size(factors, u, card))
        hidden.remove(v)
        used = [f for f in factors if v in f[0]]
        factors = [f for f in factors if v not in f[0]]
        scope, table = _product(used)
        table = table.sum(axis=scope.index(v))                   # sum v out
        top = table.max() if table.size else 0.0
        factors.append((tuple(u for u in scope if u != v), table / top if top > 0 else table))
    # factors left without variables are constants: normalising removes them (a zero one
    # means the evidence is impossible), and multiplying hundreds of them could underflow
    if any(not s and t <= 0 for s, t in factors):
        raise ValueError(f"evidence {evidence!r} has probability zero under the network")
    scope, table = _product([(s, t) for s, t in factors if s])
    table = np.transpose(table, [scope.index(v) for v in variables])
    total = table.sum()
    if not total > 0:
        raise ValueError(f"evidence {evidence!r} has probability zero under the network")
    return table / total


def _product_size(factors, v, card) -> int:
    """Entries of the product of the factors that mention ``v`` (the greedy order's cost)."""
    scope = set().union(*(s for s, _ in factors if v in s))
    return math.prod(card[u] for u in scope)


def _product(factors):
    """The product of factors ``(scope, table)`` over the union of their scopes."""
    scope = []
    for s, _ in factors:
        scope.extend(u for u in s if u not in scope)
    letters = {u: chr(97 + i) if i < 26 else chr(65 + i - 26) for i, u in enumerate(scope)}
    spec = ",".join("".join(letters[u] for u in s) for s, _ in factors)
    out = "".join(letters[u] for u in scope)
    tables = [t for _, t in factors]
    if not factors:
        return (), np.array(1.0)
    return tuple(scope), np.einsum(f"{spec}->{out}", *tables)


def sample(parents, cpts, N, rng=None) -> np.ndarray:
    """``N`` samples by ancestral sampling: each node drawn from its CPT row given its
    parents' drawn states, nodes in topological order (Bishop 2006, sec. 8.1.2).

    Returns an ``(N, M)`` integer array, columns in the order of the keys of ``parents``.
    """
    parents = _check_parents(parents)
    cpts = _check_cpts(cpts, parents)
    N = check_positive(N, "N", integer=True)
    rng = as_generator(rng)
    col = {v: i for i, v in enumerate(parents)}
    X = np.zeros((N, len(parents)), dtype=np.int64)
    for v in _order(parents, "parents"):
        rows = cpts[v][tuple(X[:, col[p]] for p in parents[v])]      # (N, r_v) rows
        rows = np.broadcast_to(rows, (N, cpts[v].shape[-1]))          # a root: one row
        cum = np.cumsum(rows, axis=1)
        u = rng.random(N)[:, None] * cum[:, -1:]
        X[:, col[v]] = np.minimum((cum <= u).sum(axis=1), rows.shape[1] - 1)
    return X


# --------------------------------------------------------------------------- learning
def _family_counts(codes, col: dict, cards: dict, node: str, pa: tuple) -> np.ndarray:
    """``n[j_1, ..., j_k, x]``: how often the node took state x with its parents in j."""
    family = pa + (node,)
    shape = tuple(cards[u] for u in family)
    flat = np.ravel_multi_index(tuple(codes[:, col[u]] for u in family), shape)
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)


def fit_counts(X, parents, cards=None, *, prior="ml", pseudo_count=1.0, ess=10.0) -> dict:
    """The CPTs of the graph ``parents`` learned from complete data by counting.

    ``prior="ml"``: maximum likelihood, :math:`\\hat\\theta_{ijk} = n_{ijk} / n_{ij}`
    (eq. ``bn-ml``); a parent configuration never seen gets the uniform row (the
    likelihood does not depend on it). ``"dirichlet"``: the posterior mean under a
    Dirichlet prior with ``pseudo_count`` added to every cell, :math:`(n_{ijk} +
    \\alpha) / (n_{ij} + r_i \\alpha)` (eq. ``bn-dirichlet-mean``); ``"k2"`` is
    ``pseudo_count = 1``; ``"bdeu"`` spreads an equivalent sample size ``ess`` uniformly,
    :math:`\\alpha_{ijk} = \\text{ess} / (q_i r_i)` (Heckerman et al. 1995).

    Parameters
    ----------
    X : (N, M) array of int
        Complete data, columns in the order of the keys of ``parents``.
    parents : dict
        The graph.
    cards : dict, optional
        Number of states of each node (default: the largest state in ``X`` plus one).
    prior : {"ml", "dirichlet", "k2", "bdeu"}
    pseudo_count : float, default 1.0
        For ``"dirichlet"``: the pseudo-count added to every cell (> 0).
    ess : float, default 10.0
        For ``"bdeu"``: the equivalent sample size (> 0).

    Returns
    -------
    dict
        ``cpts[node]`` of shape ``(r_parent_1, ..., r_node)``.
    """
    parents = _check_parents(parents)
    codes, cards = _check_data(X, parents, cards)
    prior = check_choice(prior, "prior", ("ml", "dirichlet", "k2", "bdeu"))
    pseudo_count = check_positive(pseudo_count, "pseudo_count")
    ess = check_positive(ess, "ess")
    col = {v: i for i, v in enumerate(parents)}
    cpts = {}
    for v, pa in parents.items():
        n = _family_counts(codes, col, cards, v, pa)                 # n_ijk
        q_i, r_i = int(np.prod(n.shape[:-1])), n.shape[-1]
        a = {"ml": 0.0, "dirichlet": pseudo_count, "k2": 1.0,
             "bdeu": ess / (q_i * r_i)}[prior]
        n_ij = n.sum(axis=-1, keepdims=True) + r_i * a
        with np.errstate(invalid="ignore", divide="ignore"):
            cpts[v] = np.where(n_ij > 0, (n + a) / n_ij, 1.0 / r_i)  # (bn-ml), (bn-dirichlet-mean)
    return cpts


def log_likelihood(X, parents, cpts) -> float:
    """:math:`\\ell = \\sum_n \\log p(\\mathbf x_n)` of complete data under a network, a sum
    of one term per family (eq. ``bn-loglik-families``); ``-inf`` never returned: a sample
    of probability zero raises ``ValueError``."""
    parents = _check_parents(parents)
    cpts = _check_cpts(cpts, parents)
    codes, _ = _check_data(X, parents, {v: cpts[v].shape[-1] for v in parents})
    col = {v: i for i, v in enumerate(parents)}
    total = 0.0
    for v, pa in parents.items():
        probs = cpts[v][tuple(codes[:, col[u]] for u in pa + (v,))]
        if np.any(probs == 0):
            n = int(np.argmax(probs == 0))
            raise ValueError(f"X row {n} has probability zero under cpts[{v!r}]")
        total += float(np.log(probs).sum())
    return total


def family_scores(X, parents, cards=None, *, score="bic", ess=10.0) -> dict:
    """The score of each family (a node and its parents): the terms whose sum is the score
    of the graph (eqs. ``bn-bic``, ``bn-k2``).

    ``"bic"``: :math:`\\sum_{jk} n_{ijk}\\log(n_{ijk}/n_{ij}) - \\tfrac12 \\log N \\,
    q_i (r_i - 1)`; ``"k2"``, ``"bdeu"``: the log marginal likelihood of the family under
    a Dirichlet prior with hyperparameters :math:`\\alpha_{ijk}` (1, or
    :math:`\\text{ess}/(q_i r_i)`), :math:`\\sum_j [\\log\\Gamma(\\alpha_{ij}) -
    \\log\\Gamma(\\alpha_{ij} + n_{ij}) + \\sum_k (\\log\\Gamma(\\alpha_{ijk} + n_{ijk}) -
    \\log\\Gamma(\\alpha_{ijk}))]` (Cooper and Herskovits 1992; Heckerman et al. 1995).
    """
    parents = _check_parents(parents)
    codes, cards = _check_data(X, parents, cards)
    score = check_choice(score, "score", ("bic", "k2", "bdeu"))
    ess = check_positive(ess, "ess")
    col = {v: i for i, v in enumerate(parents)}
    return {v: _family_score(codes, col, cards, v, pa, score, ess)
            for v, pa in parents.items()}


def _family_score(codes, col, cards, v, pa, score, ess) -> float:
    n = _family_counts(codes, col, cards, v, pa).reshape(-1, cards[v])    # (q_i, r_i)
    q_i, r_i = n.shape
    n_ij = n.sum(axis=1, keepdims=True)
    if score == "bic":
        with np.errstate(divide="ignore", invalid="ignore"):
            loglik = np.where(n > 0, n * np.log(n / n_ij), 0.0).sum()        # (bn-bic), first term
        return float(loglik - 0.5 * np.log(len(codes)) * q_i * (r_i - 1))    # (bn-bic)
    a = 1.0 if score == "k2" else ess / (q_i * r_i)
    return float((gammaln(r_i * a) - gammaln(r_i * a + n_ij)).sum()         # (bn-k2)
                 + (gammaln(a + n) - gammaln(a)).sum())


def bic_score(X, parents, cards=None) -> float:
    """The BIC score :math:`\\ell(\\hat{\\boldsymbol\\theta}) - \\tfrac12 \\log N \\cdot
    \\#\\text{parameters}` of the graph, the sum of :func:`family_scores` (eq. ``bn-bic``)."""
    return float(sum(family_scores(X, parents, cards, score="bic").values()))


def k2_score(X, parents, cards=None) -> float:
    """The K2 score (Cooper and Herskovits 1992): the log marginal likelihood with every
    Dirichlet hyperparameter 1, a sum over families (eq. ``bn-k2``)."""
    return float(sum(family_scores(X, parents, cards, score="k2").values()))


def bdeu_score(X, parents, cards=None, ess=10.0) -> float:
    """The BDeu score (Heckerman et al. 1995): the log marginal likelihood with
    hyperparameters ``ess / (q_i r_i)``, a sum over families (eq. ``bn-k2``)."""
    return float(sum(family_scores(X, parents, cards, score="bdeu", ess=ess).values()))


def _creates_cycle(parents: dict, frm: str, to: str) -> bool:
    """Would the edge frm -> to close a cycle, i.e. is frm reachable from to?"""
    children = {v: [] for v in parents}
    for v, pa in parents.items():
        for p in pa:
            children[p].append(v)
    todo, seen = [to], set()
    while todo:
        v = todo.pop()
        if v == frm:
            return True
        if v not in seen:
            seen.add(v)
            todo.extend(children[v])
    return False


def hill_climb(X, nodes, cards=None, *, score="bic", ess=10.0, start=None, max_iter=1000,
               tabu_length=0, patience=0, max_indegree=None, epsilon=1e-4) -> HillClimbResult:
    """Greedy structure search: from ``start`` (default: no edges), repeatedly apply the
    best of all single-edge additions, removals and reversals that keep the graph acyclic,
    until no move improves the score by more than ``epsilon`` (Heckerman et al. 1995;
    Koller and Friedman 2009, sec. 18.4.3).

    Because the score is a sum over families (eq. ``bn-decomposition``), a move changes
    only the terms of the one or two nodes whose parents change: each candidate costs one
    or two family scores, cached by (node, parents). The last ``tabu_length`` moves may
    not be undone (a tabu list, as pgmpy's ``HillClimbSearch``). With ``patience > 0`` the
    search is a tabu search (Koller and Friedman 2009, sec. 18.4.3.2): at a local maximum
    it still takes the best move allowed, up to ``patience`` moves in a row without a new
    best score, and returns the best graph it visited.

    Parameters
    ----------
    X : (N, M) array of int
        Complete data.
    nodes : sequence of str
        The names of the columns of ``X``.
    cards : dict, optional
        Number of states of each node (default: from the data).
    score : {"bic", "k2", "bdeu"}
    ess : float
        The equivalent sample size of ``"bdeu"``.
    start : dict, optional
        The start graph (a ``parents`` dict over ``nodes``).
    max_iter : int
        The budget of moves.
    tabu_length : int
        How many recent moves may not be undone (0: no tabu list).
    patience : int
        How many moves in a row may fail to improve on the best score before the search
        stops (0: plain hill climbing, stop at the first local maximum).
    max_indegree : int, optional
        The largest number of parents allowed.
    epsilon : float
        The smallest improvement that counts.

    Returns
    -------
    HillClimbResult
    """
    if isinstance(nodes, str) or not isinstance(nodes, list | tuple):
        raise TypeError(f"nodes must be a sequence of node names, got {nodes!r}")
    nodes = tuple(nodes)
    if not all(isinstance(v, str) for v in nodes) or len(set(nodes)) != len(nodes):
        raise ValueError(f"nodes must be distinct strings, got {nodes!r}")
    empty = {v: () for v in nodes}
    if start is None:
        start = empty
    start = _check_parents(start, "start")
    if tuple(start) != nodes:
        if set(start) != set(nodes):
            raise ValueError(f"start must have the nodes {nodes}, got {tuple(start)}")
        start = {v: start[v] for v in nodes}
    codes, cards = _check_data(X, empty, cards, nodes_name="nodes")
    score = check_choice(score, "score", ("bic", "k2", "bdeu"))
    ess = check_positive(ess, "ess")
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    tabu_length = check_positive(tabu_length, "tabu_length", strict=False, integer=True)
    patience = check_positive(patience, "patience", strict=False, integer=True)
    if patience and not tabu_length:
        raise ValueError("patience > 0 needs tabu_length > 0: without a tabu list the search "
                         "would undo its own non-improving move")
    if max_indegree is not None:
        max_indegree = check_positive(max_indegree, "max_indegree", integer=True)
    epsilon = check_positive(epsilon, "epsilon", strict=False)
    col = {v: i for i, v in enumerate(nodes)}
    cache = {}

    def local(v, pa):
        key = (v, tuple(sorted(pa)))
        if key not in cache:
            cache[key] = _family_score(codes, col, cards, v, tuple(sorted(pa, key=col.get)),
                                       score, ess)
        return cache[key]

    current = {v: tuple(start[v]) for v in nodes}
    total = sum(local(v, pa) for v, pa in current.items())
    history, moves, tabu = [total], [], deque(maxlen=tabu_length or None)
    limit = len(nodes) if max_indegree is None else max_indegree
    best_graph, best_total, waited = dict(current), total, 0
    for _ in range(max_iter):
        # at a local maximum a tabu search accepts the best move even if it loses score
        best, best_gain = None, epsilon if patience == 0 else -np.inf
        for a, b in itertools.permutations(nodes, 2):
            if a in current[b]:                                   # edge a -> b exists
                gain = local(b, set(current[b]) - {a}) - local(b, current[b])
                if ("add", (a, b)) not in tabu and gain > best_gain:
                    best, best_gain = ("remove", (a, b)), gain
                # reversal: remove a -> b, add b -> a; acyclic iff a not reachable from b
                # once a -> b is gone
                if ("flip", (b, a)) in tabu or ("flip", (a, b)) in tabu \
                        or len(current[a]) + 1 > limit:
                    continue
                without = dict(current, **{b: tuple(u for u in current[b] if u != a)})
                if _creates_cycle(without, b, a):
                    continue
                gain = (local(b, set(current[b]) - {a}) - local(b, current[b])
                        + local(a, set(current[a]) | {b}) - local(a, current[a]))
                if gain > best_gain:
                    best, best_gain = ("flip", (a, b)), gain
            elif b not in current[a]:                             # no edge either way
                if ("remove", (a, b)) in tabu or len(current[b]) + 1 > limit \
                        or _creates_cycle(current, a, b):
                    continue
                gain = local(b, set(current[b]) | {a}) - local(b, current[b])
                if gain > best_gain:
                    best, best_gain = ("add", (a, b)), gain
        if best is None:
            break
        op, (a, b) = best
        if op == "add":
            current[b] = current[b] + (a,)
        elif op == "remove":
            current[b] = tuple(u for u in current[b] if u != a)
        else:
            current[b] = tuple(u for u in current[b] if u != a)
            current[a] = current[a] + (b,)
        total = sum(local(v, pa) for v, pa in current.items())
        history.append(total)
        moves.append(best)
        if tabu_length:
            tabu.append(best)
        if total > best_total + epsilon:
            best_graph, best_total, waited = dict(current), total, 0
        else:
            waited += 1
            if waited > patience:
                break
    if total > best_total:
        best_graph, best_total = dict(current), total
    result = {v: tuple(sorted(best_graph[v], key=col.get)) for v in nodes}
    return HillClimbResult(result, float(best_total), len(moves), np.array(history), moves)


# --------------------------------------------------------------------------- example
def asia() -> Network:
    """The "Asia" (chest clinic) network of Lauritzen and Spiegelhalter (1988, fig. 1),
    with the tables of the Bayesian network repository's ``asia.bif`` (as bundled with
    pgmpy). State 0 is "yes", 1 is "no" for every node.
    """
    yes_no = ("yes", "no")
    parents = {"asia": (), "tub": ("asia",), "smoke": (), "lung": ("smoke",),
               "bronc": ("smoke",), "either": ("lung", "tub"), "xray": ("either",),
               "dysp": ("bronc", "either")}
    cpts = {
        "asia": np.array([0.01, 0.99]),
        "tub": np.array([[0.05, 0.95],              # asia = yes
                         [0.01, 0.99]]),            # asia = no
        "smoke": np.array([0.5, 0.5]),
        "lung": np.array([[0.1, 0.9], [0.01, 0.99]]),
        "bronc": np.array([[0.6, 0.4], [0.3, 0.7]]),
        "either": np.array([[[1.0, 0.0], [1.0, 0.0]],     # lung = yes: tub yes, tub no
                            [[1.0, 0.0], [0.0, 1.0]]]),   # lung = no: either = tub
        "xray": np.array([[0.98, 0.02], [0.05, 0.95]]),
        "dysp": np.array([[[0.9, 0.1], [0.8, 0.2]],       # bronc = yes: either yes, no
                          [[0.7, 0.3], [0.1, 0.9]]]),     # bronc = no
    }
    return Network(parents, cpts, {v: yes_no for v in parents})
