"""Formulas over the distribution of observed binary variables, for the identify kind's `evaluate` tool: a
model writes the functional it derived (a backdoor or front-door formula, a c-component factorisation) and
gets its value on the task's counts; deriving it is the model's work. A formula is a Python expression
read with `ast` and never run by Python:

    P("Y=1, M | X=0, W")   the probability of the event given the condition; a variable written without
                           a value takes the value the innermost enclosing sum over it gives it
    sum("W, M", f)         f summed over the 0/1 values of W and M (inside f, a sum over W again
                           binds W anew, as a dummy variable of mathematics does)
    numbers, + - * / and parentheses

A conditional whose condition has probability 0 counts as 0, and so does any division by 0, as in
graphs.causal_discrete and graphs.causal_id (a sample may lack a configuration the formula conditions on).
"""
from __future__ import annotations

import ast
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graphs import causal as cg

MAX_CHARS = 4000
MAX_LOOKUPS = 200_000  # probabilities looked up in one evaluation: nested sums grow as 2^(summed variables)
_ITEM = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*([01]))?\s*$")


class FormulaError(ValueError):
    """What is wrong with a formula, in one line the model can act on."""


@dataclass(frozen=True)
class _Prob:
    event: tuple[tuple[str, int | None], ...]
    given: tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class _Sum:
    variables: tuple[str, ...]
    body: object


@dataclass(frozen=True)
class _Op:
    op: str
    left: object
    right: object


class Distribution:
    """One distribution over named binary variables (a table of shape (2,) * n), with memoised marginals:
    a formula looks up thousands of probabilities, where graphs.causal_discrete.Table sums the whole table
    for each one."""

    def __init__(self, table: np.ndarray, names: Sequence[str]):
        table = np.asarray(table, float)
        self.table, self.names = table / table.sum(), list(names)
        self._marginals: dict[tuple[str, ...], np.ndarray] = {}

    def mass(self, values: dict[str, int]) -> float:
        """P(every variable of `values` takes its value)."""
        kept = tuple(v for v in self.names if v in values)
        if kept not in self._marginals:
            self._marginals[kept] = self.table.sum(axis=tuple(i for i, v in enumerate(self.names)
                                                              if v not in values))
        return float(self._marginals[kept][tuple(values[v] for v in kept)])


@functools.lru_cache(maxsize=8)  # a task's calls all read the same table
def counts_distribution(csv: str) -> Distribution:
    """The empirical distribution of a counts table: one column per variable, then "count"."""
    names, rows = cg.from_csv(csv)
    table = np.zeros((2,) * (len(names) - 1))
    table[tuple(rows[:, :-1].astype(int).T)] = rows[:, -1]
    return Distribution(table, names[:-1])


def evaluate(formula: str, distribution: Distribution) -> float:
    """The value of `formula` on `distribution`; FormulaError says what is wrong with a bad one."""
    return value(parse(formula, distribution.names), distribution)


def value(tree: object, distribution: Distribution) -> float:
    """The value of a tree `parse` gave, on a distribution over the same variables (one formula read once
    and evaluated on several distributions); FormulaError when it needs too many look-ups."""
    return _value(tree, {}, distribution, [0])


def parse(formula: str, names: Sequence[str]) -> object:
    """The formula's tree, checked: known variables, every valueless one bound by an enclosing sum."""
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError("the formula is empty")
    if len(formula) > MAX_CHARS:
        raise FormulaError(f"the formula is {len(formula)} characters long; at most {MAX_CHARS}")
    try:
        node = ast.parse(formula.strip(), mode="eval").body
    except SyntaxError as e:
        raise FormulaError(f"not a formula: {e.msg} at column {e.offset}") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply") from None
    try:
        return _compile(node, frozenset(), set(names))
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None


_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _compile(node: ast.AST, bound: frozenset[str], names: set[str]) -> object:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _Op(_OPS[type(node.op)], _compile(node.left, bound, names), _compile(node.right, bound, names))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _compile(node.operand, bound, names)
        return _Op("-", 0.0, inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "P" and len(node.args) == 1 and _is_text(node.args[0]):
            return _probability(node.args[0].value, bound, names)
        if node.func.id == "sum" and len(node.args) == 2 and _is_text(node.args[0]):
            variables = _sum_variables(node.args[0].value, names)
            return _Sum(variables, _compile(node.args[1], bound | set(variables), names))
        raise FormulaError(f"column {node.col_offset + 1}: only P(\"event | condition\") and "
                           f"sum(\"variables\", formula) may be called")
    raise FormulaError(f"column {getattr(node, 'col_offset', 0) + 1}: {type(node).__name__} is not allowed; "
                       "use numbers, + - * /, parentheses, P(\"...\") and sum(\"...\", ...)")


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _known(name: str, names: set[str]) -> str:
    if name not in names:
        raise FormulaError(f"unknown variable {name!r}; the observed variables are "
                           f"{', '.join(sorted(names))}")
    return name


def _sum_variables(text: str, names: set[str]) -> tuple[str, ...]:
    variables = tuple(_known(v, names) for v in re.split(r"[\s,]+", text.strip()) if v)
    if not variables:
        raise FormulaError('sum("...", f) names no variable to sum over')
    if len(set(variables)) < len(variables):
        raise FormulaError(f"sum({text!r}, ...) names a variable twice")
    return variables


def _items(text: str, bound: frozenset[str], names: set[str]) -> tuple[tuple[str, int | None], ...]:
    items = []
    for part in text.split(","):
        match = _ITEM.match(part)
        if not match:
            raise FormulaError(f"cannot read {part.strip()!r}: write a variable, or a variable=0 or =1")
        name, value = _known(match[1], names), match[2]
        if value is None and name not in bound:
            raise FormulaError(f"{name} has no value: write {name}=0 or {name}=1, or sum over it")
        items.append((name, None if value is None else int(value)))
    return tuple(items)


def _probability(text: str, bound: frozenset[str], names: set[str]) -> _Prob:
    event, _, given = text.partition("|")
    if "|" in given:
        raise FormulaError(f"P({text!r}) has more than one '|'")
    prob = _Prob(_items(event, bound, names), _items(given, bound, names) if given.strip() else ())
    seen = [name for name, _ in prob.event + prob.given]
    if len(set(seen)) < len(seen):
        raise FormulaError(f"P({text!r}) names a variable twice")
    return prob


def _value(node: object, values: dict[str, int], d: Distribution, counter: list[int]) -> float:
    if isinstance(node, float):
        return node
    if isinstance(node, _Prob):
        counter[0] += 1
        if counter[0] > MAX_LOOKUPS:
            raise FormulaError(f"the formula needs more than {MAX_LOOKUPS} probabilities; sum over fewer "
                               "variables at a time")
        event = {name: values[name] if v is None else v for name, v in node.event}
        given = {name: values[name] if v is None else v for name, v in node.given}
        joint = d.mass({**event, **given})
        if not given:
            return joint
        condition = d.mass(given)
        return joint / condition if condition > 0 else 0.0
    if isinstance(node, _Sum):
        total = 0.0
        for assignment in itertools.product((0, 1), repeat=len(node.variables)):
            bound = dict(zip(node.variables, assignment, strict=True))
            total += _value(node.body, {**values, **bound}, d, counter)
        return total
    assert isinstance(node, _Op)
    left, right = _value(node.left, values, d, counter), _value(node.right, values, d, counter)
    if node.op == "/":
        return left / right if right != 0 else 0.0
    return left + right if node.op == "+" else left - right if node.op == "-" else left * right
