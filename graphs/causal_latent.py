"""Causal DAGs with unobserved variables: the latent projection onto the observed ones (an acyclic directed
mixed graph), non-parametric identifiability of an average causal effect by the ID algorithm (y0), and
the front-door criterion.

A latent common cause of two observed variables becomes a bidirected edge between them, as in y0's
`NxMixedGraph`; y0 is imported on first use, so graphs that need no identification never pay for it.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx

from graphs import causal as cg

Edge = tuple[str, str]


def _observed_frontier(dag: nx.DiGraph, start: str, latent: set[str]) -> set[str]:
    """The observed variables reached from `start` by a directed path whose inner nodes are all latent."""
    reached, stack, seen = set(), list(dag.successors(start)), set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in latent:
            stack.extend(dag.successors(v))
        else:
            reached.add(v)
    return reached


def latent_projection(dag: nx.DiGraph, latent: Iterable[str]) -> tuple[list[Edge], list[Edge]]:
    """(directed, bidirected) edges over the observed variables (Verma's latent projection): u -> v when a
    directed path from u to v has only latent inner nodes, u <-> v when some latent variable reaches both
    that way. Bidirected pairs are sorted; both lists are sorted."""
    latent = set(latent)
    directed = {(u, v) for u in dag if u not in latent for v in _observed_frontier(dag, u, latent)}
    bidirected = {tuple(sorted(pair)) for h in latent
                  for pair in itertools.combinations(sorted(_observed_frontier(dag, h, latent)), 2)}
    return sorted(directed), sorted(bidirected)


def is_identifiable(dag: nx.DiGraph, latent: Iterable[str], x: str, y: str) -> bool:
    """Whether P(y | do(x)) is identifiable from the observed distribution for every SCM on this DAG
    (non-parametric), by the ID algorithm of Shpitser and Pearl as y0 implements it. Only the verdict is
    used: y0 0.2.11 returns P(Y | X) as the napkin graph's estimand, which the exact truth refutes, so the
    estimators here are written from the known formulas and checked against the SCM's exact effect."""
    from y0.algorithm.identify import identify_outcomes
    from y0.dsl import Variable
    from y0.graph import NxMixedGraph

    directed, bidirected = latent_projection(dag, latent)
    observed = sorted(set(dag) - set(latent))
    safe = {v: f"V{i}" for i, v in enumerate(observed)}  # y0 refuses the names P, Q and PP
    graph = NxMixedGraph.from_edges(directed=[(safe[u], safe[v]) for u, v in directed],
                                    undirected=[(safe[u], safe[v]) for u, v in bidirected])
    for v in observed:  # an isolated observed variable is still a variable
        graph.add_node(Variable(safe[v]))
    return identify_outcomes(graph, treatments={Variable(safe[x])}, outcomes={Variable(safe[y])}) is not None


def satisfies_front_door(dag: nx.DiGraph, x: str, y: str, m: Iterable[str]) -> bool:
    """Pearl's front-door criterion for the set m: it intercepts every directed path from x to y, no
    backdoor path from x to m is open, and x blocks every backdoor path from m to y (m taken jointly)."""
    m = set(m)
    if not m or m & {x, y}:
        return False
    cut = dag.copy()
    cut.remove_nodes_from(m)
    if nx.has_path(cut, x, y):
        return False
    if not nx.is_d_separator(cg.backdoor_graph(dag, x), {x}, m, set()):
        return False
    from_m = dag.copy()
    from_m.remove_edges_from([e for v in m for e in list(dag.out_edges(v))])
    return x not in set().union(*(nx.descendants(dag, v) for v in m)) and nx.is_d_separator(
        from_m, m, {y}, {x})


def front_door_set(dag: nx.DiGraph, x: str, y: str, observed: Iterable[str], max_size: int = 2
                   ) -> list[str] | None:
    """The smallest front-door set of at most max_size observed variables (first in sorted order), or None."""
    candidates = sorted((set(observed) & nx.descendants(dag, x) & nx.ancestors(dag, y)) - {x, y})
    for k in range(1, max_size + 1):
        for m in itertools.combinations(candidates, k):
            if satisfies_front_door(dag, x, y, m):
                return list(m)
    return None


def conditional_instrument(dag: nx.DiGraph, x: str, y: str, observed: Iterable[str], max_size: int = 2
                           ) -> tuple[str, list[str]] | None:
    """An observed conditional instrument (z, w) for the total effect of x on y, with w of at most max_size
    observed variables, or None: z and w are not descendants of x, z is d-connected to x given w, and w
    d-separates z from y once x's outgoing edges are removed. In a linear SCM the effect is then
    cov(z, y | w) / cov(z, x | w), whether or not it is identifiable non-parametrically."""
    allowed = sorted(set(observed) - nx.descendants(dag, x) - {x, y})
    cut = cg.backdoor_graph(dag, x)
    for k in range(max_size + 1):
        for z in allowed:
            for w in itertools.combinations([v for v in allowed if v != z], k):
                if (nx.is_d_separator(cut, {z}, {y}, set(w))
                        and not nx.is_d_separator(dag, {z}, {x}, set(w))):
                    return z, list(w)
    return None
