"""The counterfactual kind: its truths against dowhy.gcm's counterfactuals on the true SCM (full records)
and against importance sampling of the unrecorded values (partial records), an estimate computed here
from scratch against its tolerance, and the answers it is built to defeat, each named by its reason."""
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


SETTINGS = {"partial": {}, "full": {"unrecorded": 0}, "linear": {"interaction": False}}


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def tasks(request):
    return _tasks(**SETTINGS[request.param])


def _partial(task):
    return bool(task.truth["unrecorded"])


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


def _features(dag, products, values, v):
    cols = [values[p] for p in sorted(dag.predecessors(v))]
    if v in products:
        cols.append(values[products[v][0]] * values[products[v][1]])
    n = max(np.size(c) for c in cols)
    return np.column_stack([np.ones(n)] + [np.broadcast_to(c, n) for c in cols])


def _scm(task, fitted):
    """{variable: (coefficients on [1, parents sorted, product], noise variance)}: the true SCM's, or one
    fitted here by least squares on data.csv."""
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    products = task.truth["products"]
    if not fitted:
        w = {(u, v): c for u, v, c in task.truth["weights"]}
        c = task.truth["product_coefficients"]
        return {v: (np.array([0.0] + [w[p, v] for p in sorted(dag.predecessors(v))]
                             + ([c[v]] if v in products else [])), 1.0) for v in dag}
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    table = {v: data[:, names.index(v)] for v in names}
    scm = {}
    for v in dag:
        design = _features(dag, products, table, v) if dag.in_degree(v) else np.ones((len(data), 1))
        beta = np.linalg.lstsq(design, table[v], rcond=None)[0]
        scm[v] = (beta, float(np.mean((table[v] - design @ beta) ** 2)))
    return scm


def _mean(dag, products, scm, values, v):
    beta = scm[v][0]
    if not dag.in_degree(v):
        return beta[0] + 0 * next(iter(values.values()))
    return _features(dag, products, values, v) @ beta


def _full_record_counterfactual(task, scm, unit):
    """Abduct every noise of the (possibly many) full units, set x, run every equation forward."""
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    products, x = task.truth["products"], task.truth["treatment"]
    world = dict(unit, **{x: np.full(np.shape(unit[x]), task.truth["x_new"])})
    for v in nx.topological_sort(dag):
        if v != x:
            world[v] = _mean(dag, products, scm, world, v) + unit[v] - _mean(dag, products, scm, unit, v)
    return world[task.truth["outcome"]]


def _importance_sampled(task, scm, n=200_000, seed=0):
    """E[y under x := x' | record] by self-normalised importance sampling of the unrecorded values: draw
    them in causal order around their equations (noise sd doubled), weight each full unit by its density
    under the SCM over the proposal's, average the full-record counterfactuals. (mean, standard error)"""
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    products, missing = task.truth["products"], set(task.truth["unrecorded"])
    rng = np.random.default_rng(seed)
    unit = {v: np.full(n, value) for v, value in task.truth["unit"].items()}
    log_w = np.zeros(n)
    for v in nx.topological_sort(dag):
        sd = np.sqrt(scm[v][1])
        mean = _mean(dag, products, scm, unit, v)
        if v in missing:
            unit[v] = mean + 2 * sd * rng.standard_normal(n)
            log_w += np.log(2.0) - 1.5 * ((unit[v] - mean) / (2 * sd)) ** 2  # log p(noise) - log q(noise)
        else:
            log_w -= 0.5 * ((unit[v] - mean) / sd) ** 2
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    cf = _full_record_counterfactual(task, scm, unit)
    estimate = float(w @ cf)
    return estimate, float(np.sqrt(w ** 2 @ (cf - estimate) ** 2))


def _right_answer(task):
    """The right procedure, computed here: fit the SCM, then abduct (by importance sampling when the record
    is partial), act and predict."""
    scm = _scm(task, fitted=True)
    if _partial(task):
        return _importance_sampled(task, scm)[0]
    unit = {v: np.array([value]) for v, value in task.truth["unit"].items()}
    return float(_full_record_counterfactual(task, scm, unit)[0])


def _filled_in(task, how):
    """A hasty reading of a partial record: the unrecorded values filled in by their fitted equations with
    zero noise, or by the regression of each on every recorded variable."""
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    scm, (names, data) = _scm(task, fitted=True), cg.from_csv(task.env["files"]["data.csv"])
    missing = task.truth["unrecorded"]
    recorded = [v for v in names if v not in missing]
    unit = {v: np.array([value]) for v, value in task.truth["unit"].items() if v not in missing}
    for v in nx.topological_sort(dag):
        if v in missing and how == "zero noise":
            unit[v] = _mean(dag, task.truth["products"], scm, unit, v)
        elif v in missing:
            design = np.column_stack([np.ones(len(data))] + [data[:, names.index(r)] for r in recorded])
            beta = np.linalg.lstsq(design, data[:, names.index(v)], rcond=None)[0]
            fitted = beta[0] + sum(b * unit[r][0] for b, r in zip(beta[1:], recorded, strict=True))
            unit[v] = np.array([fitted])
    return float(_full_record_counterfactual(task, scm, unit)[0])


def test_full_record_truths_agree_with_dowhy_gcm_on_the_true_scm(tasks):
    for task in [t for t in tasks if not _partial(t)][:4]:
        assert _gcm_counterfactual(task) == pytest.approx(task.truth["counterfactual"], abs=1e-6), task.id


