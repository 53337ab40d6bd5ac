"""The `counterfactual` kind of the causal family: a DAG, data from its linear-Gaussian SCM (with
`--interaction`, a product of two parents in the equation of the outcome and of every mediator that has
two parents, one moved by X) and one unit's observed values; what would the unit's Y have been had its X
been x', a value outside the range of X in the data?

The truth is Pearl's three steps on the true SCM: abduct the unit's noises, set X, run the equations
forward. The tolerance comes from the right procedure on bootstrap resamples (fit the structural
equations, abduct, predict); instances are kept only when each tempting shortcut misses the truth by
more than it: the interventional answer E[Y | do(X = x')], the observed Y moved by the naive regression
slope, the observed Y unchanged, the mediators left at their observed values, and the mediators
recomputed without their abducted noises (only Y's noise kept).
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

PROMPT = """\
The data in data.csv ({samples} rows, one column per variable) come from a structural causal model on \
this DAG:
{edges}
Every variable is {form} plus its own Gaussian noise, independent across variables and rows.
One unit, not among the rows of data.csv, was observed with these values:
{unit}
Question: what would {y} have been for this unit had {x} been {x_new} instead of {x_value}, everything \
else about the unit (its noise terms) unchanged? Tools: python runs code in a folder holding data.csv; \
ci_test runs a partial-correlation test on the data.
Submit {{"counterfactual": 1.7}}. Graded correct if within {tolerance} of the true counterfactual value \
(computed from the true model by abduction, action and prediction)."""
SCHEMA = {"counterfactual": {"type": "number"}}
LADDER = [{"edges": 5, "samples": 2000, "interaction": False},
          {"edges": 7, "samples": 1000, "interaction": False},
          {"edges": 8, "samples": 500, "interaction": True},
          {"edges": 12, "samples": 500, "interaction": True},
          {"edges": 18, "samples": 300, "interaction": True}]


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
        self.order = [v for v in nx.topological_sort(dag)
                      if v in nx.descendants(dag, x) and (v == y or v in nx.ancestors(dag, y))]
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


def true_equations(dag: nx.DiGraph, weights: dict, x: str, y: str, products: dict,
                   c: dict[str, float]) -> Equations:
    """The true SCM's equations (no intercepts) on the paths from x to y."""
    eq = Equations(dag, x, y, products)
    for v in eq.order:
        eq.coef[v] = (0.0, {p: weights[(p, v)] for p in sorted(dag.predecessors(v))}, c.get(v, 0.0))
    return eq


def fitted_equations(dag, data, counts, col, x, y, products) -> Equations:
    """The equations fitted by least squares on each resample (rows of counts)."""
    eq = Equations(dag, x, y, products)
    for v in eq.order:
        parents = sorted(dag.predecessors(v))
        columns, table = [col[p] for p in parents], data
        if v in products:
            a, b = products[v]
            table = np.column_stack([data, data[:, col[a]] * data[:, col[b]]])
            columns.append(data.shape[1])
        beta = cg.resampled_ols(table, counts, col[v], columns)
        eq.coef[v] = (beta[:, 0], {p: beta[:, 1 + i] for i, p in enumerate(parents)},
                      beta[:, -1] if v in products else 0.0)
    return eq


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
    """For y and each mediator between x and y with two parents or more: two of its parents, one x or a
    descendant of x, so the product changes with x and the unit's other values matter all along the path."""
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


