r"""Belief propagation: sum-product and max-sum on chains, trees and factor graphs; loopy BP.

Code of the chapter ``chapters/graphical_models/belief_propagation.ipynb``; tested in
``tests/graphical_models/test_belief_propagation.py`` against pgmpy's ``BeliefPropagation``
and ``VariableElimination`` and against brute-force enumeration of the joint. The message
equations follow Kschischang, Frey and Loeliger (2001) and Bishop (2006), *Pattern
Recognition and Machine Learning*, section 8.4; loopy BP and damping Murphy (2012), section
22.2, and Koller and Friedman (2009), chapter 11.

Symbols
-------
==============================  =====================  =====================================
book                            code                   meaning
==============================  =====================  =====================================
:math:`x_i`                     a name in              a discrete variable with
                                ``cardinality``        ``cardinality[name]`` states
:math:`\psi_f(\mathbf x_f)`     ``Factor(scope,        a non-negative table over the
                                table)``               variables of its scope
:math:`\tilde p(\mathbf x)`                            :math:`\prod_f \psi_f(\mathbf x_f)`
:math:`Z`                       ``log_Z``              :math:`\sum_{\mathbf x} \tilde p(\mathbf
                                                       x)`, the normaliser (its log)
:math:`\nu_{f\to i}`            messages               factor-to-variable message (a vector)
:math:`\nu_{i\to f}`            messages               variable-to-factor message
:math:`p(x_i)`                  ``marginals[name]``    the marginal of one variable, ``(K_i,)``
:math:`p(\mathbf x_f)`          ``factor_marginals``   the marginal of a factor's scope
==============================  =====================  =====================================

A chain with ``N`` variables of ``K`` states each is also given by arrays:
``unary[n, k]`` :math:`= \psi_n(x_n = k)`, shape ``(N, K)``, and ``pairwise[n, i, j]``
:math:`= \psi_{n,n+1}(x_n = i, x_{n+1} = j)`, shape ``(N-1, K, K)`` (or ``(K, K)``, the
same table at every step). Python counts from 0.

Results of the chapter implemented here:

* eqs. (bp-chain-forward), (bp-chain-backward), (bp-chain-marginal), (bp-log-z):
  :func:`chain_sum_product`, normalised messages and :math:`\log Z` from the normalisers;
* eqs. (bp-var-to-factor), (bp-factor-to-var), (bp-marginal), (bp-factor-marginal),
  (bp-log-z-tree): :func:`sum_product` on a tree-structured factor graph, two passes from a
  root;
* eqs. (bp-max-sum), (bp-max-marginal): :func:`max_sum`, the MAP assignment with
  backtracking;
* eq. (bp-damping): :func:`loopy_bp`, flooding schedule with damping;
* :func:`brute_force`, the same quantities by enumerating every joint state (small graphs);
* :func:`factor_graph` validates a graph, :func:`chain_graph` builds one from chain arrays.

Messages are normalised to sum to one (max-sum: to have maximum zero) as they are computed:
a product of many numbers below one underflows, and the normalisers, kept as logarithms,
add up to :math:`\log Z` as the HMM's :math:`c_n` add up to :math:`\log p(X)`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from typing import NamedTuple

import numpy as np

from derivlib._convergence import report
from derivlib._validation import _show, as_array, check_positive

__all__ = [
    "BeliefResult",
    "BruteForce",
    "ChainResult",
    "Factor",
    "FactorGraph",
    "LoopyResult",
    "MAPResult",
    "brute_force",
    "chain_graph",
    "chain_sum_product",
    "factor_graph",
    "loopy_bp",
    "max_sum",
    "sum_product",
]


class Factor(NamedTuple):
    """One factor :math:`\\psi_f`: the names of its variables and its table.

    ``table`` has one axis per variable of ``scope``, in that order, each as long as the
    variable's cardinality; its entries are non-negative.
    """

    scope: tuple[str, ...]
    table: np.ndarray


class FactorGraph(NamedTuple):
    """A discrete factor graph: variables with their numbers of states, and factors.

    Build it with :func:`factor_graph`, which checks it.
    """

    cardinality: dict[str, int]
    factors: tuple[Factor, ...]


class ChainResult(NamedTuple):
    """Sum-product on a chain.

    ``marginals[n, k]`` :math:`= p(x_n = k)`, ``(N, K)``; ``pair_marginals[n, i, j]``
    :math:`= p(x_n = i, x_{n+1} = j)`, ``(N-1, K, K)``; ``log_c[n]`` the logs of the
    normalisers of the forward messages, ``(N,)``, whose sum is ``log_Z``.
    """

    marginals: np.ndarray
    pair_marginals: np.ndarray
    log_Z: float
    log_c: np.ndarray


class BeliefResult(NamedTuple):
    """Sum-product on a tree: the marginal of every variable and of every factor's scope
    (in the order of ``graph.factors``), and :math:`\\log Z`."""

    marginals: dict[str, np.ndarray]
    factor_marginals: list[np.ndarray]
    log_Z: float


class MAPResult(NamedTuple):
    """Max-sum on a tree: a most probable joint state, its :math:`\\log \\tilde p`, and the
    log max-marginals :math:`\\max_{\\mathbf x: x_i = k} \\log \\tilde p(\\mathbf x)` of every
    variable."""

    assignment: dict[str, int]
    log_value: float
    log_max_marginals: dict[str, np.ndarray]


class LoopyResult(NamedTuple):
    """Loopy belief propagation: approximate marginals (beliefs), the iterations run,
    whether the messages converged, ``residual`` (the largest change of a message in the
    last iteration) and ``history`` (that change at every iteration, ``(n_iter,)``)."""

    marginals: dict[str, np.ndarray]
    factor_marginals: list[np.ndarray]
    n_iter: int
    converged: bool
    residual: float
    history: np.ndarray


class BruteForce(NamedTuple):
    """Exact answers by enumerating every joint state: marginals, :math:`\\log Z`, the
    first most probable state in the order of ``itertools.product`` and its
    :math:`\\log \\tilde p`."""

    marginals: dict[str, np.ndarray]
    log_Z: float
    assignment: dict[str, int]
    log_value: float


# ----------------------------------------------------------------------------- validation

def factor_graph(cardinality, factors) -> FactorGraph:
    """Check and build a discrete factor graph.

    Parameters
    ----------
    cardinality : dict of str to int
        The variables, in order, and their numbers of states (at least 1).
    factors : iterable of (scope, table)
        Each factor: a tuple of variable names (no repeats) and a non-negative array of
        shape ``tuple(cardinality[v] for v in scope)``. :class:`Factor` objects qualify.

    Returns
    -------
    FactorGraph
        With the tables copied as float arrays.

    Raises
    ------
    TypeError, ValueError
        Naming the factor and the problem: an unknown variable name, a repeated variable, a
        table of the wrong shape, a negative, NaN or infinite entry.
    """
    if not isinstance(cardinality, dict):
        raise TypeError(f"cardinality must be a dict from variable names to numbers of "
                        f"states, got {type(cardinality).__name__}")
    if not cardinality:
        raise ValueError("cardinality must name at least one variable, got an empty dict")
    cards = {}
    for name, k in cardinality.items():
        if not isinstance(name, str):
            raise TypeError(f"cardinality: variable names must be strings, got {name!r}")
        cards[name] = check_positive(k, f"cardinality[{name!r}]", integer=True)
    if isinstance(factors, str | bytes | dict) or not hasattr(factors, "__iter__"):
        raise TypeError(f"factors must be an iterable of (scope, table) pairs, got "
                        f"{type(factors).__name__}")
    checked = []
    for f, item in enumerate(factors):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise TypeError(f"factors[{f}] must be a (scope, table) pair, got {_show(item)}")
        scope, table = item
        if isinstance(scope, str) or not isinstance(scope, tuple | list) or not scope:
            raise TypeError(f"factors[{f}]: the scope must be a non-empty tuple of variable "
                            f"names, got {scope!r}")
        scope = tuple(scope)
        for v in scope:
            if v not in cards:
                raise ValueError(f"factors[{f}]: unknown variable {v!r} in the scope {scope} "
                                 f"(cardinality names {list(cards)})")
        if len(set(scope)) != len(scope):
            raise ValueError(f"factors[{f}]: a variable appears twice in the scope {scope}")
        table = np.array(as_array(table, f"factors[{f}] table"), dtype=float)  # a copy
        shape = tuple(cards[v] for v in scope)
        if table.shape != shape:
            raise ValueError(f"factors[{f}] table must have shape {shape} (the cardinalities "
                             f"of {scope}), got {table.shape}")
        if np.any(table < 0):
            raise ValueError(f"factors[{f}] table must be non-negative, got minimum "
                             f"{table.min():.3g}")
        checked.append(Factor(scope, table))
    return FactorGraph(cards, tuple(checked))


def chain_graph(unary, pairwise) -> FactorGraph:
    """The factor graph of a chain given by arrays: variables ``x1 .. xN``.

    Factors, in order: the ``N`` unary factors ``(("x1",), unary[0])``, ..., then the
    ``N - 1`` pairwise factors ``(("x1", "x2"), pairwise[0])``, ...
    """
    unary, pairwise = _check_chain(unary, pairwise)
    N, K = unary.shape
    names = [f"x{n + 1}" for n in range(N)]
    factors = [((names[n],), unary[n]) for n in range(N)]
    factors += [((names[n], names[n + 1]), pairwise[n]) for n in range(N - 1)]
    return factor_graph(dict.fromkeys(names, K), factors)


def _check_chain(unary, pairwise):
    unary = np.array(as_array(unary, "unary", ndim=2), dtype=float)
    N, K = unary.shape
    pairwise = np.array(as_array(pairwise, "pairwise", ndim=(2, 3), min_size=0), dtype=float)
    if pairwise.ndim == 2:
        if pairwise.shape != (K, K):
            raise ValueError(f"pairwise must have shape ({K}, {K}) or ({N - 1}, {K}, {K}) for "
                             f"unary of shape {unary.shape}, got {pairwise.shape}")
        pairwise = np.broadcast_to(pairwise, (N - 1, K, K)).copy()
    elif pairwise.shape != (N - 1, K, K):
        raise ValueError(f"pairwise must have shape ({N - 1}, {K}, {K}) or ({K}, {K}) for "
                         f"unary of shape {unary.shape}, got {pairwise.shape}")
    for name, arr in (("unary", unary), ("pairwise", pairwise)):
        if np.any(arr < 0):
            raise ValueError(f"{name} must be non-negative, got minimum {arr.min():.3g}")
    return unary, pairwise


def _check_graph(graph, evidence):
    """Validate ``graph`` and ``evidence``; return cardinalities and the factors, with one
    indicator factor per observed variable appended (evidence is a factor that is 1 at the
    observed state and 0 elsewhere)."""
    if not isinstance(graph, FactorGraph):
        raise TypeError(f"graph must be a FactorGraph (build it with factor_graph), got "
                        f"{type(graph).__name__}")
    graph = factor_graph(graph.cardinality, graph.factors)
    factors = list(graph.factors)
    if evidence is None:
        return graph.cardinality, factors
    if not isinstance(evidence, dict):
        raise TypeError(f"evidence must be a dict from variable names to observed states, "
                        f"got {type(evidence).__name__}")
    for name, state in evidence.items():
        if name not in graph.cardinality:
            raise ValueError(f"evidence: unknown variable {name!r} (the graph's variables are "
                             f"{list(graph.cardinality)})")
        K = graph.cardinality[name]
        if isinstance(state, bool | np.bool_) or not isinstance(state, numbers.Integral) \
                or not 0 <= state < K:
            raise ValueError(f"evidence[{name!r}] must be a state 0..{K - 1}, got {state!r}")
        indicator = np.zeros(K)
        indicator[int(state)] = 1.0
        factors.append(Factor((name,), indicator))
    return graph.cardinality, factors


def _normalise(message, what):
    """Divide a message by its sum; return it and the log of the sum."""
    total = message.sum()
    if not total > 0:
        raise ValueError(f"the factors give probability zero to every state ({what} is all "
                         f"zeros): Z = 0, or the evidence is impossible under the model")
    return message / total, math.log(total)


def _tree_schedule(cards, factors):
    """An order of the nodes of a tree-structured factor graph, from the roots down.

    Nodes are ``("v", name)`` and ``("f", index)``. Each connected component is rooted at
    its first variable (in the order of ``cards``); returns ``(order, parent)``, the
    depth-first preorder and each node's parent (None at a root). A cycle raises a
    ``ValueError`` that names it.
    """
    neighbours = {("v", v): [] for v in cards}
    for f, factor in enumerate(factors):
        neighbours[("f", f)] = [("v", v) for v in factor.scope]
        for v in factor.scope:
            neighbours[("v", v)].append(("f", f))
    parent, order = {}, []
    for root in cards:
        root = ("v", root)
        if root in parent:
            continue
        parent[root] = None
        stack = [root]
        while stack:
            node = stack.pop()
            order.append(node)
            for other in neighbours[node]:
                if other == parent[node]:
                    continue
                if other in parent:
                    raise ValueError(f"graph: the factor graph is not a tree, it has the "
                                     f"cycle {_cycle(node, other, parent, factors)}; use "
                                     f"loopy_bp (approximate) or enumerate (brute_force)")
                parent[other] = node
                stack.append(other)
    return order, parent


def _children(order, parent):
    """Each node's children in the rooted tree (the nodes whose parent it is)."""
    children = {node: [] for node in order}
    for node in order:
        if parent[node] is not None:
            children[parent[node]].append(node)
    return children


