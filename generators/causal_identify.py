"""The `identify` kind of the causal family: a DAG with unobserved variables and data on the observed ones;
is the average causal effect of X on Y identifiable non-parametrically, and if so what is it?

Identifiability comes from the ID algorithm (y0) on the latent projection. Each task first draws what it
will be (see TARGETS: not identifiable, as a front-door look-alike or with an instrument that identifies
the effect only in a linear SCM; identifiable by a front-door set only; identifiable by neither backdoor
nor front-door, a napkin planted in a random DAG) and random graphs are drawn until one fits. In every
kept instance a latent variable is a common cause of the treatment and another observed variable, so "a
latent touches X, hence not identifiable" is wrong on every identifiable one, and "a backdoor or
front-door set, else not identifiable" on every napkin. An effect identifiable only by a longer ID
expression is kept only when a conditional instrument estimates it (the ratio of two regression
coefficients; in a linear SCM that is what the napkin's expression reduces to). Identifiable instances
(and instrument look-alikes) are kept only when the tolerance (from a bootstrap of the estimator) holds
it and both the unadjusted regression and the regression on the treatment's observed parents miss the
true effect by more than the tolerance.

That is `--scm linear` (the ladder's easy levels). With `--scm binary` (the middle levels) every variable is
binary with a conditional probability table of random, interacting cells, the effect is the ACE P(y=1 |
do(x=1)) - P(y=1 | do(x=0)), exact from the SCM, and each block of eight is TARGETS_BINARY: the estimator is
the plug-in of the backdoor or front-door functional (checked against the exact ACE on the exact observed
distribution), and a task is kept only when the plug-in of every valid set lies within the bootstrap
tolerance while the naive difference, the parent-adjusted plug-in, the linear estimate (the regression
coefficient, slope product or Wald-type ratio a linear model would justify) and, where that set is not
valid, the plug-in adjusting for every observed non-descendant of x all lie outside it.

The default, `--scm counts`, is generators/causal_identify_counts.py: binary data as a table of counts of
a large sample, and only effects that need the ID algorithm itself, or subtle hedges.
"""
from __future__ import annotations

import itertools
import math
import random
from typing import Any

import networkx as nx
import numpy as np

from generators import causal_identify_counts
from graphs import causal as cg
from graphs import causal_discrete as cd
from graphs import causal_id
from graphs import causal_latent as cl

MIN_EDGES = 4  # fewer edges cannot hold a confounded effect that observed variables identify
# The sorts of instance, dealt in shuffled blocks of eight so that every sample of eight tasks is balanced:
# three not identifiable (one with every causal path through observed mediators, a front-door look-alike;
# one with a conditional instrument, which identifies the effect in a linear SCM only), one identifiable by
# a front-door set only, and half by neither backdoor nor front-door (the ID algorithm's longer expression,
# with a conditional instrument to estimate it, as in the napkin graph), so "a backdoor or front-door set,
# else not identifiable" is wrong on half the tasks. Backdoor tasks are the `effect` kind's; here they stand
# in for the napkins where a graph cannot hold one (the easy ladder levels).
TARGETS = ("not identifiable", "mediated, not identifiable", "instrumented, not identifiable", "front-door",
           "instrument", "instrument", "instrument", "instrument")
# On binary data the linear shortcuts (a regression coefficient, a product of slopes) miss backdoor and
# front-door effects too, so those take the identifiable places: three backdoor (whose valid sets avoid the
# treatment's observed parents, some latent) and two front-door. No napkin: its confounding is too weak
# for the naive and parent-adjusted estimates to leave the plug-in's bootstrap tolerance at these sizes.
TARGETS_BINARY = ("not identifiable", "mediated, not identifiable", "instrumented, not identifiable",
                  "front-door", "front-door", "backdoor", "backdoor", "backdoor")
