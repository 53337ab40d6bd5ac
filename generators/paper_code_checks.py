"""The paper-to-code family's hooks for scripted agents and `tasks.check` (see generators.base): naive and
random guesses, valid calls of every tool, correct answers found without the generator's code path
(a second implementation written with loops, the reference as a diff, the hidden cases run at every
commit, the functions each release defines), and near misses that must fail.
"""
from __future__ import annotations

import difflib
import re
from typing import Any

import pygit2

from graders.paper_code import same_value
from graphs import code_components as CC
from graphs import code_integration as I
from graphs import code_wiring as W
from graphs import git as G
from graphs import paper_repo as R
from tasks.task import Task
from tools.paper_code import run_cases


def _kind(task: Task) -> str:
    return task.family.split(".", 1)[1]


def _choice(rng: Any, items: list) -> Any:
    return items[int(rng.random() * len(items))]


def _component(task: Task) -> CC.Component:
    return CC.COMPONENTS[task.meta["component"]]


def _at_cutoff(task: Task, path: str) -> str:
    """The file at the task's cut-off, or only a docstring where it does not exist yet."""
    repo = G.materialize(task.env["repo"])
    return R.tree_files(repo, "HEAD").get(path, f'"""{R.FILES[path][0]}"""\n')


_INTEGRATIONS = {w.name: w for ws in I.INTEGRATIONS.values() for w in ws}


def _wiring(task: Task) -> W.Wiring | None:
    if "wiring" not in task.truth:
        return None
    return _INTEGRATIONS.get(task.truth["wiring"]) or W.WIRINGS[task.truth["wiring"]]


def _keys(task: Task) -> list[str]:
    """The components the task asks for: several where it integrates them, else its one."""
    return task.truth.get("components", [task.meta["component"]])


def with_function(task: Task, source: str, agent: str = "reference", version: str = "reference",
                  key: str = "") -> dict[str, Any]:
    """The files at the cut-off with the component's functions written as `source` (`key`: which
    component, by default the task's; the others, where it integrates several, as `version` of each
    gives them), and where the task wires them, the agent's file with its class as `agent` renders it."""
    key = key or task.meta["component"]
    tree = R.tree_files(G.materialize(task.env["repo"]), "HEAD")
    files = {CC.COMPONENTS[k].path: R.component_file(tree, k, source if k == key else
                                                      getattr(CC.COMPONENTS[k], version))
             for k in _keys(task)}
    wiring = _wiring(task)
    if wiring is not None:
        files[wiring.path] = wiring.file(task.truth["conventions"], agent)
    return {"files": files}


def _defined(repo: pygit2.Repository, rev: str) -> list[str]:
    """Every module-level function of the repository's code (not its tests) at a revision, qualified."""
    return sorted(f"{R.module_name(path)}.{name}" for path, text in R.tree_files(repo, rev).items()
                  if path.endswith(".py") and not path.startswith("tests/")
                  for name in G.python_symbols(text.encode()))


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z][a-z-]{3,}", text.lower())) - {"with", "from", "into", "that", "their"}
    return {w[:5] for w in words}  # a crude stem: "select(ion)"


