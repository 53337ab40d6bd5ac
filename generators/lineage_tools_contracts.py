"""The lineage family's tool contracts: `bottleneck_papers`, the papers every citation chain from one
paper to another passes through (the dominators of the target in the citation graph rooted at the
source), judged against networkx's immediate dominators; `longest_chain` (networkx's longest path of a
DAG, a cycle to be rejected) and `reach_within` (shortest chain lengths), on citation graphs large
enough that enumerating chains runs out of time and recursion out of stack.

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
    edges.add((p, padding[0]))  # the only padding paper nothing else may cite: in the graph, as the size says
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


# --- longest_chain and reach_within: large citation graphs ------------------------------------------------

LARGE = 5_000  # papers of the largest longest_chain and reach_within graph


def _big_graph(rng: np.random.Generator, size: int) -> tuple[set[tuple[int, int]], list[str]]:
    """`size` papers, oldest first, each citing one to three older ones (mostly recent), and their ids:
    arXiv-style, in date order over eight years."""
    edges: set[tuple[int, int]] = set()
    _cite_randomly(rng, edges, list(range(size)))
    numbers = np.sort(rng.choice(90_000, size=size, replace=False)) + 10_000
    months = [k * 96 // size for k in range(size)]
    return edges, [f"{15 + m // 12:02d}{m % 12 + 1:02d}.{numbers[k]}" for k, m in enumerate(months)]


def _citations(edges: set[tuple[int, int]], ids: list[str]) -> list[list[str]]:
    return sorted([ids[a], ids[b]] for a, b in edges)


def _has_cycle(args: list[Any]) -> bool:
    return not nx.is_directed_acyclic_graph(_graph(args[0]))


def _solve_longest(args: list[Any]) -> int | None:
    return None if _has_cycle(args) else len(nx.dag_longest_path(_graph(args[0])))


def draw_longest(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A citation graph: random (acyclic), or the edge case."""
    edges, ids = _big_graph(rng, size)
    if kind == "cycle":  # an old paper citing a newer one that cites it through a chain
        newer = int(rng.integers(size // 2, size))
        chain = sorted(nx.descendants(nx.DiGraph(list(edges)), newer))
        if chain:
            edges.add((chain[int(rng.integers(len(chain)))], newer))
        else:
            edges |= {(newer, 0), (0, newer)}
    elif kind == "self_citation":
        paper = int(rng.integers(size))
        edges.add((paper, paper))
    elif kind == "components":  # two separate graphs, the longest chain in the second
        cut = size // 3
        edges = {(a, b) for a, b in edges if (a < cut) == (b < cut)}
        cites = {a for a, _ in edges}
        # a paper of the second graph that cited only the first cites one of its own, so that every paper
        # stays in the graph (the prompt states its size)
        edges |= {(k, int(rng.integers(cut, k))) for k in range(cut + 1, size) if k not in cites}
    return [_citations(edges, ids)]


def judge_longest(args: list[Any], value: Any) -> str | None:
    """The number of papers on a longest chain (networkx's longest path of a DAG)."""
    if type(value) is not int:  # noqa: E721 (a bool is no count)
        return "wrong_type"
    return None if value == _solve_longest(args) else "wrong"


def longest_reference(citations):
    """Kahn's order (a cycle leaves papers out of it), then the longest chain ending at each paper."""
    cites, indegree = {}, {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
        indegree[b] = indegree.get(b, 0) + 1
        indegree.setdefault(a, 0)
    order = [v for v, d in indegree.items() if d == 0]
    for v in order:  # the list grows while it is read
        for c in cites.get(v, []):
            indegree[c] -= 1
            if indegree[c] == 0:
                order.append(c)
    if len(order) < len(indegree):
        raise ValueError("the citations contain a cycle")
    best = {v: (1, None) for v in order}  # papers on the longest chain ending at v, and where it came from
    for v in order:
        for c in cites.get(v, []):
            if best[v][0] + 1 > best[c][0]:
                best[c] = (best[v][0] + 1, v)
    return max(length for length, _ in best.values())


def longest_with_networkx(citations):
    """networkx's longest path of a DAG."""
    import networkx as nx

    g = nx.DiGraph(list(map(tuple, citations)))
    if not nx.is_directed_acyclic_graph(g):
        raise ValueError("cycle")
    return len(nx.dag_longest_path(g))


def longest_depth_first(citations):
    """By hand, depth first without recursion: a paper met again while still open closes a cycle; a
    finished paper knows the longest chain starting at it."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
        cites.setdefault(b, [])
    longest, open_ = {}, set()
    for root in cites:
        if root in longest:
            continue
        open_.add(root)
        stack = [(root, iter(cites[root]))]
        while stack:
            v, rest = stack[-1]
            c = next(rest, None)
            if c is None:
                stack.pop()
                open_.discard(v)
                longest[v] = 1 + max((longest[w] for w in cites[v]), default=0)
            elif c in open_:
                raise ValueError("the citations contain a cycle")
            elif c not in longest:
                open_.add(c)
                stack.append((c, iter(cites[c])))
    return max(longest.values())


def longest_recursive(citations):
    """Mutant: memoised recursion, which runs out of stack on a long chain (and loops on a cycle)."""
    from functools import cache

    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)

    @cache
    def longest_from(v):
        return max(([v, *longest_from(c)] for c in cites.get(v, [])), key=len, default=[v])

    return len(max((longest_from(v) for v in sorted(cites)), key=len))


def longest_ignores_cycles(citations):
    """Mutant: the longest chain of the graph with the edges that close a cycle dropped."""
    import networkx as nx

    g = nx.DiGraph(list(map(tuple, citations)))
    g.remove_edges_from([(u, v) for u, v in nx.find_cycle(g)] if not nx.is_directed_acyclic_graph(g) else [])
    while not nx.is_directed_acyclic_graph(g):
        g.remove_edges_from(nx.find_cycle(g)[:1])
    return len(nx.dag_longest_path(g))


def longest_counts_citations(citations):
    """Mutant: the citations on a longest chain, one fewer than its papers."""
    import networkx as nx

    g = nx.DiGraph(list(map(tuple, citations)))
    if not nx.is_directed_acyclic_graph(g):
        raise ValueError("cycle")
    return nx.dag_longest_path_length(g)


def longest_all_paths(citations):
    """Brute force: every chain from every paper, the longest kept."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    papers = sorted({v for pair in citations for v in pair})
    best = []

    def extend(chain, on):
        nonlocal best
        if len(chain) > len(best):
            best = list(chain)
        for c in cites.get(chain[-1], []):
            if c in on:
                raise ValueError("cycle")
            chain.append(c)
            on.add(c)
            extend(chain, on)
            on.discard(chain.pop())

    for v in papers:
        extend([v], {v})
    return len(best)


def longest_one_citation(citations):
    """The naive answer: one citation, two papers."""
    return 2


def _solve_reach(args: list[Any]) -> int:
    citations, p, k = args
    g = _graph(citations)
    g.add_node(p)
    return len(set(nx.single_source_shortest_path_length(g, p, cutoff=k)) - {p})


def draw_reach(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A citation graph with a few papers citing newer versions back (cycles), a paper p and a number of
    steps k: random, or the edge case."""
    edges, ids = _big_graph(rng, size)
    for _ in range(max(1, size // 50)):  # a version that cites its successor
        a = int(rng.integers(size - 1))
        edges.add((a, a + 1))
    p = int(rng.integers(size // 2, size))
    k = int(rng.integers(3, 9))
    if kind == "zero_steps":
        k = 0
    elif kind == "back_to_p":  # p is cited back by a paper it reaches: p itself is not in the answer
        reached = sorted(nx.descendants(nx.DiGraph(list(edges)), p)) or [p - 1]
        edges.add((reached[0], p))
        edges.add((p, reached[0]))
        k = max(k, 2)
    elif kind == "cites_nothing":
        edges = {(a, b) for a, b in edges if a != p}
    return [_citations(edges, ids), ids[p], k]


def judge_reach(args: list[Any], value: Any) -> str | None:
    """The number of papers within k citation steps of p, p excluded."""
    if type(value) is not int:  # noqa: E721 (a bool is no count)
        return "wrong_type"
    return None if value == _solve_reach(args) else "wrong"


def reach_reference(citations, p, k):
    """Breadth first, one layer of citations per step."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    seen, layer = {p}, [p]
    for _ in range(k):
        layer = [c for v in layer for c in cites.get(v, []) if c not in seen and not seen.add(c)]
    return len(seen - {p})


def reach_with_networkx(citations, p, k):
    """networkx's shortest chain lengths from p, cut off at k."""
    import networkx as nx

    g = nx.DiGraph(list(map(tuple, citations)))
    g.add_node(p)
    return sum(1 for v in nx.single_source_shortest_path_length(g, p, cutoff=k) if v != p)


def reach_by_distances(citations, p, k):
    """By hand: a queue of papers with their distance from p, none expanded at distance k."""
    from collections import deque

    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    distance, queue = {p: 0}, deque([p])
    while queue:
        v = queue.popleft()
        if distance[v] < k:
            for c in cites.get(v, []):
                if c not in distance:
                    distance[c] = distance[v] + 1
                    queue.append(c)
    return len(distance) - 1


def reach_depth_first(citations, p, k):
    """Mutant: depth first, each paper visited once, at whatever depth it was first met."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    seen, stack = {p}, [(p, 0)]
    while stack:
        v, depth = stack.pop()
        if depth < k:
            for c in cites.get(v, []):
                if c not in seen:
                    seen.add(c)
                    stack.append((c, depth + 1))
    return len(seen - {p})


def reach_keeps_p(citations, p, k):
    """Mutant: breadth first, p counted when a chain comes back to it."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    seen, layer, found = {p}, [p], set()
    for _ in range(k):
        found.update(c for v in layer for c in cites.get(v, []))
        layer = [c for v in layer for c in cites.get(v, []) if c not in seen and not seen.add(c)]
    return len(found)


def reach_one_step_short(citations, p, k):
    """Mutant: chains of fewer than k citations."""
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    seen, layer = {p}, [p]
    for _ in range(k - 1):
        layer = [c for v in layer for c in cites.get(v, []) if c not in seen and not seen.add(c)]
    return len(seen - {p})


def reach_cited(citations, p, k):
    """The naive answer: the papers p cites."""
    return len({b for a, b in citations if a == p and b != p})


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
    "longest_chain": Contract(
        name="longest_chain",
        signature="longest_chain(citations) -> int",
        summary="Given a citation graph, return the number of papers n on a longest citation chain: papers "
                "p1, p2, ..., pn, no paper twice, where each cites the next (p1 cites p2, and so on), with n "
                "as large as possible. If the citations contain a cycle (papers citing each other round, a "
                "paper citing itself), raise ValueError instead.",
        input_format="citations: a non-empty list of [citing, cited] pairs of paper ids (arXiv-style, as "
                     "\"1705.01234\"); the papers are the ids in it.",
        returns="an int, the papers on the chain (a chain of one citation has 2).",
        judged_by="correct if it is exactly that number. On a graph with a cycle only raising ValueError is "
                  "correct.",
        unit="papers",
        min_size=6,
        edge_cases={
            "components": "papers in separate groups that share no citation",
            "cycle": "papers citing each other round: raise ValueError",
            "self_citation": "a paper citing itself, a cycle: raise ValueError",
        },
        draw=draw_longest, judge=judge_longest, solve=_solve_longest, reference=longest_reference,
        alternatives=(longest_with_networkx, longest_depth_first),
        mutants=(longest_recursive, longest_ignores_cycles, longest_counts_citations),
        baseline=longest_one_citation, large_size=LARGE, max_size=40_000, must_raise=_has_cycle,
        brute_force=longest_all_paths,
    ),
    "reach_within": Contract(
        name="reach_within",
        signature="reach_within(citations, p, k) -> int",
        summary="Given a citation graph, a paper p and a number k >= 0, count the papers other than p that "
                "a chain of at most k citations leads to from p (p cites a paper, which cites a paper, and "
                "so on: k steps or fewer).",
        input_format="citations: a list of [citing, cited] pairs of paper ids (arXiv-style, as "
                     "\"1705.01234\"); papers may cite each other (the graph may have cycles); p: a paper "
                     "id; k: an int.",
        returns="an int, how many papers.",
        judged_by="correct if it is exactly the number of those papers.",
        unit="papers",
        min_size=6,
        edge_cases={
            "back_to_p": "a chain leads back to p: p itself is never counted",
            "cites_nothing": "p cites nothing: the answer is 0",
            "zero_steps": "k is 0: the answer is 0",
        },
        draw=draw_reach, judge=judge_reach, solve=_solve_reach, reference=reach_reference,
        alternatives=(reach_with_networkx, reach_by_distances),
        mutants=(reach_depth_first, reach_keeps_p, reach_one_step_short),
        baseline=reach_cited, large_size=LARGE, max_size=40_000,
    ),
}
