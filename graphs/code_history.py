"""A long history of one component's file, for locate: the repository cut off before the component,
then many commits that touch its file (first versions that each miss a case of the paper's definition,
then a partial fix: the version that is wrong on the fewest of the task's checked cases, kept for a
while; the first complete one; then refactors that keep its values), among commits that change other
files, almost all under vague subjects; the few that name the component mislead (its first, wrong
version; a "fix" after it was already complete). Too many to read every one within a stated call
budget, which is what a scripted bisection of the file's commits spends on the task plus one; once
complete the component never changes its values again, so the commits of its file can be bisected.
"""
from __future__ import annotations

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
    budget: int
    """The calls of the scripted bisection (`bisect_calls`) on this history, plus one."""


def bisect_calls(file_commits: int, first_right: int) -> int:
    """Calls of the efficient strategy: one to find the file (git_grep), one to list its commits
    (git_log with the path), one git_show per step of a bisection of that list (oldest first, index
    `first_right` the first complete version; the last one is known to be complete)."""
    lo, hi, steps = 0, file_commits - 1, 0
    while lo < hi:
        mid = (lo + hi) // 2
        steps += 1
        lo, hi = (lo, mid) if mid >= first_right else (mid + 1, hi)
    return 2 + steps


def partial_split(key: str, cases: list[tuple[str, dict[str, Any]]]) -> tuple[str, list[str]] | None:
    """(the partial fix, the earlier wrong versions): the mutant wrong on the fewest of the cases, which
    must be right on at least one, and the mutants wrong on more; None where no mutant qualifies."""
    mutants = COMPONENTS[key].mutants
    wrong = {m: wrong_cases(mutants[m], cases) for m in sorted(mutants)}
    subtle = min(wrong, key=lambda m: wrong[m])
    earlier = [m for m in wrong if wrong[m] > wrong[subtle]]
    return (subtle, earlier) if earlier and 0 < wrong[subtle] < len(cases) else None


def wrong_cases(source: str, cases: list[tuple[str, dict[str, Any]]]) -> int:
    """On how many of the cases a version of the component (our own source, run in this process)
    differs from the reference."""
    namespace = CC.reference_namespace()
    exec(source, namespace)  # noqa: S102 (the project's own sources)
    wrong = 0
    for (name, kwargs), want in zip(cases, CC.expected(cases), strict=True):
        try:
            with np.errstate(all="ignore"):  # a mutant's 0 ** -beta
                got = CC.to_json(CC.call_case(namespace, name, kwargs))
        except Exception:  # noqa: BLE001 (a mutant that raises is wrong on that case)
            wrong += 1
            continue
        wrong += not _close(want, got)
    return wrong


def _close(want: Any, got: Any) -> bool:
    if "tuple" in want:
        return "tuple" in got and len(got["tuple"]) == len(want["tuple"]) and all(
            _close(w, g) for w, g in zip(want["tuple"], got["tuple"], strict=True))
    return ("values" in got and got["shape"] == want["shape"]
            and bool(np.allclose(got["values"], want["values"], **CC.TOLERANCE)))


def build(repo: pygit2.Repository, key: str, rng: random.Random, length: int,
          cases: list[tuple[str, dict[str, Any]]]) -> History:
    """Commits of the component's file on top of the embedded repository's commit before the component
    (objects only), so that git_log with its path lists `length` commits; the complete version is
    drawn in the middle half, the partial fix (the mutant wrong on the fewest of `cases`) in the second
    half of the wrong versions."""
    c = COMPONENTS[key]
    parent = str(repo[R.links()[key].introduced].parent_ids[0])
    tree = R.tree_files(repo, parent)
    earlier = len(G.follow(repo, parent, c.path).changed) if c.path in tree else 0
    touching = length - earlier
    test = {R.test_path(c.path): R.public_test_file(repo, tree, key)}
    done = rng.randrange(touching // 4, 3 * touching // 4)
    partial = rng.randrange(max(1, done // 2), done)
    split = partial_split(key, cases)
    if split is None:
        raise ValueError(f"no mutant of {key} is a partial fix on these cases: draw others")
    subtle, wrong = split
    notes: list[str] = []
    readme = tree.get("README.md", "")
    tip, commit, introduced, partial_fix = parent, "", "", ""
    fix_after = rng.randrange(done + 1, touching)  # a refactor whose subject says it fixes the component
    for k in range(touching):
        while rng.random() < 0.45:  # commits of other files between those of the component's
            readme += f"\n{rng.choice(_README)}\n"
            tip = R.commit_on(repo, tip, {"README.md": readme}, rng.choice(_VAGUE))
        if k < done:
            source = c.mutants[rng.choice(wrong) if k < partial else subtle]
        else:
            source = c.reference if rng.random() < 0.6 else c.looped
        notes.append(rng.choice(_NOTES))
        text = R.component_file(tree, key, source).rstrip("\n") + "\n" + "\n".join(notes) + "\n"
        files = {c.path: text, **(test if k == 0 else {})}
        subject = (f"Add {c.what.split(',')[0]}" if k == 0 else
                   f"Fix {c.functions[0]}" if k == fix_after else rng.choice(_VAGUE))
        tip = R.commit_on(repo, tip, files, subject)
        introduced = introduced or tip
        partial_fix = tip if k == partial else partial_fix
        if k == done:
            commit = tip
    file_commits = len(G.follow(repo, tip, c.path).changed)
    budget = bisect_calls(file_commits, earlier + done) + 1
    return History(tip, commit, introduced, introduced, partial_fix, file_commits, budget)
