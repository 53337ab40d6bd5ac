"""Git-history tasks: how did a repository evolve? Each task ships a copy of the repository cut off at
the question's point in time, explored with git tools (pygit2), and is graded against the commit graph.

    python -m generators.git_history --kind bisect --n 5          # the embedded RL-agent repository
    python -m generators.git_history --repo PATH --ref main --kind range
"""
from __future__ import annotations

import dataclasses
import functools
import random
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pygit2

from generators import tool_kind
from generators.base import MIXED, knobs_of, main, task_id
from generators.git_checks import (
    baseline,
    enumerate_answers,
    mutants,
    probe_calls,
    prompt_defects,
    random_answer,
)
from graphs import behaviour_history, long_history, synth_repo
from graphs import git as G
from tasks.task import Task
from tools.git import log_calls

# The family protocol (generators.base); the hooks for scripted agents and tasks.check are in git_checks.
__all__ = ["FAMILY", "KINDS", "LADDERS", "REVEALS", "Config", "baseline", "enumerate_answers", "generate",
           "mutants", "probe_calls", "prompt_defects", "random_answer"]
FAMILY = "git"
KINDS = ("introduced", "bisect", "range", "renamed", "blame", "merge_base", "behaviour", "cherry",
         tool_kind.KIND)
# Kinds that need the embedded repository: its test suite (bisect), its functions' inputs (behaviour).
EMBEDDED_ONLY = ("bisect", "behaviour")
VERSION = 13  # 2: the embedded repository has three regressions; 3: honest renamed and merge_base defaults;
# 4: the behaviour and cherry kinds, and the embedded repository's history after v1.3; 5: bisect with
# untestable commits and other failures by default, and the embedded repository's history after v1.5;
# 6: bisect by default over a generated history of 200 commits, with a run_tests and a total call budget;
# 7: that history edits the code harmlessly in about two fifths of its commits, breaks td_errors through a
# helper module, renames the broken lines later, and gives nothing away in its subjects; 8: each history is
# planned around one question (good at the root): broken builds where its bisection tests first, the test
# failing with another error over the first probe, the asked function renamed every few commits, and
# budgets of exactly the planned bisection's runs plus --slack (1) and its calls plus one; 9: behaviour by
# default over a generated history of 200 commits (graphs.behaviour_history), one change of the call's
# result among changes other inputs see, a call budget of the planned bisection's plus --slack, no run tool;
# 10: behaviour's results not stated (--values states them), exact inputs, and a mask in about half the
# histories (a read before the answer showing the tip's line with the good result); 11: behaviour's prompt
# gives its budget only (--plan states the bisection the budget is counted on, v10's default); 12: without
# --plan, the budget counts the worst case of halving the file's commits (v11: the stated bisection's path
# to this answer, one read fewer for half the answers), and the constant's line is restyled (blame at the
# tip named the answer where it set the constant); 13: behaviour's prompt says the file's log lists the good
# commit too (players of v11 and v12 counted 81 lines for 80 changes)
MAX_BUDGET = 50
MAX_RUN_BUDGET = 50
MAX_SPAN = 20
MAX_LENGTH = 1000
MIN_LENGTH = 100  # a range a careful reader cannot read or test commit by commit within the budget
MAX_FILES = 100  # files examined per task (renamed, blame)
MAX_CHERRY = 12  # commits of b not on a (cherry): a question of patches, not of listing a long history

_IDS = ("Name commits by full id or by any prefix of at least 7 hex digits that names only one object "
        "in the repository.")
# What run_tests prints, as the prompts of both noisy bisections say it.
_RUN_TESTS_SAYS = ("run_tests runs every test of that file and prints one line for each: PASSED, or FAILED "
                   "with the error's type and message. At a commit whose build is broken (a module outside "
                   "tests/ does not compile) it runs none and prints SKIPPED: that commit cannot be tested, "
                   "as with `git bisect skip`.")