MEDIATED = ("front-door", "mediated, not identifiable")
INSTRUMENTED = ("instrument", "instrumented, not identifiable")
INSTRUMENT_SIZE = 2  # the most observed variables a conditional instrument is conditioned on
NAPKIN_EDGES = 7  # the planted napkin's edges
TRIES = 1000  # random DAGs drawn per task: one in twenty or so holds a napkin that makes a valid task
LATENT_PARENT = 0.8  # the chance one of the treatment's parents is made latent first
FRONT_DOOR_SIZE = 3  # the largest front-door set searched
SCM_DRAWS = 8  # SCMs (weights, or probability tables) drawn on a graph before drawing another graph
BOOTSTRAP = 40  # resamples for the tolerance
TOLERANCE_SDS = 3  # tolerance in bootstrap standard deviations of the identified estimator
MIN_TOLERANCE = 0.01

PROMPT = """\
The data in data.csv ({samples} rows, one column per observed variable) come from a linear structural \
causal model with Gaussian noise on this DAG:
{edges}
The variables {latent} are unobserved: they are in the DAG but not in the data. Observed: {observed}.
Question: is the average causal effect of {x} on {y} identifiable, and if so, what is it? Identifiable \
means non-parametrically: P({y} | do({x})) can be computed from the joint distribution of the observed \
variables alone (by the rules of do-calculus) for every structural causal model with this DAG, not only \
linear ones; do not use that this model is linear to decide. The effect is the change in the expected \
value of {y} when {x} is set by intervention to one unit higher. Tools: python runs code in a folder \
holding data.csv; ci_test runs a partial-correlation test on the data.
Submit {{"identifiable": false}}, or {{"identifiable": true, "effect": 0.5}} with your estimate. Graded \
correct if "identifiable" agrees with the ID algorithm (Shpitser and Pearl) and, when it is true, the \
"effect" is within {tolerance} of the true effect (an "effect" given with false is ignored)."""
PROMPT_BINARY = """\
The data in data.csv ({samples} rows, one column per observed variable) come from a structural causal \
model on this DAG in which every variable, observed or not, is binary (0 or 1) and is drawn given its \
parents from a conditional probability table of its own (any table: no linear, additive or logistic \
form; the tables are not given):
{edges}
The variables {latent} are unobserved: they are in the DAG but not in the data. Observed: {observed}.
Question: is the average causal effect of {x} on {y} identifiable, and if so, what is it? Identifiable \
means non-parametrically: P({y} | do({x})) can be computed from the joint distribution of the observed \
variables alone (by the rules of do-calculus) for every structural causal model with this DAG. The \
effect is ACE = P({y} = 1 | do({x} = 1)) - P({y} = 1 | do({x} = 0)). Tools: python runs code in a folder \
holding data.csv; ci_test runs a chi-square test of conditional independence on the data.
Submit {{"identifiable": false}}, or {{"identifiable": true, "effect": 0.1}} with your estimate of the \
ACE. Graded correct if "identifiable" agrees with the ID algorithm (Shpitser and Pearl) and, when it is \
true, the "effect" is within {tolerance} of the true ACE, computed exactly from the structural causal \
model (an "effect" given with false is ignored)."""
SCHEMA = {"identifiable": {"type": "boolean"}, "effect": {"type": "number"}}
REQUIRED = ["identifiable"]
# counts (binary, a table of counts, the default), binary (conditional probability tables, rows of data)
# or linear-Gaussian
SCMS = ("binary", "counts", "linear")
DEFAULT_SAMPLES = {"binary": 10_000, "counts": causal_identify_counts.DEFAULT_SAMPLES, "linear": 500}
# The linear levels are the easy ones: there a regression, a product of slopes or an instrument ratio is
# the right estimate once the identifying set is found; on binary data the functional itself must be right.
LADDER = [{"edges": 5, "hidden": 1, "samples": 5000, "scm": "linear"},
          {"edges": 8, "hidden": 2, "samples": 1000, "scm": "linear"},
          {"edges": 8, "hidden": 2, "samples": 20_000, "scm": "binary"},
          {"edges": 16, "hidden": 3, "samples": 10_000, "scm": "binary"},
          {"edges": 20, "hidden": 4, "samples": 10_000, "scm": "binary"},
          {"edges": 20, "hidden": 4, "samples": causal_identify_counts.DEFAULT_SAMPLES, "scm": "counts",
           "compute": "python"},
          {"edges": 20, "hidden": 4, "samples": causal_identify_counts.DEFAULT_SAMPLES, "scm": "counts",
           "compute": "formula"}]