def _factors_of(cards, factors):
    """For each variable, the indices of the factors whose scope contains it."""
    out = {v: [] for v in cards}
    for f, factor in enumerate(factors):
        for v in factor.scope:
            out[v].append(f)
    return out


def _cycle(a, b, parent, factors):
    """The cycle closed by the edge ``a - b`` of a depth-first search, as text."""
    def path_to_root(node):
        out = [node]
        while parent[out[-1]] is not None:
            out.append(parent[out[-1]])
        return out

    pa, pb = path_to_root(a), path_to_root(b)
    common = next(n for n in pa if n in pb)
    loop = pa[:pa.index(common) + 1] + pb[:pb.index(common)][::-1]
    names = [n[1] if n[0] == "v" else f"psi({', '.join(factors[n[1]].scope)})" for n in loop]
    return " - ".join(names + [names[0]])


# ------------------------------------------------------------------------ message equations

def _factor_to_variable(table, incoming, axis, reduce=np.sum):
    """Eq. (bp-factor-to-var): multiply the table by the messages from its other variables
    (each along its own axis) and sum (max-sum: max) every axis but ``axis``."""
    t = table
    for j, message in enumerate(incoming):
        if j != axis:
            shape = [1] * table.ndim
            shape[j] = -1
            t = t * message.reshape(shape)
    others = tuple(j for j in range(table.ndim) if j != axis)
    return reduce(t, axis=others) if others else t


