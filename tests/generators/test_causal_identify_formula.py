"""identify --compute formula (the default on counts): the evaluate tool's language checked against
estimators computed another way (graphs.causal_discrete's plug-ins, the napkin formula of the literature on
an exact distribution, pandas on the counts), its errors on hostile formulas, the scripted strategy (the
ID algorithm written out as a formula, graphs/causal_id_formula.py) passing every identifiable default task
through the tool alone, and formula answers graded exactly: formulas an outside player derived by hand
pass, wrong and unreadable ones fail with their codes."""
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
from graphs import causal_latent as cl
from graphs.causal_id_formula import ace_formula
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
    formula_free = {k: v for k, v in tasks[0].truth.items() if k != "formula"}
    assert python.truth == formula_free  # the same instance either way: only the access differs
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


# Formulas an outside player (a strong agent playing through tasks.play, round 7 of docs/difficulty.md)
# derived by hand for seed 1's first default task, the effect of K on M: the first conditions every factor
# on all earlier variables, the second only on what the graph says matters. Both identify the effect.
PLAYER_FORMULAS = [
    'sum("C, I, D, F, J", P("C") * P("I | C") * (P("D | C, I, K=1") * P("F | C, I, K=1, D") * '
    'P("J | C, I, K=1, D, F") - P("D | C, I, K=0") * P("F | C, I, K=0, D") * P("J | C, I, K=0, D, F")) * '
    'sum("K", P("K | C, I") * P("M=1 | C, I, K, D, F, J")))',
    'sum("C, I, D, F, J", P("C") * P("I | C") * P("D | I") * P("F | D") * (P("J | C, K=1") - '
    'P("J | C, K=0")) * sum("K", P("K | C, I") * P("M=1 | C, I, K, D, F, J")))',
]


@pytest.fixture(scope="module")
def played():
    task = gc.generate(base.config_from(gc, {"kind": "identify"}), 1, 0)
    assert (task.truth["treatment"], task.truth["outcome"], task.truth["identifiable"]) == ("K", "M", True)
    return task


def test_formulas_derived_by_an_outside_player_pass_exactly(played):
    assert "formula" in played.answer_schema["properties"] and '"formula": "..."' in played.prompt
    for formula in PLAYER_FORMULAS:
        assert grade(played, {"identifiable": True, "formula": formula}).passed
    assert grade(played, {"identifiable": True, "formula": played.truth["formula"]}).passed  # the reference


def test_a_formula_right_on_the_tasks_own_model_only_fails(played):
    """The reference plus P(M=1) minus its exact value on the task's SCM: the ACE there, not elsewhere."""
    dag = nx.DiGraph([tuple(e) for e in played.truth["dag"]])
    dag.add_nodes_from(played.truth["variables"])
    cpts = {v: np.asarray(c) for v, c in played.truth["cpts"].items()}
    observed = played.env["variables"]
    exact = cf.Distribution(cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)[0], observed)
    p_m = cf.evaluate("P('M=1')", exact)
    tuned = f"{played.truth['formula']} + P('M=1') - {p_m!r}"
    assert cf.evaluate(tuned, exact) == pytest.approx(cd.exact_ace(dag, cpts, "K", "M"), abs=1e-12)
    assert grade(played, {"identifiable": True, "formula": tuned}).reasons == ("wrong_formula",)


def test_wrong_and_unreadable_formulas_fail_with_their_codes(played, tasks):
    def reasons(task, formula, identifiable=True):
        return grade(task, {"identifiable": identifiable, "formula": formula}).reasons
    assert reasons(played, "P('M=1 | K=1') - P('M=1 | K=0')") == ("naive_regression",)
    assert reasons(played, "sum('C', P('M=1 | K=1, C') * P('C')) - sum('C', P('M=1 | K=0, C') * P('C'))") in (
        ("wrong_formula",), ("parent_adjusted_estimate",), ("pretreatment_adjusted",))
    assert reasons(played, f"-({PLAYER_FORMULAS[1]})") == ("wrong_formula",)
    assert reasons(played, "P('M=1' | K=1)") == ("bad_formula",)
    for formula in ("0", "1e308 * 1e308", "1e308 * 1e308 - 1e308 * 1e308"):  # no effect, inf, nan
        assert reasons(played, formula) == ("wrong_formula",)
    every = "C, D, E, F, G, I, J, K, M"
    too_many = f"sum('{every}', sum('{every}', P('M=1')))"  # more look-ups than one evaluation allows
    assert reasons(played, too_many) == ("bad_formula",)
    assert reasons(played, PLAYER_FORMULAS[0], identifiable=False) == ("missed_identifiable",)
    hedge = next(t for t in tasks if not t.truth["identifiable"])
    x, y = hedge.truth["treatment"], hedge.truth["outcome"]
    assert reasons(hedge, f"P('{y}=1 | {x}=1') - P('{y}=1 | {x}=0')") == ("not_identifiable",)


def test_python_tasks_take_no_formula():
    task = gc.generate(base.config_from(gc, {"kind": "identify", "compute": "python"}), 1, 0)
    assert "formula" not in task.answer_schema["properties"] and "formula" not in task.truth
    assert '"formula"' not in task.prompt


def test_variables_named_p_and_q_are_judged_too():
    """y0 refuses the names P, Q and PP, which graphs of 17 nodes or more have (--edges 28 crashed)."""
    front_door = nx.DiGraph([("P", "M"), ("M", "Q"), ("U", "P"), ("U", "Q")])
    assert cl.is_identifiable(front_door, ["U"], "P", "Q")
    bow = nx.DiGraph([("P", "Q"), ("U", "P"), ("U", "Q")])
    assert not cl.is_identifiable(bow, ["U"], "P", "Q")
    task = gc.generate(base.config_from(gc, {"kind": "identify", "edges": 28, "hidden": 5}), 1, 1)
    assert {"P", "Q"} <= set(task.truth["variables"]) and grade(task, task.truth["reference"]).passed
