"""The `reversed_edge` kind of the causal family: a proposed DAG that is the truth with K edges reversed
(`--reversals K`), and data from the truth; which K edges point the wrong way?

Each planted reversal alone moves the DAG out of its equivalence class (so data can detect it), and no
K - 1 of them do it: every one must be found. Any K-set of the proposed edges whose joint reversal
restores the class is correct.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np

from graphs import causal as cg

PLANT_TRIES = 20  # random k-sets of edges tried on one DAG
MAX_ENUMERATED = 20_000  # k-sets of edges enumerate_answers tries at most

PROMPT = """\
A causal DAG over the variables {variables} was proposed for the data in data.csv ({samples} rows, one \
column per variable, {model}). It is the true DAG except that exactly {reversals} the wrong way:
{edges}
Find {which} whose reversal makes the proposed DAG Markov equivalent to the true one (same skeleton and \
same v-structures). Tools: ci_test runs a {test} test on the data; python runs code in a folder holding \
data.csv.
Submit {{"edges": [["A", "B"], ...]}} listing {count} distinct edges, each written A -> B above. Graded \
correct if reversing all of them together gives a DAG Markov equivalent to the true DAG; any such set of \
{count} is accepted."""
_PAIR = {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}
SCHEMA = {"edges": {"type": "array", "items": _PAIR}}
LADDER = [{"edges": 3, "samples": 2000, "reversals": 1}, {"edges": 6, "samples": 1000, "reversals": 1},
          {"edges": 10, "samples": 500, "reversals": 2}, {"edges": 16, "samples": 300, "reversals": 2},
          {"edges": 24, "samples": 200, "reversals": 3}]


def changes_class(dag: nx.DiGraph, edge: cg.Edge) -> bool:
    """Whether reversing the edge gives a DAG outside the equivalence class (so data can tell them apart)."""
    turned = cg.reversed_edge(dag, edge)
    return nx.is_directed_acyclic_graph(turned) and not cg.markov_equivalent(dag, turned)


def reversed_all(dag: nx.DiGraph, edges: Iterable[cg.Edge]) -> nx.DiGraph:
    """A copy of the DAG with every listed edge turned around (the result may be cyclic)."""
    g = dag.copy()
    g.remove_edges_from(edges)
    g.add_edges_from((v, u) for u, v in edges)
    return g


def plant_reversals(rng, dag: nx.DiGraph, k: int) -> list[cg.Edge] | None:
    """k edges whose joint reversal leaves the equivalence class, each of which data can detect alone,
    and none of which can be left out (reversing only k - 1 of them back does not restore the class)."""
    candidates = [e for e in sorted(dag.edges) if changes_class(dag, e)]
    if len(candidates) < k:
        return None
    for _ in range(PLANT_TRIES):
        chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), size=k, replace=False))]
        proposed = reversed_all(dag, chosen)
        if nx.is_directed_acyclic_graph(proposed) and not cg.markov_equivalent(dag, proposed) and all(
                not cg.markov_equivalent(dag, reversed_all(dag, [e for e in chosen if e != left]))
                for left in (chosen if k > 1 else [])):
            return chosen
    return None


def build(rng: np.random.Generator, config: Any, dag: nx.DiGraph) -> dict[str, Any] | None:
    """One instance on this DAG: config.reversals planted reversals and data from the true DAG."""
    chosen = plant_reversals(rng, dag, config.reversals)
    if chosen is None:
        return None
    weights = cg.random_weights(rng, dag)
    sample = cg.sample_binary if config.binary else cg.sample_linear_gaussian
    data = sample(rng, dag, weights, config.samples)
    proposed = reversed_all(dag, chosen)
    model = "binary 0/1 values" if config.binary else "real values"
    k = config.reversals
    lines = cg.edge_lines(proposed)
    return {"format": {"edges": lines, "model": model, "count": k,
                       "reversals": "one edge points" if k == 1 else f"{k} edges point",
                       "which": "an edge" if k == 1 else f"{k} edges",
                       "test": "chi-square" if config.binary else "partial-correlation"},
            "env": {"files": {"data.csv": cg.to_csv(list(dag), data, "%d" if config.binary else "%.3f")},
                    "ci_test": "chi_square" if config.binary else "partial_correlation"},
            "truth": {"proposed": [list(e) for e in sorted(proposed.edges)], "reversals": k,
                      "reference": {"edges": sorted([v, u] for u, v in chosen)}}}


def baseline(task: Any) -> dict[str, Any]:
    """The naive guess: the first k proposed edges."""
    return {"edges": task.truth["proposed"][:task.truth["reversals"]]}


def random_answer(task: Any, rng: Any) -> dict[str, Any]:
    """k distinct proposed edges at random; `rng` may be a random.Random or a numpy Generator."""
    shuffled = sorted(task.truth["proposed"], key=lambda _: rng.random())
    return {"edges": sorted(shuffled[:task.truth["reversals"]])}


def enumerate_answers(task: Any, dag: nx.DiGraph) -> list[dict[str, Any]] | None:
    """Every k-set of proposed edges whose reversal gives the true CPDAG (compared as CPDAGs, not by the
    grader's skeleton and v-structures); None when there are too many k-sets to try."""
    k, proposed = task.truth["reversals"], cg.dag_from(task.truth["variables"], task.truth["proposed"])
    if math.comb(proposed.number_of_edges(), k) > MAX_ENUMERATED:
        return None
    target = cg.cpdag(dag)
    return [{"edges": [list(e) for e in es]} for es in itertools.combinations(sorted(proposed.edges), k)
            if nx.is_directed_acyclic_graph(g := reversed_all(proposed, es)) and cg.cpdag(g) == target]


def mutants(task: Any, correct: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """One planted edge swapped for another, k - 1 of the k, and the true directions (not proposed edges)."""
    known = [sorted(a["edges"]) for a in correct or []]
    chosen = task.truth["reference"]["edges"]
    swapped = [sorted(chosen[1:] + [e]) for e in task.truth["proposed"] if e not in chosen]
    out = [{"edges": s} for s in swapped if s not in known][:1]
    if len(chosen) > 1:
        out.append({"edges": chosen[1:]})
    return out + [{"edges": [e[::-1] for e in chosen]}]
