"""The identify kind: its truths checked against methods independent of the generator (brute-force
backdoor and front-door search, y0, least squares here, a simulated intervention), its prompt, its
tools' view of the data, and its grader's reasons."""
import collections
import copy
import itertools

import networkx as nx
import numpy as np
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs import causal as cg
from graphs import causal_latent as cl
from tests.backdoor import has_backdoor_set, observed_sets
from tools.registry import call_tool


def _tasks(n=24, **knobs):
    config = base.config_from(gc, {"kind": "identify", "scm": "linear", "edges": 16, "hidden": 3, **knobs})
    return [gc.generate(config, 11, i) for i in range(n)]


@pytest.fixture(scope="module")
def tasks():
    return _tasks()


def _dag(task):
    return cg.dag_from(task.truth["variables"], task.truth["dag"])


def _slope(task, adjust):
    """The coefficient of x in the least-squares regression of y on x and `adjust`, from data.csv."""
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    cols = [names.index(v) for v in [task.truth["treatment"], *adjust]]
    design = np.column_stack([np.ones(len(data)), data[:, cols]])
    return np.linalg.lstsq(design, data[:, names.index(task.truth["outcome"])], rcond=None)[0][1]


def _slope_of(task, target, z, w):
    """The coefficient of z in the least-squares regression of `target` on z and w, from data.csv."""
    names, data = cg.from_csv(task.env["files"]["data.csv"])
    design = np.column_stack([np.ones(len(data))] + [data[:, names.index(v)] for v in [z, *w]])
    return np.linalg.lstsq(design, data[:, names.index(target)], rcond=None)[0][1]


def _simulated_effect(task):
    """E[y | do(x = 1)] - E[y | do(x = 0)] with shared noise: the SCM run forward twice."""
    dag, w = _dag(task), {(u, v): c for u, v, c in task.truth["weights"]}
    noise = dict(zip(dag, np.random.default_rng(0).standard_normal(len(dag)), strict=True))
    outcomes = []
    for value in (0.0, 1.0):
        vals = {}
        for v in nx.topological_sort(dag):
            vals[v] = value if v == task.truth["treatment"] else noise[v] + sum(
                w[p, v] * vals[p] for p in dag.predecessors(v))
        outcomes.append(vals[task.truth["outcome"]])
    return outcomes[1] - outcomes[0]


def test_identifiability_agrees_with_y0_and_with_brute_force(tasks):
    for task in tasks:
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        assert cl.is_identifiable(dag, latent, x, y) is task.truth["identifiable"], task.id
        observed = sorted(set(dag) - set(latent) - {x, y})
        has_backdoor = has_backdoor_set(dag, x, y, latent)
        if not task.truth["identifiable"]:
            assert not has_backdoor, task.id
        elif task.truth["estimator"] == "backdoor":
            assert cg.blocks_backdoor_paths(dag, x, y, task.truth["estimator_set"]), task.id
        elif task.truth["estimator"] == "front-door":
            assert not has_backdoor and cl.satisfies_front_door(dag, x, y, task.truth["estimator_set"])
        else:  # identifiable only by the ID algorithm's longer expressions: no front-door set either
            assert task.truth["estimator"] == "instrument" and not has_backdoor, task.id
            assert not any(cl.satisfies_front_door(dag, x, y, m) for k in (1, 2, 3)
                           for m in itertools.combinations(observed, k)), task.id
        if task.truth["instrument"]:
            assert _is_instrument_by_paths(dag, x, y, *task.truth["instrument"]), task.id


def _is_instrument_by_paths(dag, x, y, z, w):
    """The conditional instrument criterion path by path: z is not a descendant of x, w holds no descendant
    of x, every path between z and y that avoids x's outgoing edges is blocked by w, and some path between
    z and x is open given w."""
    w = set(w)
    if (w | {z}) & (nx.descendants(dag, x) | {x, y}):
        return False
    cut = cg.backdoor_graph(dag, x)

    def open_path(graph, path):
        for a, b, c in zip(path, path[1:], path[2:], strict=False):
            if graph.has_edge(a, b) and graph.has_edge(c, b):  # a collider: open iff it or one below is in w
                if not (nx.descendants(graph, b) | {b}) & w:
                    return False
            elif b in w:
                return False
        return True

    skeleton = cut.to_undirected(as_view=True)
    blocked = not any(open_path(cut, p) for p in nx.all_simple_paths(skeleton, z, y))
    to_x = nx.all_simple_paths(dag.to_undirected(as_view=True), z, x)
    return blocked and any(open_path(dag, p) for p in to_x)