def named_by_subject(repo: pygit2.Repository, what: str) -> str:
    """The shortcut of reading the log: the oldest commit whose subject shares the most words with the
    prompt's description of the component."""
    commits = [c for c in repo.walk(repo.head.target)][::-1]
    best = max(commits, key=lambda c: len(_words(c.message.splitlines()[0]) & _words(what)))
    return str(best.id)


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: the file left as it is at the cut-off, the commit whose subject names the
    component, or every function defined at the release."""
    kind = _kind(task)
    repo = G.materialize(task.env["repo"])
    if kind == "implement":
        paths = [CC.COMPONENTS[k].path for k in _keys(task)]
        return {"files": {path: _at_cutoff(task, path) for path in paths}}
    if kind == "locate":
        return {"commit": named_by_subject(repo, _component(task).what)}
    return {"functions": _defined(repo, "HEAD")}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: one of the component's mutants, a random commit, or a random set of the
    functions defined at the release."""
    kind = _kind(task)
    repo = G.materialize(task.env["repo"])
    if kind == "implement":
        return with_function(task, _choice(rng, sorted(_component(task).mutants.values())))
    if kind == "locate":
        return {"commit": _choice(rng, sorted(G.commit_graph(repo)))}
    return {"functions": [f for f in _defined(repo, "HEAD") if rng.random() < 0.3]}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Valid calls of every tool the task offers, on the copy's files and the lineages' papers."""
    repo = G.materialize(task.env["repo"])
    paths = sorted(p for p in R.tree_files(repo, "HEAD") if p.endswith(".py"))
    path = _choice(rng, paths)
    commit = _choice(rng, sorted(G.commit_graph(repo)))
    paper = _choice(rng, sorted(p["id"] for p in task.env["papers"]))
    calls = [("list_refs", {}), ("git_log", {"max_count": 20}), ("git_log", {"path": path}),
             ("git_show", {"commit": commit}), ("git_show", {"commit": "HEAD", "path": path}),
             ("git_diff", {"a": commit, "b": "HEAD"}), ("git_blame", {"path": path}),
             ("git_grep", {"pattern": r"^def \w+"}), ("search_papers", {"query": "distributional value"}),
             ("get_paper", {"paper_id": paper}), ("references", {"paper_id": paper}),
             ("citations", {"paper_id": paper})]
    if "run_public_tests" in task.tools:
        c = _component(task)
        calls += [("run_public_tests", {"files": random_answer(task, rng)["files"]}),
                  ("run_public_tests", {"files": {c.path: "def broken(:\n"}})]
    return calls


def _as_diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Correct answers found without the generator: for implement, the component written again with
    plain loops, the reference as a unified diff and the component's rewrites (not every correct file:
    None would say so, but these are what tasks.check can try); for locate, the first commit at which
    the hidden cases all pass, found by running them at every commit of the copy; for trace, the paper's
    functions among those the release defines."""
    kind = _kind(task)
    repo = G.materialize(task.env["repo"])
    c = _component(task)
    if kind == "implement":
        tree = R.tree_files(repo, "HEAD")
        diffs = {path: _as_diff(path, tree.get(path, ""), text)  # a new file is a diff of the empty one
                 for path, text in task.truth["reference"]["files"].items()}
        return [with_function(task, c.looped, "alternative", "looped"), {"files": diffs},
                *[with_function(task, source, "alternative", "looped") for source in c.rewrites.values()]]
    if kind == "locate":
        passing = [str(commit.id) for commit in repo.walk(repo.head.target)][::-1]  # linear: oldest first
        for sha in passing:
            results = run_cases(R.tree_files(repo, sha), task.truth["cases"])
            if all("value" in r and _same(e, r["value"]) for r, e in
                                zip(results, task.truth["expected"], strict=True)):
                return [{"commit": sha}]
        return []
    mine = {f"{R.module_name(k.path)}.{f}" for k in CC.COMPONENTS.values() if k.paper == task.truth["paper"]
            for f in k.functions}
    return [{"functions": [f for f in _defined(repo, "HEAD") if f in mine]}]


def _same(expected: Any, got: Any) -> bool:
    return same_value(expected, got, **CC.TOLERANCE)


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses that must fail, the most instructive first."""
    kind, truth = _kind(task), task.truth
    repo = G.materialize(task.env["repo"])
    if kind == "implement":
        c = _component(task)
        name = c.functions[0]
        wrong = [with_function(task, source, key=k) for k in _keys(task)
                 for _, source in sorted(CC.COMPONENTS[k].mutants.items())]
        wiring = _wiring(task)
        if wiring is not None:  # the component right, its wiring wrong or missing
            wrong += [with_function(task, c.reference, slip) for slip in wiring.slips(task.truth["conventions"])]
            wrong += [with_function(task, c.reference, "scaffold")]
        return wrong + [
            {"files": {c.path: _at_cutoff(task, c.path)}},  # the untouched file
            with_function(task, c.reference.replace(f"def {name}(", f"def {name}_(", 1)),  # misnamed
            with_function(task, f"def {name}(*args, **kwargs):\n    raise NotImplementedError\n"),
            with_function(task, f"def {name}(*args, **kwargs):\n    while True:\n        pass\n"),
            {"files": {c.path: "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-no such line\n+x = 1\n"}},
            {"files": {"../outside.py": "x = 1\n"}}]
    if kind == "locate":
        # the first commit touching the function, the one whose subject names it, the fix's parent,
        # the partial fix, a regression's first and last commits and its re-fix, every commit whose
        # subject names a function of the component, the tip
        near = [truth["introduced"], truth["named"]] + [str(p) for p in repo[truth["accepted"][0]].parent_ids]
        near += [truth["partial"]] if "partial" in truth else []  # a bisection's misjudgement
        if "regression" in truth:  # a naive bisection's landing: the window's first and last, the re-fix
            near += [truth["regression"], *(str(p) for p in repo[truth["refix"]].parent_ids), truth["refix"]]
        functions = _component(task).functions  # the subjects that name the component ("Add ...", "Fix ...")
        near += [str(c.id) for c in repo.walk(repo.head.target) if any(f in c.message for f in functions)]
        near += [G.resolve(repo, "HEAD")]
        return [{"commit": sha} for sha in dict.fromkeys(near) if sha not in truth["accepted"]]
    functions = truth["functions"]
    others = [f for f in _defined(repo, "HEAD") if f not in functions]
    out = [{"functions": functions[1:]}] if len(functions) > 1 else [{"functions": []}]
    return out + [{"functions": functions + others[:1]}, {"functions": functions + functions[:1]}]
