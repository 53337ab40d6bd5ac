import copy
import dataclasses
import json
import os
import random
import subprocess
import sys

import jsonschema
import networkx as nx
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs.causal import dag_from
from tools.registry import call_tool, get_tool

GRAPH_KINDS = gc.Config().mixed_kinds()  # the tool kind is tested in tests/generators/test_tool_kind.py


def _sample(kind, n=12, **knobs):
    config = base.config_from(gc, {"kind": kind, **knobs})
    return [gc.generate(config, 3, i) for i in range(n)]


@pytest.mark.parametrize("kind", GRAPH_KINDS)
def test_each_task_is_well_formed_and_its_reference_passes(kind):
    for task in _sample(kind):
        assert task.family == f"causal.{kind}" and task.grader == f"causal.{kind}"
        jsonschema.Draft202012Validator.check_schema(task.answer_schema)
        assert all(get_tool(name) for name in task.tools)
        dag = dag_from(task.truth["variables"], task.truth["dag"])
        edges = gc.KIND_DEFAULTS.get(kind, {}).get("edges", 8)
        assert dag.number_of_edges() == edges and nx.is_directed_acyclic_graph(dag)
        assert grade(task, task.truth["reference"]).passed, task.id
        assert task.meta["knobs"]["edges"] == edges and task.meta["seed"] == 3


@pytest.mark.parametrize("kind", GRAPH_KINDS)
def test_mutants_fail_and_enumerated_answers_pass(kind):
    for task in _sample(kind):
        assert all(not grade(task, m).passed for m in gc.mutants(task)), task.id
        answers = gc.enumerate_answers(task)
        estimates = kind in ("effect", "counterfactual") or kind == "identify" and "formula" not in (
            task.answer_schema["properties"])  # identify --compute formula lists its formula answers
        if estimates:
            assert answers is None  # a continuum of correct estimates
            continue
        assert answers and all(grade(task, a).passed for a in answers), task.id


@pytest.mark.parametrize("kind", GRAPH_KINDS)
def test_scripted_agents_and_probes_work_through_the_registries(kind):
    rng = random.Random(0)
    for task in _sample(kind, n=4):
        for answer in (gc.baseline(task, rng), gc.random_answer(task, rng)):
            assert grade(task, answer).reasons != ("schema_mismatch",)
        env = copy.deepcopy(task.env)
        calls = gc.probe_calls(task, rng)
        assert {name for name, _ in calls} == set(task.tools)
        assert all(not call_tool(name, args, env).is_error for name, args in calls)


def test_baselines_fail_where_the_task_is_built_against_them():
    for task in _sample("effect"):  # the generator rejects instances the unadjusted estimate would pass
        assert grade(task, gc.baseline(task, random.Random(0))).reasons == ("outside_tolerance",)


@pytest.mark.parametrize("kind", gc.KINDS)
def test_every_ladder_level_generates(kind):
    for level in gc.LADDERS[kind]:
        config = base.config_from(gc, {"kind": kind, **level})
        task = gc.generate(config, 0, 0)
        assert grade(task, task.truth["reference"]).passed


def test_reversed_edge_plants_a_reversal_that_changes_the_equivalence_class():
    for task in _sample("reversed_edge") + _sample("reversed_edge", binary=True):
        [[u, v]] = task.truth["reference"]["edges"]
        assert [v, u] in task.truth["dag"] and [u, v] in task.truth["proposed"]
        true = dag_from(task.truth["variables"], task.truth["dag"])
        proposed = dag_from(task.truth["variables"], task.truth["proposed"])
        assert nx.is_directed_acyclic_graph(proposed) and not nx.utils.graphs_equal(true, proposed)
        assert len(gc.enumerate_answers(task)) >= 1


def test_binary_data_holds_zeros_and_ones():
    task = _sample("reversed_edge", n=1, binary=True)[0]
    values = set(",".join(task.env["files"]["data.csv"].splitlines()[1:]).split(","))
    assert values == {"0", "1"} and task.env["ci_test"] == "chi_square"