def _factor_belief(table, incoming):
    """A factor's table times the messages from all its variables."""
    t = table
    for j, message in enumerate(incoming):
        shape = [1] * table.ndim
        shape[j] = -1
        t = t * message.reshape(shape)
    return t


# ----------------------------------------------------------------------------- algorithms

def chain_sum_product(unary, pairwise) -> ChainResult:
    r"""Sum-product on a chain: every marginal and pairwise marginal, and :math:`\log Z`.

    Parameters
    ----------
    unary : array_like, shape (N, K)
        Non-negative unary potentials :math:`\psi_n(x_n)`.
    pairwise : array_like, shape (N-1, K, K) or (K, K)
        Non-negative pairwise potentials :math:`\psi_{n,n+1}(x_n, x_{n+1})`.

    Returns
    -------
    ChainResult
        ``marginals`` (N, K), ``pair_marginals`` (N-1, K, K), ``log_Z`` and ``log_c`` (N,).

    Notes
    -----
    The forward message is normalised at each step, eq. (bp-chain-forward):
    :math:`c_n \hat\nu_n(j) = \psi_n(j) \sum_i \hat\nu_{n-1}(i) \psi_{n-1,n}(i, j)`; the
    backward message, eq. (bp-chain-backward), is divided by the same :math:`c_{n+1}`; then
    :math:`p(x_n)` is the product of the two normalised messages (eq. bp-chain-marginal) and
    :math:`\log Z = \sum_n \log c_n` (eq. bp-log-z). With ``unary[0] = pi * b_1``,
    ``unary[n] = b_n`` and ``pairwise = A`` these are the HMM's scaled forward-backward
    recursions.
    """
    unary, pairwise = _check_chain(unary, pairwise)
    N, K = unary.shape
    fwd = np.empty((N, K))                                  # normalised forward messages
    bwd = np.empty((N, K))                                  # normalised backward messages
    log_c = np.empty(N)
    a = unary[0]
    for n in range(N):
        if n > 0:
            a = (fwd[n - 1] @ pairwise[n - 1]) * unary[n]   # eq. (bp-chain-forward)
        fwd[n], log_c[n] = _normalise(a, f"the forward message at n = {n}")
    bwd[N - 1] = 1.0
    for n in range(N - 2, -1, -1):                          # eq. (bp-chain-backward)
        bwd[n] = pairwise[n] @ (unary[n + 1] * bwd[n + 1]) / math.exp(log_c[n + 1])
    marginals = fwd * bwd                                   # eq. (bp-chain-marginal)
    pair = (fwd[:-1, :, None] * pairwise * (unary[1:] * bwd[1:])[:, None, :]
            / np.exp(log_c[1:])[:, None, None])
    return ChainResult(marginals, pair, float(log_c.sum()), log_c)  # eq. (bp-log-z)


