"""Git-history tasks: how did a repository evolve? Each task ships a copy of the repository cut off at
the question's point in time, explored with git tools (pygit2), and is graded against the commit graph.

    python -m generators.git_history --kind bisect --n 5          # the embedded RL-agent repository
    python -m generators.git_history --repo PATH --ref main --kind range
"""
from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pygit2

from generators.base import MIXED, knobs_of, main, task_id
from graphs import git as G
from graphs import synth_repo
from tasks.task import Task

FAMILY = "git"
KINDS = ("introduced", "bisect", "range", "renamed", "blame", "merge_base")
VERSION = 2  # 2: the embedded repository has three regressions
MAX_BUDGET = 50
MAX_SPAN = 20
MAX_FILES = 100  # files examined per task (renamed, blame)

_IDS = ("Name commits by full id or by any prefix of at least 7 hex digits that names only one object "
        "in the repository.")
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
At tag {tag}, line {line} of {path} reads:
    {text}
Which commit last changed that line, as `git blame {tag} -- {path}` reports it (renames of the file \
followed, lines moved or copied between places not), and who is the author of that commit? {ids}
Submit {{"commit": "<id>", "author": "<author name as recorded in the commit>"}}.""",
    "merge_base": """\
Find a best common ancestor of branches {x} and {y}: a commit that is an ancestor of both (every \
commit counts as its own ancestor) and is not an ancestor of any other common ancestor of theirs \
(`git merge-base --all {x} {y}` lists all of them). Any best common ancestor is accepted. {ids}
Submit {{"commit": "<id>"}}.""",
}

_STR = {"type": "string"}


def _object(**properties: dict) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": False}


_COMMIT = _object(commit=_STR)
_STRS = {"type": "array", "items": _STR}
SCHEMAS = {"introduced": _COMMIT, "bisect": _COMMIT, "merge_base": _COMMIT, "range": _object(commits=_STRS),
           "renamed_name": _object(name=_STR), "renamed_names": _object(names=_STRS),
           "blame": _object(commit=_STR, author=_STR)}
GRADERS = {"introduced": "git.commit", "bisect": "git.commit", "merge_base": "git.commit",
           "range": "git.commit_set", "renamed": "git.renamed", "blame": "git.blame"}
GIT_TOOLS = ["list_refs", "git_log", "git_show", "git_diff", "git_blame", "git_grep"]
# The tools show commit ids, paths and authors by design, so only a whole reference answer is hidden.
REVEALS = {kind: {"kind": "answer_visible"} for kind in KINDS}
LADDERS = {
    "introduced": [{"traps": False}, {"traps": True}],
    "bisect": [{"budget": 10}, {"budget": 6}, {"budget": 4}, {"budget": 3}],
    "range": [{"span": 1}, {"span": 2}, {"span": 3}, {"span": 5}],
    "renamed": [{"traps": False}, {"traps": True}],
    "blame": [{"traps": False}, {"traps": True}],
    "merge_base": [{"traps": False}, {"traps": True}],
}


@dataclass(frozen=True)
class Config:
    """Difficulty knobs of the git-history family."""

    kind: str = MIXED
    repo: str = field(default="", metadata={"help": "a local git repository (default: the embedded one)"})
    ref: str = field(default="HEAD", metadata={"help": "the revision whose history the tasks ask about"})
    traps: bool = field(default=False, metadata={
        "help": "only questions with a trap where the repository has them: a symbol moved between files, "
                "a renamed file, a line older than its file's rename, branches that diverged"})
    budget: int = field(default=5, metadata={"help": f"bisect: run_tests calls allowed (1..{MAX_BUDGET})"})
    span: int = field(default=1, metadata={"help": f"range: releases between the two tags (1..{MAX_SPAN})"})

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        if not 1 <= self.budget <= MAX_BUDGET:
            raise ValueError(f"--budget must be in 1..{MAX_BUDGET}, got {self.budget}")
        if not 1 <= self.span <= MAX_SPAN:
            raise ValueError(f"--span must be in 1..{MAX_SPAN}, got {self.span}")
        if self.repo and self.kind in ("bisect", MIXED):
            raise ValueError(f"--kind {self.kind} needs the embedded repository's test suite (bisect); "
                             "with --repo choose another --kind")
        _history(self.repo, self.ref)  # a missing repository or revision is a bad flag too


@dataclass(eq=False)
class _History:
    """What the generator knows about one repository at one revision (built once per process)."""

    repo: pygit2.Repository
    tip: str
    branch: str  # the branch the copy's HEAD is on
    graph: nx.DiGraph  # every commit of every branch and tag
    tags: list[tuple[str, str]]  # (tag name, commit) reachable from tip, oldest first
    _tests: dict[tuple[str, str, str], bool] = field(default_factory=dict)

    @functools.cached_property
    def symbols(self) -> G.SymbolHistory:
        return G.symbol_history(self.repo, self.graph, self.tip)

    def passes(self, test: str, source: str, commit: str) -> bool:
        """Whether a regression test passes at a commit (run once each): the brute-force truth of bisect."""
        key = (test, source, commit)
        if key not in self._tests:
            self._tests[key] = synth_repo.run_test(self.repo, commit, test, source)[0]
        return self._tests[key]


@functools.lru_cache(maxsize=8)
def _history(repo_path: str, ref: str) -> _History:
    repo = G.open_repo(repo_path or synth_repo.embedded_path())
    tip = G.resolve(repo, ref)
    branch = repo.head.shorthand if ref == "HEAD" and not repo.head_is_detached else ref
    if f"refs/heads/{branch}" not in G.refs(repo):
        branch = "main"
    graph = G.commit_graph(repo, sorted({tip, *G.refs(repo).values()}))
    order = {c: i for i, c in enumerate(G.topo_order(graph))}
    past = G.ancestry(graph, tip)
    tags = sorted(((name.removeprefix("refs/tags/"), sha) for name, sha in G.refs(repo).items()
                   if name.startswith("refs/tags/") and sha in past), key=lambda t: (order[t[1]], t[0]))
    return _History(repo, tip, branch, graph, tags)


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
    """One of the regression tests at --ref, chosen at random, and a (good, bad) pair of commits."""
    tests = [(test, source) for test in synth_repo.REGRESSION_TESTS if (source := _test_source(h, test))]
    if not tests:
        raise ValueError(f"bisect: no regression test of the embedded repository is at --ref {config.ref}")
    for k in sorted(range(len(tests)), key=lambda _: rng.random()):  # the first, in random order, with pairs
        test, source = tests[k]
        if pairs := _bisect_pairs(h, test, source):
            break
    good, bad, culprit = _pick(rng, pairs)
    return {"format": {"test": test, "good": good, "bad": bad, "source": source, "budget": config.budget},
            "tips": {"main": bad},
            "env": {"tests": {"test": test, "source": source, "budget": config.budget}},
            "truth": {"accepted": [culprit], "good": good, "bad": bad, "reference": {"commit": culprit}}}


def _test_source(h: _History, test: str) -> str:
    """The source of the file defining `test` (`path::function`) at the tip, or "" if it has no such test."""
    path, name = test.split("::")
    try:
        source = h.repo[h.tip].tree[path].data.decode()
    except KeyError:
        return ""
    return source if name in G.python_symbols(source.encode()) else ""


def _bisect_pairs(h: _History, test: str, source: str) -> list[tuple[str, str, str]]:
    """(good, bad, first bad commit) for commits of the tip's first-parent line where the test passes at
    good and fails at bad, and exactly one commit between them fails while all its parents pass."""
    def ok(commit: str) -> bool:
        return h.passes(test, source, commit)

    line = _first_parents(h.graph, h.tip)
    pairs = []
    for i, bad in enumerate(line):
        for good in line[i + 1:] if not ok(bad) else []:
            if not ok(good):
                continue
            span = G.commit_range(h.graph, good, bad)
            culprits = [c for c in sorted(span) if not ok(c) and all(ok(p) for p in h.graph.successors(c))]
            if len(culprits) == 1 and len(span) > 2:  # more than the culprit and bad itself
                pairs.append((good, bad, culprits[0]))
    return pairs


def _first_parents(g: nx.DiGraph, tip: str) -> list[str]:
    line = [tip]
    while parents := [p for _, p, n in g.out_edges(line[-1], data="n") if n == 0]:
        line.append(parents[0])
    return line


def _range(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    pairs = [(a, b) for i, a in enumerate(h.tags[:-config.span or None])
             for b in [h.tags[i + config.span]] if a[1] in G.ancestry(h.graph, b[1]) and a[1] != b[1]]
    if not pairs:
        raise ValueError(f"range: {config.ref} has {len(h.tags)} tags in its history; --span {config.span} "
                         "needs two of them that far apart, one an ancestor of the other")
    (a, a_sha), (b, b_sha) = _pick(rng, pairs)
    commits = sorted(G.commit_range(h.graph, a_sha, b_sha))
    return {"format": {"a": a, "b": b}, "tips": {h.branch: b_sha},
            "truth": {"commits": commits, "from": a_sha, "to": b_sha, "reference": {"commits": commits}}}


def _sample_files(rng: random.Random, repo: pygit2.Repository,
                  commit: str) -> list[tuple[str, pygit2.Blob]]:
    """Up to MAX_FILES text files of a commit in random order: big repositories are sampled, not scanned."""
    files = sorted(G.text_files(repo, repo[commit].peel(pygit2.Commit).tree), key=lambda f: f[0])
    return [files[k] for k in sorted(range(len(files)), key=lambda _: rng.random())[:MAX_FILES]]


def _renamed(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    files = sorted(p for p, _ in _sample_files(rng, h.repo, h.tip))
    histories = {p: G.follow(h.repo, h.tip, p) for p in files}
    renamed = [p for p in files if len(histories[p].names()) > 1]
    path = _pick(rng, files, renamed if config.traps else None)
    history = histories[path]
    tags = [(t, sha) for t, sha in h.tags if sha in history.path_at]
    if tags and rng.random() < 0.5:
        differ = [(t, sha) for t, sha in tags if history.path_at[sha] != path]
        tag, sha = _pick(rng, tags, differ if config.traps else None)
        name = history.path_at[sha]
        return {"variant": "renamed_name", "format": {"path": path, "tag": tag}, "tips": {h.branch: h.tip},
                "truth": {"name": name, "path": path, "tag": tag, "reference": {"name": name}}}
    names = history.names()
    return {"variant": "renamed_names", "format": {"path": path}, "tips": {h.branch: h.tip},
            "truth": {"names": names, "path": path, "reference": {"names": names}}}


def _blame(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    """A non-blank line of a file at a tag; with traps, one last changed before the file was renamed."""
    points = h.tags or [(config.ref, h.tip)]
    fallback = None
    for k in sorted(range(len(points)), key=lambda _: rng.random()):  # tags in random order
        tag, sha = points[k]
        for path, blob in _sample_files(rng, h.repo, sha):
            lines, traps = _blame_lines(h.repo, sha, path, blob)
            fallback = fallback or (lines and (tag, sha, lines))
            if traps or (lines and not config.traps):
                return _blame_task(h, tag, sha, _pick(rng, traps or lines))
    if not fallback:
        raise ValueError("blame: no file with a non-blank line at any tag or --ref")
    tag, sha, lines = fallback
    return _blame_task(h, tag, sha, _pick(rng, lines))


def _blame_lines(repo: pygit2.Repository, commit: str, path: str, blob: pygit2.Blob) -> tuple[list, list]:
    """The file's non-blank lines as (path, number, text, last commit), and those whose last commit had
    the file under another name (the trap: blame must follow the rename)."""
    history = G.follow(repo, commit, path)
    texts = blob.data.decode(errors="replace").splitlines()
    lines = [(path, n, text, owner) for n, (text, owner) in
             enumerate(zip(texts, G.blame(repo, path, commit), strict=True), 1) if text.strip()]
    return lines, [line for line in lines if history.path_at.get(line[3], path) != path]


def _blame_task(h: _History, tag: str, sha: str, line: tuple) -> dict[str, Any]:
    path, n, text, owner = line
    author = h.repo[owner].author
    return {"format": {"tag": tag, "path": path, "line": n, "text": text.strip()}, "tips": {h.branch: sha},
            "truth": {"commit": owner, "author": author.name, "email": author.email, "tag": tag, "path": path,
                      "line": n, "reference": {"commit": owner, "author": author.name}}}


def _merge_base(h: _History, rng: random.Random, config: Config) -> dict[str, Any]:
    branches = {name.removeprefix("refs/heads/"): sha for name, sha in G.refs(h.repo).items()
                if name.startswith("refs/heads/")}
    pairs, diverged = [], []
    for x in sorted(branches):
        for y in sorted(branches):
            bases = sorted(G.merge_bases_all(h.graph, branches[x], branches[y])) if x < y else []
            if bases:
                pairs.append((x, y, bases))
                if not {branches[x], branches[y]} & set(bases):
                    diverged.append(pairs[-1])
    if not pairs:
        raise ValueError(f"merge_base: needs two branches with a common ancestor; found {len(branches)} "
                         "branch(es)")
    x, y, bases = _pick(rng, pairs, diverged if config.traps else None)
    tips = [branches[x], branches[y]]
    return {"format": {"x": x, "y": y}, "tips": {x: tips[0], y: tips[1]},
            "truth": {"accepted": bases, "tips": tips, "reference": {"commit": bases[0]}}}


_MAKERS = {"introduced": _introduced, "bisect": _bisect, "range": _range, "renamed": _renamed,
           "blame": _blame, "merge_base": _merge_base}


def generate(config: Config, seed: int, index: int) -> Task:
    """One task of `config.kind`, the same for the same config, seed and index."""
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    h = _history(config.repo, config.ref)
    made = _MAKERS[config.kind](h, rng, config)
    variant = made.get("variant", config.kind)
    tips = made["tips"]
    prompt = PROMPTS[variant].format(ref=config.ref, tip=h.tip, ids=_IDS, **made["format"])
    tools = GIT_TOOLS + (["run_tests"] if config.kind == "bisect" else [])
    env = {"repo": G.pack_history(h.repo, tips, next(iter(tips))), **made.get("env", {})}
    source = "embedded repository (graphs.synth_repo, synthesized)" if not config.repo else "local repository"
    return Task(
        id=task_id(FAMILY, config, seed, index), family=f"{FAMILY}.{config.kind}", prompt=prompt, tools=tools,
        answer_schema=SCHEMAS[variant], env=env, truth=made["truth"], grader=GRADERS[config.kind],
        meta={"seed": seed, "version": VERSION, "knobs": knobs_of(config),
              "provenance": {"source": source, "ref": config.ref, "commit": h.tip, "cut_off": tips}},
    )


# -- the family protocol's hooks for scripted agents and tasks.check ------------------------------------

def _kind(task: Task) -> str:
    return task.family.split(".", 1)[1]


def _choice(rng: Any, items: list) -> Any:
    """A random item; `rng` may be a random.Random or a numpy Generator (both have .random())."""
    return items[int(rng.random() * len(items))]


def _commits(repo: pygit2.Repository) -> list[str]:
    return sorted(G.commit_graph(repo))


def _head_paths(repo: pygit2.Repository) -> list[str]:
    return sorted(p for p, _ in G.text_files(repo, repo.revparse_single("HEAD").peel(pygit2.Commit).tree))


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: the newest commit (and its author), every commit of the later release, or the
    file's current path."""
    repo = G.materialize(task.env["repo"])
    head = G.resolve(repo, "HEAD")
    kind = _kind(task)
    if kind == "range":
        return {"commits": sorted(G.ancestry(G.commit_graph(repo), head))}
    if kind == "renamed":
        return {"name": task.truth["path"]} if "name" in task.truth else {"names": [task.truth["path"]]}
    if kind == "blame":
        return {"commit": head, "author": repo[head].author.name}
    return {"commit": head}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: a random commit of the copy (with its author), a random set of them, or
    random paths at HEAD."""
    repo = G.materialize(task.env["repo"])
    commits = _commits(repo)
    commit = _choice(rng, commits)
    kind = _kind(task)
    if kind == "range":
        return {"commits": [c for c in commits if rng.random() < 0.3]}
    if kind == "renamed":
        paths = _head_paths(repo)
        return {"name": _choice(rng, paths)} if "name" in task.truth else {"names": [_choice(rng, paths)]}
    if kind == "blame":
        return {"commit": commit, "author": repo[_choice(rng, commits)].author.name}
    return {"commit": commit}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Valid calls of every tool the task offers, on random commits and files of the copy."""
    repo = G.materialize(task.env["repo"])
    commits = _commits(repo)
    paths = _head_paths(repo)
    path = _choice(rng, [p for p in paths if p.endswith(".py")] or paths)
    ref = _choice(rng, sorted(G.refs(repo)))
    calls = [("list_refs", {}), ("git_log", {"max_count": 10}), ("git_log", {"ref": ref, "path": path}),
             ("git_show", {"commit": _choice(rng, commits)}), ("git_show", {"commit": "HEAD", "path": path}),
             ("git_diff", {"a": _choice(rng, commits), "b": "HEAD"}),
             ("git_diff", {"a": _choice(rng, commits), "b": "HEAD", "path": path}),
             ("git_blame", {"path": path}), ("git_grep", {"pattern": r"^(def|class) \w+"})]
    if "run_tests" in task.tools:
        calls.append(("run_tests", {"commit": _choice(rng, commits)}))
    return calls


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer, each found by a second method on the task's own copy: a regex scan of every
    commit (introduced), running the test at every commit of the range (bisect), a pygit2 revision walk
    (range), first-parent rename tracking (renamed), `git blame` itself when git is installed (blame), and
    all common ancestors compared pairwise (merge_base)."""
    repo = G.materialize(task.env["repo"])
    kind = _kind(task)
    if kind == "introduced":
        symbol = task.prompt.split("`")[1]
        return [{"commit": c} for c in G.introductions_by_regex(repo, symbol)]
    if kind == "bisect":
        t = task.env["tests"]
        ok = {}
        walk = repo.walk(pygit2.Oid(hex=task.truth["bad"]))
        walk.hide(pygit2.Oid(hex=task.truth["good"]))
        span = list(walk)
        for commit in span + [p for c in span for p in c.parents]:
            if str(commit.id) not in ok:
                ok[str(commit.id)] = synth_repo.run_test(repo, str(commit.id), t["test"], t["source"])[0]
        return [{"commit": str(c.id)} for c in span
                if not ok[str(c.id)] and all(ok[str(p)] for p in c.parent_ids)]
    if kind == "range":
        walk = repo.walk(pygit2.Oid(hex=task.truth["to"]))
        walk.hide(pygit2.Oid(hex=task.truth["from"]))
        return [{"commits": sorted(str(c.id) for c in walk)}]
    if kind == "renamed":
        names = G.first_parent_names(repo, G.resolve(repo, "HEAD"), task.truth["path"])
        if "name" in task.truth:
            name = names.get(G.resolve(repo, task.truth["tag"]))
            return None if name is None else [{"name": name}]
        return [{"names": list(dict.fromkeys(reversed(names.values())))}]
    if kind == "blame":
        return _git_blame(repo, task.truth["tag"], task.truth["path"], task.truth["line"])
    bases = G.best_common_ancestors_pairwise(repo, task.truth["tips"])
    return None if bases is None else [{"commit": c} for c in bases]


def _git_blame(repo: pygit2.Repository, tag: str, path: str, line: int) -> list[dict[str, Any]] | None:
    if shutil.which("git") is None:
        return None
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    command = ["git", "-C", repo.path, "blame", "--porcelain", "-L", f"{line},{line}", tag, "--", path]
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None
    commit = out.stdout.split()[0]
    return [{"commit": commit, "author": repo[commit].author.name}]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses that must fail, the most instructive first."""
    repo = G.materialize(task.env["repo"])
    kind, truth = _kind(task), task.truth
    if kind == "range":
        commits = truth["commits"]
        return [{"commits": commits[1:]}, {"commits": commits + [truth["from"]]},
                {"commits": commits + commits[:1]}]
    if kind == "renamed":
        if "name" in truth:
            others = [truth["path"]] if truth["path"] != truth["name"] else []
            return [{"name": n} for n in others + [truth["name"] + ".orig", "/" + truth["name"]]]
        names = truth["names"]
        out = [{"names": names[::-1]}, {"names": names[-1:]}] if len(names) > 1 else []
        return out + [{"names": names + ["README.md.orig"]}]
    if kind == "blame":
        parents = [str(p) for p in repo[truth["commit"]].parent_ids]
        others = sorted({repo[c].author.name for c in _commits(repo)} - {truth["author"]})
        out = [{"commit": truth["commit"], "author": a} for a in others[:1]]
        return out + [{"commit": p, "author": truth["author"]} for p in parents[:1]]
    accepted = truth["accepted"]
    near = [str(p) for c in accepted for p in repo[c].parent_ids]  # an ancestor: too early
    if kind == "bisect":
        near += [truth["bad"], truth["good"]]
    near += [G.resolve(repo, "HEAD")] + truth.get("tips", [])
    out = [{"commit": c} for c in dict.fromkeys(near) if c not in accepted]
    return out + [{"commit": accepted[0][:6]}]  # too short a prefix


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
