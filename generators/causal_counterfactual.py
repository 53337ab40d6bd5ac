"""The `counterfactual` kind of the causal family: a DAG, data from its linear-Gaussian SCM (with
`--interaction`, product terms in some equations) and one unit's values; what would the unit's Y have been
had its X been x', a value outside the range of X in the data?

By default the unit's record is partial (`--unrecorded 2`): some causes of Y (one of them a factor of a
product term) were not recorded for it, so abduction is a posterior over its noises given what was
recorded, and the question is E[Y_{x'} | the recorded values]. The products are then of X and another
parent, in the equations of X's children on the way to Y: once X's value is fixed (recorded in the
factual world, x' in the counterfactual one) every variable of both worlds is affine in the noises, so
the noises given the record are Gaussian and the answer is exact by Gaussian conditioning (a twin
network). With a full record (`--unrecorded 0`) the products are of any two parents, one moved by X, in
the equations of the outcome and of every mediator with two parents; the truth is Pearl's three steps on
the true SCM: abduct the unit's noises, set X, run the equations forward.

The tolerance comes from the right procedure on bootstrap resamples (fit the structural equations and
noise variances, abduct, predict); instances are kept only when each tempting shortcut misses the truth
by more than it: the interventional answer E[Y | do(X = x')], the observed Y moved by the naive regression
slope, the observed Y unchanged; with a full record the mediators left at their observed values or
recomputed without their abducted noises; with a partial one the unrecorded values filled in with zero
noise, or by regression on the recorded ones, before the full-record procedure.
"""
from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np

from graphs import causal as cg

MIN_EDGES = 5  # with --interaction: a confounded x, a mediator and a product in y; fewer rarely hold them
BOOTSTRAP = 40
TOLERANCE_SDS = 3
MIN_TOLERANCE = 0.01
BEYOND = (0.25, 1.0)  # x' lies this many standard deviations of x beyond the data's extreme value
DEFAULT_UNRECORDED = 2  # with --interaction; a linear SCM's counterfactual ignores unrecorded values

PROMPT = """\
The data in data.csv ({samples} rows, one column per variable) come from a structural causal model on \
this DAG:
{edges}
Every variable is {form} plus its own Gaussian noise (of unknown variance), independent across variables \
and rows.
{record}
Tools: python runs code in a folder holding data.csv; ci_test runs a partial-correlation test on the data.
Submit {{"counterfactual": 1.7}}. Graded correct if within {tolerance} of {graded}."""
FULL_RECORD = """\
One unit, not among the rows of data.csv, was observed with these values:
{unit}
Question: what would {y} have been for this unit had {x} been {x_new} instead of {x_value}, everything \
else about the unit (its noise terms) unchanged?"""
FULL_GRADED = ("the true counterfactual value (computed from the true model by abduction, action and "
               "prediction)")
PARTIAL_RECORD = """\
One unit, not among the rows of data.csv, was observed, but only in part. Its recorded values:
{unit}
Its values of {unrecorded} were not recorded.
Question: what would {y} have been, in expectation, for this unit had {x} been {x_new} instead of \
{x_value}, everything else about the unit (its noise terms) unchanged? The expectation is over the \
unit's noise terms given everything recorded about it: E[{y} under {x} := {x_new} | the recorded values \
above]."""
PARTIAL_GRADED = ("this conditional expectation computed from the true model (its true coefficients and "
                  "noise variances)")
SCHEMA = {"counterfactual": {"type": "number"}}
LADDER = [{"edges": 5, "samples": 2000, "interaction": False, "unrecorded": 0},
          {"edges": 7, "samples": 1000, "interaction": False, "unrecorded": 0},
          {"edges": 8, "samples": 500, "interaction": True, "unrecorded": 0},
          {"edges": 12, "samples": 500, "interaction": True, "unrecorded": 1},
          {"edges": 12, "samples": 500, "interaction": True, "unrecorded": 2},
          {"edges": 18, "samples": 300, "interaction": True, "unrecorded": 3}]
