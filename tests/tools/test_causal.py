import copy

import numpy as np
import pytest
from scipy import stats

from generators import causal as gc
from graphs.causal import random_dag, random_weights, sample_linear_gaussian, to_csv
from tools.registry import anthropic_tools, call_tool, counted

# A -> B -> C -> D <- E
CHAIN_AND_COLLIDER = {"variables": ["A", "B", "C", "D", "E"], "ci_test": "d_separation", "budget": 3,
                      "dag": [["A", "B"], ["B", "C"], ["C", "D"], ["E", "D"]]}


def test_every_causal_tool_exports_a_schema_and_given_is_optional():
    (ci,) = anthropic_tools(["ci_test"])
    assert ci["input_schema"]["required"] == ["x", "y"]
    assert ci["input_schema"]["properties"]["given"]["type"] == ["array", "null"]
    assert len(anthropic_tools(["parents", "children", "ci_test", "python"])) == 4


def test_parents_and_children_read_the_hidden_dag():
    env = CHAIN_AND_COLLIDER
    assert call_tool("parents", {"node": "D"}, env).text == "parents of D: C, E"
    assert call_tool("children", {"node": "D"}, env).text == "children of D: none"
    result = call_tool("parents", {"node": "Q"}, env)
    assert result.is_error and "unknown variable 'Q'; the variables are A, B, C, D, E" in result.text


@pytest.mark.parametrize("given, separated", [
    ([], False), (["B"], True),  # a chain is blocked by its middle
    (["D"], False),  # conditioning on a node off the chain leaves it open
])
def test_oracle_answers_d_separation_of_a_chain(given, separated):
    result = call_tool("ci_test", {"x": "A", "y": "C", "given": given}, copy.deepcopy(CHAIN_AND_COLLIDER))
    assert ("d-separated" in result.text) == separated and not result.is_error


def test_oracle_sees_a_collider_opened_by_conditioning():
    env = copy.deepcopy(CHAIN_AND_COLLIDER)
    assert "d-separated" in call_tool("ci_test", {"x": "A", "y": "E"}, env).text
    assert "d-connected" in call_tool("ci_test", {"x": "A", "y": "E", "given": ["D"]}, env).text


def test_oracle_counts_its_budget_down_in_the_env_copy_only():
    env = copy.deepcopy(CHAIN_AND_COLLIDER)
    shown = [counted(call_tool("ci_test", {"x": "A", "y": "E", "given": []}, env), ["ci_test"], env).for_model
             for _ in range(3)]
    assert [t.splitlines()[-1] for t in shown] == [f"[calls left: {n} of ci_test]" for n in (2, 1, 0)]
    assert all("left" not in t.splitlines()[0] for t in shown)  # one count, the harness's line
    spent = call_tool("ci_test", {"x": "A", "y": "E", "given": []}, env)
    assert spent.is_error and "budget is spent" in spent.text
    assert CHAIN_AND_COLLIDER["budget"] == 3


@pytest.mark.parametrize("args, fragment", [
    ({"x": "A", "y": "A"}, "must not overlap"),
    ({"x": "A", "y": "B", "given": ["B"]}, "must not overlap"),
    ({"x": "A", "y": "B", "given": ["nope"]}, "unknown variable 'nope'"),
])
def test_ci_test_rejects_bad_arguments_without_spending_budget(args, fragment):
    env = copy.deepcopy(CHAIN_AND_COLLIDER)
    result = call_tool("ci_test", args, env)
    assert result.is_error and fragment in result.text and env["budget"] == 3


def _data_env(ci_test="partial_correlation"):
    rng = np.random.default_rng(0)
    dag = random_dag(rng, 4, 4)
    data = np.round(sample_linear_gaussian(rng, dag, random_weights(rng, dag), 300), 3)
    files = {"data.csv": to_csv(list(dag), data, "%.3f")}
    return {"variables": list(dag), "files": files, "ci_test": ci_test}, data


def test_partial_correlation_on_data_matches_scipy_on_regression_residuals():
    env, data = _data_env()
    text = call_tool("ci_test", {"x": "A", "y": "B", "given": ["D", "C"]}, env).text
    design = np.column_stack([np.ones(len(data)), data[:, [2, 3]]])
    resid = [data[:, k] - design @ np.linalg.lstsq(design, data[:, k], rcond=None)[0] for k in (0, 1)]
    r = stats.pearsonr(*resid).statistic
    assert text.startswith("A vs B given {C, D}: partial correlation ") and f"{r:.4f}" in text
    assert "(n=300)" in text


def test_chi_square_mode_reports_degrees_of_freedom():
    task = gc.generate(gc.Config(kind="reversed_edge", binary=True, edges=4), 0, 0)
    a, b, c = task.env["variables"][:3]
    text = call_tool("ci_test", {"x": a, "y": b, "given": [c]}, task.env).text
    assert "chi-square" in text and "degrees of freedom" in text and "p-value" in text


@pytest.mark.parametrize("config, oracle", [
    (gc.Config(kind="discover", edges=3), True),
    (gc.Config(kind="discover", edges=3, source="data"), False),
    (gc.Config(kind="effect", edges=4), False),
    (gc.Config(kind="reversed_edge", edges=4, binary=True), False),
])
def test_a_task_is_shown_the_ci_test_of_its_own_mode_only(config, oracle):
    task = gc.generate(config, 0, 0)
    (ci,) = [t for t in anthropic_tools(task.tools, task.env) if t["name"] == "ci_test"]
    said = ci["description"].lower()
    assert ("oracle" in said, "d-separat" in said, "p-value" in said) == (oracle, oracle, not oracle), said
    assert ci["input_schema"] == anthropic_tools(["ci_test"])[0]["input_schema"]  # one schema, both forms
    x, y = task.env["variables"][:2]
    text = call_tool("ci_test", {"x": x, "y": y}, copy.deepcopy(task.env)).text
    assert ("d-separated" in text or "d-connected" in text) == oracle and ("p-value" in text) != oracle