def sum_product(graph, evidence=None) -> BeliefResult:
    r"""Sum-product on a tree-structured factor graph: exact marginals and :math:`\log Z`.

    Parameters
    ----------
    graph : FactorGraph
        Its factor graph (variables and factors) must be a tree or a forest.
    evidence : dict of str to int, optional
        Observed variables and their states (0-based): the marginals are then conditional on
        them and :math:`Z` is :math:`\sum_{\mathbf x} \tilde p(\mathbf x)` over the joint
        states that agree with them.

    Returns
    -------
    BeliefResult
        ``marginals[name]`` (K,), ``factor_marginals[f]`` (the shape of factor ``f``'s table)
        and ``log_Z``.

    Raises
    ------
    ValueError
        If the factor graph has a cycle (the message names it), or if :math:`Z = 0`.

    Notes
    -----
    Two passes from the root (the first variable of each connected component): leaves to
    root, then root to leaves. Messages, eqs. (bp-var-to-factor) and (bp-factor-to-var):
    :math:`\nu_{i\to f}(x_i) = \prod_{g \ni i, g \ne f} \nu_{g\to i}(x_i)` and
    :math:`\nu_{f\to i}(x_i) = \sum_{\mathbf x_f \setminus x_i} \psi_f(\mathbf x_f)
    \prod_{j \in f, j \ne i} \nu_{j\to f}(x_j)`; the marginal is the normalised product of
    the messages into a variable, eq. (bp-marginal). Every message is normalised; the logs
    of the normalisers of the upward pass add up, with the root's, to :math:`\log Z`
    (eq. bp-log-z-tree).
    """
    cards, factors = _check_graph(graph, evidence)
    order, parent = _tree_schedule(cards, factors)
    children, factors_of = _children(order, parent), _factors_of(cards, factors)
    msg = {}                                     # msg[(sender, receiver)], normalised
    log_Z = 0.0

    def send(node, to):
        if node[0] == "v":                       # eq. (bp-var-to-factor)
            m = np.ones(cards[node[1]])
            for f in factors_of[node[1]]:
                if ("f", f) != to:
                    m = m * msg[(("f", f), node)]
        else:                                    # eq. (bp-factor-to-var)
            factor = factors[node[1]]
            incoming = [msg[(("v", v), node)] if ("v", v) != to else None
                        for v in factor.scope]
            m = _factor_to_variable(factor.table, incoming, factor.scope.index(to[1]))
        msg[(node, to)], log_norm = _normalise(m, f"the message {node[1]} -> {to[1]}")
        return log_norm

    for node in reversed(order):                 # leaves to root
        if parent[node] is not None:
            log_Z += send(node, parent[node])
    for node in order:                           # root to leaves
        for child in children[node]:
            send(node, child)

    marginals = {}
    for v in cards:                              # eq. (bp-marginal)
        belief = np.ones(cards[v])
        for f in factors_of[v]:
            belief = belief * msg[(("f", f), ("v", v))]
        marginals[v], log_norm = _normalise(belief, f"the belief of {v}")
        if parent[("v", v)] is None:             # a root completes log Z, eq. (bp-log-z-tree)
            log_Z += log_norm
    factor_marginals = []
    for f in range(len(graph.factors)):
        factor = factors[f]
        incoming = [msg[(("v", v), ("f", f))] for v in factor.scope]
        factor_marginals.append(_normalise(_factor_belief(factor.table, incoming),
                                           f"the belief of factor {f}")[0])
    return BeliefResult(marginals, factor_marginals, log_Z)