PROMPTS = {
    "introduced": """\
In the repository's history up to {ref} (commit {tip}), find the commit that introduced the Python \
{what} `{symbol}` (defined in {path} at {ref}).
Precisely: the commit C, reachable from {ref}, such that some .py file in C defines `{symbol}` at module \
level (a `def` or `class` statement) while no parent of C defines it in any file. Exactly one such commit \
exists. {ids}
Submit {{"commit": "<id>"}}.""",
    "bisect": """\
The test `{test}` passes at commit {good} and fails at commit {bad} (the tip of branch main here). Its \
source, which run_tests(commit) runs against the code of any commit (whatever that commit's own tests \
are), is:
```python
{source}```
run_tests may be called at most {budget} times. Find the first bad commit: the commit reachable from \
{bad} and not from {good} at which the test fails while it passes at every parent of that commit. \
Exactly one such commit exists. {ids}
Submit {{"commit": "<id>"}}.""",
    "bisect_noisy": """\
`{test}` passes at commit {good} and fails with {reason} at commit {bad} (the tip of branch main here). \
Its file, which run_tests(commit) runs against the code of any commit (whatever that commit's own tests \
are), is:
```python
{source}```
""" + _RUN_TESTS_SAYS + """ run_tests may be called at most {budget} times.
Find the first bad commit of this failure: the commit C, reachable from {bad} and not from {good}, at \
which `{test}` fails with {reason} while at every parent of C it passes or fails with another error. \
Other tests failing, or this test failing with another error, are other failures, not this one. The \
first bad commit and its parents can all be tested, and exactly one such commit exists. {ids}
Submit {{"commit": "<id>"}}.""",
    "bisect_long": """\
`{test}` passes at commit {good} and fails with {reason} at commit {bad} (the tip of branch main here); \
main is one line of {n} commits from {good} (excluded) to {bad}, each the first parent of the next. Its \
test file, which run_tests(commit) runs against the code of any commit (whatever that commit's own tests \
are), is:
```python
{source}```
""" + _RUN_TESTS_SAYS + """
Budget: run_tests may be called at most {budget} times, and all tools together at most {calls} times \
(run_tests included); a call past either budget returns an error. Testing or reading the commits one by \
one does not fit. The budgets are tight: they fit this bisection with {slack} run_tests call(s) and one \
other call to spare. List the line's ids ({pages} git_log call(s) of up to 200 commits each) and number \
the commits 0 (commit {good}) to {n} (the tip). Keep lo, the newest commit known not to fail as asked, \
and hi, the oldest known to (at first 0 and {n}). While hi - lo > 1, run_tests at (lo + hi) // 2 and, \
where that prints SKIPPED, at its nearest neighbours strictly between lo and hi, one later, one \
earlier, two later, two earlier and so on, until one can be tested: if `{test}` fails there with \
{reason}, that commit becomes hi, otherwise lo. Then hi is the first bad commit.
Find the first bad commit of this failure: the commit C, reachable from {bad} and not from {good}, at \
which `{test}` fails with {reason} while at its parent it passes or fails with another error. Other \
tests failing, or this test failing with another error, are other failures, not this one. The first bad \
commit and its parent can both be tested, and exactly one such commit exists. {ids}
Submit {{"commit": "<id>"}}.""",
    "behaviour_long": """\
{gives} (the tip of branch main here). main is one line of {n} commits from {good} (excluded) to {bad}, \
each the first parent of the next, and `{function}` is the function of that name in {path} at every one \
of them; a result is the call's value as Python's repr() prints it, the file imported as the module \
`{module}` from the repository's root. \
{changes} of the line's commits change that file (git_log with its path lists {good} too, as the \
commit that adds it). Most leave the call's result as it was, whether they \
change only the function's text or also what it returns on other inputs than these; exactly one changes it.
Find that commit: the commit C, reachable from {bad} and not from {good}, where the call's result differs \
from its result at C's parent (a commit that leaves the file as it was gives its parent's result). {ids}
Budget: all tools together may be called at most {calls} times (submit_answer is not counted); a call past \
it returns an error. Reading every version does not fit.{plan} {runs}
Submit {{"commit": "<id>"}}.""",
    "range": """\
List every commit that is in release {b} but not in release {a}: the commits reachable from tag {b} \
and not from tag {a} (what `git log {a}..{b}` lists), merge commits included. {ids}
Submit {{"commits": ["<id>", ...]}} in any order, each commit once. Graded correct if the set is exact.""",
    "renamed_name": """\
The file at {path} in {ref} (commit {tip}) may have been renamed in the past. What was its path at tag \
{tag}? Follow it back through renames as `git log --follow` does (a file deleted and re-added with at \
least 50% similar content in the same commit counts as renamed).
Submit {{"name": "<path>"}}, the path relative to the repository root.""",
    "renamed_names": """\
The file at {path} in {ref} (commit {tip}) may have been renamed in the past. List every path it has \
had, oldest first, following it back through renames as `git log --follow` does (a file deleted and \
re-added with at least 50% similar content in the same commit counts as renamed).
Submit {{"names": ["<oldest path>", ..., "{path}"]}}: each path once, relative to the repository root.""",
    "blame": """\
At {point}, line {line} of {path} reads:
    {text}
Which commit last changed that line, as `git blame {tag} -- {path}` reports it (renames of the file \
followed, lines moved or copied between places not), and who is the author of that commit? {ids}
Submit {{"commit": "<id>", "author": "<author name as recorded in the commit>"}}.""",
    "merge_base": """\
Find a best common ancestor of branches {x} and {y}: a commit that is an ancestor of both (every \
commit counts as its own ancestor) and is not an ancestor of any other common ancestor of theirs \
(`git merge-base --all {x} {y}` lists all of them). Any best common ancestor is accepted. {ids}
Submit {{"commit": "<id>"}}.""",
    "cherry": """\
List the commits of branch {b} that `git cherry {a} {b}` marks with `+`: among the commits reachable \
from {b} and not from {a}, merge commits left out, each one whose patch is the patch of no commit \
reachable from {a} and not from {b}. A commit's patch is its diff against its parent as `git patch-id` \
sums it: the removed and added lines and the unchanged context lines around them, line numbers and \
whitespace ignored, commit messages not at all. So a commit cherry-picked or rebased onto {a} under \
another id or another subject is there (marked `-`), even if {a} later reverted it; one applied to {a} \
where {a} had changed the lines around it, or with other changes, is not. {ids}
Submit {{"commits": ["<id>", ...]}} in any order, each commit once. Graded correct if the set is exact.""",
    "behaviour": """\
The call `{call}` gives {before} at commit {good} and {after} at commit {bad} (the tip of branch main \
here). `{function}` is the module-level function of that name in whichever .py file defines it at a \
commit, imported as a module of the repository from its root (`agent/returns.py` as `agent.returns`); \
a result is the call's value as Python's repr() prints it, and a commit where no file or more than one \
file defines `{function}`, or where the import or the call raises, gives no value.
Find a commit C, reachable from {bad} and not from {good}, where the call's result differs from its \
result at every parent of C: where the function's behaviour on these inputs changed. Commits that only \
reformat, rename or move it change its text, not its result. If several commits qualify, any one of \
them is accepted. {ids}{runs}
Submit {{"commit": "<id>"}}.""",
}

_STR = {"type": "string"}


def _object(**properties: dict) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": False}


_COMMIT = _object(commit=_STR)
_STRS = {"type": "array", "items": _STR}
SCHEMAS = {"introduced": _COMMIT, "bisect": _COMMIT, "merge_base": _COMMIT, "behaviour": _COMMIT,
           "bisect_noisy": _COMMIT, "bisect_long": _COMMIT, "behaviour_long": _COMMIT,
           "range": _object(commits=_STRS), "cherry": _object(commits=_STRS),
           "renamed_name": _object(name=_STR), "renamed_names": _object(names=_STRS),
           "blame": _object(commit=_STR, author=_STR)}
GRADERS = {"introduced": "git.commit", "bisect": "git.commit", "merge_base": "git.commit",
           "behaviour": "git.commit", "cherry": "git.commit_set",
           "range": "git.commit_set", "renamed": "git.renamed", "blame": "git.blame"}