def _pair(rng: np.random.Generator, dag: nx.DiGraph, target: str) -> tuple[str, str] | None:
    """A random (x, y) with x a parent-having ancestor of y: an effect that confounding can bias; for a
    mediated target, y is not a child of x (a mediator must intercept every causal path)."""
    starts = [v for v in dag if nx.descendants(dag, v) and next(iter(dag.predecessors(v)), None)]
    if not starts:
        return None
    x = starts[rng.integers(len(starts))]
    descendants = sorted(nx.descendants(dag, x) - (set(dag.successors(x)) if target in MEDIATED else set()))
    if not descendants:
        return None
    return x, descendants[rng.integers(len(descendants))]


def _latents(rng: np.random.Generator, dag: nx.DiGraph, x: str, y: str, k: int, target: str) -> list[str]:
    """k unobserved variables other than x and y, often including one of x's parents (so adjusting for
    x's observed parents is not enough); for a mediated target none between x and y (no mediator)."""
    between = nx.descendants(dag, x) if target in MEDIATED else set()
    others = [v for v in dag if v not in (x, y) and v not in between]
    chosen: list[str] = []
    parents = sorted(set(dag.predecessors(x)) - {y})
    if k and parents and rng.random() < LATENT_PARENT:
        chosen.append(parents[rng.integers(len(parents))])
    rest = [v for v in others if v not in chosen]
    chosen += [rest[i] for i in rng.choice(len(rest), size=min(k - len(chosen), len(rest)), replace=False)]
    return sorted(chosen)


def _napkin(rng: np.random.Generator, config: Any, nodes: int
            ) -> tuple[nx.DiGraph, str, str, list[str]] | None:
    """A random DAG holding a napkin (Pearl): w -> z -> x -> y, and two latent causes, one of w and x,
    one of w and y; the effect is identifiable only by the ID algorithm's longer expression, and z is an
    instrument given w. The DAG has config.edges edges in all, the rest random; its other latents are
    random too. (dag, x, y, latent), or None if the random part leaves no room for it."""
    dag = cg.random_dag(rng, nodes, config.edges - NAPKIN_EDGES)
    x, y = (list(dag)[i] for i in rng.choice(len(dag), size=2, replace=False))
    if y in nx.ancestors(dag, x):
        return None
    dag.add_edge(x, y)
    free = sorted(set(dag) - nx.descendants(dag, x) - {x})
    if len(free) < 4:
        return None
    u1, u2, w, z = (free[i] for i in rng.choice(len(free), size=4, replace=False))
    dag.add_edges_from([(u1, w), (u1, x), (u2, w), (u2, y), (w, z), (z, x)])
    if not nx.is_directed_acyclic_graph(dag):
        return None
    order = list(nx.topological_sort(dag))
    missing = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]
               if not dag.has_edge(a, b)]
    extra = config.edges - dag.number_of_edges()
    if extra < 0 or extra > len(missing):
        return None
    dag.add_edges_from(missing[i] for i in sorted(rng.choice(len(missing), size=extra, replace=False)))
    others = sorted(set(dag) - {x, y, u1, u2, w, z})
    if len(others) < config.hidden - 2:
        return None
    chosen = [others[i] for i in rng.choice(len(others), size=max(0, config.hidden - 2), replace=False)]
    return dag, x, y, sorted([u1, u2, *chosen])[:max(config.hidden, 2)]