def test_the_linear_sample_has_large_graphs_with_several_latents(tasks):
    for task in tasks:
        assert len(task.truth["variables"]) >= 10 and len(task.truth["latent"]) == 3, task.id
        assert task.meta["knobs"]["edges"] == 16 and task.meta["knobs"]["hidden"] == 3


def test_each_sort_in_its_share_and_naive_identifiability_rules_fail_often(tasks):
    """Rule 1: "a latent is a common cause of x and another observed variable, so not identifiable".
    Rule 2: "identifiable when some backdoor set of observed variables exists". Each is checked here on
    the projection and by brute force, independently of the generator's bookkeeping."""
    sorts = collections.Counter(t.truth["estimator"] for t in tasks)  # dealt in blocks of eight
    assert sorts == {"front-door": 3, "instrument": 12, None: 9}, sorts
    look_alikes = sum(bool(t.truth["instrument"]) and not t.truth["identifiable"] for t in tasks)
    assert look_alikes == 3  # an instrument identifies these in a linear model only
    rule1 = rule2 = 0
    for task in tasks:
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        _, bidirected = cl.latent_projection(dag, latent)
        says1 = not any(x in pair for pair in bidirected)
        says2 = has_backdoor_set(dag, x, y, latent)
        rule1 += says1 != task.truth["identifiable"]
        rule2 += says2 != task.truth["identifiable"]
    assert rule1 >= len(tasks) / 2 and rule2 >= len(tasks) / 5, (rule1, rule2)
    look_alikes = [t for t in tasks if not t.truth["identifiable"] and not _dag(t).has_edge(
        t.truth["treatment"], t.truth["outcome"]) and not nx.descendants(_dag(t), t.truth["treatment"])
        & set(t.truth["latent"])]
    assert len(look_alikes) >= 2  # every causal path through observed mediators, yet not identifiable


def test_the_old_default_is_an_easy_ladder_level():
    assert {"edges": 8, "hidden": 2}.items() <= gc.LADDERS["identify"][1].items()
    easy = _tasks(8, **gc.LADDERS["identify"][0])
    assert all(len(t.truth["latent"]) == 1 for t in easy)
    backdoor = [t for t in easy if t.truth["estimator"] == "backdoor"]  # in place of napkins, too big here
    assert len(backdoor) == 4
    for task in backdoor:  # the stated set, recomputed here, passes
        estimate = float(_slope(task, task.truth["estimator_set"]))
        assert grade(task, {"identifiable": True, "effect": estimate}).passed, task.id


def test_the_textbook_rule_backdoor_or_front_door_else_not_identifiable_fails_on_half(tasks):
    """The shortcut players used: look for a backdoor or a front-door set (found here by brute force),
    estimate by it, else say not identifiable. Wrong on every napkin."""
    wrong = 0
    for task in tasks:
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        sets = observed_sets(dag, x, y, latent, most=3)
        says = has_backdoor_set(dag, x, y, latent, most=3) or any(
            cl.satisfies_front_door(dag, x, y, m) for m in sets if m)
        wrong += says != task.truth["identifiable"]
    assert wrong >= len(tasks) / 2, wrong


