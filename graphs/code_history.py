"""A long history of one component's file, for locate: the repository cut off before the component,
then many commits that touch its file (first versions wrong with one mutant, then a partial fix: a
mutant wrong on part of the first version's wrong cases, kept for half the wrong versions or more; the
first complete one; refactors that keep its values, drawn among the component's correct sources, half of
them rewrites that change the lines a slip would change (`Component.rewrites`); where the task's checked
cases allow it, a regression: a commit that breaks a case every earlier version got right, kept for a
while, then the re-fix; refactors to the tip), among commits that change other files, almost all under
vague subjects; the few that name the component mislead (its first, wrong version; a "fix" that changes
no value, after it was first complete and outside the regression). Every version, wrong ones too,
carries the same docstrings, so only its code tells it apart. Too many to read every one within a stated
call budget, which the generator sets from what a scripted bisection of the file's commits spends on the
task (`History.calls`): "at or after the complete version" is "right, or wrong on a case the first
version got right", monotonic along the history by construction.
"""
from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import pygit2

from graphs import code_components as CC
from graphs import git as G
from graphs import paper_repo as R
from graphs.code_components import COMPONENTS

_VAGUE = ("tidy up", "misc", "wip", "small fixes", "address review", "cleanup", "simplify", "more work",
          "follow-up", "refactor", "minor", "adjust", "rework", "update", "polish")
_NOTES = ("# keep float64 throughout", "# inputs may be lists", "# shapes follow the batch", "# no copies",
          "# see the tests", "# vectorised over the batch", "# checked by hand on small inputs",
          "# numpy only", "# the batch axis comes first", "# edge cases in the tests")
_README = ("Runs on numpy alone.", "Every function takes arrays.", "Tests live in tests/.",
           "Shapes are documented in each docstring.", "Contributions welcome.", "Floats are float64.")


# New names for a version's locals: none is a builtin the sources call or a name they use
_RENAMES = ("acc", "buf", "cur", "tmp", "val", "res", "arr", "part", "vec", "grid", "span", "step", "head",
            "pick", "base", "lhs", "rhs", "term", "flat", "seq", "cell", "item", "work", "slot", "temp")


def renamed_locals(source: str, rng: random.Random) -> str:
    """The source with its functions' local variables under new names drawn from `rng`, and a parameter
    that the function's body rebinds first thing (`x = np.asarray(x)`) renamed from there on: the same
    code, but most lines change, so that blame at a later commit points to the renaming, not to where
    the version began. Names are replaced where the syntax tree has them, never in strings, attributes
    or keyword names."""
    tree = ast.parse(source)
    functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.Lambda))]
    params = {a.arg for f in functions for a in (*f.args.posonlyargs, *f.args.args, *f.args.kwonlyargs)}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    local = {n.id for n in names if isinstance(n.ctx, ast.Store)} - params
    # a parameter -> (the name its first rebinding binds, where that statement ends, its function's end)
    rebound: dict[str, tuple[ast.Name, tuple[int, int], int]] = {}
    for f in (f for f in tree.body if isinstance(f, ast.FunctionDef)):
        for statement in (s for s in f.body if isinstance(s, ast.Assign)):
            targets = list(statement.targets)
            while targets:  # names the statement itself binds, not a subscript's
                target = targets.pop()
                if isinstance(target, (ast.Tuple, ast.List)):
                    targets += target.elts
                elif isinstance(target, ast.Name) and target.id in params and target.id not in rebound:
                    end = (statement.end_lineno, statement.end_col_offset)
                    rebound[target.id] = (target, end, f.end_lineno)
    pool = [n for n in _RENAMES if n not in {n.id for n in names} | params]
    rng.shuffle(pool)
    mapping = dict(zip(sorted(local) + sorted(rebound), pool, strict=False))  # a short pool renames fewer
    spots = [n for n in names if n.id in local and n.id in mapping]
    for name, (bound, end, last) in rebound.items():
        spots += [n for n in names if name in mapping and n.id == name
                  and (n is bound or end <= (n.lineno, n.col_offset) and n.lineno <= last)]
    lines = source.split("\n")
    for n in sorted(spots, key=lambda n: (n.lineno, n.col_offset), reverse=True):  # right to left
        line = lines[n.lineno - 1]
        lines[n.lineno - 1] = line[:n.col_offset] + mapping[n.id] + line[n.end_col_offset:]
    return "\n".join(lines)


