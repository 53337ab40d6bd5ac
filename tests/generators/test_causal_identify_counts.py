"""The identify kind on a counts table (the default): its truths checked by methods independent of the
generator (y0's verdict, brute-force searches for backdoor and front-door sets, the ACE summed over the
SCM's assignments, shortcuts recomputed here with pandas and least squares), its counts file, its prompt
and the reasons its grader gives."""
import collections
import copy
import io
import itertools
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs import causal as cg
from graphs import causal_id as ci
from graphs import causal_latent as cl
from tests.backdoor import has_backdoor_set, observed_sets
from tests.binary_scm import brute_force_ace
from tools.registry import call_tool


@pytest.fixture(scope="module")
def tasks():
    config = base.config_from(gc, {"kind": "identify"})
    return [gc.generate(config, 11, i) for i in range(8)]


def _dag(task):
    return cg.dag_from(task.truth["variables"], task.truth["dag"])


def _counts(task):
    return pd.read_csv(io.StringIO(task.env["files"]["counts.csv"]))


def _p(frame, values, given=None):
    """P(values | given) from the weighted counts (0 where the condition never occurs)."""
    def mass(assignment):
        rows = np.all([frame[v] == b for v, b in assignment.items()], axis=0) if assignment else slice(None)
        return frame["count"][rows].sum() / frame["count"].sum()
    given = given or {}
    condition = mass(given)
    return mass({**given, **values}) / condition if condition > 0 else 0.0


def _backdoor(frame, x, y, z):
    total = 0.0
    for values in itertools.product((0, 1), repeat=len(z)):
        a = dict(zip(z, values, strict=True))
        total += _p(frame, a) * (_p(frame, {y: 1}, {x: 1, **a}) - _p(frame, {y: 1}, {x: 0, **a}))
    return total


def _front_door(frame, x, y, m):
    total = 0.0
    for values in itertools.product((0, 1), repeat=len(m)):
        a = dict(zip(m, values, strict=True))
        inner = sum(_p(frame, {y: 1}, {x: b, **a}) * _p(frame, {x: b}) for b in (0, 1))
        total += (_p(frame, a, {x: 1}) - _p(frame, a, {x: 0})) * inner
    return total


def test_counts_is_the_default_and_the_file_is_the_whole_table_of_a_million_samples(tasks):
    for task in tasks:
        assert task.meta["knobs"]["scm"] == "counts" and task.meta["generator"] == f"causal/{gc.VERSION}"
        frame, observed = _counts(task), task.env["variables"]
        assert list(frame.columns) == [*observed, "count"] and task.tools == ["evaluate"]
        assert len(frame) == 2 ** len(observed) and frame["count"].sum() == 1_000_000
        assert len(frame.drop_duplicates(observed)) == len(frame)
        assert not set(task.truth["latent"]) & set(frame.columns)
        assert 8 <= len(observed) <= 10 and 3 <= len(task.truth["latent"]) <= 5
        assert f"For each of the {len(frame)} configurations of the observed variables" in task.prompt
        assert f"within {task.truth['tolerance']} of the true ACE" in task.prompt


def test_five_need_the_id_algorithm_three_are_subtle_hedges_and_all_eight_questions_differ(tasks):
    assert collections.Counter(t.truth["identifiable"] for t in tasks) == {True: 5, False: 3}
    assert len({base.question_keys(t) for t in tasks}) == 8
    for task in tasks:
        dag, x, y, latent = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["latent"]
        assert cl.is_identifiable(dag, latent, x, y) is task.truth["identifiable"], task.id
        assert not has_backdoor_set(dag, x, y, latent), task.id
        if task.truth["identifiable"]:  # no front-door set either, of any size
            assert not any(cl.satisfies_front_door(dag, x, y, m) for m in observed_sets(dag, x, y, latent))
        else:  # no bow: x is confounded neither with y nor with a child of x on the way to y
            bidirected = {tuple(p) for p in task.truth["projection"]["bidirected"]}
            observed = task.env["variables"]
            near = {y} | {c for c in dag.successors(x) if c in observed and nx.has_path(dag, c, y)}
            assert not any(tuple(sorted((x, v))) in bidirected for v in near), task.id


def test_the_true_ace_is_the_brute_force_sum_over_the_scm(tasks):
    for task in tasks:
        assert brute_force_ace(task) == pytest.approx(task.truth["effect"], abs=1e-9), task.id