GIT_TOOLS = ["list_refs", "git_log", "git_show", "git_diff", "git_blame", "git_grep"]
# The tools show commit ids, paths and authors by design, so only a whole reference answer is hidden.
REVEALS = {kind: {"kind": "answer_visible"} for kind in KINDS}
LADDERS = {
    "introduced": [{"traps": False}, {"traps": True}],
    "bisect": [{"length": 0, "noise": False, "budget": 10}, {"length": 0, "noise": False, "budget": 4},
               {"length": 0, "noise": True, "budget": 10}, {"length": 0, "noise": True, "budget": 6},
               {"length": 200, "slack": 8}, {"length": 200, "slack": 3}, {"length": 200, "slack": 1},
               {"length": 300, "slack": 1}],
    "range": [{"span": 1}, {"span": 2}, {"span": 3}, {"span": 5}],
    "renamed": [{"traps": False}, {"traps": True}],
    "blame": [{"traps": False}, {"traps": True}],
    "merge_base": [{"traps": False}, {"traps": True}],
    "behaviour": [{"length": 0, "run_budget": 10}, {"length": 0, "run_budget": 3},
                  {"length": 0, "run_budget": 0},
                  {"length": 200, "values": True, "plan": True, "run_budget": 5},
                  {"length": 200, "values": True, "plan": True, "slack": 1},
                  {"length": 200, "plan": True, "slack": 1}, {"length": 200, "slack": 1},
                  {"length": 300, "slack": 0}],
    "cherry": [{"traps": False}, {"traps": True}],
    tool_kind.KIND: tool_kind.LADDER,
}


@dataclass(frozen=True)
class Config(tool_kind.ToolKnobs):
    """Difficulty knobs of the git-history family."""

    kind: str = MIXED
    repo: str = field(default="", metadata={"help": "a local git repository (default: the embedded one)"})
    ref: str = field(default="HEAD", metadata={"help": "the revision whose history the tasks ask about"})
    traps: bool = field(default=False, metadata={
        "help": "only questions with a trap where the repository has them: a symbol moved between files, "
                "a renamed file, a line older than its file's rename, branches whose merge base no "
                "naive guess finds"})
    budget: int = field(default=6, metadata={"help": f"bisect: run_tests calls allowed (1..{MAX_BUDGET})"})
    noise: bool = field(default=True, metadata={
        "help": "bisect: ask about a test file whose range holds commits that cannot be tested (the build "
                "breaks) and other failures (other tests, other errors); --no-noise: one of the three "
                "regression tests, one failure in the range"})
    length: int = field(default=200, metadata={
        "help": f"bisect, behaviour: commits of a generated history whose whole line is the range "
                f"({MIN_LENGTH}..{MAX_LENGTH}; 0: the embedded repository's short ranges, and for bisect "
                f"--budget and --noise)"})
    slack: int = field(default=1, metadata={
        "help": "on a generated history: calls allowed beyond what the planned bisection of the task's "
                "range uses (bisect: run_tests calls; behaviour: calls of any tool) (0..20)"})
    span: int = field(default=1, metadata={"help": f"range: releases between the two tags (1..{MAX_SPAN})"})
    values: bool = field(default=False, metadata={
        "help": "behaviour on a generated history: the prompt states the call's results at both ends "
                "(--no-values, the default: only that they differ, on inputs whose results binary floats "
                "hold exactly)"})
    plan: bool = field(default=False, metadata={
        "help": "behaviour on a generated history: the prompt states the bisection its call budget is "
                "counted on (--no-plan, the default: the budget only, the search the model's own)"})
    run_budget: int = field(default=0, metadata={
        "help": f"behaviour: run_python calls allowed (0..{MAX_RUN_BUDGET}; 0: no tool runs code)"})

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        if not 1 <= self.budget <= MAX_BUDGET:
            raise ValueError(f"--budget must be in 1..{MAX_BUDGET}, got {self.budget}")
        if self.length and not MIN_LENGTH <= self.length <= MAX_LENGTH:
            raise ValueError(f"--length must be 0 or in {MIN_LENGTH}..{MAX_LENGTH}, got {self.length}")
        if self.length and not self.noise:
            raise ValueError("--no-noise needs --length 0 (a generated history always has untestable "
                             "commits and other failures)")
        if not 0 <= self.slack <= 20:
            raise ValueError(f"--slack must be in 0..20, got {self.slack}")
        if not 1 <= self.span <= MAX_SPAN:
            raise ValueError(f"--span must be in 1..{MAX_SPAN}, got {self.span}")
        if not 0 <= self.run_budget <= MAX_RUN_BUDGET:
            raise ValueError(f"--run-budget must be in 0..{MAX_RUN_BUDGET}, got {self.run_budget}")
        if self.repo and self.kind in EMBEDDED_ONLY:
            raise ValueError(f"--kind {self.kind} needs the embedded repository's tests and inputs; "
                             "with --repo choose another --kind")
        tool_kind.validate_knobs(self, FAMILY)
        _history(self.repo, self.ref)  # a missing repository or revision is a bad flag too

    def mixed_kinds(self) -> tuple[str, ...]:
        """On a user's repository, the kinds it offers a question of (not those needing the embedded
        one's tests and inputs), saying on stderr which it skips and why; ValueError if none. Never tool,
        whose grading runs code on hidden instances."""
        if not self.repo:
            return tuple(k for k in KINDS if k != tool_kind.KIND)
        kinds, skipped = [], []
        for kind in (k for k in KINDS if k not in (*EMBEDDED_ONLY, tool_kind.KIND)):
            try:
                generate(dataclasses.replace(self, kind=kind), 0, 0)
                kinds.append(kind)
            except ValueError as e:
                skipped.append(f"{kind} ({e})")
        if skipped:
            print(f"mixed: skipped {'; '.join(skipped)}", file=sys.stderr)
        if not kinds:
            raise ValueError(f"--repo {self.repo}: no kind of question fits this repository")
        return tuple(kinds)


@dataclass(eq=False)
class _History:
    """What the generator knows about one repository at one revision (built once per process)."""

    repo: pygit2.Repository
    tip: str
    branch: str  # the branch the copy's HEAD is on
    graph: nx.DiGraph  # every commit of every branch and tag
    tags: list[tuple[str, str]]  # (tag name, commit) reachable from tip, oldest first

    @functools.cached_property
    def symbols(self) -> G.SymbolHistory:
        return G.symbol_history(self.repo, self.graph, self.tip)


