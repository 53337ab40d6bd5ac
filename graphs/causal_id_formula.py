"""The ID algorithm of Shpitser and Pearl written out as a formula of the `evaluate` tool's language
(graphs/causal_formula.py) instead of evaluated: the reference formula of identify --compute formula, and
its scripted strategy, which shows that the language expresses every functional the generator grades
against. It runs graphs/causal_id.py's recursion itself, on expressions with free variables in place of
arrays with free axes."""
from __future__ import annotations

from dataclasses import dataclass

from graphs import causal_id as ci


@dataclass(frozen=True)
class Joint:
    """P(variables), each variable's value bound by an enclosing sum or fixed when written."""
    variables: frozenset[str]


@dataclass(frozen=True)
class Conditional:
    """P(target | given) of the observed distribution."""
    target: str
    given: frozenset[str]


@dataclass(frozen=True)
class Sum:
    variables: frozenset[str]
    body: object


@dataclass(frozen=True)
class Product:
    factors: tuple


@dataclass(frozen=True)
class Ratio:
    top: object
    bottom: object


class _Problem(ci._Problem):
    """graphs.causal_id's recursion, its distributions expressions instead of arrays: only how a
    distribution is summed, factorised and multiplied differs."""

    def total(self, p, variables):
        """p summed over `variables`; a marginal of the observed joint stays one P(...)."""
        variables = frozenset(variables)
        if not variables:
            return p
        if isinstance(p, Joint):
            return Joint(p.variables - variables)
        return Sum(variables, p)

    def factor(self, p, v, s):
        """The product over u in s of P(u | the variables of v before u), P given by the expression p."""
        ordered = [u for u in self.order if u in v]
        factors = []
        for i, u in enumerate(ordered):
            if u in s:
                before = frozenset(ordered[:i])
                if isinstance(p, Joint) and p.variables == frozenset(v):
                    factors.append(Conditional(u, before))
                else:
                    upto = self.total(p, ordered[i + 1:])
                    factors.append(Ratio(upto, self.total(upto, [u])))
        return Product(tuple(factors))

    def product(self, p, factors):
        return Product(tuple(factors))


def _items(variables, fixed):
    return ", ".join(f"{v}={fixed[v]}" if v in fixed else v for v in sorted(variables))


def render(e: object, fixed: dict[str, int]) -> str:
    """The expression in the tool's language, the variables of `fixed` written with their values."""
    if isinstance(e, Joint):
        return f'P("{_items(e.variables, fixed)}")' if e.variables else "1"
    if isinstance(e, Conditional):
        given = f" | {_items(e.given, fixed)}" if e.given else ""
        return f'P("{_items([e.target], fixed)}{given}")'
    if isinstance(e, Sum):
        inner = render(e.body, {k: v for k, v in fixed.items() if k not in e.variables})  # a sum binds anew
        return f'sum("{", ".join(sorted(e.variables))}", {inner})'
    if isinstance(e, Product):
        return " * ".join(f"({render(f, fixed)})" for f in e.factors) or "1"
    return f"({render(e.top, fixed)}) / ({render(e.bottom, fixed)})"


def free(e: object) -> frozenset[str]:
    """The variables an expression leaves unbound."""
    if isinstance(e, Joint):
        return e.variables
    if isinstance(e, Conditional):
        return e.given | {e.target}
    if isinstance(e, Sum):
        return free(e.body) - e.variables
    if isinstance(e, Product):
        return frozenset().union(*map(free, e.factors))
    return free(e.top) | free(e.bottom)


def ace_formula(names, directed, bidirected, x: str, y: str) -> str:
    """A formula of P(y=1 | do(x=1)) - P(y=1 | do(x=0)); raises NotIdentifiable on a hedge. A variable the
    recursion added to x (line 3) does not change the value: it is averaged over, as graphs.causal_id does."""
    problem = _Problem(names, directed, bidirected)
    e = problem.identify(frozenset([y]), frozenset([x]), Joint(frozenset(problem.names)),
                         frozenset(problem.names))
    extra = free(e) - {x, y}
    if extra:
        e = Sum(frozenset(extra), e)  # divided by 2^k below: the mean
    scale = f" / {2 ** len(extra)}" if extra else ""
    sides = [f"({render(e, {x: value, y: 1})}){scale}" for value in (1, 0)]
    return f"{sides[0]} - {sides[1]}"