def build(rng: np.random.Generator, config: Any, dag: nx.DiGraph, pair: tuple[str, str] | None
          ) -> dict[str, Any] | None:
    """One instance for the confounded pair (x, y), or None when it would not discriminate."""
    if pair is None:
        return None
    x, y = pair
    products = _products(rng, dag, x, y) if config.interaction else {}
    if config.interaction and (y not in products or len(Equations(dag, x, y, {}).order) < 2):
        return None  # without a mediator, abducting y's noise alone would do
    c = {v: round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)), 2) for v in sorted(products)}
    weights = cg.random_weights(rng, dag)
    rows = np.round(sample(rng, dag, weights, products, c, config.samples + 1), 3)
    data, unit_row = rows[:-1], rows[-1]
    names = list(dag)
    col = {v: i for i, v in enumerate(names)}
    unit = {v: float(unit_row[col[v]]) for v in names}
    sign = float(rng.choice([-1.0, 1.0]))
    extreme = data[:, col[x]].max() if sign > 0 else data[:, col[x]].min()
    x_new = round(float(extreme + sign * rng.uniform(*BEYOND) * data[:, col[x]].std()), 2)
    truth_eq = true_equations(dag, weights, x, y, products, c)
    truth = float(truth_eq.counterfactual(unit, x_new))
    everyone = {v: data[:, col[v]] for v in names}  # E[y | do(x')] over the noises of the data's rows
    interventional = float(np.mean(truth_eq.counterfactual(everyone, x_new)))
    slope = float(cg.ols(data, col[y], [col[x]])[0][1])
    naive = unit[y] + slope * (x_new - unit[x])
    fit = fitted_equations(dag, data, np.ones((1, len(data))), col, x, y, products)
    estimate = float(fit.counterfactual(unit, x_new)[0])
    shortcuts = [interventional, naive, unit[y]]
    mediated = len(fit.order) > 1  # without mediators the two shortcuts below are the right procedure
    mediators_held = float(fit.counterfactual(unit, x_new, rerun="y")[0]) if mediated else None
    y_noise_only = float(fit.counterfactual(unit, x_new, noises="y")[0]) if mediated else None
    wrong = min(abs(w - truth) for w in shortcuts + ([mediators_held, y_noise_only] if mediated else []))
    if wrong <= abs(estimate - truth):
        return None  # cannot pass the check below, whatever the tolerance: spare the bootstrap
    counts = rng.poisson(1.0, size=(BOOTSTRAP, len(data)))  # Poisson bootstrap: rows drawn ~Poisson(1) times
    resampled = fitted_equations(dag, data, counts, col, x, y, products)
    spread = float(np.std(resampled.counterfactual(unit, x_new)))
    tolerance = max(MIN_TOLERANCE, math.ceil(TOLERANCE_SDS * spread * 1000) / 1000)
    if abs(estimate - truth) > tolerance or wrong <= tolerance:
        return None  # the right procedure must pass; the interventional, naive and unmoved answers fail
    return {"format": {"edges": "\n".join(f"  {u} -> {v}" for u, v in sorted(dag.edges)), "x": x, "y": y,
                       "form": _form(products), "x_new": f"{x_new:g}", "x_value": f"{unit[x]:g}",
                       "unit": "\n".join(f"  {v} = {unit[v]:g}" for v in names), "tolerance": tolerance},
            "env": {"files": {"data.csv": cg.to_csv(names, data, "%.3f")}, "ci_test": "partial_correlation"},
            "truth": {"treatment": x, "outcome": y, "unit": unit, "x_new": x_new, "counterfactual": truth,
                      "tolerance": tolerance,
                      "products": {v: list(pair) for v, pair in sorted(products.items())},
                      "product_coefficients": c, "interventional": interventional, "naive": naive,
                      "mediators_held": mediators_held, "y_noise_only": y_noise_only,
                      "weights": [[u, v, w] for (u, v), w in sorted(weights.items())],
                      "reference": {"counterfactual": round(estimate, 4)}}}


def baseline(task: Any) -> dict[str, Any]:
    """The naive guess: the unit's observed y moved by the regression slope of y on x."""
    return {"counterfactual": round(task.truth["naive"], 4)}


def random_answer(task: Any, rng: Any) -> dict[str, Any]:
    """The unit's observed y plus a random shift in [-3, 3]."""
    return {"counterfactual": round(task.truth["unit"][task.truth["outcome"]] + 6 * rng.random() - 3, 3)}


def mutants(task: Any) -> list[dict[str, Any]]:
    """The interventional answer, the naive one, the unit's unchanged y, the mediators held or rerun
    without their noises, and just outside the tolerance."""
    t = task.truth
    return [{"counterfactual": t["interventional"]}, {"counterfactual": t["naive"]},
            {"counterfactual": t["unit"][t["outcome"]]},
            *({"counterfactual": t[k]} for k in ("mediators_held", "y_noise_only") if t[k] is not None),
            {"counterfactual": t["counterfactual"] + 1.01 * t["tolerance"]},
            {"counterfactual": t["counterfactual"] - 1.01 * t["tolerance"]}]