def estimate(data: np.ndarray, counts: np.ndarray, col: dict[str, int], x: str, y: str, method: str,
             zs: list[str]) -> np.ndarray:
    """The estimator on the observed data, one value per row of `counts`: the coefficient of x in the
    regression of y on x and a backdoor set; the front-door sum over m of (slope of m on x) times
    (coefficient of m in the regression of y on x and the front-door set); or, for a conditional
    instrument z given w (zs = [z, *w]), the ratio of z's coefficients in the regressions of y and of x
    on z and w."""
    if method == "backdoor":
        return cg.resampled_ols(data, counts, col[y], [col[x]] + [col[z] for z in zs])[:, 1]
    if method == "instrument":  # zs = [instrument, *conditioning set]
        given = [col[z] for z in zs]
        return (cg.resampled_ols(data, counts, col[y], given)[:, 1]
                / cg.resampled_ols(data, counts, col[x], given)[:, 1])
    on_y = cg.resampled_ols(data, counts, col[y], [col[m] for m in zs] + [col[x]])
    return sum(cg.resampled_ols(data, counts, col[m], [col[x]])[:, 1] * on_y[:, 1 + i]
               for i, m in enumerate(zs))


def target_of(seed: int, index: int, scm: str = "linear") -> str:
    """What task `index` will be: its place in its block of TARGETS (TARGETS_BINARY on binary data, the
    counts module's on counts), shuffled by the seed and the block."""
    block = list({"binary": TARGETS_BINARY, "counts": causal_identify_counts.TARGETS}.get(scm, TARGETS))
    random.Random(f"causal.identify:{seed}:{index // len(block)}").shuffle(block)
    return block[index % len(block)]


def build(rng: np.random.Generator, config: Any, dag: nx.DiGraph, target: str) -> dict[str, Any] | None:
    """One instance of the target sort on this DAG, or None when there is none or it would not make a
    valid, discriminating task. A backdoor or front-door set of observed variables proves the effect
    identifiable and gives its estimator; without one, the ID algorithm decides."""
    if config.scm == "counts":
        return causal_identify_counts.build(rng, config, dag, target)
    if target == "instrument" and (config.hidden < 2 or config.edges < NAPKIN_EDGES):
        target = "backdoor"  # a napkin needs two latents and seven edges: else the easy sort takes its place
    if target == "instrument":  # too rare in random DAGs to wait for: plant one
        planted = _napkin(rng, config, len(dag))
        if planted is None:
            return None
        dag, x, y, latent = planted
    else:
        pair = _pair(rng, dag, target)
        if pair is None:
            return None
        x, y = pair
        latent = _latents(rng, dag, x, y, config.hidden, target)
        if len(latent) < config.hidden:
            return None  # too few variables outside the causal paths to hide: --hidden must hold
    observed = [v for v in dag if v not in latent]
    directed, bidirected = cl.latent_projection(dag, latent)
    if not any(x in both for both in bidirected):
        return None  # no latent common cause of x and another observed variable: the naive rule's case
    parents = sorted(set(dag.predecessors(x)) & set(observed))
    if cg.is_valid_backdoor_set(dag, x, y, []) or cg.is_valid_backdoor_set(dag, x, y, parents):
        return None  # the naive or the parent-adjusted regression would be right
    backdoor = cg.cheapest_backdoor_set(dag, x, y, {v: 1 for v in observed if v not in (x, y)})
    if (backdoor is not None) != (target == "backdoor"):
        return None
    front = None if backdoor is not None else cl.front_door_set(dag, x, y, observed, FRONT_DOOR_SIZE)
    if (front is not None) != (target == "front-door"):
        return None
    by_set = backdoor is not None or front is not None
    instrument = None if by_set else cl.conditional_instrument(dag, x, y, observed, INSTRUMENT_SIZE)
    if (instrument is not None) != (target in INSTRUMENTED):
        return None
    # without a set the ID algorithm decides: graphs/causal_id.py here, y0 (the truth) once the rest holds
    identifiable = by_set or causal_id.is_identifiable(observed, directed, bidirected, x, y)
    if not by_set and identifiable != (target == "instrument"):
        return None  # identifiable only by a longer ID expression and no instrument: no estimator here
    # the tolerance of a non-identifiable instance, never used to grade, comes from the instrument, if any,
    # or the parent adjustment
    method, zs = (("backdoor", sorted(backdoor)) if backdoor is not None else ("front-door", front)
                  if front is not None else ("instrument", [instrument[0], *instrument[1]]) if instrument
                  else ("backdoor", parents))
    fit = _binary_fit if config.scm == "binary" else _linear_fit
    for _ in range(SCM_DRAWS):  # a graph that passed every check above is worth several SCMs
        fitted = fit(rng, config, dag, observed, x, y, identifiable, method, zs, parents, instrument)
        if fitted is not None:
            break
    else:
        return None
    if not by_set and identifiable != cl.is_identifiable(dag, latent, x, y):
        return None  # y0 must agree (the tests show it always does)
    data, effect, tolerance, reference, shortcuts, truth_extra = fitted
    binary = config.scm == "binary"
    return {"dag": dag,
            "template": "identify_binary" if binary else "identify",
            "format": {"edges": cg.edge_lines(dag), "x": x, "y": y,
                       "latent": ", ".join(latent), "observed": ", ".join(observed), "tolerance": tolerance},
            "env": {"variables": observed,
                    "files": {"data.csv": cg.to_csv(observed, data, "%d" if binary else "%.3f")},
                    "ci_test": "chi_square" if binary else "partial_correlation"},
            "truth": {"treatment": x, "outcome": y, "latent": latent, "identifiable": identifiable,
                      "effect": effect, "tolerance": tolerance, "estimator": method if identifiable else None,
                      "estimator_set": zs if identifiable else None,
                      "naive_estimate": round(shortcuts["naive_regression"], 4),
                      "parent_adjusted_estimate": round(shortcuts["parent_adjusted_estimate"], 4),
                      "shortcuts": shortcuts,
                      "instrument": [instrument[0], instrument[1]] if instrument else None,
                      "projection": {"directed": [list(e) for e in directed],
                                     "bidirected": [list(e) for e in bidirected]},
                      **truth_extra,
                      "reference": reference}}


