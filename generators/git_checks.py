"""The git-history family's hooks for scripted agents and `tasks.check` (see generators.base): the naive
and random guesses, valid calls of every tool, every correct answer found by a second method on the
task's own repository copy, and near misses that must fail.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import pygit2

from generators import tool_kind
from graphs import git as G
from graphs import long_history, synth_repo
from graphs.long_history import bisect_by_halves  # noqa: F401  (re-exported: the tests' planned bisection)
from tasks.task import Task


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
    """The naive guess: the newest commit (and its author), every commit of the later release, the file's
    current path, or where the first branch leaves the second in its log (merge_base)."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.baseline(task, rng)
    repo = G.materialize(task.env["repo"])
    head = G.resolve(repo, "HEAD")
    kind = _kind(task)
    if kind == "range":
        return {"commits": sorted(G.ancestry(G.commit_graph(repo), head))}
    if kind == "cherry":  # matching subjects: the commits of a..b whose subject no commit of b..a has
        g = G.commit_graph(repo)
        a, b = (G.resolve(repo, task.truth[side]) for side in ("a", "b"))
        theirs = {repo[c].message for c in G.commit_range(g, b, a)}
        return {"commits": sorted(c for c in G.commit_range(g, a, b)
                                  if len(repo[c].parent_ids) < 2 and repo[c].message not in theirs)}
    if kind == "renamed":
        return {"name": task.truth["path"]} if "name" in task.truth else {"names": [task.truth["path"]]}
    if kind == "blame":
        return {"commit": head, "author": repo[head].author.name}
    if kind == "merge_base":
        return {"commit": G.fork_point(G.commit_graph(repo), head, task.truth["tips"][1]) or head}
    if kind == "bisect" and task.env["tests"].get("file"):
        return {"commit": _bisect_any_failure(repo, task)}
    if kind == "behaviour":  # reading the log: the newest commit of good..bad whose subject names the
        name = task.truth["call"].split("(", 1)[0]  # function, else the newest that changed its text
        g = G.commit_graph(repo)
        span = G.commit_range(g, task.truth["good"], task.truth["bad"])
        subject = re.compile(rf"\b{re.escape(name)}\b")
        titled = [c for c in G.topo_order(g) if c in span and subject.search(repo[c].message.split("\n")[0])]
        if titled:
            return {"commit": titled[-1]}
        return {"commit": G.symbol_history(repo, g, head).last_changed.get(name, head)}
    return {"commit": head}


def _bisect_any_failure(repo: pygit2.Repository, task: Task) -> str:
    """The textbook `git bisect run` on good..bad's first-parent line, its script failing wherever any test
    of the file does not pass (a broken build included): where a bisection that reads no error lands."""
    t = task.env["tests"]
    path = t["test"].split("::")[0]
    names = sorted(n for n in G.python_symbols(t["source"].encode()) if n.startswith("test_"))
    span = G.first_parent_line(G.commit_graph(repo), task.truth["bad"])
    span = span[:span.index(task.truth["good"])][::-1]  # oldest first, bad last
    lo, hi = 0, len(span) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        lines = synth_repo.run_tests(repo, span[mid], path, names, t["source"])
        if all(line == "PASSED" for line in lines.values()):
            lo = mid + 1
        else:
            hi = mid
    return span[lo]


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: a random commit of the copy (with its author), a random set of them, or
    random paths at HEAD."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.random_answer(task, rng)
    repo = G.materialize(task.env["repo"])
    commits = _commits(repo)
    commit = _choice(rng, commits)
    kind = _kind(task)
    if kind in ("range", "cherry"):
        return {"commits": [c for c in commits if rng.random() < 0.3]}
    if kind == "renamed":
        paths = _head_paths(repo)
        return {"name": _choice(rng, paths)} if "name" in task.truth else {"names": [_choice(rng, paths)]}
    if kind == "blame":
        return {"commit": commit, "author": repo[_choice(rng, commits)].author.name}
    return {"commit": commit}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Valid calls of every tool the task offers, on random commits and files of the copy."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.probe_calls(task, rng)
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
    if "run_python" in task.tools:
        calls.append(("run_python", {"commit": _choice(rng, commits),
                                     "code": "import agent\nprint(agent.__doc__)"}))
    return calls


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer, each found by a second method on the task's own copy: a regex scan of every
    commit (introduced), running the test at every commit of the range (bisect), a pygit2 revision walk
    (range), first-parent rename tracking (renamed), `git blame` itself when git is installed (blame), and
    all common ancestors compared pairwise (merge_base)."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.enumerate_answers(task)
    repo = G.materialize(task.env["repo"])
    kind = _kind(task)
    if kind == "introduced":
        symbol = task.prompt.split("`")[1]
        return [{"commit": c} for c in G.introductions_by_regex(repo, symbol)]
    if kind == "bisect" and task.env["tests"].get("file"):
        return _first_bad_of_failure(repo, task)
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
    if kind == "cherry":
        return _git_cherry(repo, task.truth["a"], task.truth["b"])
    if kind == "behaviour":
        return _behaviour_changes(repo, task.truth["call"], task.truth["good"], task.truth["bad"])
    bases = G.best_common_ancestors_pairwise(repo, task.truth["tips"])
    return None if bases is None else [{"commit": c} for c in bases]