@dataclass(frozen=True)
class History:
    """A task's history of one component's file."""

    tip: str
    """The last commit: the copy's main."""
    commit: str
    """The first commit at which the component behaves as its paper defines it."""
    introduced: str
    """The first commit that adds the component's functions (a wrong version)."""
    named: str
    """The commit whose subject names the component: its first version."""
    partial: str
    """The partial fix: the first commit of the versions wrong on only the fewest checked cases, the
    last wrong ones before `commit`."""
    file_commits: int
    """How many commits of main touch the component's file (git_log with its path lists them)."""
    calls: int
    """The calls of the scripted bisection (`bisect_calls`) on this history."""
    regression: str = ""
    """The commit that breaks the complete version again (a checked case every earlier version got
    right), the first of the versions wrong with it; empty where the history has no regression."""
    refix: str = ""
    """The commit that repairs the regression (under a vague subject); empty where there is none."""


def bisect_calls(file_commits: int, first_right: int, regression: bool = False) -> int:
    """Calls of the efficient strategy: one to find the file (git_grep), one to list its commits
    (git_log with the path), where the history has a regression one git_show of the first version (to
    learn which checked cases it gets wrong), and one git_show per step of a bisection of that list
    (oldest first, index `first_right` the first complete version; the last one is known to be right)
    whose predicate is "right, or wrong on a case the first version got right"."""
    lo, hi, steps = 0, file_commits - 1, 0
    while lo < hi:
        mid = (lo + hi) // 2
        steps += 1
        lo, hi = (lo, mid) if mid >= first_right else (mid + 1, hi)
    return 2 + regression + steps


Plan = tuple[str, str, str | None]
"""(the first versions' mutant, the partial fix's, the regression's or None)."""


def mutant_plans(key: str, cases: list[tuple[str, dict[str, Any]]]) -> tuple[list[Plan], list[Plan]]:
    """(the triples, the pairs) of distinct mutants (e, subtle, R) on these cases, by the sets of case
    indices each gets wrong: wrong(subtle) nonempty and a strict subset of wrong(e) (a partial fix of the
    first version), and for a triple wrong(R) holding a case outside wrong(e) (a case every earlier
    version gets right). Pairs have R None; a component with fewer than 3 mutants has no triple."""
    mutants = COMPONENTS[key].mutants
    wrong = {m: wrong_cases(mutants[m], cases) for m in sorted(mutants)}
    pairs = [(e, s, None) for e in wrong for s in wrong if s != e and wrong[s] and wrong[s] < wrong[e]]
    triples = [(e, s, r) for e, s, _ in pairs for r in wrong if r not in (e, s) and wrong[r] - wrong[e]]
    return triples, pairs


def wrong_cases(source: str, cases: list[tuple[str, dict[str, Any]]]) -> frozenset[int]:
    """The indices of the cases on which a version of the component (our own source, run in this
    process) differs from the reference."""
    namespace = CC.reference_namespace()
    exec(source, namespace)  # noqa: S102 (the project's own sources)
    wrong = set()
    for i, ((name, kwargs), want) in enumerate(zip(cases, CC.expected(cases), strict=True)):
        try:
            with np.errstate(all="ignore"):  # a mutant's 0 ** -beta
                got = CC.to_json(CC.call_case(namespace, name, kwargs))
        except Exception:  # noqa: BLE001 (a mutant that raises is wrong on that case)
            wrong.add(i)
            continue
        if not _close(want, got):
            wrong.add(i)
    return frozenset(wrong)


