"""The counterfactual kind: its truths against dowhy.gcm's counterfactuals on the true SCM, an estimate
computed here from scratch against its tolerance, and the answers it is built to defeat."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs import causal as cg


def _tasks(n=12, **knobs):
    config = base.config_from(gc, {"kind": "counterfactual", **knobs})
    return [gc.generate(config, 5, i) for i in range(n)]


@pytest.fixture(scope="module", params=[True, False], ids=["interaction", "linear"])
def tasks(request):
    return _tasks(interaction=request.param)


def _gcm_counterfactual(task):
    """The unit's counterfactual outcome by dowhy.gcm on the true mechanisms (weights, product term)."""
    import dowhy.graph
    from dowhy import gcm
    from dowhy.gcm.ml import PredictionModel

    class Fixed(PredictionModel):  # a mechanism with known weights and an optional product of two inputs
        def __init__(self, w, pair=None, c=0.0):
            self.w, self.pair, self.c = np.asarray(w, float), pair, c

        def fit(self, X, Y):
            pass

        def predict(self, X):
            X = np.asarray(X, float)
            out = X @ self.w
            if self.pair is not None:
                out = out + self.c * X[:, self.pair[0]] * X[:, self.pair[1]]
            return out.reshape(-1, 1)

        def clone(self):
            return Fixed(self.w, self.pair, self.c)

    gcm.config.disable_progress_bars()
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    w = {(u, v): c for u, v, c in task.truth["weights"]}
    model = gcm.InvertibleStructuralCausalModel(dag)
    for v in dag:
        parents = dowhy.graph.get_ordered_predecessors(dag, v)
        if not parents:
            model.set_causal_mechanism(v, gcm.EmpiricalDistribution())
            continue
        pair, product = None, task.truth["products"].get(v)
        if product:
            pair = (parents.index(product[0]), parents.index(product[1]))
        model.set_causal_mechanism(v, gcm.AdditiveNoiseModel(
            Fixed([w[p, v] for p in parents], pair, task.truth["product_coefficients"].get(v, 0.0))))
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    gcm.fit(model, pd.DataFrame(data, columns=names))
    unit = pd.DataFrame([task.truth["unit"]])[names]
    x_new = task.truth["x_new"]
    cf = gcm.counterfactual_samples(model, {task.truth["treatment"]: lambda v: np.full_like(v, x_new)},
                                    observed_data=unit)
    return float(cf[task.truth["outcome"]].iloc[0])


def _fit_and_predict(task, shortcut=None):
    """Fit every equation by least squares (a product column where the prompt states one), abduct, act,
    predict. Shortcuts: "y" reruns only y (mediators keep their observed values), "mediators" reruns
    them without their abducted noises."""
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    x, products = task.truth["treatment"], task.truth["products"]
    y = task.truth["outcome"]
    unit = dict(task.truth["unit"])

    def features(values, v):
        cols = [values[p] for p in sorted(dag.predecessors(v))]
        if v in products:
            cols.append(values[products[v][0]] * values[products[v][1]])
        return np.column_stack([np.ones_like(np.atleast_1d(cols[0]))] + [np.atleast_1d(c) for c in cols])

    table = {v: data[:, names.index(v)] for v in names}
    world = dict(unit, **{x: task.truth["x_new"]})
    moved = nx.descendants(dag, x)
    for v in nx.topological_sort(dag):
        if v == x or not dag.in_degree(v) or (shortcut == "y" and v != y):
            continue
        beta = np.linalg.lstsq(features(table, v), table[v], rcond=None)[0]
        noise = unit[v] - (features(unit, v) @ beta)[0]
        if shortcut == "mediators" and v in moved and v != y:
            noise = 0.0
        world[v] = (features(world, v) @ beta)[0] + noise
    return world[y]


def test_truths_agree_with_dowhy_gcm_on_the_true_scm(tasks):
    for task in tasks[:4]:
        assert _gcm_counterfactual(task) == pytest.approx(task.truth["counterfactual"], abs=1e-6), task.id


def test_the_right_procedure_passes_and_the_tempting_answers_fail(tasks):
    for task in tasks:
        assert grade(task, {"counterfactual": _fit_and_predict(task)}).passed, task.id
        t = task.truth
        for wrong in (t["interventional"], t["naive"], t["unit"][t["outcome"]]):
            assert grade(task, {"counterfactual": wrong}).reasons == ("outside_tolerance",), task.id
        if t["mediators_held"] is not None:  # mediators held, or rerun without their noises: computed here
            for shortcut in ("y", "mediators"):
                answer = {"counterfactual": _fit_and_predict(task, shortcut)}
                assert grade(task, answer).reasons == ("outside_tolerance",), (task.id, shortcut)
        names, data = cg.from_csv(task.env["files"]["data.csv"])
        slope = np.polyfit(data[:, names.index(t["treatment"])], data[:, names.index(t["outcome"])], 1)[0]
        naive = t["unit"][t["outcome"]] + slope * (t["x_new"] - t["unit"][t["treatment"]])
        assert naive == pytest.approx(t["naive"], abs=1e-6)


def test_the_prompt_states_the_question_the_model_and_the_tolerance(tasks):
    for task in tasks:
        t = task.truth
        assert f"within {t['tolerance']} of the true counterfactual" in task.prompt
        assert f"had {t['treatment']} been {t['x_new']:g} instead of" in task.prompt
        assert all(f"  {v} = {value:g}" in task.prompt for v, value in t["unit"].items())
        for v, (a, b) in t["products"].items():
            assert f"{v}, which also has a term c_{v} * {a} * {b}" in task.prompt


def test_with_interaction_mediators_have_products_and_x_leaves_the_observed_range(tasks):
    for task in tasks:
        t = task.truth
        dag = cg.dag_from(t["variables"], t["dag"])
        names, data = cg.from_csv(task.env["files"]["data.csv"])
        xs = data[:, names.index(t["treatment"])]
        assert not xs.min() <= t["x_new"] <= xs.max(), task.id
        if task.meta["knobs"]["interaction"]:
            mediators = nx.descendants(dag, t["treatment"]) & nx.ancestors(dag, t["outcome"])
            assert t["outcome"] in t["products"] and mediators and t["mediators_held"] is not None, task.id
            assert all(v in t["products"] for v in mediators if dag.in_degree(v) >= 2), task.id


def test_the_defaults_are_larger_and_the_old_default_an_easy_level():
    assert gc.Config(kind="counterfactual").edges == 12 and gc.Config().edges == 8
    assert {"edges": 8, "interaction": True}.items() <= gc.LADDERS["counterfactual"][2].items()


def test_non_finite_and_mistyped_answers_fail_with_a_reason(tasks):
    task = tasks[0]
    assert grade(task, '{"counterfactual": NaN}').reasons == ("outside_tolerance",)
    assert grade(task, '{"counterfactual": Infinity}').reasons == ("outside_tolerance",)
    assert grade(task, {"counterfactual": "1.0"}).reasons == ("schema_mismatch",)
