"""The lineage family's tool contracts: `bottleneck_papers`, the papers every citation chain from one
paper to another passes through (the dominators of the target in the citation graph rooted at the
source), judged against networkx's immediate dominators.

The implementations below are self-contained functions whose source becomes submitted code.
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from generators.tool_kind import Contract

RECENT = 6  # a paper mostly cites one of the RECENT papers before it


# --- drawing instances -----------------------------------------------------------------------------------

def _graph(citations: list[list[str]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_edges_from(map(tuple, citations))
    return g


def _solve(args: list[Any]) -> list[str] | None:
    citations, p, q = args
    g = _graph(citations)
    g.add_nodes_from([p, q])
    if q not in nx.descendants(g, p):
        return None
    idom, found, v = nx.immediate_dominators(g, p), [], q
    while idom[v] != p:
        v = idom[v]
        found.append(v)
    return sorted(found)


def _cite_randomly(rng: np.random.Generator, edges: set[tuple[int, int]], papers: list[int]) -> None:
    """Each paper of the list (oldest first) cites one to three older ones of the list."""
    for k, paper in enumerate(papers[1:], start=1):
        for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
            low = max(0, k - RECENT) if rng.random() < 0.7 else 0
            edges.add((paper, papers[int(rng.integers(low, k))]))


def _as_args(rng: np.random.Generator, n: int, edges: set[tuple[int, int]], p: int, q: int) -> list[Any]:
    """Papers 0..n-1 (oldest first) named by arXiv-style ids that follow their order."""
    numbers = np.sort(rng.choice(90_000, size=n, replace=False)) + 10_000
    ids = [f"{15 + k // 12:02d}{k % 12 + 1:02d}.{numbers[k]}" for k in range(n)]
    return [sorted([ids[a], ids[b]] for a, b in edges), ids[p], ids[q]]


def draw(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A citation graph of `size` papers (the newest asking about an older one): random, or the named
    edge case, a gadget among random papers that cite each other but no paper of the gadget."""
    edges: set[tuple[int, int]] = set()
    if kind is None or kind == "direct":
        _cite_randomly(rng, edges, list(range(size)))
        p = int(rng.integers(2 * size // 3, size))
        reachable = sorted(nx.descendants(nx.DiGraph(list(edges)), p)) if edges else []
        q = reachable[int(rng.integers(len(reachable)))] if reachable else p - 1
        if kind == "direct" or not reachable:
            edges.add((p, q))
        return _as_args(rng, size, edges, p, q)
    gadgets = {  # (papers of the gadget, its citations); paper 0 is q, the last one p
        "no_chain": (2, [(1, 0)]),  # q cites paper 0; nothing cites q
        "single_chain": (3, [(2, 1), (1, 0)]),  # p -> 2 -> 1 -> q
        "diamond": (4, [(3, 1), (3, 2), (1, 0), (2, 0)]),  # p -> 3 -> {1, 2} -> q
        "cycle": (3, [(2, 1), (1, 2), (1, 0)]),  # p -> 2 <-> 1 -> q: two versions citing each other
    }
    count, inner = gadgets[kind]
    edges.update(inner)
    q = 1 if kind == "no_chain" else 0
    padding = list(range(count, size - 1))
    _cite_randomly(rng, edges, padding)
    p = size - 1
    edges.add((p, count - 1) if kind != "no_chain" else (p, padding[-1]))
    edges.update((p, r) for r in padding if rng.random() < 0.3)
    return _as_args(rng, size, edges, p, q)


def judge(args: list[Any], value: Any) -> str | None:
    """None exactly when no chain exists; otherwise exactly the papers on every chain, each once."""
    expected = _solve(args)
    if value is None:
        return None if expected is None else "wrong"
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    return None if expected is not None and len(set(value)) == len(value) and sorted(value) == expected \
        else "wrong"


# --- implementations: their source is submitted code -----------------------------------------------------

def reference(citations, p, q):
    """A paper is a bottleneck if q cannot be reached from p without it."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, set()).add(b)

    def reaches(banned):
        seen, stack = {p}, [p]
        while stack:
            for c in cites.get(stack.pop(), ()):
                if c == q:
                    return True
                if c not in seen and c != banned:
                    seen.add(c)
                    stack.append(c)
        return False

    if not reaches(None):
        return None
    papers = {v for pair in citations for v in pair} - {p, q}
    return sorted(v for v in papers if not reaches(v))


def with_networkx(citations, p, q):
    """networkx's immediate dominators, followed from q up to p."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from([p, q])
    g.add_edges_from(map(tuple, citations))
    if not nx.has_path(g, p, q):
        return None
    idom = nx.immediate_dominators(g, p)
    out, v = [], idom[q]
    while v != p:
        out.append(v)
        v = idom[v]
    return out


def dataflow(citations, p, q):
    """By hand: the dominator sets as the greatest fixpoint of Dom(v) = {v} + the meet of Dom(cited-by)."""
    cites, cited_by = {}, {}
    for a, b in citations:
        cites.setdefault(a, set()).add(b)
        cited_by.setdefault(b, set()).add(a)
    reach, stack = {p}, [p]
    while stack:
        for c in cites.get(stack.pop(), ()):
            if c not in reach:
                reach.add(c)
                stack.append(c)
    if q not in reach:
        return None
    dom = {v: set(reach) for v in reach}
    dom[p] = {p}
    changed = True
    while changed:
        changed = False
        for v in reach - {p}:
            preds = [dom[u] for u in cited_by.get(v, ()) if u in reach]
            new = {v} | set.intersection(*preds)
            if new != dom[v]:
                dom[v], changed = new, True
    return sorted(dom[q] - {p, q})


def one_chain(citations, p, q):
    """Mutant: the papers of one shortest chain."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from([p, q])
    g.add_edges_from(map(tuple, citations))
    return nx.shortest_path(g, p, q)[1:-1] if nx.has_path(g, p, q) else None


def empty_without_chain(citations, p, q):
    """Mutant: the reference, but [] where no chain exists."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from([p, q])
    g.add_edges_from(map(tuple, citations))
    if not nx.has_path(g, p, q):
        return []
    return [v for v in g if v not in (p, q) and not nx.has_path(g.subgraph(set(g) - {v}), p, q)]


def every_chain(citations, p, q):
    """Mutant: the papers common to every chain, the chains followed without remembering the path, so
    two papers citing each other send it round for ever."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)

    def chains(v):
        if v == q:
            return [[]]
        return [[v, *rest] for c in cites.get(v, []) for rest in chains(c)]

    found = chains(p)
    if not found:
        return None
    common = set(found[0][1:])
    for chain in found[1:]:
        common &= set(chain[1:])
    return sorted(common)


def cited_by_p(citations, p, q):
    """The naive answer: what p cites."""
    return sorted(b for a, b in citations if a == p and b != q)


CONTRACTS = {
    "bottleneck_papers": Contract(
        name="bottleneck_papers",
        signature="bottleneck_papers(citations, p, q) -> list[str] | None",
        summary="Given a citation graph and two papers p and q, return the papers (neither p nor q) that "
                "lie on every citation chain from p to q, where a chain is p, a paper p cites, a paper that "
                "one cites, and so on, ending at q. Return None if no chain from p to q exists.",
        input_format="citations: a list of [citing, cited] pairs of paper ids (arXiv-style, as "
                     "\"1705.01234\"); p, q: paper ids, p != q. Papers are the ids in citations, and p "
                     "and q.",
        returns="a list of paper ids, each once, in any order ([] when no paper lies on every chain), or "
                "None.",
        judged_by="correct if it is None exactly when no chain exists, and otherwise exactly the set of "
                  "papers on every chain.",
        unit="papers",
        min_size=6,
        edge_cases={
            "cycle": "two papers citing each other (versions of one work): the graph may have cycles",
            "diamond": "one paper is on every chain, after it the chains split and meet again at q",
            "direct": "p cites q directly, so no paper is on every chain: the answer is []",
            "no_chain": "no chain from p to q: the answer is None",
            "single_chain": "exactly one chain: every paper on it is a bottleneck",
        },
        draw=draw, judge=judge, solve=_solve, reference=reference,
        alternatives=(with_networkx, dataflow),
        mutants=(one_chain, empty_without_chain, every_chain),
        baseline=cited_by_p,
    ),
}
