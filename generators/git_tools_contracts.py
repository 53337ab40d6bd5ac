"""The git family's tool contracts: `merge_bases`, judged against graphs.git.merge_bases_all, the
`git merge-base --all` semantics the family's merge_base kind is graded by.

The implementations below are self-contained functions whose source becomes submitted code.
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from generators.tool_kind import Contract
from graphs import git as G

TRIES = 30  # histories drawn before an edge case falls back to its bare gadget


# --- drawing instances -----------------------------------------------------------------------------------

def _graph(parents: dict[str, list[str]]) -> nx.DiGraph:
    """Edges child -> parent, as graphs.git.commit_graph makes them."""
    g = nx.DiGraph()
    g.add_nodes_from(parents)
    g.add_edges_from((c, p) for c, ps in parents.items() for p in ps)
    return g


def _solve(args: list[Any]) -> list[str]:
    parents, a, b = args
    return sorted(G.merge_bases_all(_graph(parents), a, b))


class _History:
    """A growing commit history with branch heads, named c0, c1, ... until renamed."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.parents, self.heads = rng, {}, []

    def commit(self, *parents: str) -> str:
        name = f"c{len(self.parents)}"
        self.parents[name] = list(parents)
        return name

    def pick(self, items: list[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def grow(self, steps: int, root: str | None = None) -> None:
        """Extend heads, fork branches and merge them at random."""
        if root is None:
            root = self.commit()
        self.heads.append(root)
        for _ in range(steps):
            r = self.rng.random()
            if r < 0.2 and len(self.heads) < 4:  # a new branch from any commit of this history
                self.heads.append(self.commit(self.pick(sorted(self.parents))))
            elif r < 0.45 and len(self.heads) >= 2:  # a merge of two heads; the merged branch may go on
                i, j = self.rng.choice(len(self.heads), size=2, replace=False)
                merged = self.commit(self.heads[i], self.heads[j])
                self.heads[i] = merged
                if self.rng.random() < 0.5:
                    self.heads.pop(j)
            else:
                k = int(self.rng.integers(len(self.heads)))
                self.heads[k] = self.commit(self.heads[k])


def _renamed(h: _History, a: str, b: str) -> list[Any]:
    """The instance with commits renamed to random 7-digit hex ids (order must not show in names)."""
    ids: dict[str, str] = {}
    for c in sorted(h.parents, key=lambda c: int(c[1:])):
        new = ""
        while not new or new in ids.values():
            new = "".join("0123456789abcdef"[int(d)] for d in h.rng.integers(16, size=7))
        ids[c] = new
    parents = {ids[c]: [ids[p] for p in ps] for c, ps in h.parents.items()}
    return [dict(sorted(parents.items())), ids[a], ids[b]]


def _random_case(rng: np.random.Generator, size: int) -> list[Any]:
    h = _History(rng)
    h.grow(size - 1)
    heads = sorted(set(h.heads))
    a = h.pick(heads)
    b = h.pick(heads if len(heads) > 1 else sorted(h.parents))
    return _renamed(h, a, b)


def _gadget(rng: np.random.Generator, size: int, kind: str) -> list[Any]:
    h = _History(rng)
    h.grow(max(0, size // 2 - 3))
    base = h.pick(sorted(h.parents))
    if kind == "criss_cross":  # x and y each merged into the other: two best common ancestors
        x, y = h.commit(base), h.commit(base)
        a, b = h.commit(h.commit(x, y)), h.commit(h.commit(y, x))
    elif kind == "octopus":  # three branches in one merge, and a fourth from one of them
        tips = [h.commit(base) for _ in range(3)]
        a, b = h.commit(*tips), h.commit(tips[int(rng.integers(3))])
    elif kind == "unrelated":  # a second root: no common ancestor
        other = _History(rng)
        other.parents = h.parents
        other.grow(max(1, size - len(h.parents) - 1))
        a, b = h.pick(sorted(set(h.heads))), other.heads[-1]
    elif kind == "ancestor":  # one is an ancestor of the other: it is the merge base
        a, b = base, h.commit(h.commit(base))
    else:  # same_commit
        a = b = h.pick(sorted(h.parents))
    while len(h.parents) < size:  # grow on top of neither a nor b, so the question stays the same
        h.commit(h.pick(sorted(h.parents)))
    return _renamed(h, a, b)


def _holds(kind: str, args: list[Any]) -> bool:
    parents, a, b = args
    bases, g = _solve(args), _graph(parents)
    return {"criss_cross": len(bases) >= 2,
            "octopus": any(len(parents[c]) >= 3 for c in G.ancestry(g, a) | G.ancestry(g, b)),
            "unrelated": bases == [],
            "ancestor": a != b and bases == [a],
            "same_commit": a == b and bases == [a]}[kind]


def draw(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A history of `size` commits with two commits to ask about: random, or the named edge case."""
    if kind is None:
        return _random_case(rng, size)
    for _ in range(TRIES):
        args = _gadget(rng, size, kind)
        if _holds(kind, args):
            return args
    raise AssertionError(f"no {kind} instance in {TRIES} tries")  # each gadget holds by construction


def judge(args: list[Any], value: Any) -> str | None:
    """The exact set of best common ancestors, each once, in any order."""
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    return None if len(set(value)) == len(value) and sorted(value) == _solve(args) else "wrong"


# --- implementations: their source is submitted code -----------------------------------------------------

def reference(parents, a, b):
    """Common ancestors (each commit its own ancestor) that no other common ancestor descends from."""
    def ancestry(commit):
        seen, stack = {commit}, [commit]
        while stack:
            for p in parents.get(stack.pop(), []):
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    common = ancestry(a) & ancestry(b)
    children = {}
    for c, ps in parents.items():
        for p in ps:
            children.setdefault(p, []).append(c)
    return sorted(c for c in common if not any(child in common for child in children.get(c, [])))


def with_networkx(parents, a, b):
    """networkx: the common ancestors, minus every proper ancestor of one of them."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(parents)
    g.add_edges_from((c, p) for c, ps in parents.items() for p in ps)  # child -> parent
    common = (nx.descendants(g, a) | {a}) & (nx.descendants(g, b) | {b})
    dominated = set().union(*(nx.descendants(g, c) for c in common)) if common else set()
    return sorted(common - dominated)


def paint_down(parents, a, b):
    """By hand, as git does: walk from both tips newest first, painting commits with the side they are
    reached from; a commit painted by both is a common ancestor, its ancestors are then stale."""
    order, seen = [], set()

    def visit(c):  # a post-order: parents before children
        stack = [(c, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack += [(p, False) for p in parents.get(node, [])]

    for commit in parents:
        visit(commit)
    rank = {c: i for i, c in enumerate(order)}  # children rank above their parents
    paint = {a: {"a"}}
    paint.setdefault(b, set()).add("b")
    stale, found = set(), []
    pending = sorted(paint, key=lambda c: rank[c])
    while pending:
        c = pending.pop()  # the highest rank left: every painted child of c is done
        if paint[c] == {"a", "b"} and c not in stale:
            found.append(c)
        for p in parents.get(c, []):
            if p not in paint:
                paint[p] = set()
                pending.append(p)
            paint[p] |= paint[c]
            if paint[c] == {"a", "b"} or c in stale:
                stale.add(p)
        pending.sort(key=lambda c: rank[c])
    return sorted(found)


def one_base(parents, a, b):
    """Mutant: the newest common ancestor found first, as if there were always one."""
    seen_a, stack = {a}, [a]
    while stack:
        for p in parents.get(stack.pop(), []):
            if p not in seen_a:
                seen_a.add(p)
                stack.append(p)
    queue, seen = [b], {b}
    while queue:
        c = queue.pop(0)
        if c in seen_a:
            return [c]
        for p in parents.get(c, []):
            if p not in seen:
                seen.add(p)
                queue.append(p)
    return []


def first_parents_only(parents, a, b):
    """Mutant: the first common commit of the two first-parent lines."""
    def line(c):
        out = [c]
        while parents.get(out[-1]):
            out.append(parents[out[-1]][0])
        return out

    on_a = set(line(a))
    return next(([c] for c in line(b) if c in on_a), [])


def proper_ancestors_only(parents, a, b):
    """Mutant: the best common ancestors, forgetting that a commit is its own ancestor."""
    def ancestors(commit):
        seen, stack = set(), [commit]
        while stack:
            for p in parents.get(stack.pop(), []):
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    common = ancestors(a) & ancestors(b)
    return sorted(c for c in common if not any(c in ancestors(d) for d in common))


def newest_root(parents, a, b):
    """The naive answer: the first commit of the history, whatever the two commits are."""
    roots = sorted(c for c, ps in parents.items() if not ps)
    return roots[:1]


CONTRACTS = {
    "merge_bases": Contract(
        name="merge_bases",
        signature="merge_bases(parents, a, b) -> list[str]",
        summary="Given a git commit history and two of its commits, return their best common ancestors: "
                "the commits that are ancestors of both a and b (a commit counts as its own ancestor) and "
                "are not an ancestor of any other such commit. This is what `git merge-base --all a b` "
                "prints.",
        input_format="parents: a dict {commit id: [parent ids]} holding every commit of the history "
                     "(a root commit has [], a merge two or more parents, the first the branch merged into); "
                     "a, b: commit ids of the history.",
        returns="a list of commit ids, each once, in any order; [] when a and b have no common ancestor.",
        judged_by="correct if the set is exactly the set of best common ancestors of a and b.",
        unit="commits",
        min_size=6,
        edge_cases={
            "ancestor": "a is an ancestor of b: the answer is [a]",
            "criss_cross": "a criss-cross merge: two branches merged into each other, so there are two or "
                           "more best common ancestors and every one is asked for",
            "octopus": "merges with three or more parents",
            "same_commit": "a and b are the same commit: the answer is [a]",
            "unrelated": "two unrelated histories (two roots): no common ancestor, the answer is []",
        },
        draw=draw, judge=judge, solve=_solve, reference=reference,
        alternatives=(with_networkx, paint_down),
        mutants=(one_base, first_parents_only, proper_ancestors_only),
        baseline=newest_root,
    ),
}