@functools.lru_cache(maxsize=8)
def _history(repo_path: str, ref: str) -> _History:
    repo = G.open_repo(repo_path or synth_repo.embedded_path())
    tip = G.resolve(repo, ref)
    branch = repo.head.shorthand if ref == "HEAD" and not repo.head_is_detached else ref
    branch = branch if branch in G.branches(repo) else "main"
    graph = G.commit_graph(repo, sorted({tip, *G.refs(repo).values()}))
    return _History(repo, tip, branch, graph, G.tags_in_history(repo, graph, tip))


@functools.cache
def _run(repo_path: str, test: str, source: str, commit: str) -> str:
    """How a regression test goes at a commit (each run once): the brute-force truth of bisect."""
    return synth_repo.run_test(G.open_repo(repo_path), commit, test, source)[1]


def _passes(repo_path: str, test: str, source: str, commit: str) -> bool:
    return _run(repo_path, test, source, commit) == "PASSED"


def _untestable(repo_path: str, test: str, source: str, commit: str) -> bool:
    return _run(repo_path, test, source, commit).startswith(synth_repo.SKIPPED)


def _pick(rng: random.Random, items: list, preferred: list | None = None) -> Any:
    """A random item, from `preferred` when it has any."""
    pool = preferred or items
    if not pool:
        raise ValueError("this repository and --ref offer no instance of this task kind")
    return pool[rng.randrange(len(pool))]


