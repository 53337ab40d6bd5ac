"""The `identify` kind on a counts table (`--scm counts`, the default): binary variables, the observed data
given as counts.csv, one row per configuration of the observed variables with how many of a large sample
(10^6 by default) had it, drawn multinomially from the exact observed distribution.

Every block of eight tasks holds five effects identifiable although no set of observed variables satisfies
the backdoor or the front-door criterion (so the answer needs the ID algorithm's c-component
factorisation, on random graphs: napkins and other shapes) and three not identifiable, with a hedge
reached by no bidirected edge between treatment and outcome nor between the treatment and a child of it
on the way (no bow). The reference estimate is the ID functional (graphs/causal_id.py) evaluated on the
counts; the tolerance is three standard deviations of it over multinomial resamples of the counts. An
identifiable task is kept only when the functional passes with room to spare in another expression too
(another topological order) and with 0/0 in a conditional taken as 1/2 instead of 0, and every shortcut
(the naive difference, the plug-ins adjusting for the treatment's observed parents or for every observed
non-descendant of it, the front-door formula with the treatment's observed children on the way to the
outcome, the linear regression coefficient) lies outside the tolerance, and so does an effect of 0.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import networkx as nx
import numpy as np

from graphs import causal as cg
from graphs import causal_discrete as cd
from graphs import causal_id as ci
from graphs import causal_id_formula as cif
from graphs import causal_latent as cl

TARGETS = ("not identifiable",) * 3 + ("identifiable",) * 5
DEFAULT_SAMPLES = 1_000_000
BOOTSTRAP = 60  # multinomial resamples of the counts for the tolerance
TOLERANCE_SDS = 3  # tolerance in bootstrap standard deviations of the ID functional's estimate
MIN_TOLERANCE = 0.002

_PROMPT = """\
The {data} {samples} independent samples from a structural causal model on this DAG \
in which every variable, observed or not, is binary (0 or 1) and is drawn given its parents from a \
conditional probability table of its own (any table: no linear, additive or logistic form; the tables \
are not given):
{{edges}}
The variables {{latent}} are unobserved: they are in the DAG but not in the data. Observed: {{observed}}.
{access}
Question: is the average causal effect of {{x}} on {{y}} identifiable, and if so, what is it? Identifiable \
means non-parametrically: P({{y}} | do({{x}})) can be computed from the joint distribution of the observed \
variables alone (by the rules of do-calculus) for every structural causal model with this DAG. The \
effect is ACE = P({{y}} = 1 | do({{x}} = 1)) - P({{y}} = 1 | do({{x}} = 0)). {tool}
Submit {{{{"identifiable": false}}}}, or {{{{"identifiable": true, "effect": 0.1}}}} with your estimate of \
the ACE. Graded correct if "identifiable" agrees with the ID algorithm (Shpitser and Pearl) and, when it is \
true, the "effect" is within {{tolerance}} of the true ACE, computed exactly from the structural causal \
model (an "effect" given with false is ignored); the estimate the identifying formula gives on these \
counts is well within that.{formula}"""
PROMPT = _PROMPT.format(
    data="file counts.csv summarises", samples="{samples}",
    access='counts.csv has one column per observed variable and a last column "count": one row per '
           "configuration of the observed variables (all {cells} of them, a count of 0 included), with the "
           "number of the {samples} samples that had it.",
    tool="Tool: python runs code (numpy available) in a folder holding counts.csv.", formula="")
# --compute formula: no code runs; the evaluate tool computes the formula the model derived
PROMPT_FORMULA = _PROMPT.format(
    data="data are counts of", samples="{samples}",
    access="For each of the {cells} configurations of the observed variables the data count how many of "
           "the {samples} samples had it; the tool evaluate computes any formula of the observed "
           "variables' probabilities on these counts (its description gives the syntax), and it is the "
           "only access to the data.",
    tool="Tool: evaluate (no code runs: deriving the formula is your part).",
    formula=' Instead of an "effect" you may submit the formula itself, {{"identifiable": true, "formula": '
            '"..."}}, a formula of the ACE in the language of evaluate. It is graded exactly, not on the '
            "counts: correct when, on the observed distribution of this model and of other models with this "
            "DAG (other tables), its value is each model's exact ACE; so every identifying formula passes "
            "and no other does.")


def _latents(rng: np.random.Generator, dag: nx.DiGraph, k: int) -> list[str] | None:
    """k unobserved variables, each a cause of at least two others (a latent with one child confounds
    nothing), or None when the DAG has too few."""
    causes = [v for v in dag if dag.out_degree(v) >= 2]
    if len(causes) < k:
        return None
    return sorted(causes[i] for i in rng.choice(len(causes), size=k, replace=False))


def _pair(rng, dag, observed, bidirected) -> tuple[str, str] | None:
    """A random observed x confounded with another observed variable, and a random observed descendant y."""
    starts = sorted({v for pair in bidirected for v in pair})
    if not starts:
        return None
    x = starts[rng.integers(len(starts))]
    ends = sorted(nx.descendants(dag, x) & set(observed))
    return (x, ends[rng.integers(len(ends))]) if ends else None


def _has_bow(dag, x, y, observed, bidirected) -> bool:
    """x confounded with y, or with one of its observed children on the way to y: the obvious hedges."""
    near = {y} | (set(dag.successors(x)) & set(observed) & (nx.ancestors(dag, y) | {y}))
    return any(tuple(sorted((x, v))) in bidirected for v in near)


def _table(names: list[str], counts: np.ndarray) -> str:
    """counts.csv: every configuration of the observed variables in order, with its count."""
    cells = np.array(list(itertools.product((0, 1), repeat=len(names))), dtype=np.int64)
    return cg.to_csv([*names, "count"], np.column_stack([cells, counts]), "%d")


def _linear(counts: np.ndarray, names: list[str], x: str, y: str, parents: list[str]) -> float:
    """The coefficient of x in the least-squares regression of y on x and x's observed parents, each
    configuration weighted by its count: what a linear model would call the effect."""
    cells = np.array(list(itertools.product((0, 1), repeat=len(names))), dtype=float)
    return float(cg.resampled_ols(cells, counts[None].astype(float), names.index(y),
                                  [names.index(v) for v in [x, *parents]])[0, 1])


def build(rng: np.random.Generator, config: Any, dag: nx.DiGraph, target: str) -> dict[str, Any] | None:
    """One instance of the target sort on this DAG, or None when there is none or it would not make a
    valid, discriminating task."""
    latent = _latents(rng, dag, config.hidden)
    if latent is None:
        return None
    observed = [v for v in dag if v not in latent]
    directed, bidirected = cl.latent_projection(dag, latent)
    pair = _pair(rng, dag, observed, bidirected)
    if pair is None:
        return None
    x, y = pair
    if cg.cheapest_backdoor_set(dag, x, y, {v: 1 for v in observed if v not in (x, y)}) is not None:
        return None
    identifiable = ci.is_identifiable(observed, directed, bidirected, x, y)
    if identifiable != (target == "identifiable"):
        return None
    if identifiable and cl.front_door_set(dag, x, y, observed, len(observed)) is not None:
        return None
    if not identifiable and _has_bow(dag, x, y, observed, set(bidirected)):
        return None
    fitted = _fit(rng, config, dag, observed, latent, directed, bidirected, x, y, identifiable)
    if fitted is None or identifiable != cl.is_identifiable(dag, latent, x, y):
        return None  # y0 must agree (the tests show it always does), asked last as the slower one
    counts, effect, tolerance, reference, shortcuts, cpts = fitted
    parents = sorted(set(dag.predecessors(x)) & set(observed))
    formula = {}  # --compute formula: the ID algorithm's functional written out, a correct formula answer
    if config.compute == "formula" and identifiable:
        formula = {"formula": cif.ace_formula(observed, directed, bidirected, x, y)}
    return {"dag": dag,
            "template": "identify_formula" if config.compute == "formula" else "identify_counts",
            "answer_fields": {"formula": {"type": "string"}} if config.compute == "formula" else {},
            "tools": ["evaluate"] if config.compute == "formula" else ["python"],
            "format": {"edges": cg.edge_lines(dag), "x": x, "y": y, "cells": 2 ** len(observed),
                       "latent": ", ".join(latent), "observed": ", ".join(observed), "tolerance": tolerance},
            "env": {"variables": observed, "files": {"counts.csv": _table(observed, counts)}},
            "truth": {"treatment": x, "outcome": y, "latent": latent, "identifiable": identifiable,
                      "effect": effect, "tolerance": tolerance,
                      "estimator": "id_algorithm" if identifiable else None, "estimator_set": None,
                      "naive_estimate": round(shortcuts["naive_regression"], 4),
                      "parent_adjusted_estimate": round(shortcuts["parent_adjusted_estimate"], 4),
                      "parents": parents, "shortcuts": shortcuts, "instrument": None,
                      "projection": {"directed": [list(e) for e in directed],
                                     "bidirected": [list(e) for e in bidirected]},
                      "cpts": {v: np.asarray(cpts[v], float).tolist() for v in sorted(cpts)},
                      "reference": reference, **formula}}


def plug_in(table: cd.Table, x: str, y: str, method: str, zs: list[str]) -> np.ndarray:
    """The plug-in ACE of the backdoor formula (or the front-door formula) with the set zs."""
    formula = cd.backdoor if method == "backdoor" else cd.front_door
    return formula(table, x, y, zs, 1) - formula(table, x, y, zs, 0)


def _fit(rng, config, dag, observed, latent, directed, bidirected, x, y, identifiable):
    """The tables, the counts and the checks of a discriminating task. (counts, effect, tolerance,
    reference, shortcuts, cpts), or None."""
    cpts = cd.random_cpts(rng, dag)
    exact = cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)
    effect = cd.exact_ace(dag, cpts, x, y)
    if identifiable and abs(float(ci.ace(exact, observed, directed, bidirected, x, y)[0]) - effect) > 1e-9:
        return None  # cannot happen (the tests show it); never grade against an unproved formula
    counts = rng.multinomial(config.samples, exact.ravel() / exact.sum())
    sample = counts.reshape(exact.shape) / config.samples
    table = cd.Table(sample, observed)
    parents = sorted(set(dag.predecessors(x)) & set(observed))
    pretreatment = sorted(set(observed) - nx.descendants(dag, x) - {x, y})
    nearest = sorted(set(dag.successors(x)) & set(observed) & nx.ancestors(dag, y))
    shortcuts = {"naive_regression": float((cd.naive(table, x, y, 1) - cd.naive(table, x, y, 0))[0]),
                 "parent_adjusted_estimate": float(plug_in(table, x, y, "backdoor", parents)[0]),
                 "pretreatment_adjusted": float(plug_in(table, x, y, "backdoor", pretreatment)[0]),
                 "linear_estimate": _linear(counts, observed, x, y, parents)}
    if nearest:
        shortcuts["front_door_nearest"] = float(plug_in(table, x, y, "front-door", nearest)[0])
    resampled = rng.multinomial(config.samples, sample.ravel(), size=BOOTSTRAP).reshape(
        (BOOTSTRAP,) + exact.shape[1:]) / config.samples
    if identifiable:
        estimate = float(ci.ace(sample, observed, directed, bidirected, x, y)[0])
        spread = float(np.std(ci.ace(resampled, observed, directed, bidirected, x, y)))
    else:  # the tolerance the parent-adjusted plug-in would have, never used to grade: it tells nothing
        estimate = math.nan
        spread = float(np.std(plug_in(cd.Table(resampled, observed), x, y, "backdoor", parents)))
    tolerance = max(MIN_TOLERANCE, math.ceil(TOLERANCE_SDS * spread * 1000) / 1000)
    reference: dict[str, Any] = {"identifiable": False}
    if identifiable:
        others = [float(ci.ace(sample, observed, directed, bidirected, x, y, late_first=late, empty=empty)[0])
                  for late in (False, True) for empty in (0.0, 0.5)]
        if max(abs(other - effect) for other in others) > tolerance / 2:
            return None  # the formula must pass with room to spare, however written, whatever 0/0 is taken as
        if any(abs(s - effect) <= tolerance for s in [*shortcuts.values(), 0.0]):
            return None  # every shortcut must fail, and so must "no effect"
        reference = {"identifiable": True, "effect": round(estimate, 4)}
    return counts, effect, tolerance, reference, shortcuts, cpts