# The shortcuts kept instances defeat, by the reason code an answer matching one gets.
SHORTCUTS = ("interventional_answer", "naive_regression", "outcome_unchanged", "mediators_held",
             "mediator_noise_dropped", "unrecorded_noise_zeroed", "imputed_by_regression")


def _form(products: dict[str, tuple[str, str]]) -> str:
    linear = "a linear function of its parents (with an intercept)"
    if not products:
        return linear
    terms = [f"{v}, which also has a term c_{v} * {a} * {b}" for v, (a, b) in sorted(products.items())]
    return f"{linear}, except {'; '.join(terms)} (one unknown constant c_V per such variable V),"


class Equations:
    """Structural equations of the variables on the causal paths from x to y: for each, an intercept,
    parent coefficients and, for the variables in `products`, the coefficient of a product of two parents.
    Coefficients may be arrays (one per bootstrap resample); the unit's values may be arrays too (one per
    unit), and numpy broadcasts them."""

    def __init__(self, dag: nx.DiGraph, x: str, y: str, products: dict[str, tuple[str, str]]):
        self.dag, self.x, self.y, self.products = dag, x, y, products
        between = nx.descendants(dag, x) & (nx.ancestors(dag, y) | {y})
        self.order = [v for v in nx.topological_sort(dag) if v in between]
        self.coef: dict[str, tuple[Any, dict[str, Any], Any]] = {}

    def value(self, v: str, values: dict[str, Any]) -> Any:
        """f_v(parents), without the noise."""
        intercept, weights, c = self.coef[v]
        out = intercept + sum(w * values[p] for p, w in weights.items())
        if v in self.products:
            a, b = self.products[v]
            out = out + c * values[a] * values[b]
        return out

    def counterfactual(self, unit: dict[str, Any], x_new: Any, rerun: str = "all",
                       noises: str = "all") -> Any:
        """y after abducting the unit's noises, setting x to x_new and running the equations forward. The
        shortcuts it is built to defeat: rerun="y" leaves the mediators at their observed values;
        noises="y" reruns the mediators without their abducted noises."""
        noise = {v: unit[v] - self.value(v, unit) if noises == "all" or v == self.y else 0.0
                 for v in self.order}
        world = {**unit, self.x: x_new}
        for v in self.order:
            if rerun == "all" or v == self.y:
                world[v] = self.value(v, world) + noise[v]
        return world[self.y]


def true_fit(dag: nx.DiGraph, weights: dict, products: dict, c: dict[str, float]) -> dict[str, tuple]:
    """The true SCM in the form `fit` returns: no intercepts, unit noise variances."""
    return {v: (0.0, {p: weights[(p, v)] for p in sorted(dag.predecessors(v))}, c.get(v, 0.0), 1.0)
            for v in dag}


def fit(dag: nx.DiGraph, data: np.ndarray, counts: np.ndarray, col: dict[str, int], products: dict
        ) -> dict[str, tuple[Any, dict[str, Any], Any, Any]]:
    """Every variable's structural equation fitted by least squares on each resample (rows of counts):
    (intercept, {parent: coefficient}, product coefficient, noise variance), each an array over resamples."""
    fitted = {}
    for v in dag:
        parents = sorted(dag.predecessors(v))
        columns, table = [col[p] for p in parents], data
        if v in products:
            a, b = products[v]
            table = np.column_stack([data, data[:, col[a]] * data[:, col[b]]])
            columns.append(data.shape[1])
        beta = cg.resampled_ols(table, counts, col[v], columns)
        residual = table[:, col[v]] - beta @ np.column_stack([np.ones(len(table)), table[:, columns]]).T
        variance = (counts * residual ** 2).sum(axis=1) / counts.sum(axis=1)
        fitted[v] = (beta[:, 0], {p: beta[:, 1 + i] for i, p in enumerate(parents)},
                     beta[:, -1] if v in products else 0.0, variance)
    return fitted


def fitted_equations(dag, fitted, x, y, products) -> Equations:
    """The Equations of the fitted SCM on the paths from x to y."""
    eq = Equations(dag, x, y, products)
    eq.coef = {v: fitted[v][:3] for v in eq.order}
    return eq


