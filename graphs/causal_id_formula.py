"""The ID algorithm of Shpitser and Pearl written out as a formula of the `evaluate` tool's language
(graphs/causal_formula.py) instead of evaluated: the reference formula of identify --compute formula, and
its scripted strategy, which shows that the language expresses every functional the generator grades
against. It follows the lines of graphs/causal_id.py, on expressions with free variables in place of
arrays with free axes."""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from graphs.causal_id import NotIdentifiable


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


def total(e: object, variables: frozenset[str]) -> object:
    """e summed over `variables`; a marginal of the observed joint stays one P(...)."""
    if not variables:
        return e
    if isinstance(e, Joint):
        return Joint(e.variables - variables)
    return Sum(frozenset(variables), e)


class _Problem:
    def __init__(self, names, directed, bidirected):
        self.names = list(names)
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.names)
        self.graph.add_edges_from(directed)
        self.order = list(nx.lexicographical_topological_sort(self.graph, key=self.names.index))
        self.bidirected = nx.Graph()
        self.bidirected.add_nodes_from(self.names)
        self.bidirected.add_edges_from(bidirected)

    def districts(self, variables):
        return sorted((frozenset(c) for c in nx.connected_components(self.bidirected.subgraph(variables))),
                      key=lambda c: sorted(map(self.names.index, c)))

    def ancestors(self, graph, ys):
        return frozenset(ys).union(*(nx.ancestors(graph, y) for y in ys))

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
                    upto = total(p, frozenset(ordered[i + 1:]))
                    factors.append(Ratio(upto, total(upto, frozenset([u]))))
        return Product(tuple(factors))

    def identify(self, y, x, p, v):
        graph = self.graph.subgraph(v)
        if not x:
            return total(p, v - y)
        relevant = self.ancestors(graph, y)
        if relevant != v:
            return self.identify(y, x & relevant, total(p, v - relevant), relevant)
        cut = nx.DiGraph(graph)
        cut.remove_edges_from([e for u in x for e in list(cut.in_edges(u))])
        w = (v - x) - self.ancestors(cut, y)
        if w:
            return self.identify(y, x | w, p, v)
        parts = self.districts(v - x)
        if len(parts) > 1:
            return total(Product(tuple(self.identify(s, v - s, p, v) for s in parts)), v - y - x)
        (s,) = parts
        whole = self.districts(v)
        if len(whole) == 1:
            raise NotIdentifiable(f"hedge for {sorted(y)} over {sorted(v)}")
        if s in whole:
            return total(self.factor(p, v, s), s - y)
        (bigger,) = [c for c in whole if s < c]
        return self.identify(y, x & bigger, self.factor(p, v, bigger), bigger)


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