def test_the_naive_and_parent_adjusted_regressions_both_miss_the_true_effect(tasks):
    for task in tasks:
        effect, tol = task.truth["effect"], task.truth["tolerance"]
        assert _simulated_effect(task) == pytest.approx(effect, abs=1e-9)
        if not task.truth["identifiable"]:
            continue
        parents = sorted(set(_dag(task).predecessors(task.truth["treatment"])) - set(task.truth["latent"]))
        assert abs(_slope(task, []) - effect) > tol and abs(_slope(task, parents) - effect) > tol, task.id
        for slope, code in ((_slope(task, []), "naive_regression"),
                            (_slope(task, parents), "parent_adjusted_estimate")):  # each named by its trap
            reasons = grade(task, {"identifiable": True, "effect": float(slope)}).reasons
            assert reasons in (("naive_regression",), ("parent_adjusted_estimate",)), task.id
            other = _slope(task, parents if code == "naive_regression" else [])
            if abs(other - slope) > 2 * tol:  # the two shortcuts far apart: no doubt which one it is
                assert reasons == (code,), task.id
        if task.truth["estimator"] == "backdoor":  # the stated estimator, recomputed here, passes
            estimate = float(_slope(task, task.truth["estimator_set"]))
            assert grade(task, {"identifiable": True, "effect": estimate}).passed, task.id
        if task.truth["estimator"] == "instrument":  # the conditional IV ratio, recomputed here, passes
            z, w = task.truth["instrument"]
            iv = _slope_of(task, task.truth["outcome"], z, w) / _slope_of(task, task.truth["treatment"], z, w)
            assert grade(task, {"identifiable": True, "effect": float(iv)}).passed, task.id


def test_the_prompt_states_what_is_graded_and_the_tools_see_only_observed_variables(tasks):
    for task in tasks:
        assert f"within {task.truth['tolerance']} of the true effect" in task.prompt
        assert "non-parametrically" in task.prompt and "do-calculus" in task.prompt
        assert f"The variables {', '.join(task.truth['latent'])} are unobserved" in task.prompt
        names, _ = cg.from_csv(task.env["files"]["data.csv"])
        assert names == task.env["variables"] and not set(names) & set(task.truth["latent"])
        result = call_tool("ci_test", {"x": task.truth["latent"][0], "y": task.truth["outcome"]},
                           copy.deepcopy(task.env))
        assert result.is_error and "unknown variable" in result.text


def test_the_grader_names_each_kind_of_wrong_answer(tasks):
    yes = next(t for t in tasks if t.truth["identifiable"])
    no = next(t for t in tasks if not t.truth["identifiable"])
    assert grade(no, {"identifiable": True, "effect": no.truth["effect"]}).reasons == (
        "identified_by_linearity" if no.truth["instrument"] else "not_identifiable",)
    instrumented = next(t for t in tasks if t.truth["instrument"] and not t.truth["identifiable"])
    z, w = instrumented.truth["instrument"]
    iv = _slope_of(instrumented, instrumented.truth["outcome"], z, w) / _slope_of(
        instrumented, instrumented.truth["treatment"], z, w)  # the linear IV estimate, found here
    assert abs(iv - instrumented.truth["effect"]) <= instrumented.truth["tolerance"]  # right, yet not asked
    linear_answer = {"identifiable": True, "effect": float(iv)}
    assert grade(instrumented, linear_answer).reasons == ("identified_by_linearity",)
    assert grade(no, {"identifiable": False, "effect": 3.0}).passed  # an effect given with false is ignored
    assert grade(yes, {"identifiable": False}).reasons == ("missed_identifiable",)
    assert grade(yes, {"identifiable": True}).reasons == ("missing_estimate",)
    tol, shortcuts = yes.truth["tolerance"], yes.truth["shortcuts"].values()
    far = next(yes.truth["effect"] + k * tol for k in (1.001, -1.001, 3.0, -3.0, 5.0)
               if all(abs(yes.truth["effect"] + k * tol - s) > tol for s in shortcuts))  # near no shortcut
    assert grade(yes, {"identifiable": True, "effect": far}).reasons == ("outside_tolerance",)
    assert grade(yes, '{"identifiable": true, "effect": NaN}').reasons == ("outside_tolerance",)
    assert grade(yes, {"identifiable": "yes", "effect": 1.0}).reasons == ("schema_mismatch",)
    assert grade(yes, {"identifiable": True, "effect": yes.truth["effect"]}).passed


def test_mixed_leaves_identify_out_when_the_graph_is_too_small_for_it():
    assert "identify" not in gc.Config(edges=3).mixed_kinds()
    assert "identify" in gc.Config(edges=8).mixed_kinds()


def test_identify_needs_an_unobserved_variable():
    with pytest.raises(ValueError, match="--hidden must be at least 1 for kind identify"):
        base.config_from(gc, {"kind": "identify", "hidden": 0})