def test_same_seed_same_task_other_index_other_task():
    config = gc.Config(kind="adjustment")
    assert gc.generate(config, 1, 5).to_json() == gc.generate(config, 1, 5).to_json()
    assert gc.generate(config, 1, 5).truth != gc.generate(config, 1, 6).truth
    assert gc.generate(config, 1, 5).truth != gc.generate(config, 2, 5).truth


def _cli(*args, hash_seed="0"):
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([sys.executable, "-m", "generators.causal", *args], capture_output=True, text=True,
                          env=env, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_the_cli_gives_the_same_bytes_under_any_hash_seed():
    n = str(2 * len(GRAPH_KINDS))
    first, second = _cli("--edges", "8", "--n", n), _cli("--edges", "8", "--n", n, hash_seed="12345")
    assert first.returncode == 0 and first.stdout == second.stdout
    kinds = [json.loads(line)["family"] for line in first.stdout.splitlines()]
    assert kinds == [f"causal.{k}" for k in GRAPH_KINDS] * 2


@pytest.mark.parametrize("argv, message", [
    (["--edges", "-1"], "--edges must be in 3..1770 for kind mixed, got -1"),
    (["--edges", "30", "--nodes", "5"], "--edges 30 is more than a DAG on 5 nodes can hold (10)"),
    (["--kind", "nope"], "argument --kind: invalid choice: 'nope'"),
    (["--hidden", "9", "--edges", "4"], "--hidden must be in 0..3"),
    (["--samples", "5"], "--samples must be in 20..100000, got 5"),
])
def test_bad_flags_give_one_error_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        base.main(gc, argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert [line for line in err.splitlines() if "error" in line] == [line for line in err.splitlines()
                                                                       if message in line]


def test_a_setting_without_instances_is_one_error_line_and_exit_2(capsys):
    # every reversal in a complete DAG stays in its equivalence class: there is nothing to plant
    assert base.main(gc, ["--kind", "reversed_edge", "--edges", "3", "--nodes", "3", "--n", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no reversed_edge instance in 200 random DAGs" in err


def test_config_validation_names_the_kind_when_edges_are_too_few():
    with pytest.raises(ValueError, match="--edges must be in 2..1770 for kind reversed_edge, got 1"):
        dataclasses.replace(gc.Config(), kind="reversed_edge", edges=1).validate()


def test_no_valid_adjustment_set_is_a_rare_answer_so_a_constant_null_cannot_score():
    config = gc.Config(kind="adjustment", edges=8)
    answers = [gc.generate(config, seed=3, index=i).truth["reference"]["adjustment_set"] for i in range(60)]
    assert 0 < answers.count(None) <= 6  # left to chance it would be about a third


def test_discover_from_data_keeps_only_data_from_which_pc_recovers_the_true_cpdag():
    from graphs.causal import cpdag_by_enumeration, from_csv, pc_cpdag

    for task in _sample("discover", n=4, edges=5, source="data", samples=1000):
        names, data = from_csv(task.env["files"]["data.csv"])
        directed, undirected = cpdag_by_enumeration(dag_from(task.truth["variables"], task.truth["dag"]))
        assert pc_cpdag(data, names, gc.PC_ALPHA) == (directed, undirected)
        assert task.truth["reference"] == {"directed": sorted(map(list, directed)),
                                           "undirected": sorted(sorted(p) for p in undirected)}
        assert f"alpha = {gc.PC_ALPHA}" in task.prompt and "oracle" not in task.prompt
        assert task.tools == ["ci_test", "python"] and "dag" not in task.env
        assert "partial correlation" in call_tool("ci_test", {"x": names[0], "y": names[1]}, task.env).text


def test_the_from_flag_names_its_choices():
    result = _cli("--kind", "discover", "--from", "both")
    assert result.returncode == 2 and "--from must be one of oracle, data, got 'both'" in result.stderr
