"""Causal DAGs: random graphs, structural causal models sampled with numpy, Markov equivalence
(skeleton, v-structures, CPDAG), backdoor adjustment, and the conditional-independence tests that
the tools run on sampled data.

Pure functions: randomness comes in as a `numpy.random.Generator`, so a caller's seed decides everything.
"""
from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterable

import networkx as nx
import numpy as np

Edge = tuple[str, str]
SMALL_CANDIDATE_SETS = 4  # up to this many candidates, cheapest_backdoor_set tries every subset


# --- random DAGs and structural causal models -------------------------------------------------------

def node_names(n: int) -> list[str]:
    """n variable names: A..Z, then AA, AB, ... (spreadsheet style)."""
    names = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, r = divmod(i - 1, 26)
            name = chr(65 + r) + name
        names.append(name)
    return names


def dag_from(nodes: Iterable[str], edges: Iterable[Iterable[str]]) -> nx.DiGraph:
    """A DAG from its variables and [parent, child] pairs (the form tasks store it in)."""
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from(tuple(e) for e in edges)
    return dag


def max_edges(n_nodes: int) -> int:
    """The most edges a DAG on n nodes can have."""
    return n_nodes * (n_nodes - 1) // 2


def random_dag(rng: np.random.Generator, n_nodes: int, n_edges: int) -> nx.DiGraph:
    """A DAG with exactly n_edges edges, drawn uniformly among those consistent with a random order."""
    if not 0 <= n_edges <= max_edges(n_nodes):
        raise ValueError(f"a DAG on {n_nodes} nodes has 0 to {max_edges(n_nodes)} edges, not {n_edges}")
    names = node_names(n_nodes)
    order = [names[i] for i in rng.permutation(n_nodes)]
    upper_i, upper_j = np.triu_indices(n_nodes, 1)
    chosen = np.sort(rng.choice(len(upper_i), size=n_edges, replace=False))
    dag = nx.DiGraph()
    dag.add_nodes_from(names)
    dag.add_edges_from((order[upper_i[k]], order[upper_j[k]]) for k in chosen)
    return dag


def random_weights(rng: np.random.Generator, dag: nx.DiGraph, low: float = 0.5,
                   high: float = 1.5) -> dict[Edge, float]:
    """Edge coefficients of magnitude in [low, high] with random signs, rounded to 2 decimals."""
    edges = sorted(dag.edges)
    magnitude = rng.uniform(low, high, size=len(edges))
    sign = rng.choice([-1.0, 1.0], size=len(edges))
    return {e: round(float(m * s), 2) for e, m, s in zip(edges, magnitude, sign, strict=True)}


def sample_linear_gaussian(rng: np.random.Generator, dag: nx.DiGraph, weights: dict[Edge, float],
                           n_samples: int) -> np.ndarray:
    """Samples of the linear SCM  v = sum(w * parent) + N(0, 1);  columns in `list(dag)` order."""
    col = {v: i for i, v in enumerate(dag)}
    data = rng.standard_normal((n_samples, len(col)))
    for v in nx.topological_sort(dag):
        for p in dag.predecessors(v):
            data[:, col[v]] += weights[(p, v)] * data[:, col[p]]
    return data


def sample_binary(rng: np.random.Generator, dag: nx.DiGraph, weights: dict[Edge, float],
                  n_samples: int) -> np.ndarray:
    """Samples of a logistic binary SCM: P(v = 1) = sigmoid(sum(2w * (2 * parent - 1)));  columns in
    `list(dag)` order, values 0 and 1."""
    col = {v: i for i, v in enumerate(dag)}
    data = np.zeros((n_samples, len(col)))
    for v in nx.topological_sort(dag):
        logit = np.zeros(n_samples)
        for p in dag.predecessors(v):
            logit += 2 * weights[(p, v)] * (2 * data[:, col[p]] - 1)
        data[:, col[v]] = rng.random(n_samples) < 1 / (1 + np.exp(-logit))
    return data


def total_effect(dag: nx.DiGraph, weights: dict[Edge, float], x: str, y: str) -> float:
    """The average causal effect of x on y in the linear SCM: entry (x, y) of (I - B)^-1."""
    nodes = list(dag)
    col = {v: i for i, v in enumerate(nodes)}
    b = np.zeros((len(nodes), len(nodes)))
    for (u, v), w in weights.items():
        b[col[u], col[v]] = w
    return float(np.linalg.inv(np.eye(len(nodes)) - b)[col[x], col[y]])