def _introduced(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    index = G.SymbolIndex(h.repo)
    now = index.at(h.tip)
    # One introducing commit, and one definition now, so that "defined in <path>" names it exactly.
    intro = {s: cs[0] for s, cs in h.symbols.introduced.items() if len(cs) == 1 and len(now.get(s, ())) == 1}
    moved = [s for s in sorted(intro) if [p for p, _ in index.at(intro[s])[s]] != [p for p, _ in now[s]]]
    symbol = _pick(rng, sorted(intro), moved if config.traps else None)
    path, source = now[symbol][0]
    what = "class" if source.startswith("class ") else "function"
    return {"format": {"symbol": symbol, "path": path, "what": what}, "tips": {h.branch: h.tip},
            "truth": {"accepted": [intro[symbol]], "reference": {"commit": intro[symbol]}}}


def _bisect(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """One of the regression tests at --ref, chosen at random, and a (good, bad) pair of commits; with
    noise, `_noisy_bisect`."""
    if config.noise:
        return _noisy_bisect(h, rng, config)
    tests = [(test, source) for test in synth_repo.REGRESSION_TESTS
             if (source := synth_repo.test_source(h.repo, h.tip, test))]
    if not tests:
        raise ValueError(f"bisect: no regression test of the embedded repository is at --ref {config.ref}")
    for k in sorted(range(len(tests)), key=lambda _: rng.random()):  # the first, in random order, with pairs
        test, source = tests[k]
        ok = functools.partial(_passes, h.repo.path, test, source)
        # Never a range with a commit that cannot be tested (the noisy kind's), nor bad as the answer.
        pairs = [(good, bad, culprit) for good, bad, culprit in G.bisect_pairs(h.graph, h.tip, ok, 3)
                 if culprit != bad and not any(_untestable(h.repo.path, test, source, c)
                                               for c in G.commit_range(h.graph, good, bad))]
        if pairs:
            break
    good, bad, culprit = _pick(rng, pairs)
    return {"format": {"test": test, "good": good, "bad": bad, "source": source, "budget": config.budget},
            "tips": {"main": bad},
            "env": {"tests": {"test": test, "source": source, "budget": config.budget}},
            "truth": {"accepted": [culprit], "good": good, "bad": bad, "reference": {"commit": culprit}}}


NOISY_MIN_RANGE = 6  # commits in good..bad, so that a bisection needs several runs


@functools.cache
def _file_results(repo_path: str, path: str, source: str, commit: str) -> dict[str, str]:
    """Each test of the file at a commit -> "passed", "skipped" (the build is broken), or the type of the
    error it fails with (each commit run once): the brute-force truth of noisy bisect."""
    names = sorted(n for n in G.python_symbols(source.encode()) if n.startswith("test_"))
    lines = synth_repo.run_tests(G.open_repo(repo_path), commit, path, names, source)
    return {n: "passed" if line == "PASSED" else "skipped" if line.startswith(synth_repo.SKIPPED)
            else line.removeprefix("FAILED: ").split(":", 1)[0] for n, line in lines.items()}


def _noisy_bisect(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """A test of the advantage tests' file, an error it fails with, and (good, bad) commits of main's
    first-parent line whose range holds exactly one first bad commit of that failure, at least one
    commit that cannot be tested and at least one start of another failure (the traps, in the truth)."""
    path = synth_repo.ADVANTAGE_TEST_FILE
    source = synth_repo.test_source(h.repo, h.tip, f"{path}::test_gae_weights_later_errors_by_gamma_lambda")
    if not source:
        raise ValueError(f"bisect: the advantage tests are not at --ref {config.ref}; try --no-noise")
    line = G.first_parent_line(h.graph, h.tip)[::-1]  # oldest first
    results = {c: _file_results(h.repo.path, path, source, c) for c in line}
    untestable = {c for c in line if "skipped" in results[c].values()}

    def failing(c: str) -> set[tuple[str, str]]:  # (test, error) pairs failing at c, or at the nearest
        while c in untestable:  # testable commit before it
            c = line[line.index(c) - 1]
        return {(t, r) for t, r in results[c].items() if r != "passed"}

    starts = {c: failing(c) - failing(p) for p, c in zip(line, line[1:], strict=False) if c not in untestable}
    by_question: dict[tuple[str, str, str], list[tuple]] = {}
    for i, good in enumerate(line):
        for j in range(i + NOISY_MIN_RANGE, len(line)):
            bad = line[j]
            span = line[i + 1:j + 1]
            skips = [c for c in span if c in untestable]
            for test, error in sorted(failing(bad)):
                if results[good][test] != "passed" or results[bad][test] != error or not skips:
                    continue
                first = [c for p, c in zip(line[i:], span, strict=False) if results[c][test] == error
                         and p not in untestable and results[p][test] != error]
                # Exactly one first bad commit: any other commit failing so follows an untestable one.
                if len(first) != 1:
                    continue
                culprit = first[0]
                others = sorted(c for c in span if c not in untestable and c != culprit
                                and starts[c] - {(test, error)})
                if others and culprit != bad:  # bad itself is never the answer
                    k = span.index(culprit)
                    by_question.setdefault((test, error, culprit), []).append(
                        (good, bad, sorted(skips), others, span[:k], span[k + 1:]))
    if not by_question:
        raise ValueError(f"bisect: no range with untestable commits and other failures at --ref {config.ref}")
    test, error, culprit = _pick(rng, sorted(by_question))  # a question first, then one of its ranges
    good, bad, skips, others, before, after = _pick(rng, by_question[test, error, culprit])
    test_id = f"{path}::{test}"
    return {"variant": "bisect_noisy",
            "format": {"test": test_id, "reason": error, "good": good, "bad": bad, "source": source,
                       "budget": config.budget},
            "tips": {"main": bad},
            "env": {"tests": {"test": test_id, "source": source, "budget": config.budget, "file": True}},
            "truth": {"accepted": [culprit], "good": good, "bad": bad, "error": error, "untestable": skips,
                      "other_failures": others, "before": before, "after": after,
                      "reference": {"commit": culprit}}}


class _NoQuestion(ValueError):
    """A generated history whose planned question fails a check: the generator builds another."""


def _long_bisect(h: _History, config: Config, target: str) -> dict[str, Any]:
    """The planned question of a generated history (`long_history.question`): the target's test failing
    with AssertionError at the tip, good at the root, checked on the runs of every commit: on the
    testable commits the failure, once started, never stops (so one first bad commit exists, and its
    parent can be tested); the planned bisection finds it, its runs (plus --slack) the budget; and no
    bisection that reads no error or no reason, nor blame at the tip, lands on it."""
    path = synth_repo.ADVANTAGE_TEST_FILE
    source = synth_repo.test_source(h.repo, h.tip, f"{path}::test_gae_weights_later_errors_by_gamma_lambda")
    line = G.first_parent_line(h.graph, h.tip)[::-1]  # oldest first: the root is good
    results = {c: _outcomes(long_history.file_results(h.repo, c, path, source)) for c in line}
    untestable = {c for c in line if "skipped" in results[c].values()}
    test = next(n for n in results[line[0]] if n.startswith(f"test_{long_history.TESTED[target]}"))
    error, good, bad, span = "AssertionError", line[0], line[-1], line[1:]
    testable = [c for c in line if c not in untestable]
    fails = [results[c][test] == error for c in testable]
    if results[good][test] != "passed" or True not in fails or not all(fails[fails.index(True):]):
        raise _NoQuestion(f"{target}: the failure stops or never starts")
    culprit = testable[fails.index(True)]
    k = span.index(culprit)
    if k == 0 or span[k - 1] in untestable:  # the prompt promises a testable parent
        raise _NoQuestion(f"{target}: the first bad commit's parent cannot be tested")

    def verdicts(bad_when: Any) -> Any:
        return lambda i: "skip" if line[i] in untestable else "bad" if bad_when(results[line[i]]) else "good"

    found, runs = long_history.bisect_by_halves(len(span), verdicts(lambda r: r[test] == error))
    # The two bisections a hasty agent runs: counting any failure of the test as bad (the reason not
    # read), and counting anything but a pass, a broken build included, as bad (no error read).
    blind, _ = long_history.bisect_by_halves(len(span), verdicts(lambda r: r[test] != "passed"))
    blamed = {c for p in (long_history.MODULE, long_history.HELPER) for c in G.blame(h.repo, p, bad)}
    if line[found] != culprit or culprit in (line[blind], _any_failure(span, results)) or culprit in blamed:
        raise _NoQuestion(f"{target}: a shortcut lands on the first bad commit")
    previous = dict(zip(testable[1:], testable, strict=False))  # each testable commit -> the one before
    starts = {c: _failing(results[c]) - _failing(results[p]) for c, p in previous.items()}
    others = sorted(c for c in span if c in starts and c != culprit and {t for t, _ in starts[c]} - {test})
    other_errors = sorted(c for c in span if c in starts
                          and any(t == test and r != error for t, r in starts[c]))
    budget = runs + config.slack
    pages = log_calls(h.repo, len(span))  # git_log calls that list the line's ids
    calls = budget + pages + 1
    test_id = f"{path}::{test}"
    return {"variant": "bisect_long",
            "format": {"test": test_id, "reason": error, "good": good, "bad": bad, "source": source,
                       "budget": budget, "calls": calls, "n": len(span), "slack": config.slack,
                       "pages": pages},
            "tips": {"main": bad},
            "env": {"tests": {"test": test_id, "source": source, "budget": budget, "file": True},
                    "calls_left": calls},
            "truth": {"accepted": [culprit], "good": good, "bad": bad, "error": error,
                      "untestable": sorted(untestable & set(span)), "other_failures": others,
                      "other_errors": other_errors, "before": span[:k], "after": span[k + 1:],
                      "planned_runs": runs, "reason_blind": line[blind], "reference": {"commit": culprit}}}


def _any_failure(span: list[str], results: dict[str, dict[str, str]]) -> str:
    """Where the textbook bisection lands that counts any test not passing, a broken build included, as
    bad (the family baseline, `git_checks._bisect_any_failure`): questions it answers are not kept."""
    lo, hi = 0, len(span) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if set(results[span[mid]].values()) == {"passed"} else (lo, mid)
    return span[lo]


def _outcomes(lines: dict[str, str]) -> dict[str, str]:
    """Each test -> "passed", "skipped" (the build is broken), or the type of the error it fails with."""
    return {n: "passed" if line == "PASSED" else "skipped" if line.startswith(synth_repo.SKIPPED)
            else line.removeprefix("FAILED: ").split(":", 1)[0] for n, line in lines.items()}


def _failing(outcomes: dict[str, str]) -> set[tuple[str, str]]:
    return {(t, r) for t, r in outcomes.items() if r not in ("passed", "skipped")}


def _range(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    pairs = [(a, b) for i, a in enumerate(h.tags[:-config.span or None])
             for b in [h.tags[i + config.span]] if a[1] in G.ancestry(h.graph, b[1]) and a[1] != b[1]]
    if not pairs:
        raise ValueError(f"range: {config.ref} has {len(h.tags)} tags in its history; --span {config.span} "
                         "needs two of them that far apart, one an ancestor of the other")
    (a, a_sha), (b, b_sha) = _pick(rng, pairs)
    commits = sorted(G.commit_range(h.graph, a_sha, b_sha))
    return {"format": {"a": a, "b": b}, "tips": {h.branch: b_sha}, "tags": (a, b),
            "truth": {"commits": commits, "from": a_sha, "to": b_sha, "reference": {"commits": commits}}}


def _renamed(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    files = sorted(p for p, _ in G.sample_text_files(h.repo, h.tip, rng, MAX_FILES))
    histories = {p: G.follow(h.repo, h.tip, p) for p in files}
    renamed = [p for p in files if len(histories[p].names()) > 1]
    never = [p for p in files if p not in renamed]
    if config.repo and not renamed:  # on a user's repository only real renames are asked about
        raise ValueError(f"renamed: none of the {len(files)} files sampled at {config.ref} was ever renamed")
    # A renamed file twice as often as another (always with traps or --repo): its current path answers
    # only the rest.
    path = _pick(rng, (renamed if config.traps or config.repo or rng.random() < 2 / 3 else never) or files)
    history = histories[path]
    tags = [(t, sha) for t, sha in h.tags if sha in history.path_at]
    differ = [(t, sha) for t, sha in tags if history.path_at[sha] != path]
    if (differ if config.repo else tags) and rng.random() < 0.5:
        tag, sha = _pick(rng, tags, differ)  # a renamed file is asked about a tag when it had another name
        name = history.path_at[sha]
        return {"variant": "renamed_name", "format": {"path": path, "tag": tag}, "tips": {h.branch: h.tip},
                "tags": (tag,),
                "truth": {"name": name, "path": path, "tag": tag, "reference": {"name": name}}}
    names = history.names()
    return {"variant": "renamed_names", "format": {"path": path}, "tips": {h.branch: h.tip},
            "truth": {"names": names, "path": path, "reference": {"names": names}}}


def _blame(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """A non-blank line of a file at a tag; with traps, one last changed before the file was renamed."""
    points = h.tags or [(config.ref, h.tip)]
    if config.repo and h.tip not in {sha for _, sha in points}:  # a user's tip may follow a rename
        points = [*points, (config.ref, h.tip)]
    fallback = None
    for k in sorted(range(len(points)), key=lambda _: rng.random()):  # tags in random order
        tag, sha = points[k]
        for path, blob in G.sample_text_files(h.repo, sha, rng, MAX_FILES):
            lines, traps, unguessed = G.blamed_lines(h.repo, sha, path, blob)
            if config.repo:  # a user's repository: only lines whose owner no guess from a log names
                traps = traps or unguessed
            fallback = fallback or (lines and not config.repo and (tag, sha, lines))
            if traps or (lines and not config.traps and not config.repo):
                return _blame_task(h, tag, sha, _pick(rng, traps or lines))
    if not fallback:
        raise ValueError("blame: no line last changed after its file's first commit, before the tip, "
                         "at any tag or --ref" if config.repo else
                         "blame: no file with a non-blank line at any tag or --ref")
    tag, sha, lines = fallback
    return _blame_task(h, tag, sha, _pick(rng, lines))


def _blame_task(h: _History, tag: str, sha: str, line: tuple) -> dict[str, Any]:
    path, n, text, owner = line
    author = h.repo[owner].author
    named = (tag, sha) in h.tags
    return {"format": {"tag": tag, "path": path, "line": n, "text": text.strip(),
                       "point": f"tag {tag}" if named else f"{tag} (commit {sha})"}, "tips": {h.branch: sha},
            "tags": (tag,) if named else (),
            "truth": {"commit": owner, "author": author.name, "email": author.email, "tag": tag, "path": path,
                      "line": n, "reference": {"commit": owner, "author": author.name}}}


def _merge_base(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """Two branches whose best common ancestor no naive guess (a tip, where one branch leaves the other)
    finds where the repository has such pairs; with traps, pairs that none of them or only --all finds."""
    branches = G.branches(h.repo)
    pairs = G.branch_pairs_with_bases(h.graph, branches)
    if not pairs:
        raise ValueError(f"merge_base: needs two branches with a common ancestor; found {len(branches)} "
                         "branch(es)")
    diverged = [(x, y, b) for x, y, b in pairs if not {branches[x], branches[y]} & set(b)]
    forks = {(x, y): G.fork_points(h.graph, branches[x], branches[y]) for x, y, _ in diverged}
    tricky = [(x, y, b) for x, y, b in diverged if not forks[x, y] <= set(b)]
    several = [p for p in pairs if len(p[2]) > 1]  # criss-cross merges
    hardest = [(x, y, b) for x, y, b in tricky if not forks[x, y] & set(b)] + several
    pool = (config.traps and hardest) or tricky or diverged or pairs
    by_answer: dict[tuple[str, ...], list] = {}
    for x, y, bases in pool:  # an answer first, then a pair, so that no one commit answers most tasks
        by_answer.setdefault(tuple(bases), []).append((x, y))
    bases = list(_pick(rng, sorted(by_answer)))
    x, y = _pick(rng, by_answer[tuple(bases)])
    if rng.random() < 0.5:  # either branch first: the copy's HEAD is on the first
        x, y = y, x
    return {"format": {"x": x, "y": y}, "tips": {x: branches[x], y: branches[y]},
            "truth": {"accepted": bases, "tips": [branches[x], branches[y]],
                      "reference": {"commit": bases[0]}}}


@functools.cache
def _results(repo_path: str, tip: str) -> dict[str, dict[str, str | None]]:
    """Each commit of tip's history -> each call of `synth_repo.BEHAVIOUR_CALLS` -> the repr of its
    result, or None where it gives no value: the truth of behaviour, found by running every commit."""
    repo = G.open_repo(repo_path or synth_repo.embedded_path())
    index = G.SymbolIndex(repo)
    calls, code_of = [], {}
    for c in sorted(G.ancestry(G.commit_graph(repo, [tip]), tip)):
        defs = index.at(c)
        # The calls import only the package's code: commits with the same code give the same results.
        code = tuple(sorted((p, str(b.id)) for p, b in G.text_files(repo, repo[c].tree)
                            if p.endswith(".py") and not p.startswith("tests/")))
        if code not in code_of.values():
            calls += [(c, defs[name][0][0], name, args) for name, inputs in synth_repo.BEHAVIOUR_CALLS.items()
                      for args in inputs if len(defs.get(name, ())) == 1]
        code_of[c] = code
    values = synth_repo.call_functions(repo, calls) if calls else []
    by_code: dict[tuple, dict[str, str | None]] = {code: {} for code in code_of.values()}
    for (c, _, name, args), value in zip(calls, values, strict=True):
        by_code[code_of[c]][f"{name}({args})"] = value
    return {c: by_code[code] for c, code in code_of.items()}


def _behaviour(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """A call, and (good, bad) commits of the first-parent line where its results differ, whose commits
    that changed the result are none of the guesses that need no reading of code: where the function
    began, the first and the newest commit of the range to change its text, the newest whose patch names
    it, and any whose subject names it."""
    results = _results(config.repo, h.tip)
    line = G.first_parent_line(h.graph, h.tip)
    order = {c: k for k, c in enumerate(G.topo_order(h.graph))}
    index = G.SymbolIndex(h.repo)
    everything = set(results)
    by_answer: dict[tuple[str, ...], list[tuple]] = {}
    for call in sorted({call for r in results.values() for call in r}):
        name = call.split("(", 1)[0]
        value = {c: results[c].get(call) for c in results}
        began = set(h.symbols.introduced.get(name, ()))
        changed = G.source_changes(index, h.graph, everything, name)
        named = G.mentions(h.repo, everything, name)
        subject = re.compile(rf"\b{re.escape(name)}\b")
        titled = {c for c in everything if subject.search(h.repo[c].message.split("\n", 1)[0])}
        for i, bad in enumerate(line):
            for good in line[i + 1:]:
                if value[good] is None or value[bad] is None or value[good] == value[bad]:
                    continue
                span = G.commit_range(h.graph, good, bad)
                accepted = sorted(c for c in span if all(value[c] != value[p] for p in h.graph.successors(c)))
                text = changed & span
                traps = began | (titled & span) | {f(found, key=order.__getitem__) for f, found in (
                    (max, text), (min, text), (max, named & span)) if found}
                if accepted and not set(accepted) & traps:
                    by_answer.setdefault(tuple(accepted), []).append(
                        (call, good, bad, sorted(traps), sorted(titled & span), sorted(text)))
    accepted = list(_pick(rng, sorted(by_answer)))  # an answer first, so that no one commit answers most
    call, good, bad, traps, titled, text = _pick(rng, by_answer[tuple(accepted)])
    runs = (f"\nrun_python(commit, code) runs a Python program against the code of any commit, at most "
            f"{config.run_budget} times." if config.run_budget else "")
    return {"format": {"call": call, "function": call.split("(", 1)[0], "good": good, "bad": bad,
                       "before": results[good][call], "after": results[bad][call], "runs": runs},
            "tips": {"main": bad},
            "env": {"runs": {"budget": config.run_budget}} if config.run_budget else {},
            "truth": {"accepted": accepted, "call": call, "good": good, "bad": bad, "traps": traps,
                      "titled": titled, "text_changed": text, "reference": {"commit": accepted[0]}}}


_BEHAVIOUR_PLAN = (
    " The budget is what this bisection spends on this task ({spends}) plus {slack}: list the file's "
    "commits ({pages} git_log call(s) with its path), number them 0 (commit {good}) to {changes} (the "
    "newest, whose file is the tip's), keep lo = 0 and hi = {changes}, and while hi - lo > 1 read the file "
    "at (lo + hi) // 2 (one git_show with the path): if the call's result there is {after}, that commit "
    "becomes hi, otherwise lo. Then hi is the commit asked.{read_ends}")


def _long_behaviour(h: _History, config: Config, history: dict[str, Any]) -> dict[str, Any]:
    """The planned question of a generated history (`behaviour_history.question`), its truth found by
    running the call at every commit of the line in the sandbox: the result changes at exactly one commit,
    the planned one; the budget is what a bisection of the file's commits spends, plus --slack (with
    --plan, the stated one's path to this answer; without, the worst case)."""
    plan = behaviour_history.question(**history)
    line = G.first_parent_line(h.graph, h.tip)[::-1]  # oldest first: the root is good
    call, good, bad = plan["call"], line[0], h.tip
    value = behaviour_history.results(h.repo, line, call)
    accepted = [c for p, c in zip(line, line[1:], strict=False) if value[c] != value[p]]
    if accepted != [line[plan["answer"]]] or None in (value[good], value[bad]):
        raise ValueError(f"behaviour: the history {history} does not change the call's result as planned")
    path, (answer,) = behaviour_history.MODULE, accepted
    touched = G.follow(h.repo, h.tip, path).changed  # the file's commits, oldest first
    changes = len(touched) - 1
    if config.plan:  # the stated bisection of the file's commits: its reads on the way to this answer
        slot = touched.index(answer)
        _, steps = long_history.bisect_by_halves(changes, lambda i: "bad" if i >= slot else "good")
    else:  # the search is the model's own: the worst case of halving, ceil(log2(changes)) reads
        steps = (changes - 1).bit_length()
    pages = log_calls(h.repo, len(touched), path)
    ends = 0 if config.values else 2  # without the results stated, the two ends are read first
    calls = pages + ends + steps + config.slack + config.run_budget
    decoys = sorted(line[k] for k in plan["decoys"])
    titled = sorted(c for c in line if behaviour_history.FUNCTION in h.repo[c].message)
    runs = (f"run_python(commit, code) runs a Python program against the code of any commit, at most "
            f"{config.run_budget} times (the budget counts them)." if config.run_budget else
            "No tool runs code: work each version's result out by reading it.")
    k = line.index(answer)
    if config.values:
        gives = f"The call `{call}` gives {value[good]} at commit {good} and {value[bad]} at commit {bad}"
        after, read_ends = value[bad], ""
    else:
        gives = f"The call `{call}` gives one result at commit {good} and another at commit {bad}"
        after = "the tip's"
        read_ends = (" Before the bisection, read the file at both ends (two git_show calls) to work "
                     "the two results out.")
    stated = _BEHAVIOUR_PLAN.format(
        spends=f"{pages + ends + steps} calls, {steps + ends} of them git_show reads", slack=config.slack,
        pages=pages, good=good, changes=changes, after=after, read_ends=read_ends) if config.plan else ""
    return {"variant": "behaviour_long",
            "format": {"gives": gives, "function": behaviour_history.FUNCTION, "good": good, "bad": bad,
                       "n": len(line) - 1, "path": path, "module": path.removesuffix(".py").replace("/", "."),
                       "changes": changes, "calls": calls, "plan": stated,
                       "runs": runs},
            "tips": {"main": bad},
            "env": {"calls_left": calls, **({"runs": {"budget": config.run_budget}} if config.run_budget
                                            else {})},
            "truth": {"accepted": accepted, "call": call, "good": good, "bad": bad, "decoys": decoys,
                      "titled": titled, "before": line[1:k], "after": line[k + 1:],
                      "masked": None if plan["masked"] is None else line[plan["masked"]],
                      "traps": sorted({*decoys, *titled, touched[1], touched[-1]} - {answer}),
                      "planned_calls": pages + ends + steps, "reference": {"commit": answer}}}


def _cherry(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """Two branches where the second has commits the first took over under other ids (so that the range
    a..b is not the answer) and commits it has not; with traps, one of these was applied to the first
    with another resolution (a commit of the same message whose patch differs)."""
    branches = G.branches(h.repo)
    pool, hardest, subjects = [], [], {}
    for a in sorted(branches):
        for b in sorted(branches):
            if a == b or branches[b] in G.ancestry(h.graph, branches[a]):
                continue
            plus, minus = G.cherry(h.repo, h.graph, branches[a], branches[b])
            if plus and minus and len(plus) + len(minus) <= MAX_CHERRY:
                pool.append((a, b, plus, minus))
                theirs = {h.repo[c].message for c in G.commit_range(h.graph, branches[b], branches[a])}
                subjects[a, b] = sorted(c for c in plus if h.repo[c].message in theirs)
                if subjects[a, b]:
                    hardest.append((a, b, plus, minus))
    if not pool:
        raise ValueError("cherry: no two branches where one took over commits of the other under other ids")
    a, b, plus, minus = _pick(rng, pool, hardest if config.traps else None)
    return {"format": {"a": a, "b": b}, "tips": {a: branches[a], b: branches[b]},
            "truth": {"commits": plus, "picked": minus, "same_subject": subjects[a, b], "a": a, "b": b,
                      "reference": {"commits": plus}}}


LONG_ATTEMPTS = 4  # generated histories tried per task before giving up


def _long_history(config: Config, seed: int, index: int) -> tuple[_History, dict[str, Any], dict[str, Any]]:
    """A generated history and its question; the functions broken take turns through a sample (in an
    order drawn from the seed), so that eight tasks ask about five tests."""
    order = sorted(long_history.SLIPS)
    random.Random(f"{FAMILY}:bisect_long:{seed}").shuffle(order)
    target = order[index % len(order)]
    problems = []
    for attempt in range(LONG_ATTEMPTS):
        history = {"key": f"{seed}:{index}" + (f":{attempt}" if attempt else ""), "length": config.length,
                   "target": target}
        h = _history(long_history.path_for(**history), "HEAD")
        try:
            return h, _long_bisect(h, config, target), history
        except _NoQuestion as e:
            problems.append(str(e))
    raise ValueError(f"bisect: no generated history gave a question ({'; '.join(problems)})")


_MAKERS = {"introduced": _introduced, "bisect": _bisect, "range": _range, "renamed": _renamed,
           "blame": _blame, "merge_base": _merge_base, "behaviour": _behaviour,
           "cherry": _cherry}


def generate(config: Config, seed: int, index: int) -> Task:
    """One task of `config.kind`, the same for the same config, seed and index."""
    if config.kind == tool_kind.KIND:
        return tool_kind.generate(FAMILY, config, seed, index)
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    history = None
    if config.kind == "bisect" and config.length:  # each task its own generated history, planned around
        h, made, history = _long_history(config, seed, index)  # the break of one function
    elif config.kind == "behaviour" and config.length:  # or around one change of a call's result
        history = {"key": f"{seed}:{index}", "length": config.length, "exact": not config.values}
        h = _history(behaviour_history.path_for(**history), "HEAD")
        made = _long_behaviour(h, config, history)
    else:
        h = _history(config.repo, config.ref)
        made = _MAKERS[config.kind](h, rng, config)
    variant = made.get("variant", config.kind)
    tips = made["tips"]
    prompt = PROMPTS[variant].format(ref=config.ref, tip=h.tip, ids=_IDS, **made["format"])
    tools = GIT_TOOLS + (["run_tests"] if config.kind == "bisect" else [])
    tools += ["run_python"] if config.kind == "behaviour" and config.run_budget else []
    # a delta against the repository the history was rebuilt from, wherever every machine rebuilds it
    module = "graphs.behaviour_history" if config.kind == "behaviour" else "graphs.long_history"
    base = ({"module": module, "args": history} if history else
            None if config.repo else {"module": "graphs.synth_repo"})
    packed = G.pack_history(h.repo, tips, next(iter(tips)), made.get("tags", ()), base)
    env = {"repo": packed, **made.get("env", {})}
    source = (f"generated history ({module})" if history else "local repository" if config.repo
              else "embedded repository (graphs.synth_repo, synthesized)")
    return Task(
        id=task_id(FAMILY, config, seed, index), family=f"{FAMILY}.{config.kind}", prompt=prompt, tools=tools,
        answer_schema=SCHEMAS[variant], env=env, truth=made["truth"], grader=GRADERS[config.kind],
        meta={"seed": seed, "version": VERSION, "knobs": knobs_of(config),
              "provenance": {"source": source, "ref": config.ref, "commit": h.tip, "cut_off": tips,
                             **({"history": history} if history else {})}},
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