def expected_counterfactual(dag: nx.DiGraph, fitted: dict, x: str, y: str, products: dict,
                            record: dict[str, float], x_new: float) -> np.ndarray:
    """E[y under x := x_new | record] in the SCM `fitted` (as `fit` returns it; arrays over resamples, or
    scalars): every product is of x and another parent, so with x's value fixed (recorded in the factual
    world, x_new in the counterfactual one) each variable of both worlds is an affine function of the
    noise vector, and the noises given the record are Gaussian. Condition them on the record (their
    posterior mean), then read y's counterfactual value off its affine form."""
    names = list(nx.topological_sort(dag))
    at = {v: i for i, v in enumerate(names)}
    batch = max(np.size(value) for v in names for value in (fitted[v][0], fitted[v][3]))

    def world(x_value: float, intervened: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Each variable as noise coefficients (batch, n) plus a constant (batch,)."""
        lin, const = {}, {}
        for v in names:
            if intervened and v == x:
                lin[v], const[v] = np.zeros((batch, len(names))), np.full(batch, x_value)
                continue
            intercept, weights, c, _ = fitted[v]
            lin[v] = np.zeros((batch, len(names)))
            lin[v][:, at[v]] = 1.0
            const[v] = np.zeros(batch) + intercept
            terms = [(w, p) for p, w in weights.items()]
            if v in products:  # c * x * partner, x a constant in this world
                terms.append((np.asarray(c) * x_value, next(p for p in products[v] if p != x)))
            for w, p in terms:
                lin[v] = lin[v] + np.asarray(w)[..., None] * lin[p]
                const[v] = const[v] + np.asarray(w) * const[p]
        return lin, const

    lin, const = world(record[x], False)
    recorded = sorted(record)
    a = np.stack([lin[v] for v in recorded], axis=1)  # (batch, recorded, noises)
    gap = np.stack([record[v] - const[v] for v in recorded], axis=1)
    variance = np.stack([np.zeros(batch) + fitted[v][3] for v in names], axis=1)
    scaled = a * variance[:, None, :]
    weights = np.linalg.solve(scaled @ a.transpose(0, 2, 1), gap[..., None])
    mean_noise = (scaled.transpose(0, 2, 1) @ weights)[..., 0]  # E[noises | record]
    lin_cf, const_cf = world(x_new, True)
    return (lin_cf[y] * mean_noise).sum(axis=1) + const_cf[y]


def sample(rng: np.random.Generator, dag: nx.DiGraph, weights: dict, products: dict, c: dict[str, float],
           n: int) -> np.ndarray:
    """Rows of the SCM: linear Gaussian, plus c_v * product for the variables in products; columns in
    list(dag) order."""
    col = {v: i for i, v in enumerate(dag)}
    data = rng.standard_normal((n, len(col)))
    for v in nx.topological_sort(dag):
        for p in dag.predecessors(v):
            data[:, col[v]] += weights[(p, v)] * data[:, col[p]]
        if v in products:
            a, b = products[v]
            data[:, col[v]] += c[v] * data[:, col[a]] * data[:, col[b]]
    return data


def _products(rng: np.random.Generator, dag: nx.DiGraph, x: str, y: str) -> dict[str, tuple[str, str]]:
    """Full record: for y and each mediator between x and y with two parents or more, two of its parents,
    one x or a descendant of x, so the product changes with x and the unit's other values matter all along
    the path."""
    moved_by_x = nx.descendants(dag, x) | {x}
    products = {}
    for v in Equations(dag, x, y, {}).order:
        parents = sorted(dag.predecessors(v))
        moved = [p for p in parents if p in moved_by_x]
        if len(parents) < 2:
            continue
        first = moved[rng.integers(len(moved))]
        others = [p for p in parents if p != first]
        products[v] = tuple(sorted((first, others[rng.integers(len(others))])))
    return products


def _x_products(rng: np.random.Generator, dag: nx.DiGraph, x: str, y: str) -> dict[str, tuple[str, str]]:
    """Partial record: for each child of x on the way to y with another parent, x times one of them (so
    the counterfactual moves with that parent's value, and the posterior stays Gaussian)."""
    products = {}
    for v in Equations(dag, x, y, {}).order:
        others = sorted(set(dag.predecessors(v)) - {x})
        if dag.has_edge(x, v) and others:
            products[v] = tuple(sorted((x, others[rng.integers(len(others))])))
    return products


def _unrecorded(rng: np.random.Generator, dag: nx.DiGraph, x: str, y: str, products: dict, k: int
                ) -> list[str] | None:
    """k causes of y other than x, one a partner of x in a product (whose value the answer depends on)."""
    partners = sorted({p for pair in products.values() for p in pair if p != x})
    candidates = sorted(nx.ancestors(dag, y) - {x})
    if not partners or len(candidates) < k:
        return None
    first = partners[rng.integers(len(partners))]
    rest = [v for v in candidates if v != first]
    return sorted([first, *(rest[i] for i in rng.choice(len(rest), size=k - 1, replace=False))])


def _filled_in(dag: nx.DiGraph, fitted: dict, products: dict, data: np.ndarray, col: dict[str, int],
               record: dict, how: str) -> dict[str, float]:
    """The shortcuts of a partial record: the unrecorded values filled in, by their fitted equations with
    zero noise ("zero noise", in causal order) or by the regression of each on every recorded variable
    ("regression"), so that the full-record procedure can run."""
    unit = dict(record)
    missing = [v for v in nx.topological_sort(dag) if v not in record]
    recorded = sorted(record)
    for v in missing:
        if how == "regression":
            coef = cg.ols(data, col[v], [col[r] for r in recorded])[0]
            unit[v] = float(coef[0] + sum(b * record[r] for b, r in zip(coef[1:], recorded, strict=True)))
        else:
            intercept, weights, c, _ = fitted[v]
            value = intercept + sum(w * unit[p] for p, w in weights.items())
            if v in products:
                value = value + c * unit[products[v][0]] * unit[products[v][1]]
            unit[v] = float(np.squeeze(value))
    return unit


def build(rng: np.random.Generator, config: Any, dag: nx.DiGraph, pair: tuple[str, str] | None
          ) -> dict[str, Any] | None:
    """One instance for the confounded pair (x, y), or None when it would not discriminate."""
    if pair is None:
        return None
    x, y = pair
    partial = config.unrecorded > 0
    products = ((_x_products if partial else _products)(rng, dag, x, y)) if config.interaction else {}
    if config.interaction and not partial and (y not in products or len(Equations(dag, x, y, {}).order) < 2):
        return None  # without a mediator, abducting y's noise alone would do
    unrecorded = _unrecorded(rng, dag, x, y, products, config.unrecorded) if partial else []
    if unrecorded is None:
        return None
    c = {v: round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)), 2) for v in sorted(products)}
    weights = cg.random_weights(rng, dag)
    rows = np.round(sample(rng, dag, weights, products, c, config.samples + 1), 3)
    data, unit_row = rows[:-1], rows[-1]
    names = list(dag)
    col = {v: i for i, v in enumerate(names)}
    unit = {v: float(unit_row[col[v]]) for v in names}
    record = {v: value for v, value in unit.items() if v not in unrecorded}
    sign = float(rng.choice([-1.0, 1.0]))
    extreme = data[:, col[x]].max() if sign > 0 else data[:, col[x]].min()
    x_new = round(float(extreme + sign * rng.uniform(*BEYOND) * data[:, col[x]].std()), 2)
    truth_fit = true_fit(dag, weights, products, c)
    truth_eq = fitted_equations(dag, truth_fit, x, y, products)
    ones = np.ones((1, len(data)))
    fitted = fit(dag, data, ones, col, products)
    fit_eq = fitted_equations(dag, fitted, x, y, products)
    everyone = {v: data[:, col[v]] for v in names}  # E[y | do(x')] over the noises of the data's rows
    slope = float(cg.ols(data, col[y], [col[x]])[0][1])
    shortcuts = {"interventional_answer": float(np.mean(truth_eq.counterfactual(everyone, x_new))),
                 "naive_regression": record[y] + slope * (x_new - record[x]), "outcome_unchanged": record[y]}
    if partial:
        truth = float(expected_counterfactual(dag, truth_fit, x, y, products, record, x_new)[0])
        estimate = float(expected_counterfactual(dag, fitted, x, y, products, record, x_new)[0])
        for code, how in (("unrecorded_noise_zeroed", "zero noise"), ("imputed_by_regression", "regression")):
            filled = _filled_in(dag, fitted, products, data, col, record, how)
            shortcuts[code] = float(fit_eq.counterfactual(filled, x_new)[0])
    else:
        truth = float(truth_eq.counterfactual(unit, x_new))
        estimate = float(fit_eq.counterfactual(unit, x_new)[0])
        if len(fit_eq.order) > 1:  # without mediators the two shortcuts below are the right procedure
            shortcuts["mediators_held"] = float(fit_eq.counterfactual(unit, x_new, rerun="y")[0])
            shortcuts["mediator_noise_dropped"] = float(fit_eq.counterfactual(unit, x_new, noises="y")[0])
    wrong = min(abs(w - truth) for w in shortcuts.values())
    if wrong <= abs(estimate - truth):
        return None  # cannot pass the check below, whatever the tolerance: spare the bootstrap
    counts = rng.poisson(1.0, size=(BOOTSTRAP, len(data)))  # Poisson bootstrap: rows drawn ~Poisson(1) times
    resampled = fit(dag, data, counts, col, products)
    spread = float(np.std(expected_counterfactual(dag, resampled, x, y, products, record, x_new) if partial
                          else fitted_equations(dag, resampled, x, y, products).counterfactual(unit, x_new)))
    tolerance = max(MIN_TOLERANCE, math.ceil(TOLERANCE_SDS * spread * 1000) / 1000)
    if abs(estimate - truth) > tolerance or wrong <= tolerance:
        return None  # the right procedure must pass; every shortcut must fail
    values = "\n".join(f"  {v} = {record[v]:g}" for v in names if v in record)
    story = (PARTIAL_RECORD if partial else FULL_RECORD).format(
        unit=values, unrecorded=" and ".join(unrecorded), x=x, y=y, x_new=f"{x_new:g}",
        x_value=f"{record[x]:g}")
    return {"format": {"edges": cg.edge_lines(dag),
                       "form": _form(products), "record": story, "tolerance": tolerance,
                       "graded": PARTIAL_GRADED if partial else FULL_GRADED},
            "env": {"files": {"data.csv": cg.to_csv(names, data, "%.3f")}, "ci_test": "partial_correlation"},
            "truth": {"treatment": x, "outcome": y, "unit": unit, "unrecorded": unrecorded, "x_new": x_new,
                      "counterfactual": truth, "tolerance": tolerance,
                      "products": {v: list(pair) for v, pair in sorted(products.items())},
                      "product_coefficients": c, "shortcuts": shortcuts,
                      "weights": [[u, v, w] for (u, v), w in sorted(weights.items())],
                      "reference": {"counterfactual": round(estimate, 4)}}}


def baseline(task: Any) -> dict[str, Any]:
    """The naive guess: the unit's observed y moved by the regression slope of y on x."""
    return {"counterfactual": round(task.truth["shortcuts"]["naive_regression"], 4)}


def random_answer(task: Any, rng: Any) -> dict[str, Any]:
    """The unit's observed y plus a random shift in [-3, 3]."""
    return {"counterfactual": round(task.truth["unit"][task.truth["outcome"]] + 6 * rng.random() - 3, 3)}


def mutants(task: Any) -> list[dict[str, Any]]:
    """Every shortcut the instance defeats (the interventional answer, the naive one, the unit's unchanged
    y; the mediators held or rerun without their noises; the unrecorded values filled in with zero noise
    or by regression), and just outside the tolerance."""
    t = task.truth
    return [*({"counterfactual": value} for _, value in sorted(t["shortcuts"].items())),
            {"counterfactual": t["counterfactual"] + 1.01 * t["tolerance"]},
            {"counterfactual": t["counterfactual"] - 1.01 * t["tolerance"]}]
