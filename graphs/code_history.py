"""A long history of one component's file, for locate: the repository cut off before the component,
then many commits that touch its file (first versions that each miss a case of the paper's definition,
the first complete one, then refactors that keep its values), among commits that change other files,
almost all under vague subjects; the few that name the component mislead (its first, wrong version; a
"fix" after it was already complete). Too many to read every one within a stated call budget; once
complete the component never changes its values again, so the commits of its file can be bisected.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pygit2

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
    file_commits: int
    """How many commits of main touch the component's file (git_log with its path lists them)."""
    budget: int
    """Tool calls enough to find the file, list its commits and bisect them, with two to spare."""


def bisect_calls(file_commits: int) -> int:
    """Calls of an efficient strategy: one to find the file (git_grep), one to list its commits
    (git_log with the path), one git_show per step of a bisection whose last commit is known to be
    complete."""
    return 2 + math.ceil(math.log2(file_commits))


def build(repo: pygit2.Repository, key: str, rng: random.Random, touching: int) -> History:
    """`touching` commits of the component's file, the complete version drawn in the middle half,
    written on top of the embedded repository's commit before the component (objects only)."""
    c = COMPONENTS[key]
    parent = str(repo[R.links()[key].introduced].parent_ids[0])
    tree = R.tree_files(repo, parent)
    test = {R.test_path(c.path): R.public_test_file(repo, tree, key)}
    done = rng.randrange(touching // 4, 3 * touching // 4)
    wrong = sorted(c.mutants)
    notes: list[str] = []
    readme = tree.get("README.md", "")
    tip, commit, introduced = parent, "", ""
    fix_after = rng.randrange(done + 1, touching)  # a refactor whose subject says it fixes the component
    for k in range(touching):
        while rng.random() < 0.45:  # commits of other files between those of the component's
            readme += f"\n{rng.choice(_README)}\n"
            tip = R.commit_on(repo, tip, {"README.md": readme}, rng.choice(_VAGUE))
        if k < done:
            source = c.mutants[rng.choice(wrong)]
        else:
            source = c.reference if rng.random() < 0.6 else c.looped
        notes.append(rng.choice(_NOTES))
        text = R.component_file(tree, key, source).rstrip("\n") + "\n" + "\n".join(notes) + "\n"
        files = {c.path: text, **(test if k == 0 else {})}
        subject = (f"Add {c.what.split(',')[0]}" if k == 0 else
                   f"Fix {c.functions[0]}" if k == fix_after else rng.choice(_VAGUE))
        tip = R.commit_on(repo, tip, files, subject)
        introduced = introduced or tip
        if k == done:
            commit = tip
    file_commits = len(G.follow(repo, tip, c.path).changed)
    return History(tip, commit, introduced, introduced, file_commits, bisect_calls(file_commits) + 2)
