"""Whether causal-learn's PC (`causal.pc_cpdag`) recovers a DAG's CPDAG from data, decided about fifty times
faster: the skeleton and separating sets are recomputed here from the same p-values, bit for bit, and
causal-learn runs only when they alone cannot settle the answer.
"""
from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
from scipy.special import ndtr

from graphs import causal as cg


def pc_recovers(data: np.ndarray, dag: nx.DiGraph, alpha: float) -> bool:
    """`pc_cpdag(data, list(dag), alpha) == cpdag(dag)`; the columns of data are in `list(dag)` order.

    PC's output has the skeleton it finds, and Meek's rules only orient undirected edges, so a wrong
    skeleton, or a found collider that is no v-structure of the DAG (its arrowheads, or a bidirected edge
    where two colliders conflict, survive), fails. If the colliders put arrowheads exactly where the true
    v-structures do, PC runs Meek's rules on the DAG's own pattern and gets its CPDAG. Only colliders
    missing from a right skeleton are left to causal-learn: the rules may orient those edges anyway."""
    nodes = list(dag)
    col = {v: i for i, v in enumerate(nodes)}
    truth = np.zeros((len(nodes), len(nodes)), dtype=bool)
    for u, v in dag.edges:
        truth[col[u], col[v]] = truth[col[v], col[u]] = True
    found = _pc_skeleton(data, alpha, stop_if_removed=truth)
    if found is None or (found[0] != truth).any():
        return False
    adjacent, sepsets = found
    colliders = {(int(x), y, int(z)) for y in range(len(nodes))
                 for x, z in itertools.combinations(np.flatnonzero(adjacent[y]), 2)
                 if not adjacent[x, z] and y not in sepsets[x, z]}
    true = {(min(col[a], col[b]), col[c], max(col[a], col[b])) for a, c, b in cg.v_structures(dag)}
    if not colliders <= true:
        return False
    if _arrowheads(colliders) == _arrowheads(true):
        return True
    return cg.pc_cpdag(data, nodes, alpha) == cg.cpdag(dag)


def _arrowheads(colliders: set[tuple[int, int, int]]) -> set[tuple[int, int]]:
    return {(x, y) for x, y, _ in colliders} | {(z, y) for _, y, z in colliders}


def _pc_skeleton(data: np.ndarray, alpha: float, stop_if_removed: np.ndarray | None = None
                 ) -> tuple[np.ndarray, dict[tuple[int, int], set[int]]] | None:
    """The adjacency matrix of causal-learn's stable PC skeleton, and for each removed pair (i, j), i < j,
    the union of every separating set found at the depth it was removed (PC's collider test asks
    whether the middle node is in any of them). None as soon as it removes a pair marked in
    `stop_if_removed`: the skeleton is then known to differ from one holding them.

    As in causal-learn's skeleton_discovery: at depth d, each pair adjacent at the start of the depth is
    tested given every d-subset of either endpoint's neighbours, and removed at the end of the depth if
    some p-value exceeds alpha; depths go on while a node has more than d neighbours."""
    corr = np.corrcoef(data.T)
    n = corr.shape[0]
    adjacent = ~np.eye(n, dtype=bool)
    kept = np.zeros_like(adjacent) if stop_if_removed is None else stop_if_removed
    sepsets: dict[tuple[int, int], set[int]] = {}
    depth = 0
    while adjacent.sum(axis=1).max() - 1 >= depth:
        neighbours = [np.flatnonzero(row).tolist() for row in adjacent]
        pairs = [(x, y) for x in range(n) for y in neighbours[x] if x < y]
        # the pairs that must stay first: one of them removed settles the answer without the others' tests
        for batch in ([xy for xy in pairs if kept[xy]], [xy for xy in pairs if not kept[xy]]):
            tests = [(x, y, s) for x, y in batch for s in sorted(
                {*itertools.combinations([v for v in neighbours[x] if v != y], depth),
                 *itertools.combinations([v for v in neighbours[y] if v != x], depth)})]
            for x, y, s in itertools.compress(tests, _fisher_z(corr, len(data), tests) > alpha):
                if kept[x, y]:
                    return None
                sepsets.setdefault((x, y), set()).update(s)
                adjacent[x, y] = adjacent[y, x] = False  # neighbours keeps the depth's start
        depth += 1
    return adjacent, sepsets


def _fisher_z(corr: np.ndarray, n_rows: int, tests: list[tuple[int, int, tuple[int, ...]]]) -> np.ndarray:
    """The p-values causal-learn's FisherZ gives for tests (x, y, given), x < y, all of one size, to the
    last bit: the same submatrix order and inverse, math.log, and scipy's ndtr (what norm.cdf calls)."""
    if not tests:
        return np.zeros(0)
    var = np.array([(x, y, *s) for x, y, s in tests])
    inv = np.linalg.inv(corr[var[:, :, None], var[:, None, :]])  # one LAPACK call per matrix, as theirs
    r = -inv[:, 0, 1] / np.sqrt(np.abs(inv[:, 0, 0] * inv[:, 1, 1]))
    r = np.where(np.abs(r) >= 1, (1.0 - np.finfo(float).eps) * np.sign(r), r)
    z = np.array([0.5 * math.log(q) for q in ((1 + r) / (1 - r)).tolist()])  # np.log may differ in an ulp
    return 2 * (1 - ndtr(math.sqrt(n_rows - (var.shape[1] - 2) - 3) * np.abs(z)))
