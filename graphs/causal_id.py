"""The ID algorithm of Shpitser and Pearl (2006) evaluated numerically: P(y | do(x)) from a discrete
distribution over the observed variables of an acyclic directed mixed graph (the latent projection), or
NotIdentifiable when the recursion meets a hedge.

A distribution is a numpy array of shape (B, k_1, ..., k_n): B distributions (bootstrap resamples, or one
exact one) over the n observed variables in `names` order, so a bootstrap costs one evaluation. Every
intermediate factor keeps all n axes (a summed-out variable's axis has size 1), so the values of the
intervened variables stay free axes until the end. A conditional whose condition has probability 0
(a configuration a sample lacks) counts as `empty`, 0 unless said otherwise.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np


class NotIdentifiable(Exception):
    """The ID algorithm found a hedge: P(y | do(x)) is not identifiable from the observed distribution."""


class _Problem:
    """The fixed parts of one evaluation: the variables' order (topological, ties broken by `names` order
    or, with late_first, against it), the directed graph and the bidirected pairs over them."""

    def __init__(self, names: Sequence[str], directed: Iterable[tuple[str, str]],
                 bidirected: Iterable[tuple[str, str]], late_first: bool = False, empty: float = 0.0):
        self.names, self.empty = list(names), empty
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.names)
        self.graph.add_edges_from(directed)
        sign = -1 if late_first else 1
        self.order = list(nx.lexicographical_topological_sort(self.graph,
                                                              key=lambda v: sign * self.names.index(v)))
        self.bidirected = nx.Graph()
        self.bidirected.add_nodes_from(self.names)
        self.bidirected.add_edges_from(bidirected)

    def axes(self, variables: Iterable[str]) -> tuple[int, ...]:
        return tuple(1 + self.names.index(v) for v in sorted(variables, key=self.names.index))

    def total(self, p: np.ndarray, variables: Iterable[str]) -> np.ndarray:
        """p summed over `variables`, their axes kept with size 1."""
        axes = self.axes(variables)
        return p.sum(axis=axes, keepdims=True) if axes else p

    def districts(self, variables: frozenset[str]) -> list[frozenset[str]]:
        """The c-components of the graph induced on `variables` (connected by bidirected edges)."""
        return sorted((frozenset(c) for c in nx.connected_components(self.bidirected.subgraph(variables))),
                      key=lambda c: sorted(map(self.names.index, c)))

    def ancestors(self, graph: nx.DiGraph, ys: frozenset[str]) -> frozenset[str]:
        return frozenset(ys).union(*(nx.ancestors(graph, y) for y in ys))

    def factor(self, p: np.ndarray, v: frozenset[str], s: frozenset[str]) -> np.ndarray:
        """The product over v_i in s of P(v_i | the variables of v before v_i in the order), P over v."""
        ordered = [u for u in self.order if u in v]
        result = np.ones((1,) * p.ndim)
        for i, u in enumerate(ordered):
            if u in s:
                upto = self.total(p, ordered[i + 1:])
                before = self.total(upto, [u])
                empty = np.full_like(upto, self.empty)
                result = result * np.divide(upto, before, out=empty, where=before > 0)
        return result

    def product(self, p: np.ndarray, factors: list[np.ndarray]) -> np.ndarray:
        """The product of factors of p's shape, in order."""
        result = np.ones((1,) * p.ndim)
        for f in factors:
            result = result * f
        return result

    def identify(self, y: frozenset[str], x: frozenset[str], p: np.ndarray, v: frozenset[str]) -> np.ndarray:
        """ID(y, x, P, G[v]), the lines of Shpitser and Pearl's algorithm in order."""
        graph = self.graph.subgraph(v)
        if not x:  # line 1
            return self.total(p, v - y)
        relevant = self.ancestors(graph, y)
        if relevant != v:  # line 2: only the ancestors of y matter
            return self.identify(y, x & relevant, self.total(p, v - relevant), relevant)
        cut = nx.DiGraph(graph)
        cut.remove_edges_from([e for u in x for e in list(cut.in_edges(u))])
        w = (v - x) - self.ancestors(cut, y)
        if w:  # line 3: intervening on w as well changes nothing
            return self.identify(y, x | w, p, v)
        parts = self.districts(v - x)
        if len(parts) > 1:  # line 4: one factor per c-component of G minus x
            return self.total(self.product(p, [self.identify(s, v - s, p, v) for s in parts]), v - y - x)
        (s,) = parts
        whole = self.districts(v)
        if len(whole) == 1:  # line 5: a hedge
            raise NotIdentifiable(f"hedge for {sorted(y)} given do({sorted(x)}) over {sorted(v)}")
        if s in whole:  # line 6
            return self.total(self.factor(p, v, s), s - y)
        (bigger,) = [c for c in whole if s < c]  # line 7: s lies inside one c-component of G
        return self.identify(y, x & bigger, self.factor(p, v, bigger), bigger)


def interventional(joint: np.ndarray, names: Sequence[str], directed: Iterable[tuple[str, str]],
                   bidirected: Iterable[tuple[str, str]], x: Iterable[str], y: Iterable[str],
                   late_first: bool = False, empty: float = 0.0) -> np.ndarray:
    """P(y | do(x)) by the ID algorithm: an array of joint's shape with every axis but those of x and y of
    size 1. An axis the recursion added to x (line 3) does not change the value on the exact distribution;
    on a sample it is averaged over. Another topological order (late_first) gives another expression of
    the same quantity: equal on the exact distribution, close on a sample. Raises NotIdentifiable on a
    hedge."""
    problem = _Problem(names, directed, bidirected, late_first, empty)
    joint = np.asarray(joint, float)
    x, y = frozenset(x), frozenset(y)
    result = problem.identify(y, x, joint, frozenset(problem.names))
    extra = [v for v in problem.names if v not in x | y]
    return result.mean(axis=problem.axes(extra), keepdims=True) if extra else result


def ace(joint: np.ndarray, names: Sequence[str], directed: Iterable[tuple[str, str]],
        bidirected: Iterable[tuple[str, str]], x: str, y: str, late_first: bool = False, empty: float = 0.0
        ) -> np.ndarray:
    """P(y = 1 | do(x = 1)) - P(y = 1 | do(x = 0)) for binary x and y, one value per distribution of
    `joint`. Raises NotIdentifiable on a hedge."""
    names = list(names)
    p = np.broadcast_to(interventional(joint, names, directed, bidirected, [x], [y], late_first, empty),
                        np.shape(joint))
    index = [slice(None)] + [0] * len(names)
    ix, iy = 1 + names.index(x), 1 + names.index(y)
    index[iy] = 1
    high, low = list(index), list(index)
    high[ix], low[ix] = 1, 0
    return p[tuple(high)] - p[tuple(low)]


def is_identifiable(names: Sequence[str], directed: Iterable[tuple[str, str]],
                    bidirected: Iterable[tuple[str, str]], x: str, y: str) -> bool:
    """Whether the ID algorithm identifies P(y | do(x)): it is run on a uniform distribution, as the
    verdict does not depend on the numbers."""
    try:
        interventional(np.full((1,) + (2,) * len(names), 0.5 ** len(names)), names, directed, bidirected,
                       [x], [y])
    except NotIdentifiable:
        return False
    return True
