"""identify --compute formula (the default on counts): the evaluate tool's language checked against
estimators computed another way (graphs.causal_discrete's plug-ins, the napkin formula of the literature on
an exact distribution, pandas on the counts), its errors on hostile formulas, and the scripted strategy (the
ID algorithm written out as a formula, tests/symbolic_id.py) passing every identifiable default task through
the tool alone."""
import copy
import io
import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from generators import base
from generators import causal as gc
from graders import grade
from graphs import causal_discrete as cd
from graphs import causal_formula as cf
from tests.symbolic_id import ace_formula
from tools.registry import call_tool


@pytest.fixture(scope="module")
def tasks():
    return [gc.generate(base.config_from(gc, {"kind": "identify"}), 5, i) for i in range(8)]


def _evaluate(task, formula):
    return call_tool("evaluate", {"formula": formula}, copy.deepcopy(task.env))


def test_the_default_runs_no_code_and_names_its_tool(tasks):
    for task in tasks:
        assert task.tools == ["evaluate"] and "python" not in task.prompt
        assert "Tool: evaluate" in task.prompt and "counts.csv" not in task.prompt
    python = gc.generate(base.config_from(gc, {"kind": "identify", "compute": "python"}), 5, 0)
    assert python.tools == ["python"] and "counts.csv" in python.prompt
    assert python.truth == tasks[0].truth  # the same instance either way: only the access differs
    with pytest.raises(ValueError, match="--compute must be one of formula, python"):
        base.config_from(gc, {"kind": "identify", "compute": "code"})


def test_backdoor_and_front_door_formulas_equal_the_plug_in_estimators():
    rng = np.random.default_rng(0)
    names = ["X", "Y", "Z", "W"]
    table = rng.random((2, 2, 2, 2))
    d, t = cf.Distribution(table, names), cd.Table(table[None] / table.sum(), names)
    backdoor = 'sum("Z, W", P("Y=1 | X=1, Z, W") * P("Z, W"))'
    assert cf.evaluate(backdoor, d) == pytest.approx(float(cd.backdoor(t, "X", "Y", ["Z", "W"], 1)[0]))
    front = "sum('Z', P('Z | X=0') * sum('X', P('Y=1 | Z, X') * P('X')))"
    assert cf.evaluate(front, d) == pytest.approx(float(cd.front_door(t, "X", "Y", ["Z"], 0)[0]))
    assert cf.evaluate("-P('X=1') + 2 * (1 - P('X=0')) / 2", d) == pytest.approx(0.0, abs=1e-12)


def test_the_napkin_formula_gives_the_exact_effect():
    """Pearl's napkin, W -> R -> X -> Y with latents between W and X and between W and Y: the effect is
    sum_w P(x, y | r, w) P(w) / sum_w P(x | r, w) P(w), for any r (Causality, 2nd ed., section 4.4)."""
    dag = nx.DiGraph([("W", "R"), ("R", "X"), ("X", "Y"), ("U1", "W"), ("U1", "X"), ("U2", "W"), ("U2", "Y")])
    rng = np.random.default_rng(3)
    for _ in range(5):
        cpts = cd.random_cpts(rng, dag)
        observed = ["W", "R", "X", "Y"]
        d = cf.Distribution(cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)[0], observed)
        napkin = ("sum('W', P('X={x}, Y=1 | R=0, W') * P('W')) / sum('W', P('X={x} | R=0, W') * P('W'))")
        ace = cf.evaluate(napkin.format(x=1), d) - cf.evaluate(napkin.format(x=0), d)
        assert ace == pytest.approx(cd.exact_ace(dag, cpts, "X", "Y"), abs=1e-9)


def test_probabilities_agree_with_pandas_on_the_counts(tasks):
    task = tasks[0]
    frame = pd.read_csv(io.StringIO(task.env["files"]["counts.csv"]))
    x, y = task.truth["treatment"], task.truth["outcome"]
    share = frame[(frame[x] == 1) & (frame[y] == 1)]["count"].sum() / frame[frame[x] == 1]["count"].sum()
    result = _evaluate(task, f"P('{y}=1 | {x}=1')")
    assert not result.is_error and float(result.text.split()[1]) == pytest.approx(share, abs=1e-6)
    naive = _evaluate(task, f"P('{y}=1 | {x}=1') - P('{y}=1 | {x}=0')")
    naive_value = task.truth["shortcuts"]["naive_regression"]
    assert float(naive.text.split()[1]) == pytest.approx(naive_value, abs=1e-6)


