"""The causal family's tool contracts: `cheapest_backdoor_set`, judged by the family's adjustment
grader, `cpdag`, judged by its discover grader, and `d_separated`, judged by networkx's d-separation
on DAGs large enough that enumerating paths runs out of time.

The implementations below (reference, alternatives, mutants, baseline) are self-contained functions
whose source becomes submitted code: every import sits inside, so they run in the sandbox alone.
"""
from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import networkx as nx
import numpy as np

from generators.tool_kind import Contract
from graders.causal import adjustment, discover
from graphs import causal as cg

MAX_COST = 9
HIDDEN_SHARE = 0.25  # of the variables besides x and y, unobserved
TRIES = 30  # padded gadgets drawn before falling back to a gadget beside an unconnected padding
COMPLETE = 5  # variables of the complete DAG (cpdag): its class has 5! members


# --- drawing instances -----------------------------------------------------------------------------------

def _dag_of(args: list[Any]) -> nx.DiGraph:
    edges, x, y, cost = args
    return cg.dag_from(sorted({x, y, *cost, *(v for e in edges for v in e)}), edges)


def _solve(args: list[Any]) -> list[str] | None:
    _, x, y, cost = args
    best = cg.cheapest_backdoor_set(_dag_of(args), x, y, cost)
    return None if best is None else sorted(best)


def _as_args(dag: nx.DiGraph, x: str, y: str, cost: dict[str, int], rng: np.random.Generator) -> list[Any]:
    """The instance with its variables renamed at random to A, B, ... (roles must not show in names)."""
    names = cg.node_names(len(dag))
    rename = {v: names[i] for v, i in zip(sorted(dag), rng.permutation(len(dag)), strict=True)}
    edges = sorted([rename[u], rename[v]] for u, v in dag.edges)
    costs = {rename[v]: c for v, c in sorted(cost.items(), key=lambda item: rename[item[0]])}
    return [edges, rename[x], rename[y], costs]


def _costs(rng: np.random.Generator, variables: list[str]) -> dict[str, int]:
    """Random costs for a random share of the variables; the rest stay unobserved."""
    return {v: int(rng.integers(1, MAX_COST + 1)) for v in sorted(variables) if rng.random() >= HIDDEN_SHARE}


def _random_case(rng: np.random.Generator, size: int) -> list[Any]:
    dag = cg.random_dag(rng, size, min(cg.max_edges(size), round(1.5 * size)))
    order = list(nx.topological_sort(dag))
    i, j = sorted(rng.choice(size, size=2, replace=False))
    x, y = order[i], order[j]
    if y not in nx.descendants(dag, x):
        dag.add_edge(x, y)  # x comes first in the order: still acyclic
    return _as_args(dag, x, y, _costs(rng, [v for v in dag if v not in (x, y)]), rng)


# Each edge case is a small gadget (edges and fixed costs of its roles), padded with random variables.
_GADGETS: dict[str, tuple[list[tuple[str, str]], dict[str, tuple[int, int]]]] = {
    "costs_matter": ([("z", "p"), ("z", "q"), ("p", "x"), ("q", "x"), ("z", "y"), ("x", "y")],
                     {"z": (7, 9), "p": (1, 3), "q": (1, 3)}),
    "descendant_trap": ([("z", "x"), ("z", "w"), ("x", "w"), ("w", "y"), ("x", "y")],
                        {"z": (7, 9), "w": (1, 2)}),
    "empty_set": ([("x", "m"), ("m", "y"), ("x", "y")], {"m": (1, 9)}),
    "isolated": ([("z", "x"), ("z", "y"), ("x", "y")], {"z": (1, 9), "i": (1, 9), "j": (1, 9)}),
    "no_valid_set": ([("u", "x"), ("u", "y"), ("x", "y"), ("z", "x")], {"z": (1, 9)}),
}


def _holds(kind: str, args: list[Any]) -> bool:
    """Whether an instance is the edge case it was drawn as."""
    edges, x, y, cost = args
    dag, best = _dag_of(args), _solve(args)
    if kind == "no_valid_set":
        return best is None
    if best is None:
        return False
    least = sum(cost[v] for v in best)
    if kind == "costs_matter":  # the fewest variables, cheapest among those, still cost more
        big = sum(cost.values()) + 1
        fewest = cg.cheapest_backdoor_set(dag, x, y, {v: big + c for v, c in cost.items()})
        return sum(cost[v] for v in fewest) > least
    if kind == "descendant_trap":  # without the descendant rule a cheaper set would block every path
        unruled = cg.cheapest_backdoor_set(cg.backdoor_graph(dag, x), x, y, cost)
        return sum(cost[v] for v in unruled) < least
    if kind == "empty_set":
        return best == []
    return any(v not in {u for e in edges for u in e} for v in cost)  # isolated


