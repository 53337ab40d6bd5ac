"""The identify kind on binary data (--scm binary, the old default, a ladder level): its truths checked by
methods independent of the generator (a brute-force sum over the SCM's assignments, y0 and a brute-force
backdoor search, plug-in estimates and shortcuts recomputed here with pandas and least squares), its prompt
and its grader's reasons."""
import collections
import copy
import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs import causal as cg
from graphs import causal_latent as cl
from tests.backdoor import has_backdoor_set, observed_sets
from tests.binary_scm import brute_force_ace
from tools.registry import call_tool


@pytest.fixture(scope="module")
def tasks():
    config = base.config_from(gc, {"kind": "identify", "scm": "binary", "edges": 16, "hidden": 3})
    return [gc.generate(config, 11, i) for i in range(8)]


def _dag(task):
    return cg.dag_from(task.truth["variables"], task.truth["dag"])


def _frame(task):
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    return pd.DataFrame(data.astype(int), columns=names)


def _backdoor_by_pandas(frame, x, y, z):
    """sum_z P(z) (P(y=1 | x=1, z) - P(y=1 | x=0, z)), strata with one arm empty counting as 0 there."""
    if not z:
        means = frame.groupby(x)[y].mean()
        return means.get(1, 0.0) - means.get(0, 0.0)
    weights = frame.groupby(z).size() / len(frame)
    means = frame.groupby(z + [x])[y].mean()
    return sum(w * (means.get((*np.atleast_1d(k), 1), 0.0) - means.get((*np.atleast_1d(k), 0), 0.0))
               for k, w in weights.items())


def _front_door_by_pandas(frame, x, y, m):
    """sum_m (P(m | x=1) - P(m | x=0)) sum_x' P(y=1 | m, x') P(x')."""
    p_x = frame[x].value_counts(normalize=True)
    total = 0.0
    for values in itertools.product((0, 1), repeat=len(m)):
        cell = np.all([frame[v] == b for v, b in zip(m, values, strict=True)], axis=0)
        p_m = [cell[frame[x] == a].mean() for a in (0, 1)]
        inner = sum(frame[y][cell & (frame[x] == a)].mean() * p_x.get(a, 0.0)
                    for a in (0, 1) if (cell & (frame[x] == a)).any())
        total += (p_m[1] - p_m[0]) * inner
    return total


def _coefficient(frame, target, regressors, of):
    design = np.column_stack([np.ones(len(frame))] + [frame[v] for v in regressors])
    return np.linalg.lstsq(design, frame[target].to_numpy(float), rcond=None)[0][1 + regressors.index(of)]


def test_binary_data_have_10000_rows_and_the_prompt_states_the_data_the_ace_and_the_tolerance(tasks):
    for task in tasks:
        assert task.meta["knobs"]["scm"] == "binary" and task.meta["knobs"]["samples"] == 10_000
        x, y = task.truth["treatment"], task.truth["outcome"]
        assert "is binary (0 or 1)" in task.prompt and "not given" in task.prompt
        assert f"ACE = P({y} = 1 | do({x} = 1)) - P({y} = 1 | do({x} = 0))" in task.prompt
        assert f"within {task.truth['tolerance']} of the true ACE" in task.prompt
        assert set(np.unique(_frame(task).to_numpy())) <= {0, 1}
        result = call_tool("ci_test", {"x": x, "y": y, "given": []}, copy.deepcopy(task.env))
        assert "chi-square" in result.text


def test_each_sort_in_its_share_and_eight_distinct_questions(tasks):
    sorts = collections.Counter(t.truth["estimator"] for t in tasks)
    assert sorts == {"backdoor": 3, "front-door": 2, None: 3}, sorts
    assert sum(bool(t.truth["instrument"]) and not t.truth["identifiable"] for t in tasks) == 1
    assert len({base.question_keys(t) for t in tasks}) == 8


def test_identifiability_agrees_with_y0_and_with_brute_force(tasks):
    for task in tasks:
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        assert cl.is_identifiable(dag, latent, x, y) is task.truth["identifiable"], task.id
        has_backdoor = has_backdoor_set(dag, x, y, latent)
        if task.truth["estimator"] == "front-door":
            assert not has_backdoor and cl.satisfies_front_door(dag, x, y, task.truth["estimator_set"])
        else:
            assert has_backdoor is task.truth["identifiable"], task.id


def test_the_true_ace_is_the_brute_force_sum_over_the_scm(tasks):
    for task in tasks:
        assert brute_force_ace(task) == pytest.approx(task.truth["effect"], abs=1e-9), task.id