def _linear_fit(rng, config, dag, observed, x, y, identifiable, method, zs, parents, instrument):
    """A linear-Gaussian SCM's data and the checks of a discriminating task: the estimator (a regression,
    a product of slopes, an instrument ratio) within the bootstrap tolerance, the naive and parent-adjusted
    regressions outside it. (data, effect, tolerance, reference, shortcuts, truth fields), or None."""
    weights = cg.random_weights(rng, dag)
    full = np.round(cg.sample_linear_gaussian(rng, dag, weights, config.samples), 3)
    data = full[:, [list(dag).index(v) for v in observed]]  # what the CSV holds
    col, ones = {v: i for i, v in enumerate(observed)}, np.ones((1, len(data)))
    effect = cg.total_effect(dag, weights, x, y)
    identified, naive, parent_adjusted = (float(estimate(data, ones, col, x, y, m, z)[0]) for m, z in
                                          ((method, zs), ("backdoor", []), ("backdoor", parents)))
    if (identifiable or instrument) and min(abs(naive - effect), abs(parent_adjusted - effect)) <= abs(
            identified - effect):
        return None  # cannot pass the check below, whatever the tolerance: spare the bootstrap
    counts = rng.poisson(1.0, size=(BOOTSTRAP, len(data)))  # Poisson bootstrap: rows drawn ~Poisson(1) times
    spread = float(np.std(estimate(data, counts, col, x, y, method, zs)))
    tolerance = max(MIN_TOLERANCE, math.ceil(TOLERANCE_SDS * spread * 1000) / 1000)
    reference: dict[str, Any] = {"identifiable": False}
    if identifiable:
        if abs(identified - effect) > tolerance or min(abs(naive - effect), abs(parent_adjusted - effect)) \
                <= tolerance:
            return None  # the identified estimate must pass and both naive ones must fail
        reference = {"identifiable": True, "effect": round(identified, 4)}
    elif instrument and (abs(identified - effect) > tolerance
                         or min(abs(naive - effect), abs(parent_adjusted - effect)) <= tolerance):
        return None  # the linear instrument must find the effect: the look-alike is exact, not approximate
    shortcuts = {"naive_regression": naive, "parent_adjusted_estimate": parent_adjusted}
    extra = {"instrument_estimate": round(identified, 4) if instrument else None,
             "weights": [[u, v, w] for (u, v), w in sorted(weights.items())]}
    return data, effect, tolerance, reference, shortcuts, extra


