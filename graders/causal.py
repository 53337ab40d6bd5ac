"""Graders of the causal family, one per kind, each checking the property the prompt states against the
true DAG in `task.truth`: Markov equivalence after a reversal, the backdoor criterion and its cost, an
estimate's distance from the true effect, equality of CPDAGs.

`graders.grade` has already checked the answer against the task's schema; names and values are checked here.
"""
from __future__ import annotations

import math
import zlib
from typing import Any

import networkx as nx
import numpy as np

from graders.registry import Grade, failed, grader, passed
from graphs import causal as cg
from graphs import causal_discrete as cd
from graphs import causal_formula as cf
from tasks.task import Task


def _true_dag(task: Task) -> nx.DiGraph:
    return cg.dag_from(task.truth["variables"], task.truth["dag"])


def _names_problem(names: list[str], known: list[str]) -> Grade | None:
    """A failed Grade if a name is unknown or repeated, else None."""
    if any(n not in known for n in names):
        return failed("unknown_node")
    if len(set(names)) != len(names):
        return failed("duplicate_item")
    return None


@grader("causal.reversed_edge")
def reversed_edge(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the answer names as many distinct edges of the proposed DAG as the prompt says are reversed,
    and reversing them all makes it Markov equivalent to the truth."""
    edges = [tuple(e) for e in answer["edges"]]
    if problem := _names_problem([v for e in edges for v in e], task.truth["variables"]):
        if problem.reasons != ("duplicate_item",):  # a variable may appear in several edges
            return problem
    if len(set(edges)) != len(edges):
        return failed("duplicate_item")
    proposed = cg.dag_from(task.truth["variables"], task.truth["proposed"])
    if not all(proposed.has_edge(*e) for e in edges):
        return failed("not_a_dag_edge")
    if len(edges) != task.truth["reversals"]:
        return failed("wrong_edge_count")
    turned = proposed.copy()
    turned.remove_edges_from(edges)
    turned.add_edges_from((v, u) for u, v in edges)
    if not cg.markov_equivalent(turned, _true_dag(task)):
        return failed("not_equivalent_after_reversal")
    return passed()


@grader("causal.adjustment")
def adjustment(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the set satisfies the backdoor criterion and costs no more than the cheapest valid set;
    pass `null` exactly when no valid set of observed variables exists."""
    chosen, min_cost = answer["adjustment_set"], task.truth["min_cost"]
    if chosen is None:
        return passed() if min_cost is None else failed("missed_valid_set")
    if problem := _names_problem(chosen, task.truth["variables"]):
        return problem
    dag, x, y, cost = _true_dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["cost"]
    if x in chosen or y in chosen:
        return failed("treatment_or_outcome_in_set")
    if any(v not in cost for v in chosen):
        return failed("unobserved_variable")
    if set(chosen) & nx.descendants(dag, x):
        return failed("contains_descendant")
    if not cg.is_valid_backdoor_set(dag, x, y, chosen):
        return failed("opens_backdoor_path")
    if min_cost is None:  # cannot happen if the truth is right; never pass against the stated truth
        return failed("no_valid_set_exists")
    if sum(cost[v] for v in chosen) > min_cost:
        return failed("not_minimum_cost")
    return passed()


@grader("causal.effect")
def effect(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the estimate is within the stated tolerance of the true average causal effect."""
    value = answer["effect"]
    if not math.isfinite(value) or abs(value - task.truth["effect"]) > task.truth["tolerance"]:  # NaN parses
        return failed("outside_tolerance")
    return passed()


@grader("causal.discover")
def discover(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the directed edges and undirected pairs are exactly the true CPDAG's."""
    if not {v for e in answer["directed"] + answer["undirected"] for v in e} <= set(task.truth["variables"]):
        return failed("unknown_node")
    directed = [tuple(e) for e in answer["directed"]]
    undirected = [frozenset(p) for p in answer["undirected"]]
    pairs = [frozenset(e) for e in directed] + undirected
    if len(set(pairs)) != len(pairs):
        return failed("duplicate_item")
    true_directed, true_undirected = cg.cpdag(_true_dag(task))
    if any(len(p) != 2 for p in pairs) or set(pairs) != cg.skeleton(task.truth["dag"]):
        return failed("wrong_skeleton")
    if set(directed) != true_directed or set(undirected) != true_undirected:
        return failed("wrong_orientation")
    return passed()


def _off_by(value: float, task: Task) -> str:
    """Why a finite value outside the tolerance failed: the tempting shortcut it lies within the tolerance of
    (the nearest, when several), else outside_tolerance."""
    shortcuts = task.truth.get("shortcuts", {})
    close = sorted((abs(value - v), code) for code, v in shortcuts.items()
                   if isinstance(v, float | int) and abs(value - v) <= task.truth["tolerance"])
    return close[0][1] if close else "outside_tolerance"


FORMULA_MODELS = 3  # SCMs drawn on the task's DAG, besides its own, on which a formula must give the ACE too
EXACT = 1e-9


def _identifying_formula(task: Task, formula: str) -> Grade:
    """A formula answer (identify --compute formula), graded exactly, with no sampling tolerance: on the
    observed distribution of the task's SCM and of FORMULA_MODELS more drawn on its DAG (seeded by the task
    id), its value is each one's exact ACE, so it identifies the effect from the DAG whatever the tables.
    A miss is named by the shortcut its value on the counts lies near (when that value misses the ACE's
    tolerance), else wrong_formula."""
    truth, observed = task.truth, task.env["variables"]
    dag = cg.dag_from(truth["variables"], truth["dag"])
    rng = np.random.default_rng(zlib.crc32(task.id.encode()))
    models = [{v: np.asarray(c, float) for v, c in truth["cpts"].items()},
              *(cd.random_cpts(rng, dag) for _ in range(FORMULA_MODELS))]
    try:
        tree = cf.parse(formula, observed)
        for cpts in models:
            joint = cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)[0]
            value = cf.value(tree, cf.Distribution(joint, observed))
            if not abs(value - cd.exact_ace(dag, cpts, truth["treatment"], truth["outcome"])) <= EXACT:
                on_counts = cf.value(tree, cf.counts_distribution(task.env["files"]["counts.csv"]))
                misses = math.isfinite(on_counts) and abs(on_counts - truth["effect"]) > truth["tolerance"]
                code = _off_by(on_counts, task) if misses else "outside_tolerance"
                return failed("wrong_formula" if code == "outside_tolerance" else code)
    except cf.FormulaError:
        return failed("bad_formula")
    return passed()


@grader("causal.identify")
def identify(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the identifiability verdict is the ID algorithm's and, for an identifiable effect, the
    estimate is within the stated tolerance of the true effect, or the formula given instead identifies it
    (`_identifying_formula`); an estimate or formula given with false is ignored."""
    claimed, truly = answer["identifiable"], task.truth["identifiable"]
    if claimed and not truly:  # an instrument identifies it, but only because the model is linear
        return failed("identified_by_linearity" if task.truth.get("instrument") else "not_identifiable")
    if truly and not claimed:
        return failed("missed_identifiable")
    if not truly:
        return passed()
    if "formula" in answer:
        return _identifying_formula(task, answer["formula"])
    value = answer.get("effect")
    if value is None:
        return failed("missing_estimate")
    if not math.isfinite(value):  # NaN parses
        return failed("outside_tolerance")
    if abs(value - task.truth["effect"]) > task.truth["tolerance"]:
        return failed(_off_by(value, task))
    return passed()


@grader("causal.counterfactual")
def counterfactual(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the value is within the stated tolerance of the unit's true counterfactual outcome (its
    expectation given the record, when the record is partial); a miss that matches a known shortcut is
    named by it."""
    value = answer["counterfactual"]
    if not math.isfinite(value):  # NaN parses
        return failed("outside_tolerance")
    if abs(value - task.truth["counterfactual"]) > task.truth["tolerance"]:
        return failed(_off_by(value, task))
    return passed()