def test_every_valid_plug_in_passes_and_each_shortcut_fails_by_its_code(tasks):
    for task in (t for t in tasks if t.truth["identifiable"]):
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        frame, effect, tol = _frame(task), task.truth["effect"], task.truth["tolerance"]
        observed = sorted(set(dag) - set(latent) - {x, y})
        subsets = [list(z) for z in observed_sets(dag, x, y, latent)]
        if task.truth["estimator"] == "backdoor":
            right = [_backdoor_by_pandas(frame, x, y, z) for z in subsets
                     if cg.blocks_backdoor_paths(dag, x, y, z)]
        else:
            right = [_front_door_by_pandas(frame, x, y, m) for m in subsets
                     if m and cl.satisfies_front_door(dag, x, y, m)]
        assert right, task.id
        for estimate in right:  # any valid set's plug-in, computed here, passes
            assert grade(task, {"identifiable": True, "effect": float(estimate)}).passed, task.id
        parents = sorted(set(dag.predecessors(x)) - set(latent))
        chosen = task.truth["estimator_set"]
        linear = (_coefficient(frame, y, [x, *chosen], x) if task.truth["estimator"] == "backdoor" else
                  sum(_coefficient(frame, m, [x], x) * _coefficient(frame, y, [*chosen, x], m) for m in chosen))
        shortcuts = {"naive_regression": _backdoor_by_pandas(frame, x, y, []),
                     "parent_adjusted_estimate": _backdoor_by_pandas(frame, x, y, parents),
                     "linear_estimate": linear}
        pretreatment = sorted(set(observed) - nx.descendants(dag, x))
        if not cg.blocks_backdoor_paths(dag, x, y, pretreatment):  # "adjust for everything before x"
            shortcuts["pretreatment_adjusted"] = _backdoor_by_pandas(frame, x, y, pretreatment)
        for code, value in shortcuts.items():
            assert abs(value - effect) > tol, (task.id, code)
            reasons = grade(task, {"identifiable": True, "effect": float(value)}).reasons
            assert reasons[0] in shortcuts, (task.id, code, reasons)
            if all(abs(other - value) > 2 * tol for c, other in shortcuts.items() if c != code):
                assert reasons == (code,), (task.id, code)


def test_adjusting_for_every_pre_treatment_variable_is_a_trap_on_some_tasks(tasks):
    trapped = [t for t in tasks if t.truth["identifiable"] and "pretreatment_adjusted" in t.truth["shortcuts"]]
    assert trapped  # the front-door ones: no observed set blocks the latent's path
    for task in trapped:
        value = task.truth["shortcuts"]["pretreatment_adjusted"]
        assert grade(task, {"identifiable": True, "effect": value}).reasons[0] in task.truth["shortcuts"]


def test_the_wald_ratio_of_the_look_alike_is_graded_as_identified_by_linearity(tasks):
    look_alike = next(t for t in tasks if t.truth["instrument"] and not t.truth["identifiable"])
    z, w = look_alike.truth["instrument"]
    frame, x, y = _frame(look_alike), look_alike.truth["treatment"], look_alike.truth["outcome"]
    wald = _coefficient(frame, y, [z, *w], z) / _coefficient(frame, x, [z, *w], z)
    assert grade(look_alike, {"identifiable": True, "effect": float(wald)}).reasons == ("identified_by_linearity",)
    assert grade(look_alike, {"identifiable": False}).passed


def test_the_easiest_ladder_level_is_linear_and_binary_levels_follow():
    ladder = gc.LADDERS["identify"]
    assert ladder[0]["scm"] == "linear" and ladder[-3]["scm"] == "binary" and ladder[-1]["scm"] == "counts"
    assert ladder[-2]["compute"] == "python" and ladder[-1]["compute"] == "formula"  # the default, hardest
    assert {"edges": 16, "hidden": 3, "samples": 10_000, "scm": "binary"} in ladder  # the v8 default
    with pytest.raises(ValueError, match="--scm must be one of binary, counts, linear"):
        base.config_from(gc, {"kind": "identify", "scm": "logistic"})
    assert base.config_from(gc, {"kind": "identify", "scm": "linear"}).samples == 500


def test_the_python_tool_sees_binary_columns_of_the_observed_variables(tasks):
    task = tasks[0]
    result = call_tool("python", {"code": "import pandas as pd\nd = pd.read_csv('data.csv')\n"
                                          "print(sorted(int(v) for v in set(d.values.ravel())), list(d.columns))"},
                       copy.deepcopy(task.env))
    assert "[0, 1]" in result.text and not any(f"'{v}'" in result.text for v in task.truth["latent"])