def _close(want: Any, got: Any) -> bool:
    if "tuple" in want:
        return "tuple" in got and len(got["tuple"]) == len(want["tuple"]) and all(
            _close(w, g) for w, g in zip(want["tuple"], got["tuple"], strict=True))
    return ("values" in got and got["shape"] == want["shape"]
            and bool(np.allclose(got["values"], want["values"], **CC.TOLERANCE)))


def build(repo: pygit2.Repository, key: str, rng: random.Random, length: int,
          cases: list[tuple[str, dict[str, Any]]], plan: Plan) -> History:
    """Commits of the component's file on top of the embedded repository's commit before the component
    (objects only), so that git_log with its path lists `length` commits; the complete version is
    drawn in the middle half, the partial fix (`plan`'s second mutant; the first versions are its first)
    a quarter to a half of the way through the wrong versions; where `plan` names a regression mutant
    and a third or more of the file's commits come after the complete version, the regression a third
    of those commits after it or more, kept for a quarter to a third of them, then the re-fix. Every
    version carries the reference's docstrings (`committed`)."""
    c = COMPONENTS[key]
    early, subtle, regressed = plan
    parent = str(repo[R.links()[key].introduced].parent_ids[0])
    tree = R.tree_files(repo, parent)
    earlier = len(G.follow(repo, parent, c.path).changed) if c.path in tree else 0
    touching = length - earlier
    test = {R.test_path(c.path): R.public_test_file(repo, tree, key)}
    done = rng.randrange(touching // 4, 3 * touching // 4)
    partial = rng.randrange(max(1, done // 4), max(1, done // 2) + 1)  # half the wrong versions or more
    after = touching - done - 1  # the file's commits after the complete version
    broken = refixed = touching  # the regression's window [broken, refixed): none by default
    if regressed is not None and after >= 6:
        # a third of the later commits or more between the complete version and the regression, so that
        # walking back from the "Fix" commit costs more than the budget; the window ends before the tip
        window = rng.randint(after // 4, after // 3)
        broken = rng.randint(done + 1 + after // 3, done + after - window)
        refixed = broken + window
    # "Fix <function>" on a later right version, not the re-fix: a subject must not lead to the regression
    subject_fix = rng.choice([k for k in range(done + 1, touching) if not broken <= k <= refixed])
    notes: list[str] = []
    readme = tree.get("README.md", "")
    tip, commit, introduced, partial_fix, regression, refix = parent, "", "", "", "", ""
    for k in range(touching):
        while rng.random() < 0.45:  # commits of other files between those of the component's
            readme += f"\n{rng.choice(_README)}\n"
            tip = R.commit_on(repo, tip, {"README.md": readme}, rng.choice(_VAGUE))
        if k < done:
            version = early if k < partial else subtle
        elif broken <= k < refixed:
            version = regressed
        else:
            version = rng.choice(("reference", "looped", *sorted(c.rewrites)))
        source = CC.committed(c, version)
        if version not in c.rewrites and rng.random() < 0.5:  # a rewrite's own names are its disguise
            source = renamed_locals(source, rng)
        notes.append(rng.choice(_NOTES))
        text = R.component_file(tree, key, source).rstrip("\n") + "\n" + "\n".join(notes) + "\n"
        files = {c.path: text, **(test if k == 0 else {})}
        subject = (f"Add {c.what.split(',')[0]}" if k == 0 else
                   f"Fix {c.functions[0]}" if k == subject_fix else rng.choice(_VAGUE))
        tip = R.commit_on(repo, tip, files, subject)
        introduced = introduced or tip
        partial_fix = tip if k == partial else partial_fix
        commit = tip if k == done else commit
        regression = tip if k == broken else regression
        refix = tip if k == refixed else refix
    file_commits = len(G.follow(repo, tip, c.path).changed)
    calls = bisect_calls(file_commits, earlier + done, bool(regression))
    return History(tip, commit, introduced, introduced, partial_fix, file_commits, calls, regression, refix)