def test_the_true_effect_passes_and_each_shortcut_recomputed_here_fails_by_its_code(tasks):
    for task in (t for t in tasks if t.truth["identifiable"]):
        dag, x, y = _dag(task), task.truth["treatment"], task.truth["outcome"]
        frame, effect, tol = _counts(task), task.truth["effect"], task.truth["tolerance"]
        assert grade(task, {"identifiable": True, "effect": effect}).passed
        assert grade(task, task.truth["reference"]).passed
        assert not grade(task, {"identifiable": True, "effect": 0.0}).passed  # "no effect" is no answer
        observed = task.env["variables"]
        parents = sorted(set(dag.predecessors(x)) & set(observed))
        pretreatment = sorted(set(observed) - nx.descendants(dag, x) - {x, y})
        design = np.column_stack([np.ones(len(frame)), frame[[x, *parents]].to_numpy(float)])
        root = np.sqrt(frame["count"].to_numpy(float))[:, None]  # weighted least squares by the counts
        linear = np.linalg.lstsq(design * root, frame[y].to_numpy(float) * root[:, 0], rcond=None)[0][1]
        shortcuts = {"naive_regression": _backdoor(frame, x, y, []),
                     "parent_adjusted_estimate": _backdoor(frame, x, y, parents),
                     "pretreatment_adjusted": _backdoor(frame, x, y, pretreatment),
                     "linear_estimate": linear}
        nearest = sorted(set(dag.successors(x)) & set(observed) & nx.ancestors(dag, y))
        if nearest:
            shortcuts["front_door_nearest"] = _front_door(frame, x, y, nearest)
        assert set(shortcuts) == set(task.truth["shortcuts"]), task.id
        for code, value in shortcuts.items():
            assert value == pytest.approx(task.truth["shortcuts"][code], abs=1e-9), (task.id, code)
            assert abs(value - effect) > tol, (task.id, code)
            reasons = grade(task, {"identifiable": True, "effect": float(value)}).reasons
            assert reasons[0] in shortcuts, (task.id, code, reasons)
            if all(abs(other - value) > 2 * tol for c, other in shortcuts.items() if c != code):
                assert reasons == (code,), (task.id, code)


def test_the_id_functional_passes_however_written_and_whatever_0_over_0_is_taken_as(tasks):
    for task in (t for t in tasks if t.truth["identifiable"]):
        frame, observed = _counts(task), task.env["variables"]
        p = (frame["count"] / frame["count"].sum()).to_numpy().reshape((1,) + (2,) * len(observed))
        projection = task.truth["projection"]
        for late_first, empty in itertools.product((False, True), (0.0, 0.5, 1.0)):
            value = ci.ace(p, observed, projection["directed"], projection["bidirected"],
                           task.truth["treatment"], task.truth["outcome"], late_first=late_first, empty=empty)
            assert grade(task, {"identifiable": True, "effect": float(value[0])}).passed, task.id


def test_three_kinds_of_wrong_answer_are_graded_apart(tasks):
    identifiable = next(t for t in tasks if t.truth["identifiable"])
    hedge = next(t for t in tasks if not t.truth["identifiable"])
    assert grade(identifiable, {"identifiable": False}).reasons == ("missed_identifiable",)
    claimed = {"identifiable": True, "effect": hedge.truth["effect"]}  # even with the true ACE
    assert grade(hedge, claimed).reasons == ("not_identifiable",)
    assert grade(hedge, {"identifiable": False}).passed
    off = identifiable.truth["effect"] + 50 * identifiable.truth["tolerance"] + 1
    assert grade(identifiable, {"identifiable": True, "effect": off}).reasons == ("outside_tolerance",)


def test_the_python_tool_reads_the_counts_and_sees_no_latent():
    task = gc.generate(base.config_from(gc, {"kind": "identify", "compute": "python"}), 11, 0)
    result = call_tool("python", {"code": "import numpy as np\n"
                                          "d = np.genfromtxt('counts.csv', delimiter=',', names=True)\n"
                                          "print(int(d['count'].sum()), d.dtype.names)"},
                       copy.deepcopy(task.env))
    assert "1000000" in result.text and not any(f"'{v}'" in result.text for v in task.truth["latent"])


def test_samples_may_reach_the_hundred_millions_on_counts_only():
    assert base.config_from(gc, {"kind": "identify", "samples": 10 ** 7}).samples == 10 ** 7
    with pytest.raises(ValueError, match="--samples must be in 20..100000"):
        base.config_from(gc, {"kind": "identify", "scm": "binary", "samples": 10 ** 6})


def test_the_cli_gives_the_same_bytes_under_any_hash_seed():
    def run(hash_seed):
        return subprocess.run([sys.executable, "-m", "generators.causal", "--kind", "identify", "--n", "2",
                               "--seed", "4"], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed},
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__)))).stdout
    first = run("0")
    assert first == run("4242") and len(first.splitlines()) == 2