def _edge_case(rng: np.random.Generator, size: int, kind: str) -> list[Any]:
    edges, fixed = _GADGETS[kind]  # "i" and "j" stay isolated
    gadget = sorted({v for e in edges for v in e} | set(fixed))
    padding = [f"r{k}" for k in range(max(0, size - len(gadget)))]
    for attempt in range(TRIES + 1):
        links = 0.0 if attempt == TRIES else 0.3  # the last try leaves the padding unconnected: holds
        dag = cg.dag_from(gadget, edges)
        if padding:
            pad = cg.random_dag(rng, len(padding), min(cg.max_edges(len(padding)), len(padding)))
            names = dict(zip(cg.node_names(len(padding)), padding, strict=True))
            dag.add_edges_from(nx.relabel_nodes(pad, names).edges)
            dag.add_nodes_from(padding)
            # padding precedes the gadget in a topological order, so edges into the gadget stay acyclic
            dag.add_edges_from((r, g) for r in padding for g in gadget
                               if g not in ("i", "j") and rng.random() < links / len(gadget))
        cost = {v: int(rng.integers(low, high + 1)) for v, (low, high) in fixed.items()}
        cost.update(_costs(rng, padding))
        args = _as_args(dag, "x", "y", cost, rng)
        if _holds(kind, args):
            return args
    raise AssertionError(f"the {kind} gadget without links must hold")  # unreachable