def max_sum(graph, evidence=None) -> MAPResult:
    r"""Max-sum on a tree-structured factor graph: a MAP assignment, by backtracking.

    Parameters
    ----------
    graph : FactorGraph
        Its factor graph must be a tree or a forest.
    evidence : dict of str to int, optional
        Observed variables and their states: the MAP assignment is then among the joint
        states that agree with them.

    Returns
    -------
    MAPResult
        ``assignment[name]`` (a state, 0-based), ``log_value``
        :math:`= \max_{\mathbf x} \log \tilde p(\mathbf x)` and ``log_max_marginals[name]``.

    Notes
    -----
    Eq. (bp-max-sum): the messages of sum-product with :math:`\max` for :math:`\sum` and, in
    log space, :math:`+` for :math:`\times`; each is shifted to have maximum 0 (the shifts
    add up to ``log_value``). Backtracking: the root takes the state that maximises its
    belief; then, from the root down, each factor fixes its other variables at the states
    that maximise its table plus the messages from their subtrees, given its parent's
    state. **Ties** go to the first maximiser: the smallest state index at the root, and
    the first in row-major order over a factor's other variables. The result is *a* MAP
    assignment; with ties there may be others.
    """
    cards, factors = _check_graph(graph, evidence)
    order, parent = _tree_schedule(cards, factors)
    children, factors_of = _children(order, parent), _factors_of(cards, factors)
    with np.errstate(divide="ignore"):
        log_tables = [np.log(factor.table) for factor in factors]   # log 0 = -inf
    msg = {}
    log_value = 0.0

    def send(node, to):
        if node[0] == "v":
            m = np.zeros(cards[node[1]])
            for f in factors_of[node[1]]:
                if ("f", f) != to:
                    m = m + msg[(("f", f), node)]
        else:
            factor = factors[node[1]]
            m = _log_factor_to_variable(log_tables[node[1]], factor.scope, node, to, msg)
        top = m.max()
        if top == -np.inf:
            raise ValueError(f"the factors give probability zero to every state (the message "
                             f"{node[1]} -> {to[1]} is all zeros)")
        msg[(node, to)] = m - top
        return top

    for node in reversed(order):                 # leaves to root
        if parent[node] is not None:
            log_value += send(node, parent[node])
    for node in order:                           # root to leaves: for the max-marginals
        for child in children[node]:
            send(node, child)

    beliefs = {}
    for v in cards:
        beliefs[v] = np.zeros(cards[v])
        for f in factors_of[v]:
            beliefs[v] = beliefs[v] + msg[(("f", f), ("v", v))]
    assignment = {}
    roots = [node for node in order if parent[node] is None]
    for root in roots:
        top = beliefs[root[1]].max()
        if top == -np.inf:
            raise ValueError("the factors give probability zero to every state")
        log_value += top
        assignment[root[1]] = int(np.argmax(beliefs[root[1]]))   # first maximiser
    for node in order:                           # backtracking, root to leaves
        if node[0] != "f":
            continue
        factor, up = factors[node[1]], parent[node][1]
        scores = log_tables[node[1]]             # table + messages from the subtrees below
        for j, v in enumerate(factor.scope):
            if v != up:
                shape = [1] * len(factor.scope)
                shape[j] = -1
                scores = scores + msg[(("v", v), node)].reshape(shape)
        axis = factor.scope.index(up)
        rest = np.take(scores, assignment[up], axis=axis)
        others = [v for v in factor.scope if v != up]
        if others:
            best = np.unravel_index(int(np.argmax(rest)), rest.shape)   # first maximiser
            assignment.update({v: int(s) for v, s in zip(others, best, strict=True)})
    log_max_marginals = {v: beliefs[v] - beliefs[v].max() + log_value for v in cards}
    return MAPResult(assignment, float(log_value), log_max_marginals)