def plug_in(table: cd.Table, x: str, y: str, method: str, zs: list[str]) -> np.ndarray:
    """The plug-in estimate of the ACE on a binary table by the identified functional: the backdoor
    formula with the set zs, or the front-door formula with the set zs."""
    formula = cd.backdoor if method == "backdoor" else cd.front_door
    return formula(table, x, y, zs, 1) - formula(table, x, y, zs, 0)


def valid_sets(dag: nx.DiGraph, x: str, y: str, observed: list[str], method: str) -> list[list[str]]:
    """Every set of observed variables that satisfies the backdoor criterion (method "backdoor") or the
    front-door criterion for (x, y), by brute force over subsets: each gives a right plug-in estimator."""
    if method == "backdoor":
        candidates = sorted(set(observed) - nx.descendants(dag, x) - {x, y})
        check = cg.is_valid_backdoor_set
    else:
        candidates = sorted((set(observed) & nx.descendants(dag, x)) - {y})  # not only mediators: any set
        check = cl.satisfies_front_door
    return [list(m) for k in range(len(candidates) + 1) for m in itertools.combinations(candidates, k)
            if check(dag, x, y, m)]


def _binary_fit(rng, config, dag, observed, x, y, identifiable, method, zs, parents, instrument):
    """A binary SCM with random conditional probability tables, its data, and the checks of a
    discriminating task: the identified functional equals the exact ACE on the exact observed distribution,
    its plug-in estimate lies within the bootstrap tolerance, and the naive difference, the
    parent-adjusted plug-in, the linear estimate (the regression coefficient, slope product or
    Wald-type ratio a linear SCM would justify) and the plug-in adjusting for every observed
    non-descendant of x (when that set is not valid) all lie outside it. (data, effect, tolerance, reference,
    shortcuts, truth fields), or None."""
    cpts = cd.random_cpts(rng, dag)
    data = cd.sample(rng, dag, cpts, config.samples)[:, [list(dag).index(v) for v in observed]]
    effect = cd.exact_ace(dag, cpts, x, y)
    if identifiable:
        exact = cd.Table(cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed), observed)
        if abs(float(plug_in(exact, x, y, method, zs)[0]) - effect) > 1e-9:
            return None  # cannot happen for a valid set; never grade against an unproved formula
    sample = cd.Table(cd.resampled_tables(data, np.ones((1, len(data)))), observed)
    col, ones = {v: i for i, v in enumerate(observed)}, np.ones((1, len(data)))
    linear = ((method, zs) if identifiable else ("instrument", [instrument[0], *instrument[1]]) if instrument
              else ("backdoor", parents))
    shortcuts = {"naive_regression": float((cd.naive(sample, x, y, 1) - cd.naive(sample, x, y, 0))[0]),
                 "parent_adjusted_estimate": float(plug_in(sample, x, y, "backdoor", parents)[0]),
                 "linear_estimate": float(estimate(data.astype(float), ones, col, x, y, *linear)[0])}
    pretreatment = sorted(set(observed) - nx.descendants(dag, x) - {x, y})
    if not cg.is_valid_backdoor_set(dag, x, y, pretreatment):  # else it is a right answer, not a trap
        shortcuts["pretreatment_adjusted"] = float(plug_in(sample, x, y, "backdoor", pretreatment)[0])
    identified = float(plug_in(sample, x, y, method, zs)[0]) if identifiable else math.nan
    if identifiable and any(abs(s - effect) <= abs(identified - effect) for s in shortcuts.values()):
        return None  # cannot pass the check below, whatever the tolerance: spare the bootstrap
    # a non-identifiable instance states the tolerance the parent-adjusted plug-in would have, never used
    # to grade, so that the tolerance does not tell the two sorts apart
    resampled = cd.Table(cd.bootstrap_tables(rng, data, BOOTSTRAP), observed)
    spread = float(np.std(plug_in(resampled, x, y, *((method, zs) if identifiable else ("backdoor", parents)))))
    tolerance = max(MIN_TOLERANCE, math.ceil(TOLERANCE_SDS * spread * 1000) / 1000)
    reference: dict[str, Any] = {"identifiable": False}
    if identifiable:
        if abs(identified - effect) > tolerance or any(abs(s - effect) <= tolerance for s in shortcuts.values()):
            return None  # the plug-in must pass and every shortcut must fail
        if any(abs(float(plug_in(sample, x, y, method, other)[0]) - effect) > tolerance
               for other in valid_sets(dag, x, y, observed, method)):
            return None  # the plug-in by any other valid set must pass too
        reference = {"identifiable": True, "effect": round(identified, 4)}
    extra = {"instrument_estimate": round(shortcuts["linear_estimate"], 4) if instrument else None,
             "cpts": {v: np.asarray(cpts[v], float).tolist() for v in sorted(cpts)}}
    return data, effect, tolerance, reference, shortcuts, extra


