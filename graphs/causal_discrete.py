"""Binary structural causal models given by conditional probability tables: sampling, the exact joint
distribution (every variable, latents included, enumerated), exact interventional probabilities, and the
plug-in estimators of identified causal effects (backdoor, front-door) on a probability table.

A table is a numpy array of shape (B, 2, ..., 2): B distributions (bootstrap resamples, or one exact one)
over the binary variables named by its axes, in a stated order. Every estimator works on all B at once,
so a bootstrap costs one evaluation. A conditional probability whose condition has probability 0 counts
as 0. In the backdoor formula that term is multiplied by a probability of 0 anyway; in the front-door
formula's inner sum it is not, and a sample lacking a stratum biases that plug-in (which is why the
identify kind keeps only tasks where the plug-in of every valid set passes).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import networkx as nx
import numpy as np

LOW, HIGH = 0.05, 0.95  # the range of every conditional probability: no deterministic mechanism
SHAPE = 0.3  # Beta(SHAPE, SHAPE) spreads the probabilities towards LOW and HIGH: strong, interacting effects


def random_cpts(rng: np.random.Generator, dag: nx.DiGraph) -> dict[str, np.ndarray]:
    """P(v = 1 | parents) for each variable, one independent draw in [LOW, HIGH] per parent configuration,
    most near either end: the mechanisms are strong and interact freely, so no additive or linear form
    holds. Axes follow sorted(parents). Rounded to 6 decimals, so that a task can store them exactly."""
    return {v: np.round(LOW + (HIGH - LOW) * rng.beta(SHAPE, SHAPE, size=(2,) * dag.in_degree(v)), 6)
            for v in dag}


def sample(rng: np.random.Generator, dag: nx.DiGraph, cpts: dict[str, np.ndarray], n: int) -> np.ndarray:
    """n rows drawn from the SCM; columns in list(dag) order, values 0 or 1."""
    col = {v: i for i, v in enumerate(dag)}
    data = np.zeros((n, len(dag)), dtype=np.int8)
    for v in nx.topological_sort(dag):
        parents = sorted(dag.predecessors(v))
        p = cpts[v][tuple(data[:, col[u]] for u in parents)] if parents else np.full(n, float(cpts[v]))
        data[:, col[v]] = rng.random(n) < p
    return data


def exact_joint(dag: nx.DiGraph, cpts: dict[str, np.ndarray], do: dict[str, int] | None = None
                ) -> np.ndarray:
    """The exact distribution over every variable, axes in list(dag) order (shape (2,) * n), with the
    variables of `do` set by intervention (their mechanisms replaced by the set value)."""
    names = list(dag)
    joint = np.ones((2,) * len(names))
    for v in names:
        parents = sorted(dag.predecessors(v))
        if do and v in do:
            factor = np.array([float(do[v] == 0), float(do[v] == 1)])
            axes = [v]
        else:
            p1 = np.asarray(cpts[v], float)
            factor = np.stack([1 - p1, p1], axis=-1)  # axes: parents (sorted), then v
            axes = [*parents, v]
        shape = [2 if u in axes else 1 for u in names]
        order = sorted(range(len(axes)), key=lambda i: names.index(axes[i]))
        joint = joint * np.transpose(factor, order).reshape(shape)
    return joint


def exact_ace(dag: nx.DiGraph, cpts: dict[str, np.ndarray], x: str, y: str) -> float:
    """P(y = 1 | do(x = 1)) - P(y = 1 | do(x = 0)), exactly."""
    i, names = list(dag).index(y), list(dag)
    return float(np.diff([exact_joint(dag, cpts, {x: value}).sum(
        axis=tuple(j for j in range(len(names)) if j != i))[1] for value in (0, 1)])[0])


def marginal_table(joint: np.ndarray, names: Sequence[str], keep: Sequence[str]) -> np.ndarray:
    """The exact marginal of `joint` (axes `names`) over `keep`, as a table of one distribution."""
    dropped = tuple(i for i, v in enumerate(names) if v not in keep)
    kept = [v for v in names if v in keep]
    table = joint.sum(axis=dropped)
    return np.transpose(table, [kept.index(v) for v in keep])[None]


def resampled_tables(data: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The empirical distribution of the binary rows of `data`, once per row of `counts` (how often each
    row is drawn; a row of ones is the data itself): shape (B, 2, ..., 2), axes the columns of data."""
    cell = _cells(data)
    return _normalised(np.stack([np.bincount(cell, weights=c, minlength=1 << data.shape[1]) for c in counts]),
                       data.shape[1])


def bootstrap_tables(rng: np.random.Generator, data: np.ndarray, resamples: int) -> np.ndarray:
    """`resampled_tables` of a Poisson bootstrap (each row drawn Poisson(1) times), drawn per cell rather
    than per row: a cell holding n rows is drawn Poisson(n) times in all, the same distribution from 2^k
    draws instead of one per row."""
    held = np.bincount(_cells(data), minlength=1 << data.shape[1])
    return _normalised(rng.poisson(held, size=(resamples, len(held))).astype(float), data.shape[1])


def _cells(data: np.ndarray) -> np.ndarray:
    """Each binary row's cell: the row read as a binary number, first column most significant."""
    return data.astype(np.int64) @ (1 << np.arange(data.shape[1] - 1, -1, -1))


def _normalised(tables: np.ndarray, k: int) -> np.ndarray:
    """Cell counts (B, 2^k) as B distributions of shape (2, ..., 2)."""
    tables /= tables.sum(axis=1, keepdims=True)
    return tables.reshape((len(tables),) + (2,) * k)


class Table:
    """B distributions over named binary variables, with the marginals and conditionals the estimators use."""

    def __init__(self, table: np.ndarray, names: Sequence[str]):
        self.table, self.names = table, list(names)

    def p(self, values: dict[str, int], given: dict[str, int] | None = None) -> np.ndarray:
        """P(values | given), one number per distribution (0 where the condition has probability 0)."""
        given = given or {}
        joint = self._mass({**given, **values})
        if not given:
            return joint
        condition = self._mass(given)
        return np.divide(joint, condition, out=np.zeros_like(joint), where=condition > 0)

    def _mass(self, values: dict[str, int]) -> np.ndarray:
        index = tuple([slice(None)] + [values.get(v, slice(None)) for v in self.names])
        cut = self.table[index]
        return cut.reshape(len(cut), -1).sum(axis=1)


def _assignments(variables: Sequence[str]):
    for values in itertools.product((0, 1), repeat=len(variables)):
        yield dict(zip(variables, values, strict=True))


def backdoor(t: Table, x: str, y: str, z: Sequence[str], value: int) -> np.ndarray:
    """P(y = 1 | do(x = value)) = sum_z P(y = 1 | x, z) P(z), z a valid backdoor set."""
    return sum(t.p({y: 1}, {x: value, **a}) * t.p(a) for a in _assignments(z))


def front_door(t: Table, x: str, y: str, m: Sequence[str], value: int) -> np.ndarray:
    """P(y = 1 | do(x = value)) = sum_m P(m | x) sum_x' P(y = 1 | m, x') P(x'), m a front-door set."""
    return sum(t.p(a, {x: value}) * sum(t.p({y: 1}, {x: other, **a}) * t.p({x: other}) for other in (0, 1))
               for a in _assignments(m))


def naive(t: Table, x: str, y: str, value: int) -> np.ndarray:
    """P(y = 1 | x = value): no adjustment."""
    return t.p({y: 1}, {x: value})