def test_the_scripted_strategy_passes_every_identifiable_task_through_the_tool(tasks):
    identifiable = [t for t in tasks if t.truth["identifiable"]]
    assert len(identifiable) >= 4
    for task in identifiable:
        projection = task.truth["projection"]
        formula = ace_formula(task.env["variables"], [tuple(e) for e in projection["directed"]],
                              [tuple(e) for e in projection["bidirected"]], task.truth["treatment"],
                              task.truth["outcome"])
        result = _evaluate(task, formula)
        assert not result.is_error, result.text
        value = float(result.text.split()[1])
        assert grade(task, {"identifiable": True, "effect": value}).passed
        assert abs(value - task.truth["reference"]["effect"]) < 1e-4  # the generator's own ID evaluation
        for shortcut in ("naive_regression", "parent_adjusted_estimate"):  # and what the shortcuts give fails
            assert not grade(task, {"identifiable": True, "effect": task.truth["shortcuts"][shortcut]}).passed


@pytest.mark.parametrize("formula, error", [
    ("", "empty"), ("   ", "empty"), ("P('Q=1')", "unknown variable 'Q'"), ("P('{x}')", "has no value"),
    ("__import__('os').system('true')", "not allowed"), ("open('/etc/passwd')", "may be called"),
    ("P('{x}=1').real", "Attribute is not allowed"), ("[P('{x}=1')]", "List is not allowed"),
    ("lambda: 1", "Lambda is not allowed"), ("True", "Constant is not allowed"), ("'text'", "not allowed"),
    ("2 ** 1000", "BinOp is not allowed"), ("P('{x}=2')", "cannot read"),
    ("P('{x}=1 | {y}=1 | {x}=0')", "more than one"), ("P('{x}=1, {x}=0')", "twice"),
    ("sum('{x}, {x}', P('{x}'))", "twice"), ("sum('', 1)", "no variable"),
    ("P('{x}=1'", "not a formula"), ("(" * 300 + "1" + ")" * 300, "not a formula|nested"),
    ("+".join(["1"] * 1900), "nested too deeply"), ("x" * 5000, "at most 4000"),
    ("sum('{all}', sum('{all}', sum('{all}', P('{x}=1'))))", "more than 200000"),
])
def test_a_hostile_or_wrong_formula_gets_one_line_and_no_crash(tasks, formula, error):
    task = tasks[0]
    names = task.env["variables"]
    x, y = task.truth["treatment"], task.truth["outcome"]
    rest = [v for v in names if v not in (x, y)]
    formula = formula.replace("{all}", ", ".join([x, *rest]))
    formula = formula.replace("{x}", x).replace("{y}", y) if "{" in formula else formula
    result = _evaluate(task, formula)
    assert result.is_error and "\n" not in result.text
    assert any(part in result.text for part in error.split("|")), result.text


def test_a_sum_binds_its_variables_inside_it_only():
    d = cf.Distribution(np.arange(1.0, 9.0).reshape(2, 2, 2), ["A", "B", "C"])
    marginal = cf.evaluate("sum('B, C', P('A=1, B, C'))", d)
    assert marginal == pytest.approx(cf.evaluate("P('A=1')", d))
    assert cf.evaluate("sum('A', P('A') * sum('B', P('B | A')))", d) == pytest.approx(1.0)
    assert cf.evaluate("sum('A', P('A') * sum('A', P('A')))", d) == pytest.approx(1.0)  # inner A binds anew
    with pytest.raises(cf.FormulaError, match="B has no value"):
        cf.evaluate("sum('A', P('A')) * P('B | A=1') + P('B')", d)
    assert cf.evaluate("P('A=1 | B=1, C=1') / (P('A=0') - P('A=0'))", d) == 0.0  # a division by 0 gives 0
    empty = cf.Distribution(np.array([[1.0, 0.0], [1.0, 0.0]]), ["A", "B"])
    assert cf.evaluate("P('A=1 | B=1')", empty) == 0.0  # a condition of count 0, as graphs.causal_discrete


def test_every_formula_of_a_small_language_sample_matches_brute_force():
    """Random formulas over three variables, evaluated against a direct sum over the joint table."""
    rng = np.random.default_rng(7)
    names = ["A", "B", "C"]
    table = rng.random((2, 2, 2))
    table /= table.sum()
    d = cf.Distribution(table, names)

    def brute(event, given):
        cells = [c for c in itertools.product((0, 1), repeat=3)]
        def mass(values):
            return sum(table[c] for c in cells if all(c[names.index(v)] == b for v, b in values.items()))
        condition = mass(given)
        return mass({**event, **given}) / condition if condition else 0.0

    for _ in range(50):
        picked = rng.permutation(names)
        k = int(rng.integers(1, 3))
        event = {v: int(rng.integers(2)) for v in picked[:k]}
        given = {v: int(rng.integers(2)) for v in picked[k:k + int(rng.integers(0, 3 - k + 1))]}
        text = ", ".join(f"{v}={b}" for v, b in event.items())
        text += (" | " + ", ".join(f"{v}={b}" for v, b in given.items())) if given else ""
        assert cf.evaluate(f"P('{text}')", d) == pytest.approx(brute(event, given), abs=1e-12)