def ols(data: np.ndarray, y: int, xs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of column y on [1, columns xs] by least squares, and their standard errors."""
    design = np.column_stack([np.ones(len(data)), data[:, xs]])
    coef, *_ = np.linalg.lstsq(design, data[:, y], rcond=None)
    resid = data[:, y] - design @ coef
    sigma2 = resid @ resid / (len(data) - design.shape[1])
    return coef, np.sqrt(np.diag(np.linalg.inv(design.T @ design)) * sigma2)


def resampled_ols(data: np.ndarray, counts: np.ndarray, y: int, xs: list[int]) -> np.ndarray:
    """Coefficients of column y on [1, columns xs], one row per row of `counts` (how often each data row
    is drawn): every bootstrap resample solved at once."""
    design = np.column_stack([np.ones(len(data)), data[:, xs]])
    k = design.shape[1]  # the weighted sums as matrix products (BLAS), many times faster than einsum's loops
    gram = (counts @ (design[:, :, None] * design[:, None, :]).reshape(len(data), k * k)).reshape(-1, k, k)
    return np.linalg.solve(gram, (counts @ (design * data[:, y][:, None]))[..., None])[..., 0]


def to_csv(columns: list[str], data: np.ndarray, fmt: str) -> str:
    """The data as CSV text with a header row (the `data.csv` the model reads)."""
    row = ",".join([fmt] * data.shape[1]) + "\n"  # savetxt's text in one formatting, not a loop over rows
    return ",".join(columns) + "\n" + (row * len(data)) % tuple(data.ravel().tolist())


def from_csv(text: str) -> tuple[list[str], np.ndarray]:
    """Inverse of `to_csv`: the column names and a float array."""
    header, _, body = text.partition("\n")
    return header.split(","), np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)


# --- Markov equivalence ------------------------------------------------------------------------------

def skeleton(edges: Iterable[Edge]) -> frozenset[frozenset[str]]:
    """The adjacencies, direction forgotten."""
    return frozenset(frozenset(e) for e in edges)


def v_structures(dag: nx.DiGraph) -> frozenset[tuple[str, str, str]]:
    """Every (a, c, b) with a -> c <- b, a < b and a, b not adjacent."""
    return frozenset((a, c, b) for c in dag for a, b in itertools.combinations(sorted(dag.predecessors(c)), 2)
                     if not dag.has_edge(a, b) and not dag.has_edge(b, a))


def markov_equivalent(g1: nx.DiGraph, g2: nx.DiGraph) -> bool:
    """Verma and Pearl: two DAGs are Markov equivalent iff they share skeleton and v-structures."""
    return (nx.is_directed_acyclic_graph(g1) and nx.is_directed_acyclic_graph(g2)
            and set(g1) == set(g2) and skeleton(g1.edges) == skeleton(g2.edges)
            and v_structures(g1) == v_structures(g2))


def cpdag(dag: nx.DiGraph) -> tuple[frozenset[Edge], frozenset[frozenset[str]]]:
    """The equivalence class as (directed edges, undirected pairs): orient the v-structures, then apply
    Meek's rules R1-R3 until nothing changes (R4 is never needed without background knowledge)."""
    directed = {(a, c) for a, c, b in v_structures(dag)} | {(b, c) for a, c, b in v_structures(dag)}
    undirected = {frozenset(e) for e in dag.edges} - skeleton(directed)

    def adjacent(a: str, b: str) -> bool:
        return dag.has_edge(a, b) or dag.has_edge(b, a)

    def compelled(a: str, b: str) -> bool:
        """Whether the undirected a - b must be a -> b."""
        into_a = {p for p, c in directed if c == a}
        if any(not adjacent(p, b) for p in into_a if p != b):  # R1: p -> a - b, p and b not adjacent
            return True
        if any((a, m) in directed and (m, b) in directed for m in dag):  # R2: a -> m -> b
            return True
        neighbours = [m for m in dag if frozenset((a, m)) in undirected and (m, b) in directed]
        return any(not adjacent(c, d) for c, d in itertools.combinations(neighbours, 2))  # R3

    changed = True
    while changed:
        changed = False
        for pair in sorted(undirected, key=sorted):
            a, b = sorted(pair)
            for u, v in ((a, b), (b, a)):
                if compelled(u, v):
                    undirected.discard(pair)
                    directed.add((u, v))
                    changed = True
                    break
    return frozenset(directed), frozenset(undirected)


def cpdag_by_enumeration(dag: nx.DiGraph) -> tuple[frozenset[Edge], frozenset[frozenset[str]]]:
    """The CPDAG found by brute force, independently of Meek's rules: orient the skeleton every possible
    way, keep the DAGs with the same v-structures; an edge is directed iff they all agree on it.
    Costs 2^edges: for tests and small graphs only."""
    edges = sorted(dag.edges)
    target = v_structures(dag)
    seen: dict[frozenset[str], set[Edge]] = {frozenset(e): set() for e in edges}
    for flips in itertools.product((False, True), repeat=len(edges)):
        g = nx.DiGraph()
        g.add_nodes_from(dag)
        g.add_edges_from((v, u) if flip else (u, v) for (u, v), flip in zip(edges, flips, strict=True))
        if nx.is_directed_acyclic_graph(g) and v_structures(g) == target:
            for e in g.edges:
                seen[frozenset(e)].add(e)
    directed = frozenset(next(iter(ways)) for ways in seen.values() if len(ways) == 1)
    return directed, frozenset(pair for pair, ways in seen.items() if len(ways) == 2)


def reversed_edge(dag: nx.DiGraph, edge: Edge) -> nx.DiGraph:
    """A copy of the DAG with one edge turned around (the result may be cyclic)."""
    g = dag.copy()
    g.remove_edge(*edge)
    g.add_edge(edge[1], edge[0])
    return g


# --- backdoor adjustment -----------------------------------------------------------------------------

def backdoor_graph(dag: nx.DiGraph, x: str) -> nx.DiGraph:
    """The DAG without x's outgoing edges: what remains connecting x to y are the backdoor paths."""
    g = dag.copy()
    g.remove_edges_from(list(dag.out_edges(x)))
    return g


def is_valid_backdoor_set(dag: nx.DiGraph, x: str, y: str, z: Iterable[str]) -> bool:
    """Pearl's backdoor criterion: z holds no descendant of x (nor x or y) and blocks every backdoor path."""
    z = set(z)
    return (not z & (nx.descendants(dag, x) | {x, y})
            and nx.is_d_separator(backdoor_graph(dag, x), {x}, {y}, z))


def blocks_backdoor_paths(dag: nx.DiGraph, x: str, y: str, z: Iterable[str]) -> bool:
    """Pearl's backdoor criterion checked path by path, independently of `is_valid_backdoor_set`: every
    path of the skeleton from x into y that starts with an edge into x has a non-collider in z or a
    collider with no descendant (or itself) in z. Exponential in the graph: for tests and small graphs."""
    z = set(z)
    if z & (nx.descendants(dag, x) | {x, y}):
        return False

    def blocks(a: str, b: str, c: str) -> bool:
        if dag.has_edge(a, b) and dag.has_edge(c, b):  # a collider blocks unless it or a descendant is in z
            return not z & (nx.descendants(dag, b) | {b})
        return b in z

    for path in nx.all_simple_paths(dag.to_undirected(as_view=True), x, y):
        triples = zip(path, path[1:], path[2:], strict=False)
        if dag.has_edge(path[1], x) and not any(blocks(*t) for t in triples):
            return False
    return True


def cheapest_backdoor_set(dag: nx.DiGraph, x: str, y: str, cost: dict[str, float]) -> set[str] | None:
    """A valid backdoor set of minimum total cost using only the variables in `cost`, or None if none
    exists. A minimum separator lies among the ancestors of {x, y}, where d-separation is separation in
    the moral graph (Lauritzen), so the cheapest set is a minimum weighted vertex cut there."""
    bd = backdoor_graph(dag, x)
    ancestral = nx.ancestors(bd, x) | nx.ancestors(bd, y) | {x, y}
    forbidden = nx.descendants(dag, x) | {x, y}
    candidates = sorted(v for v in ancestral if v in cost and v not in forbidden)
    if nx.find_minimal_d_separator(bd, {x}, {y}, restricted=set(candidates)) is None:
        return None  # not even every candidate together blocks the backdoor paths
    if len(candidates) <= SMALL_CANDIDATE_SETS:  # trying a few subsets is quicker than a flow network
        subsets = (set(z) for k in range(len(candidates) + 1) for z in itertools.combinations(candidates, k))
        return next((z for z in sorted(subsets, key=lambda z: sum(cost[v] for v in z))
                     if nx.is_d_separator(bd, {x}, {y}, z)), None)
    moral = nx.moral_graph(bd.subgraph(ancestral))
    flow = nx.DiGraph()
    for v in moral:  # split each node: cutting v_in -> v_out means putting v in the set
        if v in cost and v not in forbidden:
            flow.add_edge((v, "in"), (v, "out"), capacity=cost[v])
        else:
            flow.add_edge((v, "in"), (v, "out"))  # no capacity attribute: cannot be cut
    for u, v in moral.edges:
        flow.add_edge((u, "out"), (v, "in"))
        flow.add_edge((v, "out"), (u, "in"))
    _, (reachable, _) = nx.minimum_cut(flow, (x, "out"), (y, "in"))  # finite: a separator exists
    return {v for v in moral if (v, "in") in reachable and (v, "out") not in reachable}


# --- conditional-independence tests on data ----------------------------------------------------------

def partial_correlation_test(data: np.ndarray, i: int, j: int, given: list[int]) -> tuple[float, float]:
    """(partial correlation of columns i and j given the others listed, two-sided p-value by Fisher's z)."""
    design = np.column_stack([np.ones(len(data)), data[:, given]])
    resid = data[:, [i, j]] - design @ np.linalg.lstsq(design, data[:, [i, j]], rcond=None)[0]
    r = float(np.corrcoef(resid.T)[0, 1])
    r = max(-0.999999, min(0.999999, r))
    z = math.atanh(r) * math.sqrt(max(len(data) - len(given) - 3, 1))
    return r, math.erfc(abs(z) / math.sqrt(2))


def chi_square_test(data: np.ndarray, i: int, j: int, given: list[int]) -> tuple[float, int, float]:
    """(Pearson chi-square summed over the strata of the given columns, degrees of freedom, p-value) for
    independence of two binary columns; strata where either variable is constant add nothing."""
    stat, dof = 0.0, 0
    strata = (np.unique(data[:, given], axis=0, return_inverse=True)[1].ravel() if given
              else np.zeros(len(data)))
    for s in np.unique(strata):
        rows = data[strata == s]
        table = np.array([[np.sum((rows[:, i] == a) & (rows[:, j] == b)) for b in (0, 1)] for a in (0, 1)])
        expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
        if (expected > 0).all():
            stat += float(((table - expected) ** 2 / expected).sum())
            dof += 1
    return stat, dof, chi2_survival(stat, dof)


def chi2_survival(x: float, dof: int) -> float:
    """P(chi-square with `dof` degrees of freedom > x), in closed form for whole dof (1 when dof is 0)."""
    if dof == 0 or x <= 0:
        return 1.0
    h = x / 2
    if dof % 2 == 0:  # Q(k, h) = e^-h * sum_{i<k} h^i / i!, terms in logs so large dof cannot overflow
        return min(1.0, sum(math.exp(i * math.log(h) - h - math.lgamma(i + 1)) for i in range(dof // 2)))
    return min(1.0, math.erfc(math.sqrt(h)) + sum(
        math.exp((i - 0.5) * math.log(h) - h - math.lgamma(i + 0.5)) for i in range(1, (dof + 1) // 2)))


def pc_cpdag(data: np.ndarray, names: list[str], alpha: float
             ) -> tuple[frozenset[Edge], frozenset[frozenset[str]]]:
    """The CPDAG that causal-learn's PC algorithm (stable, Fisher-z tests at level alpha) finds in the data,
    as (directed edges, undirected pairs); columns named by `names`.

    Conflicting v-structures (two colliders that orient one edge both ways) are left bidirected
    (uc_priority=1), so they show as a marked pair: the graph then depends on how an implementation
    breaks the tie, and is never taken for a CPDAG the data determine."""
    from causallearn.search.ConstraintBased.PC import pc

    # graph[j, i] = 1 and graph[i, j] = -1 mean i -> j; both -1 mean i - j
    graph = pc(data, alpha, "fisherz", stable=True, uc_priority=1, show_progress=False).G.graph
    directed, undirected = set(), set()
    for i, j in itertools.combinations(range(len(names)), 2):
        a, b = graph[i, j], graph[j, i]
        if a == -1 and b == 1:
            directed.add((names[i], names[j]))
        elif a == 1 and b == -1:
            directed.add((names[j], names[i]))
        elif a == -1 and b == -1:
            undirected.add(frozenset((names[i], names[j])))
        elif a or b:  # a bidirected or otherwise marked edge: not a CPDAG's, so never the true class
            undirected.add(frozenset((names[i], names[j], "?")))
    return frozenset(directed), frozenset(undirected)


def edge_lines(g: nx.DiGraph) -> str:
    """The DAG as a prompt shows it: one `u -> v` line per edge, then any variable without edges (it is
    still a variable of the model and of the data, so the prompt must name it)."""
    lines = [f"  {u} -> {v}" for u, v in sorted(g.edges)]
    isolated = sorted(v for v in g if g.degree(v) == 0)
    if isolated:
        lines.append(f"  (no edges: {', '.join(isolated)})")
    return "\n".join(lines)