def test_partial_record_truths_agree_with_importance_sampling_on_the_true_scm(tasks):
    for task in [t for t in tasks if _partial(t)][:6]:
        estimate, se = _importance_sampled(task, _scm(task, fitted=False))
        assert abs(estimate - task.truth["counterfactual"]) <= 5 * se + 1e-3, (task.id, estimate, se)
        assert se < task.truth["tolerance"] / 5  # sharp enough to tell a wrong truth from a right one


def test_the_right_procedure_passes_and_the_tempting_answers_fail_by_name(tasks):
    for task in tasks:
        assert grade(task, {"counterfactual": _right_answer(task)}).passed, task.id
        t = task.truth
        for code, wrong in t["shortcuts"].items():
            reasons = grade(task, {"counterfactual": wrong}).reasons
            assert len(reasons) == 1 and reasons[0] in t["shortcuts"], task.id
            if all(abs(wrong - other) > t["tolerance"] for c, other in t["shortcuts"].items() if c != code):
                assert reasons == (code,), (task.id, code)
        names, data = cg.from_csv(task.env["files"]["data.csv"])
        slope = np.polyfit(data[:, names.index(t["treatment"])], data[:, names.index(t["outcome"])], 1)[0]
        naive = t["unit"][t["outcome"]] + slope * (t["x_new"] - t["unit"][t["treatment"]])
        assert naive == pytest.approx(t["shortcuts"]["naive_regression"], abs=1e-6)
        expected = {"interventional_answer", "naive_regression", "outcome_unchanged"}
        if _partial(task):  # the hasty readings of a partial record, recomputed here, fail
            expected |= {"unrecorded_noise_zeroed", "imputed_by_regression"}
            for how, code in (("zero noise", "unrecorded_noise_zeroed"),
                              ("regression", "imputed_by_regression")):
                assert _filled_in(task, how) == pytest.approx(t["shortcuts"][code], abs=1e-6), task.id
        elif len(nx.descendants(cg.dag_from(t["variables"], t["dag"]), t["treatment"])
                 & nx.ancestors(cg.dag_from(t["variables"], t["dag"]), t["outcome"])):
            expected |= {"mediators_held", "mediator_noise_dropped"}
        assert set(t["shortcuts"]) == expected, task.id


def test_the_prompt_states_the_question_the_model_and_the_tolerance(tasks):
    for task in tasks:
        t = task.truth
        assert f"within {t['tolerance']} of " in task.prompt
        assert f"had {t['treatment']} been {t['x_new']:g} instead of" in task.prompt
        recorded = {v: value for v, value in t["unit"].items() if v not in t["unrecorded"]}
        assert all(f"  {v} = {value:g}" in task.prompt for v, value in recorded.items())
        assert not any(f"  {v} = " in task.prompt for v in t["unrecorded"])
        for v, (a, b) in t["products"].items():
            assert f"{v}, which also has a term c_{v} * {a} * {b}" in task.prompt
        if _partial(task):
            assert f"Its values of {' and '.join(t['unrecorded'])} were not recorded." in task.prompt
            assert "given everything recorded about it" in task.prompt


def test_partial_records_hide_a_product_partner_of_the_treatment(tasks):
    for task in [t for t in tasks if _partial(t)]:
        t = task.truth
        assert len(t["unrecorded"]) == 2 and all(t["treatment"] in pair for pair in t["products"].values())
        partners = {p for pair in t["products"].values() for p in pair if p != t["treatment"]}
        assert partners & set(t["unrecorded"]), task.id


def test_with_interaction_mediators_have_products_and_x_leaves_the_observed_range(tasks):
    for task in tasks:
        t = task.truth
        dag = cg.dag_from(t["variables"], t["dag"])
        names, data = cg.from_csv(task.env["files"]["data.csv"])
        xs = data[:, names.index(t["treatment"])]
        assert not xs.min() <= t["x_new"] <= xs.max(), task.id
        if task.meta["knobs"]["interaction"] and not _partial(task):
            mediators = nx.descendants(dag, t["treatment"]) & nx.ancestors(dag, t["outcome"])
            assert t["outcome"] in t["products"] and mediators and "mediators_held" in t["shortcuts"], task.id
            assert all(v in t["products"] for v in mediators if dag.in_degree(v) >= 2), task.id


def test_the_defaults_are_larger_and_the_old_default_an_easy_level():
    assert gc.Config(kind="counterfactual").edges == 12 and gc.Config().edges == 8
    assert gc.Config(kind="counterfactual").unrecorded == 2
    assert gc.Config(kind="counterfactual", interaction=False).unrecorded == 0
    old_default = {"edges": 8, "interaction": True, "unrecorded": 0}
    assert old_default.items() <= gc.LADDERS["counterfactual"][2].items()
    assert gc.LADDERS["counterfactual"][0]["unrecorded"] == 0


def test_unrecorded_values_without_interaction_are_refused():
    with pytest.raises(ValueError, match="--unrecorded needs --interaction"):
        gc.Config(kind="counterfactual", interaction=False, unrecorded=1).validate()


def test_non_finite_and_mistyped_answers_fail_with_a_reason(tasks):
    task = tasks[0]
    assert grade(task, '{"counterfactual": NaN}').reasons == ("outside_tolerance",)
    assert grade(task, '{"counterfactual": Infinity}').reasons == ("outside_tolerance",)
    assert grade(task, {"counterfactual": "1.0"}).reasons == ("schema_mismatch",)