def _log_factor_to_variable(log_table, scope, node, to, msg):
    """Eq. (bp-max-sum): max over the other variables of log table + incoming messages."""
    t = log_table
    for j, v in enumerate(scope):
        if ("v", v) != to:
            shape = [1] * len(scope)
            shape[j] = -1
            t = t + msg[(("v", v), node)].reshape(shape)
    axis = scope.index(to[1])
    others = tuple(j for j in range(len(scope)) if j != axis)
    return t.max(axis=others) if others else t


def loopy_bp(graph, evidence=None, *, damping=0.0, max_iter=200, tol=1e-10) -> LoopyResult:
    r"""Loopy belief propagation: the sum-product messages iterated on any factor graph.

    Parameters
    ----------
    graph : FactorGraph
        Any factor graph (cycles allowed).
    evidence : dict of str to int, optional
        Observed variables and their states.
    damping : float in [0, 1), default 0
        Weight of the old message in each update, eq. (bp-damping):
        :math:`\nu \leftarrow (1 - \lambda)\,\nu_{\text{new}} + \lambda\,\nu_{\text{old}}`.
    max_iter : int, default 200
        Iteration budget.
    tol : float, default 1e-10
        Converged when no factor-to-variable message changed by more than ``tol`` (max
        absolute change of a normalised message) in an iteration.

    Returns
    -------
    LoopyResult
        Beliefs ``marginals`` and ``factor_marginals`` (approximations on a graph with
        cycles, exact on a tree), ``n_iter``, ``converged``, ``residual`` and ``history``.

    Warns
    -----
    ConvergenceWarning
        If the messages did not converge within ``max_iter`` iterations (they may oscillate
        on strongly coupled loops: try ``damping=0.5``).

    Notes
    -----
    Flooding schedule: every factor-to-variable message is recomputed from the previous
    variable-to-factor messages (eq. bp-factor-to-var), damped, then every variable-to-factor
    message from those (eq. bp-var-to-factor). All messages start uniform and are kept
    normalised.
    """
    cards, factors = _check_graph(graph, evidence)
    if isinstance(damping, bool) or not isinstance(damping, numbers.Real) \
            or not 0 <= damping < 1:
        raise ValueError(f"damping must be a number in [0, 1), got {damping!r}")
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    tol = check_positive(tol, "tol")
    edges = [(f, v) for f, factor in enumerate(factors) for v in factor.scope]
    factors_of = _factors_of(cards, factors)
    to_var = {(f, v): np.full(cards[v], 1.0 / cards[v]) for f, v in edges}
    to_fac = {(f, v): np.full(cards[v], 1.0 / cards[v]) for f, v in edges}
    residual, n_iter, history = np.inf, 0, []
    while n_iter < max_iter:
        n_iter += 1
        residual = 0.0
        new_to_var = {}
        for f, v in edges:                       # eq. (bp-factor-to-var), from the old
            factor = factors[f]
            incoming = [to_fac[(f, u)] for u in factor.scope]
            m = _factor_to_variable(factor.table, incoming, factor.scope.index(v))
            m = _normalise(m, f"the message psi_{f} -> {v}")[0]
            m = (1 - damping) * m + damping * to_var[(f, v)]   # eq. (bp-damping)
            residual = max(residual, float(np.abs(m - to_var[(f, v)]).max()))
            new_to_var[(f, v)] = m
        to_var = new_to_var
        for f, v in edges:                       # eq. (bp-var-to-factor)
            m = np.ones(cards[v])
            for g in factors_of[v]:
                if g != f:
                    m = m * to_var[(g, v)]
            to_fac[(f, v)] = _normalise(m, f"the message {v} -> psi_{f}")[0]
        history.append(residual)
        if residual <= tol:
            break
    converged = report("loopy_bp", measure="max change of a message", value=residual,
                       tol=tol, n_iter=n_iter, max_iter=max_iter,
                       advice="the beliefs are where the iterations stopped; try damping "
                              "(e.g. damping=0.5) or a larger max_iter")
    marginals = {}
    for v in cards:
        belief = np.ones(cards[v])
        for f in factors_of[v]:
            belief = belief * to_var[(f, v)]
        marginals[v] = _normalise(belief, f"the belief of {v}")[0]
    factor_marginals = [
        _normalise(_factor_belief(factors[f].table,
                                  [to_fac[(f, u)] for u in factors[f].scope]),
                   f"the belief of factor {f}")[0]
        for f in range(len(graph.factors))]
    return LoopyResult(marginals, factor_marginals, n_iter, converged, float(residual),
                       np.array(history))