def baseline(task: Any) -> dict[str, Any]:
    """The naive guess: identifiable, with the slope of the regression of y on x alone."""
    return {"identifiable": True, "effect": task.truth["naive_estimate"]}


def random_answer(task: Any, rng: Any) -> dict[str, Any]:
    """Not identifiable one time in four, else a random effect in [-2, 2]."""
    if rng.random() < 0.25:
        return {"identifiable": False}
    return {"identifiable": True, "effect": round(4 * rng.random() - 2, 3)}


def mutants(task: Any) -> list[dict[str, Any]]:
    """The other identifiability verdict (with the true effect, when the claim is the error), the naive,
    parent-adjusted and every other shortcut estimate the task records (on binary data: linear,
    all-pretreatment-adjusted, on counts also the nearest front-door set's), and estimates just outside
    the tolerance."""
    truth = task.truth
    if "formula" in task.answer_schema["properties"]:  # --compute formula: formulas that must fail too
        x, y = truth["treatment"], truth["outcome"]
        naive = f"P('{y}=1 | {x}=1') - P('{y}=1 | {x}=0')"
        wrong = [{"identifiable": True, "formula": naive}, {"identifiable": True, "formula": f"P('{y}=1 |"}]
        if truth["identifiable"]:
            wrong.append({"identifiable": True, "formula": f"-({truth['formula']})"})
    else:
        wrong = []
    return wrong + _effect_mutants(truth)


def _effect_mutants(truth: dict[str, Any]) -> list[dict[str, Any]]:
    if not truth["identifiable"]:
        return [{"identifiable": True, "effect": truth["effect"]},
                {"identifiable": True, "effect": truth["naive_estimate"]},
                *([{"identifiable": True, "effect": truth["instrument_estimate"]}] if truth["instrument"]
                  else [])]
    return [{"identifiable": False}, {"identifiable": True},
            {"identifiable": True, "effect": truth["naive_estimate"]},
            {"identifiable": True, "effect": truth["parent_adjusted_estimate"]},
            *({"identifiable": True, "effect": value} for code, value in sorted(truth["shortcuts"].items())
              if code not in ("naive_regression", "parent_adjusted_estimate")),
            {"identifiable": True, "effect": truth["effect"] + 1.01 * truth["tolerance"]},
            {"identifiable": True, "effect": truth["effect"] - 1.01 * truth["tolerance"]}]
