"""Tools of the causal family: walk a hidden DAG (parents, children), test conditional independence, on
the task's data or with a d-separation oracle whose query budget is counted down in the env (two forms
of `ci_test`, each described to the tasks whose env calls it), and compute a formula of probabilities on a
table of counts (`evaluate`)."""
from __future__ import annotations

import networkx as nx

from graphs import causal as cg
from graphs import causal_formula as cf
from tools.registry import ToolError, tool


def _variable(env: dict, name: str) -> str:
    if name not in env["variables"]:
        raise ToolError(f"unknown variable {name!r}; the variables are {', '.join(env['variables'])}")
    return name


def _hidden_dag(env: dict) -> nx.DiGraph:
    return cg.dag_from(env["variables"], env["dag"])


def _listing(names: list[str]) -> str:
    return ", ".join(sorted(names)) if names else "none"


@tool
def parents(env: dict, node: str) -> str:
    """List the direct causes of a variable in the hidden causal DAG.

    Args:
        node: a variable name, e.g. "A".

    Returns:
        One line naming the parents (or "none"); call parents or children on them to explore further.
    """
    return f"parents of {node}: {_listing(list(_hidden_dag(env).predecessors(_variable(env, node))))}"


@tool
def children(env: dict, node: str) -> str:
    """List the direct effects of a variable in the hidden causal DAG.

    Args:
        node: a variable name, e.g. "A".

    Returns:
        One line naming the children (or "none"); call parents or children on them to explore further.
    """
    return f"children of {node}: {_listing(list(_hidden_dag(env).successors(_variable(env, node))))}"


def _pair(env: dict, x: str, y: str, given: list[str] | None) -> tuple[list[str], str]:
    """The sorted conditioning set and its wording, after checking the names; ToolError otherwise."""
    given = sorted(set(given or []))
    for name in (x, y, *given):
        _variable(env, name)
    if x == y or x in given or y in given:
        raise ToolError(f"x, y and given must not overlap; got x={x!r}, y={y!r}, given={given}")
    return given, f"given {{{', '.join(given)}}}" if given else "with no conditioning"


def _oracle(env: dict) -> bool:
    return env.get("ci_test") == "d_separation"


# Two forms of one tool: a task's model reads the description of the form its env calls, the data test's
# or the oracle's, never the other's.
@tool
def ci_test(env: dict, x: str, y: str, given: list[str] | None = None) -> str:
    """Test on the task's data whether x and y are independent given a set of other variables: a
    partial-correlation test (real values) or a chi-square test (binary values).

    Args:
        x: a variable name.
        y: another variable name.
        given: the variables to condition on (empty or omitted for none); must not include x or y.

    Returns:
        One line: the statistic and p-value (a small p-value, say below 0.01, suggests dependence).
    """
    given, condition = _pair(env, x, y, given)
    names, data = cg.from_csv(env["files"]["data.csv"])
    i, j, cond = names.index(x), names.index(y), [names.index(v) for v in given]
    if env["ci_test"] == "chi_square":
        stat, dof, p = cg.chi_square_test(data, i, j, cond)
        return f"{x} vs {y} {condition}: chi-square {stat:.3f} with {dof} degrees of freedom, p-value {p:.3g}"
    r, p = cg.partial_correlation_test(data, i, j, cond)
    return f"{x} vs {y} {condition}: partial correlation {r:.4f}, p-value {p:.3g} (n={len(data)})"


@tool(name="ci_test", when=_oracle, left=lambda env: env["budget"])
def ci_test_oracle(env: dict, x: str, y: str, given: list[str] | None = None) -> str:
    """Ask a d-separation oracle on the hidden causal DAG whether x and y are independent given a set of
    other variables. It answers exactly, and each query spends one of the task's budget.

    Args:
        x: a variable name.
        y: another variable name.
        given: the variables to condition on (empty or omitted for none); must not include x or y.

    Returns:
        One line: whether x and y are d-separated.
    """
    given, condition = _pair(env, x, y, given)
    if env["budget"] <= 0:
        raise ToolError("the query budget is spent; submit your answer")
    env["budget"] -= 1
    separated = nx.is_d_separator(_hidden_dag(env), {x}, {y}, set(given))
    verdict = "d-separated" if separated else "d-connected (dependent)"
    return f"{x} and {y} are {verdict} {condition}"


@tool
def evaluate(env: dict, formula: str) -> str:
    """Compute a formula of probabilities of the observed variables, estimated from the task's counts
    (each configuration's count divided by the total). The formula is an arithmetic expression of numbers,
    + - * /, parentheses and two functions:
    P("Y=1, M | X=0, W") is the probability of the event before the bar given the condition after it
    (no bar: unconditional); every variable is binary and is written with a value (=0 or =1) or bare,
    when an enclosing sum gives it its value. sum("W, M", f) is f summed over the four (in general 2^k)
    value combinations of W and M (a sum inside f may sum over W again: inside it, its own value
    counts). Example, a backdoor formula for P(Y=1 | do(X=1)) with adjustment
    set {Z}: sum("Z", P("Y=1 | X=1, Z") * P("Z")). A conditional probability whose condition has count 0
    is taken as 0, and so is any division by 0.

    Args:
        formula: the formula, e.g. P('Y=1 | X=1') - P('Y=1 | X=0') (single or double quotes).

    Returns:
        One line: the formula's value on the counts.
    """
    try:
        value = cf.evaluate(formula, cf.counts_distribution(env["files"]["counts.csv"]))
    except cf.FormulaError as e:
        raise ToolError(str(e)) from None
    return f"value: {value:.6f}"