def _first_bad_of_failure(repo: pygit2.Repository, task: Task) -> list[dict[str, Any]]:
    """The commits of good..bad (a revision walk) where the named test alone, run at each commit and its
    parents, fails with the named error while every parent can be tested and does not."""
    t, error = task.env["tests"], task.truth["error"]
    walk = repo.walk(pygit2.Oid(hex=task.truth["bad"]))
    walk.hide(pygit2.Oid(hex=task.truth["good"]))
    span = [str(c.id) for c in walk]
    line: dict[str, str] = {}
    by_code: dict[tuple, str] = {}  # commits with the same code (a long history's doc edits) run once
    for c in span + [str(p) for s in span for p in repo[s].parent_ids]:
        if c not in line:
            key = long_history.code_key(repo, c)
            if key not in by_code:
                by_code[key] = synth_repo.run_test(repo, c, t["test"], t["source"])[1]
            line[c] = by_code[key]

    def fails(c: str) -> bool:
        return line[c].startswith(f"FAILED: {error}:")

    return [{"commit": c} for c in sorted(span) if fails(c) and all(
        not fails(str(p)) and not line[str(p)].startswith(synth_repo.SKIPPED) for p in repo[c].parent_ids)]


def _git_cherry(repo: pygit2.Repository, a: str, b: str) -> list[dict[str, Any]] | None:
    if shutil.which("git") is None:
        return None
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    out = subprocess.run(["git", "-C", repo.path, "cherry", a, b], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None
    return [{"commits": sorted(line.split()[1] for line in out.stdout.splitlines() if line.startswith("+"))}]


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


def _behaviour_changes(repo: pygit2.Repository, call: str, good: str, bad: str) -> list[dict[str, Any]]:
    """The commits of good..bad where the call's result differs from every parent's, each result found
    by the test runner (a test that raises the result's repr) with the function located by a regex."""
    name = call.split("(", 1)[0]
    pattern = re.compile(rf"^(async\s+)?def\s+{re.escape(name)}\b", re.M)
    walk = repo.walk(pygit2.Oid(hex=bad))
    walk.hide(pygit2.Oid(hex=good))
    span = [str(c.id) for c in walk]
    results: dict[str, str | None] = {}
    by_code: dict[tuple, str | None] = {}  # commits with the same .py files (doc edits) run once
    for c in span + [str(p) for s in span for p in repo[s].parent_ids]:
        if c in results:
            continue
        files = [(p, b) for p, b in G.text_files(repo, repo[c].tree) if p.endswith(".py")]
        code = tuple((p, str(b.id)) for p, b in files)
        if code in by_code:
            results[c] = by_code[code]
            continue
        paths = [p for p, b in files if pattern.search(b.data.decode(errors="replace"))]
        results[c] = None
        if len(paths) == 1:
            module = paths[0].removesuffix(".py").replace("/", ".")
            source = (f"from {module} import {name}\n\n\n"
                      f"def test_call():\n    raise AssertionError(repr({call}))\n")
            line = synth_repo.run_test(repo, c, "kgtasks_probe.py::test_call", source)[1]
            results[c] = line.removeprefix("FAILED: AssertionError: ") if "AssertionError" in line else None
        by_code[code] = results[c]
    return [{"commit": c} for c in sorted(span)
            if all(results[c] != results[str(p)] for p in repo[c].parent_ids)]


# How the prompts name refs: "tag v1.0", "release v1.0", "branch main", "branches a and b", "up to main
# (commit ...)", "in main (commit ...)", and commits by full id.
_NAMED = (("refs/tags/", re.compile(r"\b(?:tag|release) `?([^\s`:,()]+?)`?[.,:?]?(?=\s|$)")),
          ("refs/heads/", re.compile(r"\bbranch `?([^\s`:,()]+?)`?[.,:?]?(?=\s|$)")),
          ("refs/heads/", re.compile(r"\bbranches `?(\S+?)`? and `?([^\s`:,()]+?)`?[.,:?]?(?=\s|$)")),
          ("", re.compile(r"\b(?:up to|in) (\S+) \(commit ")),
          ("", re.compile(r"\bcommit ([0-9a-f]{40})\b")))


def prompt_defects(task: Task) -> list[str]:
    """Every ref or commit the prompt names that the task's own repository copy does not resolve."""
    if task.family.endswith("." + tool_kind.KIND):
        return []  # no repository: the commits a tool task names are those of its worked sample
    repo = G.materialize(task.env["repo"])
    have = G.refs(repo)
    out = []
    for kind, pattern in _NAMED:
        for match in pattern.finditer(task.prompt):
            for name in match.groups():
                if kind and f"{kind}{name}" not in have:
                    out.append(f"the prompt names {kind}{name}, which the task's repository lacks")
                elif not kind:
                    try:
                        G.resolve(repo, name)
                    except ValueError:
                        out.append(f"the prompt names {name!r}, which names no commit of the task's copy")
    return sorted(set(out))


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses that must fail, the most instructive first."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.mutants(task)
    repo = G.materialize(task.env["repo"])
    kind, truth = _kind(task), task.truth
    if kind == "range":
        commits = truth["commits"]
        return [{"commits": commits[1:]}, {"commits": commits + [truth["from"]]},
                {"commits": commits + commits[:1]}]
    if kind == "cherry":  # a picked commit counted as missing, a missing one as picked (one whose
        commits = truth["commits"]  # subject the other branch has first), a duplicate
        changed = [c for c in commits if c in truth.get("same_subject", ())]
        out = [{"commits": commits + truth["picked"][:1]}]
        out += [{"commits": [c for c in commits if c != changed[0]]}] if changed else []
        return out + [{"commits": commits[1:]}, {"commits": commits + commits[:1]}]
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
    if kind == "bisect":  # with noise: the traps first, then the commit right after the first bad one
        near = [*truth.get("untestable", []), *truth.get("other_errors", []),
                *truth.get("other_failures", []), *truth.get("after", [])[:1], *near]
        near += [truth["bad"], truth["good"]]
    if kind == "behaviour":  # the guesses that read no code, and merges that brought a change in
        g = G.commit_graph(repo)
        merges = [c for c in sorted(g) if len(repo[c].parent_ids) > 1
                  and set(accepted) & G.commit_range(g, str(repo[c].parent_ids[0]), c)]
        near += truth["traps"] + merges + [truth["good"]]
    near += [G.resolve(repo, "HEAD")] + truth.get("tips", [])
    out = [{"commit": c} for c in dict.fromkeys(near) if c not in accepted]
    return out + [{"commit": accepted[0][:6]}]  # too short a prefix