def brute_force(graph, evidence=None) -> BruteForce:
    r"""Marginals, :math:`\log Z` and a MAP assignment by enumerating every joint state.

    Costs :math:`\prod_i K_i` evaluations of the product of the factors: for small graphs
    (the chapter's checks and the loopy-BP experiments), refused above :math:`2^{22}`
    joint states.

    Ties: the MAP assignment is the first maximiser in the order of
    ``itertools.product`` over the variables in the order of ``graph.cardinality``.
    """
    cards, factors = _check_graph(graph, evidence)
    names = list(cards)
    size = math.prod(cards.values())
    if size > 2**22:
        raise ValueError(f"graph: {size} joint states are too many to enumerate (at most "
                         f"2**22)")
    index = {v: i for i, v in enumerate(names)}
    marginals = {v: np.zeros(cards[v]) for v in names}
    Z, best, best_state = 0.0, -1.0, None
    for state in itertools.product(*(range(cards[v]) for v in names)):
        p = 1.0
        for factor in factors:                   # p~(x) = prod_f psi_f(x_f)
            p *= factor.table[tuple(state[index[v]] for v in factor.scope)]
        Z += p
        for v in names:
            marginals[v][state[index[v]]] += p
        if p > best:
            best, best_state = p, state
    if not Z > 0:
        raise ValueError("the factors give probability zero to every state: Z = 0, or the "
                         "evidence is impossible under the model")
    return BruteForce({v: m / Z for v, m in marginals.items()}, math.log(Z),
                      {v: int(s) for v, s in zip(names, best_state, strict=True)},
                      math.log(best))
