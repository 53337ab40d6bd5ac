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
        pair, product = None, task.truth["product"]
        if v == task.truth["outcome"] and product:
            pair = (parents.index(product[0]), parents.index(product[1]))
        model.set_causal_mechanism(v, gcm.AdditiveNoiseModel(
            Fixed([w[p, v] for p in parents], pair, task.truth["product_coefficient"])))
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    gcm.fit(model, pd.DataFrame(data, columns=names))
    unit = pd.DataFrame([task.truth["unit"]])[names]
    x_new = task.truth["x_new"]
    cf = gcm.counterfactual_samples(model, {task.truth["treatment"]: lambda v: np.full_like(v, x_new)},
                                    observed_data=unit)
    return float(cf[task.truth["outcome"]].iloc[0])


def _fit_and_predict(task):
    """Fit every equation by least squares (a product column for the outcome), abduct, act, predict."""
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    x, y, product = task.truth["treatment"], task.truth["outcome"], task.truth["product"]
    unit = dict(task.truth["unit"])

    def features(values, v):
        cols = [values[p] for p in sorted(dag.predecessors(v))]
        if v == y and product:
            cols.append(values[product[0]] * values[product[1]])
        return np.column_stack([np.ones_like(np.atleast_1d(cols[0]))] + [np.atleast_1d(c) for c in cols])

    table = {v: data[:, names.index(v)] for v in names}
    world = dict(unit, **{x: task.truth["x_new"]})
    for v in nx.topological_sort(dag):
        if v == x or not dag.in_degree(v):
            continue
        beta = np.linalg.lstsq(features(table, v), table[v], rcond=None)[0]
        noise = unit[v] - (features(unit, v) @ beta)[0]
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
        if t["product"]:
            assert f"c * {t['product'][0]} * {t['product'][1]}" in task.prompt


def test_non_finite_and_mistyped_answers_fail_with_a_reason(tasks):
    task = tasks[0]
    assert grade(task, '{"counterfactual": NaN}').reasons == ("outside_tolerance",)
    assert grade(task, '{"counterfactual": Infinity}').reasons == ("outside_tolerance",)
    assert grade(task, {"counterfactual": "1.0"}).reasons == ("schema_mismatch",)
