"""The git family's tool contracts: `merge_bases`, judged against graphs.git.merge_bases_all, the
`git merge-base --all` semantics the family's merge_base kind is graded by; `reachable_count` (`git
rev-list --count`) and `independent` (`git merge-base --independent`), judged against graphs.git's
ancestry on histories long enough that testing every commit with its own walk runs out of time, and a
recursive walk out of stack.

The implementations below are self-contained functions whose source becomes submitted code.
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from generators.tool_kind import Contract
from graphs import git as G

TRIES = 30  # histories drawn before an edge case falls back to its bare gadget
LONG = 10_000  # commits of the largest reachable_count and independent history: quadratic searches time out
LISTED = 40  # commits of the largest independent question


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


# --- reachable_count and independent: long histories ------------------------------------------------------

def _long_history(rng: np.random.Generator, size: int) -> dict[str, list[str]]:
    """`size` commits c0, c1, ... oldest first, in linear time: up to four long-lived branches that grow
    at random, fork from recent commits and merge into each other (now and then three at once), so
    first-parent lines run thousands of commits deep."""
    parents: dict[str, list[str]] = {"c0": []}
    heads = ["c0"]
    for k in range(1, size):
        name, r = f"c{k}", rng.random()
        if r < 0.03 and len(heads) < 4:
            parents[name] = [f"c{int(rng.integers(max(0, k - 50), k))}"]
            heads.append(name)
        elif r < 0.10 and len(heads) >= 2:
            picked = [int(i) for i in rng.choice(len(heads), size=min(len(heads), 2 + (rng.random() < 0.1)),
                                                  replace=False)]
            parents[name] = [heads[i] for i in picked]
            heads[picked[0]] = name
            if rng.random() < 0.3:
                heads.pop(picked[1])
        else:
            i = int(rng.integers(len(heads)))
            parents[name] = [heads[i]]
            heads[i] = name
    return parents


def _hex_renamed(rng: np.random.Generator, parents: dict[str, list[str]], *lists: list[str]) -> list[Any]:
    """The history with random distinct 7-digit hex ids (sorted by id, so the order shows no age), and
    each list of commits renamed."""
    ids = {c: f"{int(v):07x}" for c, v in zip(parents, rng.choice(16 ** 7, size=len(parents), replace=False),
                                                strict=True)}
    renamed = {ids[c]: [ids[p] for p in ps] for c, ps in parents.items()}
    return [dict(sorted(renamed.items())), *([ids[c] for c in commits] for commits in lists)]


def _ancestry(parents: dict[str, list[str]], tips: list[str]) -> set[str]:
    """Every commit some tip reaches (itself included): graphs.git.ancestry from one root above the tips."""
    g, top = _graph(parents), ("top",)  # a tuple: never a commit id
    g.add_node(top)
    g.add_edges_from((top, t) for t in tips)
    return G.ancestry(g, top) - {top}


def _pick(rng: np.random.Generator, items: list[str], k: int) -> list[str]:
    return [items[int(i)] for i in rng.choice(len(items), size=min(k, len(items)), replace=False)]


def _second_parent_merge(rng: np.random.Generator, parents: dict[str, list[str]]) -> str:
    """A merge whose second parent brings commits its first parent lacks (the latest such, at random)."""
    merges = [c for c, ps in parents.items() if len(ps) >= 2]
    for c in _pick(rng, merges, len(merges)):
        if _ancestry(parents, parents[c][1:2]) - _ancestry(parents, parents[c][:1]):
            return c
    raise AssertionError("a history without a merge")  # every long history of six commits or more merges


def _with_merge(rng: np.random.Generator, size: int) -> dict[str, list[str]]:
    """A long history of `size` commits that surely holds a merge bringing in new commits: if it has none,
    its last two become a side commit off the root and a merge of it (no commit has them as parents, so
    the history keeps its size, which the prompt states)."""
    parents = _long_history(rng, size)
    if not any(len(ps) >= 2 for ps in parents.values()):
        side, tip = f"c{size - 2}", f"c{size - 1}"
        parents[side] = ["c0"]
        parents[tip] = [f"c{size - 3}", side]
    return parents


def _solve_count(args: list[Any]) -> int:
    parents, include, exclude = args
    return len(_ancestry(parents, include) - _ancestry(parents, exclude))


def draw_count(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A history of about `size` commits, commits to include and to exclude: random, or the edge case."""
    parents = _with_merge(rng, size)
    commits = list(parents)
    recent = commits[len(commits) // 2:]
    if kind == "excluded_tips":  # everything asked for lies behind an excluded commit: 0
        tip = recent[-1]
        include, exclude = _pick(rng, sorted(_ancestry(parents, [tip])), 3), [tip]
    elif kind == "no_exclude":
        include, exclude = _pick(rng, recent, 1 + int(rng.integers(3))), []
    elif kind == "second_parent":  # a merge, its first parent excluded: what the second parent brought
        merge = _second_parent_merge(rng, parents)
        include, exclude = [merge], parents[merge][:1]
    elif kind == "listed_in_both":
        include = _pick(rng, recent, 3)
        exclude = [include[0], *_pick(rng, commits, 1)]
    else:
        include = _pick(rng, recent, 1 + int(rng.integers(3)))
        exclude = _pick(rng, commits, int(rng.integers(4)))
    return _hex_renamed(rng, parents, include, exclude)


def judge_count(args: list[Any], value: Any) -> str | None:
    """The exact number of commits."""
    if type(value) is not int:  # noqa: E721 (a bool is no count)
        return "wrong_type"
    return None if value == _solve_count(args) else "wrong"


def count_reference(parents, include, exclude):
    """The ancestry of the included commits minus that of the excluded ones, walked with a stack."""
    def ancestry(tips):
        seen, stack = set(tips), list(tips)
        while stack:
            for p in parents[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    return len(ancestry(include) - ancestry(exclude))


def count_with_networkx(parents, include, exclude):
    """networkx: paint the excluded ancestry first, then count what the included tips reach beyond it."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(parents)
    g.add_edges_from((c, p) for c, ps in parents.items() for p in ps)
    hidden = set(exclude).union(*(nx.descendants(g, e) for e in exclude))
    shown = set(include).union(*(nx.descendants(g, i) for i in include))
    return len(shown - hidden)


def count_breadth_first(parents, include, exclude):
    """By hand, as git's rev-list walks: one queue, every commit marked with the side it came from;
    an excluded mark wins and spreads to the parents."""
    from collections import deque

    mark = {}
    queue = deque()
    for c, side in [(c, "in") for c in include] + [(c, "out") for c in exclude]:
        if mark.get(c) != "out":
            mark[c] = side
            queue.append(c)
    while queue:
        c = queue.popleft()
        for p in parents[c]:
            if mark.get(p) is None or (mark[c] == "out" and mark[p] == "in"):
                mark[p] = mark[c]
                queue.append(p)
    return sum(1 for side in mark.values() if side == "in")


def count_recursive(parents, include, exclude):
    """Mutant: a recursive walk, which runs out of stack on a long history."""
    def ancestry(c, seen):
        if c not in seen:
            seen.add(c)
            for p in parents[c]:
                ancestry(p, seen)
        return seen

    shown, hidden = set(), set()
    for c in include:
        ancestry(c, shown)
    for c in exclude:
        ancestry(c, hidden)
    return len(shown - hidden)


def count_only_excluded_tips(parents, include, exclude):
    """Mutant: the excluded commits themselves left out, but not their ancestors."""
    seen, stack = set(include), list(include)
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen - set(exclude))


def count_first_parents(parents, include, exclude):
    """Mutant: only first parents followed, as `--first-parent` would."""
    def line(tips):
        seen = set()
        for c in tips:
            while c not in seen:
                seen.add(c)
                if not parents[c]:
                    break
                c = parents[c][0]
        return seen

    return len(line(include) - line(exclude))


def count_pairwise(parents, include, exclude):
    """Brute force: each commit tested for being an ancestor of an included and of no excluded commit."""
    def is_ancestor(c, tip):
        seen, stack = {tip}, [tip]
        while stack:
            d = stack.pop()
            if d == c:
                return True
            for p in parents[d]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return False

    return sum(1 for c in parents if any(is_ancestor(c, t) for t in include)
               and not any(is_ancestor(c, t) for t in exclude))


def count_everything(parents, include, exclude):
    """The naive answer: every commit of the history."""
    return len(parents)


def _solve_independent(args: list[Any]) -> list[str]:
    parents, commits = args
    behind = _ancestry(parents, [p for c in commits for p in parents[c]])  # some listed commit's ancestors
    return sorted(set(commits) - behind)


def draw_independent(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """A history of about `size` commits and distinct commits of it to sort out: random, or the edge case."""
    parents = _with_merge(rng, size)
    commits = list(parents)
    k = max(3, round(LISTED * size / LONG))
    if kind == "one_commit":
        listed = _pick(rng, commits, 1)
    elif kind == "one_line":  # every commit on one first-parent line: only the newest is independent
        line, c = [], commits[-1]
        while True:
            line.append(c)
            if not parents[c]:
                break
            c = parents[c][0]
        listed = _pick(rng, line, k)
    elif kind == "second_parent":  # an ancestor of the other only through a merge's second parent
        merge = _second_parent_merge(rng, parents)
        brought = sorted(_ancestry(parents, parents[merge][1:2]) - _ancestry(parents, parents[merge][:1]))
        listed = [merge, *_pick(rng, brought, 1)]
    else:  # recent commits, on several branches
        listed = _pick(rng, commits[-max(3 * k, len(commits) // 20):], k)
    return _hex_renamed(rng, parents, listed)


def judge_independent(args: list[Any], value: Any) -> str | None:
    """Exactly the independent commits, each once, in any order."""
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    return None if len(set(value)) == len(value) and sorted(value) == _solve_independent(args) else "wrong"


def independent_reference(parents, commits):
    """One walk from the parents of every listed commit: a listed commit it reaches is behind another."""
    listed = set(commits)
    seen, stack = set(), [p for c in commits for p in parents[c]]
    while stack:
        c = stack.pop()
        if c not in seen:
            seen.add(c)
            stack += parents[c]
    return sorted(listed - seen)


def independent_with_networkx(parents, commits):
    """networkx: in a topological order, newest first, each commit learns which listed commits reach it
    (a bit mask); a listed commit that another listed one reaches is not independent."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(parents)
    g.add_edges_from((c, p) for c, ps in parents.items() for p in ps)  # child -> parent
    bit = {c: 1 << i for i, c in enumerate(commits)}
    reached = dict.fromkeys(parents, 0)
    for c in nx.topological_sort(g):  # children before parents
        for p in parents[c]:
            reached[p] |= reached[c] | bit.get(c, 0)
    return [c for c in commits if not reached[c]]


def independent_by_generations(parents, commits):
    """By hand, in Kahn's order (a commit after all its children): each commit learns whether a listed
    commit lies above it; the listed commits with none above are independent."""
    from collections import deque

    children_left = dict.fromkeys(parents, 0)
    for ps in parents.values():
        for p in ps:
            children_left[p] += 1
    listed = set(commits)
    above = dict.fromkeys(parents, False)
    queue = deque(c for c, n in children_left.items() if n == 0)
    while queue:
        c = queue.popleft()
        for p in parents[c]:
            above[p] = above[p] or above[c] or c in listed
            children_left[p] -= 1
            if children_left[p] == 0:
                queue.append(p)
    return [c for c in commits if not above[c]]


def independent_first_parents(parents, commits):
    """Mutant: ancestry along first parents only."""
    behind = set()
    for c in commits:
        while parents[c]:
            c = parents[c][0]
            if c in behind:
                break
            behind.add(c)
    return [c for c in commits if c not in behind]


def independent_not_a_parent(parents, commits):
    """Mutant: a listed commit dropped only when it is a direct parent of another listed commit."""
    direct = {p for c in commits for p in parents[c]}
    return [c for c in commits if c not in direct]


def independent_all(parents, commits):
    """The naive answer: every listed commit."""
    return list(commits)


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
    "reachable_count": Contract(
        name="reachable_count",
        signature="reachable_count(parents, include, exclude) -> int",
        summary="Given a git commit history, count the commits reachable from at least one commit of "
                "include and from no commit of exclude, where a commit reaches itself and, through its "
                "parents, all its ancestors. This is what `git rev-list --count <include...> --not "
                "<exclude...>` prints.",
        input_format="parents: a dict {commit id: [parent ids]} holding every commit of the history "
                     "(a root commit has [], a merge two or more parents, the first the branch merged into); "
                     "include, exclude: lists of commit ids of the history (exclude may be empty).",
        returns="an int.",
        judged_by="correct if it is exactly that number of commits.",
        unit="commits",
        min_size=6,
        edge_cases={
            "excluded_tips": "every included commit is reachable from an excluded one: the count is 0",
            "listed_in_both": "a commit listed in both include and exclude: excluded",
            "no_exclude": "exclude is empty: every commit reachable from include counts",
            "second_parent": "commits reachable only through a merge's second (or third) parent",
        },
        draw=draw_count, judge=judge_count, solve=_solve_count, reference=count_reference,
        alternatives=(count_with_networkx, count_breadth_first),
        mutants=(count_recursive, count_only_excluded_tips, count_first_parents),
        baseline=count_everything, large_size=LONG, max_size=40_000, brute_force=count_pairwise,
    ),
    "independent": Contract(
        name="independent",
        signature="independent(parents, commits) -> list[str]",
        summary="Given a git commit history and distinct commits of it, return those of the commits that "
                "are not an ancestor of another of them (through any parent, first or not). This is what "
                "`git merge-base --independent <commits...>` prints.",
        input_format="parents: a dict {commit id: [parent ids]} holding every commit of the history "
                     "(a root commit has [], a merge two or more parents, the first the branch merged into); "
                     "commits: a list of distinct commit ids of the history.",
        returns="a list of commit ids, each once, in any order.",
        judged_by="correct if the set is exactly the set of those commits.",
        unit="commits",
        min_size=6,
        edge_cases={
            "one_commit": "a single commit: it is independent",
            "one_line": "every commit on one first-parent line: only the newest is independent",
            "second_parent": "a commit that is an ancestor of another only through a merge's second parent",
        },
        draw=draw_independent, judge=judge_independent, solve=_solve_independent,
        reference=independent_reference, alternatives=(independent_with_networkx, independent_by_generations),
        mutants=(independent_first_parents, independent_not_a_parent),
        baseline=independent_all, large_size=LONG, max_size=40_000,
    ),
}