def draw(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """An instance of `size` variables: random, or the named edge case."""
    return _random_case(rng, size) if kind is None else _edge_case(rng, size, kind)


def judge(args: list[Any], value: Any) -> str | None:
    """The family's adjustment grader on the instance: any valid set of minimum cost, or None when none
    exists."""
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    _, x, y, cost = args
    dag, best = _dag_of(args), _solve(args)
    truth = {"variables": sorted(dag), "dag": sorted(map(list, dag.edges)), "treatment": x, "outcome": y,
             "cost": cost, "min_cost": None if best is None else sum(cost[v] for v in best)}
    return None if adjustment(SimpleNamespace(truth=truth), {"adjustment_set": value}).passed else "wrong"


# --- implementations: their source is submitted code -----------------------------------------------------

def reference(edges, x, y, cost):
    """Minimum weighted vertex cut in the moral graph of the ancestors of {x, y}, after removing the
    edges out of x (Lauritzen: d-separation there is separation in that moral graph)."""
    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from([x, y, *cost])
    dag.add_edges_from(map(tuple, edges))
    forbidden = nx.descendants(dag, x) | {x, y}
    backdoor = dag.copy()
    backdoor.remove_edges_from(list(dag.out_edges(x)))
    ancestral = nx.ancestors(backdoor, x) | nx.ancestors(backdoor, y) | {x, y}
    moral = nx.moral_graph(backdoor.subgraph(ancestral))
    flow = nx.DiGraph()
    for v in moral:  # cutting v_in -> v_out puts v in the set; no capacity: cannot be cut
        if v in cost and v not in forbidden:
            flow.add_edge((v, "in"), (v, "out"), capacity=cost[v])
        else:
            flow.add_edge((v, "in"), (v, "out"))
    for u, v in moral.edges:
        flow.add_edge((u, "out"), (v, "in"))
        flow.add_edge((v, "out"), (u, "in"))
    try:
        _, (reachable, _) = nx.minimum_cut(flow, (x, "out"), (y, "in"))
    except nx.NetworkXUnbounded:  # every separating cut passes an unobservable or forbidden variable
        return None
    return sorted(v for v in moral if (v, "in") in reachable and (v, "out") not in reachable)


def networkx_search(edges, x, y, cost):
    """Best-first search over candidate sets in order of total cost, each tested with networkx's
    d-separation in the graph without the edges out of x."""
    import heapq

    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from([x, y, *cost])
    dag.add_edges_from(map(tuple, edges))
    backdoor = dag.copy()
    backdoor.remove_edges_from(list(dag.out_edges(x)))
    ancestors = nx.ancestors(backdoor, x) | nx.ancestors(backdoor, y)  # minimal separators lie here
    candidates = sorted((v for v in cost if v in ancestors and v not in nx.descendants(dag, x) | {x, y}),
                        key=lambda v: (cost[v], v))
    if not nx.is_d_separator(backdoor, {x}, {y}, set(candidates)):
        return None
    heap = [(0, ())]  # (cost, indices into candidates): every subset popped once, cheapest first
    while heap:
        total, chosen = heapq.heappop(heap)
        if nx.is_d_separator(backdoor, {x}, {y}, {candidates[i] for i in chosen}):
            return sorted(candidates[i] for i in chosen)
        nxt = chosen[-1] + 1 if chosen else 0
        if nxt < len(candidates):
            heapq.heappush(heap, (total + cost[candidates[nxt]], chosen + (nxt,)))
            if chosen:
                swapped = chosen[:-1] + (nxt,)
                heapq.heappush(heap, (total - cost[candidates[chosen[-1]]] + cost[candidates[nxt]], swapped))
    return None


def hand_written(edges, x, y, cost):
    """Every subset of the observed non-descendants of x, cheapest first, tested by hand with the
    Bayes-ball rules on the backdoor paths; no libraries."""
    from itertools import combinations

    parents, children = {}, {}
    for u, v in edges:
        children.setdefault(u, set()).add(v)
        parents.setdefault(v, set()).add(u)

    def descendants(v):
        seen, stack = set(), [v]
        while stack:
            for c in children.get(stack.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return seen

    def blocked(z):
        """Whether z blocks every path from x that starts with an edge into x."""
        opened = set(z)
        for v in z:
            stack = [v]  # a collider is open if it or a descendant is in z: mark z's ancestors
            while stack:
                for p in parents.get(stack.pop(), ()):
                    if p not in opened:
                        opened.add(p)
                        stack.append(p)
        # states: (node, arrived from a child, i.e. moving up) ; start going up into x's parents
        stack = [(p, True) for p in parents.get(x, ())]
        seen = set()
        while stack:
            v, up = stack.pop()
            if (v, up) in seen or v == x:
                continue
            seen.add((v, up))
            if v == y:
                return False
            if up and v not in z:  # a chain or fork through v: go on to parents and children
                stack += [(p, True) for p in parents.get(v, ())] + [(c, False) for c in children.get(v, ())]
            elif not up:
                if v not in z:  # arrived from a parent, v unconditioned: the chain continues down
                    stack += [(c, False) for c in children.get(v, ())]
                if v in opened:  # a collider at v, open: turn back up
                    stack += [(p, True) for p in parents.get(v, ())]
        return True

    ancestors, stack = set(), [x, y]  # minimal separators lie among the ancestors of x and y
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in ancestors:
                ancestors.add(p)
                stack.append(p)
    allowed = sorted(v for v in cost if v in ancestors and v not in descendants(x) | {x, y})
    subsets = [s for k in range(len(allowed) + 1) for s in combinations(allowed, k)]
    subsets.sort(key=lambda s: sum(cost[v] for v in s))
    return next((sorted(s) for s in subsets if blocked(s)), None)


def ignores_costs(edges, x, y, cost):
    """Mutant: the fewest variables that satisfy the criterion, whatever they cost."""
    from itertools import combinations

    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from([x, y, *cost])
    dag.add_edges_from(map(tuple, edges))
    backdoor = dag.copy()
    backdoor.remove_edges_from(list(dag.out_edges(x)))
    allowed = sorted(v for v in cost if v not in nx.descendants(dag, x) | {x, y})
    return next((sorted(z) for k in range(len(allowed) + 1) for z in combinations(allowed, k)
                 if nx.is_d_separator(backdoor, {x}, {y}, set(z))), None)


def allows_descendants(edges, x, y, cost):
    """Mutant: the cheapest set blocking the backdoor paths, descendants of x allowed."""
    from itertools import combinations

    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from([x, y, *cost])
    dag.add_edges_from(map(tuple, edges))
    backdoor = dag.copy()
    backdoor.remove_edges_from(list(dag.out_edges(x)))
    allowed = sorted(v for v in cost if v not in (x, y))
    subsets = sorted((z for k in range(len(allowed) + 1) for z in combinations(allowed, k)),
                     key=lambda z: sum(cost[v] for v in z))
    return next((sorted(z) for z in subsets if nx.is_d_separator(backdoor, {x}, {y}, set(z))), None)


def never_none(edges, x, y, cost):
    """Mutant: the reference, but an empty list where no valid set exists."""
    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from([x, y, *cost])
    dag.add_edges_from(map(tuple, edges))
    backdoor = dag.copy()
    backdoor.remove_edges_from(list(dag.out_edges(x)))
    allowed = sorted(v for v in cost if v not in nx.descendants(dag, x) | {x, y})
    found = nx.find_minimal_d_separator(backdoor, {x}, {y}, restricted=set(allowed))
    return [] if found is None else sorted(found)


def adjust_for_everything(edges, x, y, cost):
    """The naive answer: every observed variable but x and y."""
    return sorted(v for v in cost if v not in (x, y))


# --- cpdag: drawing and judging ------------------------------------------------------------------------

def _cpdag_dag(edges: list[list[str]]) -> nx.DiGraph:
    return cg.dag_from(sorted({v for e in edges for v in e}), edges)


def _solve_cpdag(args: list[Any]) -> dict[str, list[list[str]]]:
    directed, undirected = cg.cpdag(_cpdag_dag(args[0]))
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def _v_structures_only(dag: nx.DiGraph) -> frozenset[tuple[str, str]]:
    return frozenset(e for a, c, b in cg.v_structures(dag) for e in ((a, c), (b, c)))


def _cpdag_holds(kind: str, dag: nx.DiGraph) -> bool:
    directed, _ = cg.cpdag(dag)
    if kind == "meek_rules":  # the rules orient more than the v-structures do
        return bool(directed - _v_structures_only(dag))
    shielded = {(a, c) for c in dag for a, b in itertools.combinations(sorted(dag.predecessors(c)), 2)
                if dag.has_edge(a, b) or dag.has_edge(b, a)}
    return bool(shielded - directed)  # shielded_collider: a collider edge that the class leaves undirected


def draw_cpdag(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A DAG on `size` variables: random, a tree, a complete DAG, or one where Meek's rules or a shielded
    collider matter (drawn until it is; the last resort is the gadget beside a chain)."""
    edges = min(cg.max_edges(size), round(1.5 * size))
    if kind == "tree":  # one parent each: no v-structure, every edge undirected
        names = cg.node_names(size)
        order = [names[i] for i in rng.permutation(size)]
        dag = cg.dag_from(order, [(order[int(rng.integers(k))], order[k]) for k in range(1, size)])
    elif kind == "complete":
        dag = cg.random_dag(rng, min(size, COMPLETE), cg.max_edges(min(size, COMPLETE)))
    elif kind in ("meek_rules", "shielded_collider"):
        for _ in range(TRIES * 5):
            dag = cg.random_dag(rng, size, edges)
            if _cpdag_holds(kind, dag):
                break
        else:
            shield = [("A", "B")] if kind == "shielded_collider" else []
            gadget = [("A", "C"), ("B", "C"), ("C", "D"), *shield]
            dag = cg.dag_from(cg.node_names(size), gadget)
    else:
        dag = cg.random_dag(rng, size, edges)
    names = cg.node_names(len(dag))
    rename = {v: names[i] for v, i in zip(sorted(dag), rng.permutation(len(dag)), strict=True)}
    return [sorted([rename[u], rename[v]] for u, v in dag.edges)]


def judge_cpdag(args: list[Any], value: Any) -> str | None:
    """The family's discover grader: exactly the true CPDAG, edges in any order, pairs either way round."""
    def pairs(items: Any) -> bool:
        return isinstance(items, list) and all(isinstance(p, list) and len(p) == 2
                                               and all(isinstance(v, str) for v in p) for p in items)

    if not (isinstance(value, dict) and set(value) == {"directed", "undirected"}
            and pairs(value["directed"]) and pairs(value["undirected"])):
        return "wrong_type"
    dag = _cpdag_dag(args[0])
    truth = {"variables": sorted(dag), "dag": sorted(map(list, dag.edges))}
    return None if discover(SimpleNamespace(truth=truth), value).passed else "wrong"


def cpdag_reference(edges):
    """Orient the v-structures, then Meek's rules R1-R3 until nothing changes."""
    from itertools import combinations

    parents, adjacent = {}, set()
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
        adjacent |= {(a, b), (b, a)}
    directed = set()
    for c, ps in parents.items():
        for a, b in combinations(sorted(ps), 2):
            if (a, b) not in adjacent:
                directed |= {(a, c), (b, c)}
    undirected = {frozenset(e) for e in map(tuple, edges)} - {frozenset(e) for e in directed}
    nodes = sorted({v for e in edges for v in e})
    changed = True
    while changed:
        changed = False
        for pair in sorted(undirected, key=sorted):
            for a, b in (sorted(pair), sorted(pair)[::-1]):
                r1 = any((p, a) in directed and (p, b) not in adjacent and p != b for p in nodes)
                r2 = any((a, m) in directed and (m, b) in directed for m in nodes)
                sides = [m for m in nodes if frozenset((a, m)) in undirected and (m, b) in directed]
                r3 = any((c, d) not in adjacent for c, d in combinations(sides, 2))
                if r1 or r2 or r3:
                    undirected.discard(pair)
                    directed.add((a, b))
                    changed = True
                    break
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def cpdag_by_reversals(edges):
    """By hand, without Meek's rules: every DAG of the class, reached by reversing covered edges
    (Chickering 1995: they connect the class); an edge is directed iff every member agrees."""
    start = frozenset(map(tuple, edges))
    seen, stack = {start}, [start]
    while stack:
        dag = stack.pop()
        parents = {}
        for a, b in dag:
            parents.setdefault(b, set()).add(a)
        for a, b in dag:  # covered: b's parents are a's parents and a itself
            if parents.get(b, set()) == parents.get(a, set()) | {a}:
                turned = (dag - {(a, b)}) | {(b, a)}
                if turned not in seen:
                    seen.add(turned)
                    stack.append(turned)
    directed = set.intersection(*(set(d) for d in seen)) if edges else set()
    undirected = {frozenset(e) for e in start} - {frozenset(e) for e in directed}
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def cpdag_find_compelled(edges):
    """By hand, Chickering's Find-Compelled (1995) rather than Meek's rules: the edges ordered by a
    topological order of their heads (latest tail first), then, head by head, labelled compelled or
    reversible from the labels of the edges into the tail."""
    from graphlib import TopologicalSorter

    parents = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
        parents.setdefault(a, set())
    position = {v: i for i, v in enumerate(TopologicalSorter(parents).static_order())}
    label = {}
    for x, y in sorted(map(tuple, edges), key=lambda e: (position[e[1]], -position[e[0]])):
        if (x, y) in label:  # the first edge into y labels every edge into y
            continue
        settled = False
        for w in sorted(parents[x]):
            if label.get((w, x)) != "compelled":
                continue
            if w not in parents[y]:  # w -> x -> y with w, y not adjacent: all into y compelled
                label.update({(p, y): "compelled" for p in parents[y]})
                settled = True
                break
            label[(w, y)] = "compelled"
        if not settled:
            strong = any(z != x and z not in parents[x] for z in parents[y])
            for p in parents[y]:
                label.setdefault((p, y), "compelled" if strong else "reversible")
    directed = sorted([a, b] for (a, b), kind in label.items() if kind == "compelled")
    undirected = sorted(sorted(e) for e, kind in label.items() if kind == "reversible")
    return {"directed": directed, "undirected": undirected}


def cpdag_without_meek(edges):
    """Mutant: the v-structures directed, everything else left undirected."""
    from itertools import combinations

    parents, adjacent = {}, set()
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
        adjacent |= {(a, b), (b, a)}
    directed = {(p, c) for c, ps in parents.items() for a, b in combinations(sorted(ps), 2)
                if (a, b) not in adjacent for p in (a, b)}
    undirected = {frozenset(e) for e in map(tuple, edges)} - {frozenset(e) for e in directed}
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def cpdag_every_collider(edges):
    """Mutant: every edge into a node with two parents directed, shielded or not."""
    parents = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
    directed = {(a, b) for a, b in map(tuple, edges) if len(parents.get(b, ())) >= 2}
    undirected = {frozenset(e) for e in map(tuple, edges)} - {frozenset(e) for e in directed}
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def cpdag_as_given(edges):
    """Mutant: the DAG itself, every edge directed."""
    return {"directed": sorted(map(list, edges)), "undirected": []}


def cpdag_all_undirected(edges):
    """The naive answer: the skeleton, nothing oriented."""
    return {"directed": [], "undirected": sorted(sorted(e) for e in edges)}


# --- d_separated: large DAGs ------------------------------------------------------------------------------

WIDE = 3_000  # variables of the largest d_separated DAG: enumerating paths runs out of time


def _wide_dag(rng: np.random.Generator, size: int) -> tuple[list[str], dict[str, list[str]]]:
    """`size` variables V0.. in causal order, each but V0 with one to three parents among the 30 before it."""
    names = [f"V{k}" for k in range(size)]
    parents = {v: sorted({names[int(rng.integers(max(0, k - 30), k))]
                          for _ in range(1 + int(rng.integers(3)))}) if k else []
               for k, v in enumerate(names)}
    return names, parents


def _dsep_dag(args: list[Any]) -> nx.DiGraph:
    edges, x, y, z = args
    g = nx.DiGraph(list(map(tuple, edges)))
    g.add_nodes_from([*x, *y, *z])
    return g


def _solve_dsep(args: list[Any]) -> bool:
    """Lauritzen's criterion with networkx: z separates x from y in the moral graph of the ancestral set
    of x, y and z. (networkx's is_d_separator gives the same answers, checked in the tests, but its
    queues repeat variables and take seconds on these dense DAGs.)"""
    _, x, y, z = args
    dag = _dsep_dag(args)
    keep = set().union(*(nx.ancestors(dag, v) | {v} for v in [*x, *y, *z]))
    moral = nx.moral_graph(dag.subgraph(keep))
    moral.remove_nodes_from(z)
    return not any(nx.has_path(moral, a, b) for a in x for b in y)


def draw_dsep(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A DAG, a variable x, a later variable y that x does not cause directly, and z: y's parents and a
    few more (which may open colliders); or the edge case."""
    names, parents = _wide_dag(rng, size)
    k = int(rng.integers(size // 2, size))
    y = names[k]
    earlier = [v for v in names[max(0, k - 40):k] if v not in parents[y]] or [names[0]]
    x = earlier[int(rng.integers(len(earlier)))]
    if x in parents[y]:  # only when y has every earlier variable as a parent
        parents[y].remove(x)
    want = bool(rng.random() < 0.5)  # separated or not, half each (a fallback decides after TRIES)
    edges = sorted([p, v] for v, ps in parents.items() for p in ps)
    for _ in range(TRIES):
        blocking = set(parents[y]) if rng.random() < 0.5 else set(parents[y][1:])  # y's parents, or some
        z = sorted(blocking | {names[int(i)] for i in rng.integers(max(0, k - 40), k, size=3)} - {x})
        if kind is not None or _solve_dsep([edges, [x], [y], z]) == want:
            break
    if kind == "adjacent":
        parents[y] = sorted({*parents[y], x})
    elif kind == "empty_z":
        z = []
    elif kind == "collider_descendant":  # x -> c <- y: c's child w, in z without c, opens that path
        c, w = f"C{k}", f"W{k}"
        parents[c], parents[w] = [x, y], [c]
        names += [c, w]
        z = sorted(set(parents[y]) - {x}) + [w]
    edges = sorted([p, v] for v, ps in parents.items() for p in ps)
    return [edges, [x], [y], z]


def judge_dsep(args: list[Any], value: Any) -> str | None:
    """Whether x and y are d-separated given z."""
    if not isinstance(value, bool):
        return "wrong_type"
    return None if value == _solve_dsep(args) else "wrong"


def dsep_reference(edges, x, y, z):
    """Bayes ball (Koller and Friedman's reachability): the trails from x that z leaves active."""
    parents, children = {}, {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
        parents.setdefault(b, []).append(a)
    given = set(z)
    opened, stack = set(), list(given)  # z and its ancestors: a collider among them is open
    while stack:
        v = stack.pop()
        if v not in opened:
            opened.add(v)
            stack += parents.get(v, [])
    targets, seen = set(y), set()
    stack = [(v, "up") for v in x]  # "up": reached from a child (or the start), "down": from a parent
    while stack:
        v, way = stack.pop()
        if (v, way) in seen:
            continue
        seen.add((v, way))
        if v not in given and v in targets:
            return False
        if way == "up" and v not in given:
            stack += [(p, "up") for p in parents.get(v, [])] + [(c, "down") for c in children.get(v, [])]
        elif way == "down":
            if v not in given:
                stack += [(c, "down") for c in children.get(v, [])]
            if v in opened:
                stack += [(p, "up") for p in parents.get(v, [])]
    return True


def dsep_moral(edges, x, y, z):
    """Lauritzen: separation by z in the moral graph of the ancestors of x, y and z."""
    parents = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
    keep, stack = set(), [*x, *y, *z]
    while stack:
        v = stack.pop()
        if v not in keep:
            keep.add(v)
            stack += parents.get(v, ())
    near = {v: set() for v in keep}
    for v in keep:
        ps = sorted(parents.get(v, ()))
        for i, p in enumerate(ps):
            near[v].add(p)
            near[p].add(v)
            for q in ps[i + 1:]:
                near[p].add(q)
                near[q].add(p)
    blocked, seen, stack = set(z), set(x), list(x)
    while stack:
        for u in near[stack.pop()]:
            if u in y:
                return False
            if u not in seen and u not in blocked:
                seen.add(u)
                stack.append(u)
    return True


def dsep_networkx(edges, x, y, z):
    """networkx's is_d_separator, on the ancestors of x, y and z only (d-separation depends on no
    other variable, and the whole DAG takes it seconds)."""
    import networkx as nx

    g = nx.DiGraph(list(map(tuple, edges)))
    seeds = {*x, *y, *z}
    g.add_nodes_from(seeds)
    keep = seeds.union(*(nx.ancestors(g, v) for v in seeds))
    return nx.is_d_separator(g.subgraph(keep), set(x), set(y), set(z))


def dsep_forgets_z_ancestors(edges, x, y, z):
    """Mutant: the moral graph of the ancestors of x and y only, so a collider whose descendant is in z
    is left out, and its path with it."""
    parents = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
    keep, stack = set(), [*x, *y]
    while stack:
        v = stack.pop()
        if v not in keep:
            keep.add(v)
            stack += parents.get(v, ())
    near = {v: set() for v in keep}
    for v in keep:
        ps = sorted(parents.get(v, ()))
        for i, p in enumerate(ps):
            near[v].add(p)
            near[p].add(v)
            for q in ps[i + 1:]:
                near[p].add(q)
                near[q].add(p)
    seen, stack = set(x), list(x)
    while stack:
        for u in near[stack.pop()]:
            if u in y:
                return False
            if u not in seen and u not in z:
                seen.add(u)
                stack.append(u)
    return True


def dsep_undirected(edges, x, y, z):
    """Mutant: separation by z in the skeleton, colliders treated like any other variable."""
    near = {}
    for a, b in edges:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    seen, stack = set(x), list(x)
    while stack:
        for u in near.get(stack.pop(), ()):
            if u in y:
                return False
            if u not in seen and u not in z:
                seen.add(u)
                stack.append(u)
    return True


def dsep_all_paths(edges, x, y, z):
    """Brute force: every simple path between x and y in the skeleton, each checked for a block."""
    parents, near = {}, {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    given = set(z)

    def descendants_hit(v):
        children = {}
        for a, b in edges:
            children.setdefault(a, []).append(b)
        seen, stack = {v}, [v]
        while stack:
            for c in children.get(stack.pop(), []):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return bool(seen & given)

    def open_path(path):
        for a, v, b in zip(path, path[1:], path[2:], strict=False):
            collider = a in parents.get(v, ()) and b in parents.get(v, ())
            if collider != descendants_hit(v) if collider else v in given:
                return False
        return True

    def paths(path):
        if path[-1] in y:
            yield path
            return
        for u in near.get(path[-1], ()):
            if u not in path:
                yield from paths(path + [u])

    return not any(open_path(p) for s in x for p in paths([s]))


def dsep_not_adjacent(edges, x, y, z):
    """The naive answer: separated unless an edge joins them."""
    return not any((a in x and b in y) or (a in y and b in x) for a, b in edges)


CONTRACTS = {
    "cheapest_backdoor_set": Contract(
        name="cheapest_backdoor_set",
        signature="cheapest_backdoor_set(edges, x, y, cost) -> list[str] | None",
        summary="Given a causal DAG, a treatment x and an outcome y (a descendant of x), return a set of "
                "observed variables, neither x nor y, of minimum total cost that satisfies the backdoor "
                "criterion for (x, y): it contains no descendant of x and blocks every path between x and y "
                "that starts with an edge into x. Return None if no set of observed variables satisfies it.",
        input_format="edges: a list of [parent, child] pairs of variable names (a DAG); x, y: variable "
                     "names; cost: a dict {variable: positive int} of the observed variables and what "
                     "measuring each costs. The variables are the names in edges and cost, and x and y; a "
                     "variable in edges but not in cost (x and y aside) is unobserved and may not be used.",
        returns="a list of variable names (any order), or None.",
        judged_by="correct if it is None exactly when no valid set exists, and otherwise a valid set whose "
                  "total cost is the minimum; any valid set of minimum cost is accepted.",
        unit="variables",
        min_size=5,
        edge_cases={
            "costs_matter": "the set with the fewest variables is not the cheapest: minimise the total cost",
            "descendant_trap": "a cheap descendant of x would block the backdoor paths, but descendants of x "
                               "are never allowed",
            "empty_set": "no backdoor path is open: the empty list [] is valid and costs 0",
            "isolated": "observed variables without any edge (they appear only in cost)",
            "no_valid_set": "an unobserved common cause of x and y: no valid set exists, return None",
        },
        draw=draw, judge=judge, solve=_solve, reference=reference,
        alternatives=(networkx_search, hand_written),
        mutants=(ignores_costs, allows_descendants, never_none),
        baseline=adjust_for_everything, large_size=12, max_size=20,  # its alternatives try subsets
    ),
    "cpdag": Contract(
        name="cpdag",
        signature='cpdag(edges) -> {"directed": list[list[str]], "undirected": list[list[str]]}',
        summary="Given a causal DAG, return its Markov equivalence class as a CPDAG: the edges that point "
                "the same way in every DAG with the same skeleton and v-structures, and the other "
                "adjacencies as undirected pairs.",
        input_format="edges: a list of [parent, child] pairs of variable names (a DAG; its variables are "
                     "the names in the pairs).",
        returns='{"directed": [[a, b], ...] (a -> b), "undirected": [[c, d], ...]}.',
        judged_by="correct if it is exactly the true CPDAG; edges in any order, undirected pairs either way "
                  "round.",
        unit="variables",
        min_size=5,
        edge_cases={
            "complete": "a complete DAG (every pair adjacent): no v-structure, every edge undirected",
            "meek_rules": "edges that no v-structure orients but that must be directed all the same "
                          "(orienting them the other way would create a v-structure or a cycle)",
            "shielded_collider": "two parents of a node that are adjacent to each other: not a v-structure",
            "tree": "at most one parent per variable: every edge undirected",
        },
        draw=draw_cpdag, judge=judge_cpdag, solve=_solve_cpdag, reference=cpdag_reference,
        alternatives=(cpdag_by_reversals, cpdag_find_compelled),
        mutants=(cpdag_without_meek, cpdag_every_collider, cpdag_as_given),
        baseline=cpdag_all_undirected, large_size=12, max_size=20,  # by_reversals walks the whole class
    ),
    "d_separated": Contract(
        name="d_separated",
        signature="d_separated(edges, x, y, z) -> bool",
        summary="Given a causal DAG and three disjoint sets of variables x, y and z, return whether z "
                "d-separates x from y: every path between a variable of x and one of y is blocked by z, a "
                "path being blocked where it passes a non-collider in z, or a collider that neither is in z "
                "nor has a descendant in z.",
        input_format="edges: a list of [parent, child] pairs of variable names (a DAG); x, y, z: lists of "
                     "variable names (z may be empty). The variables are the names in edges, x, y and z.",
        returns="True or False.",
        judged_by="correct if it is the truth.",
        unit="variables",
        min_size=6,
        edge_cases={
            "adjacent": "an edge joins x and y: never separated",
            "collider_descendant": "z holds a descendant of a collider, not the collider: the path is open",
            "empty_z": "z is empty",
        },
        draw=draw_dsep, judge=judge_dsep, solve=_solve_dsep, reference=dsep_reference,
        alternatives=(dsep_moral, dsep_networkx),
        mutants=(dsep_forgets_z_ancestors, dsep_undirected),
        baseline=dsep_not_adjacent, large_size=WIDE, max_size=20_000, brute_force=dsep_all_paths,
    ),
}
