"""locate's long history: many commits rewrite the component's file, a partial fix comes before the
complete version, where the component's mutants allow it a regression comes after it, the budget is what a
scripted bisection with the model's tools alone spends on each default task (not a reading of each
commit), and that bisection solves every default task."""
import ast
import copy
import random
import re

import pytest

from generators import paper_code as pc
from generators.base import iter_tasks
from graders import grade
from graders.paper_code import same_value
from graphs import code_components as CC
from graphs import code_history as H
from graphs import paper_repo as R
from graphs.git import materialize
from tools import call_tool
from tools.paper_code import run_cases


@pytest.fixture(scope="module")
def tasks():
    return list(iter_tasks(pc, pc.Config(kind="locate"), 1, 8))


_RUNS = {}


def _right_cases(task, path, text):
    """Which checked cases one version of the file gets right, run in the sandbox on the file (versions
    that differ only in comment lines share one run)."""
    code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    key = (task.id, path, code)
    if key not in _RUNS:
        tree = R.tree_files(materialize(task.env["repo"]), "HEAD") | {path: text}
        results = run_cases(tree, task.truth["cases"])
        _RUNS[key] = tuple("value" in r and same_value(e, r["value"], **CC.TOLERANCE)
                           for r, e in zip(results, task.truth["expected"], strict=True))
    return _RUNS[key]


def _behaves(task, path, text):
    """The reader's judgement of one version of the file, stood in for by the checked cases (the
    paper's definition on the cases the prompt names) run on the file shown by git_show."""
    return all(_right_cases(task, path, text))


def _file_commits(task, path):
    log = call_tool("git_log", {"path": path, "max_count": 200}, copy.deepcopy(task.env)).text
    return [line.split()[0] for line in log.splitlines() if re.match(r"[0-9a-f]{40} ", line)][::-1]


def _shown(call, commit, path):
    shown = call("git_show", {"commit": commit, "path": path})
    return "\n".join(re.sub(r"^\s*\d+  ?", "", line) for line in shown.splitlines()) + "\n"


def _has_regression(task):
    return pc._REGRESSION in task.prompt


def _bisect(task):
    """Find the file (one git_grep), list its commits (one git_log), where the prompt says a regression
    follows the complete version read the first version (one git_show of the commit whose subject adds
    the component) to learn which checked cases it gets wrong, then bisect the file's commits (git_show of
    the file) with "right, or wrong on a case the first version got right" as "at or after the answer"."""
    env = copy.deepcopy(task.env)
    calls = 0

    def call(name, args):
        nonlocal calls
        calls += 1
        result = call_tool(name, args, env)
        assert not result.is_error, result.text
        return result.text

    c = CC.COMPONENTS[task.meta["component"]]
    function = c.functions[0]
    found = call("git_grep", {"pattern": r"^def \w+"})
    path = next(line.split(":", 1)[0] for line in found.splitlines() if f"def {function}(" in line)
    log = call("git_log", {"path": path, "max_count": 200})
    assert "left out" not in log
    lines = [line for line in log.splitlines() if re.match(r"[0-9a-f]{40} ", line)][::-1]
    commits = [line.split()[0] for line in lines]
    first_right = None
    if _has_regression(task):
        added = next(line.split()[0] for line in lines if f"| Add {c.what.split(',')[0]} |" in line)
        first_right = _right_cases(task, path, _shown(call, added, path))

    def at_or_after(text):
        if f"def {function}(" not in text:  # before the component existed
            return False
        right = _right_cases(task, path, text)
        newly = first_right is not None and any(f and not r for f, r in zip(first_right, right, strict=True))
        return all(right) or newly

    lo, hi = 0, len(commits) - 1  # the last commit holds a complete version (the prompt says so)
    while lo < hi:
        mid = (lo + hi) // 2
        if at_or_after(_shown(call, commits[mid], path)):
            hi = mid
        else:
            lo = mid + 1
    return commits[lo], calls, len(commits)


def test_the_budget_is_what_a_scripted_bisection_spends_on_each_default_task(tasks):
    assert len({t.prompt for t in tasks}) == len({t.meta["component"] for t in tasks}) == 8
    for task in tasks:
        budget = task.env["calls_left"]
        assert f"at most {budget} tool calls" in task.prompt
        commit, calls, file_commits = _bisect(task)
        assert grade(task, {"commit": commit}).passed and calls == budget, task.id
        # 64 versions: every bisection reads exactly six, and the first version where there is a regression
        assert file_commits == 64 and budget == 8 + _has_regression(task), task.id


def test_a_bisection_that_reads_wrong_as_later_is_misled_by_a_regression_on_some_default_task(tasks):
    misled = []
    for task in tasks:
        if not _has_regression(task):
            continue
        c = CC.COMPONENTS[task.meta["component"]]
        repo = materialize(task.env["repo"])
        commits = _file_commits(task, c.path)
        lo, hi = 0, len(commits) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if _behaves(task, c.path, R.tree_files(repo, commits[mid]).get(c.path, "")):
                hi = mid
            else:
                lo = mid + 1
        misled += [grade(task, {"commit": commits[lo]}).reasons]
    assert misled and ("after_regression",) in misled


def _versions(task):
    """The file's commits oldest first, and which checked cases each version gets right."""
    repo = materialize(task.env["repo"])
    c = CC.COMPONENTS[task.meta["component"]]
    commits = _file_commits(task, c.path)
    return commits, [_right_cases(task, c.path, R.tree_files(repo, sha).get(c.path, "")) for sha in commits]


def test_every_default_task_has_a_regression(tasks):
    assert all("regression" in t.truth for t in tasks)
    for task in tasks:
        assert ("regression" in task.truth) == ("refix" in task.truth) == _has_regression(task), task.id
        assert (pc._STAYS in task.prompt) != _has_regression(task), task.id


def test_on_every_default_task_versions_are_wrong_before_the_answer_and_in_the_regression_window_only(tasks):
    for task in tasks:
        commits, right = _versions(task)
        at = commits.index(task.truth["accepted"][0])
        broken = commits.index(task.truth["regression"]) if "regression" in task.truth else len(commits)
        refixed = commits.index(task.truth["refix"]) if "refix" in task.truth else len(commits)
        assert at < broken < refixed < len(commits) or broken == refixed == len(commits)
        for i, r in enumerate(right):
            assert all(r) == (at <= i < broken or i >= refixed), (task.id, i, at, broken, refixed)


def test_the_regression_breaks_a_case_every_earlier_version_got_right_and_keeps_it_until_the_refix(tasks):
    # what the prompt says of a regression, on the versions as they run, not on the generator's choices
    regressed = [t for t in tasks if "regression" in t.truth]
    assert regressed
    for task in regressed:
        commits, right = _versions(task)
        first = commits.index(task.truth["introduced"])
        broken, refixed = commits.index(task.truth["regression"]), commits.index(task.truth["refix"])
        assert len(set(right[broken:refixed])) == 1  # one wrong version kept through the window
        newly = [i for i, r in enumerate(right[broken]) if not r and all(v[i] for v in right[first:broken])]
        assert newly, task.id  # a case right in every earlier version, the first one included
        at = commits.index(task.truth["accepted"][0])
        after = len(commits) - at - 1
        assert after // 4 <= refixed - broken <= after // 3, task.id  # long enough to be probed
        assert broken - at > after // 3, task.id  # too far from the answer to walk back from
        assert task.truth["regression"][:7] not in task.prompt and task.truth["refix"][:7] not in task.prompt


def test_the_grader_tells_the_regression_window_and_the_refix_apart_on_real_commits(tasks):
    for task in (t for t in tasks if "regression" in t.truth):
        repo = materialize(task.env["repo"])
        line = [str(c.id) for c in repo.walk(repo.head.target)][::-1]  # every commit, oldest first
        broken, refixed = line.index(task.truth["regression"]), line.index(task.truth["refix"])
        assert grade(task, {"commit": line[broken - 1]}).reasons == ("commit_too_late",)  # right, before it
        for sha in (line[broken], line[refixed - 1]):  # the window's first and last commits (any file)
            assert grade(task, {"commit": sha}).reasons == ("regressed_version",)
        for sha in (line[refixed], line[-1]):
            assert grade(task, {"commit": sha}).reasons == ("after_regression",)


def test_the_partial_fix_is_where_the_checked_cases_last_change_before_the_complete_version(tasks):
    # found by running the cases on every version, not from the generator's choice of mutants
    for task in tasks:
        repo = materialize(task.env["repo"])
        c = CC.COMPONENTS[task.meta["component"]]
        commits = _file_commits(task, c.path)
        at = commits.index(task.truth["accepted"][0])
        right = [_right_cases(task, c.path, R.tree_files(repo, sha).get(c.path, "")) for sha in commits]
        start = max(i for i in range(1, at) if right[i] != right[i - 1])
        assert commits[start] == task.truth["partial"], task.id
        assert 0 < sum(right[start]) < len(right[start])  # right on some checked cases, wrong on others
        first = commits.index(task.truth["introduced"])
        assert sum(right[start]) > max(sum(r) for r in right[first:start])
        assert len(set(right[first:start])) == 1  # one first-version mutant, as the first version shows
        # the partial fix fixes part of the first version's wrong cases and breaks none it got right, as
        # the prompt says: so a version wrong on a case the first gets right is the regression's
        assert all(r or not f for r, f in zip(right[start], right[first], strict=True))
        assert "a partial fix gets wrong, the first version gets wrong too" in task.prompt
        assert grade(task, {"commit": commits[start]}).reasons == ("partial_fix",)
        assert grade(task, {"commit": commits[at - 1]}).reasons == ("partial_fix",)
        assert grade(task, {"commit": commits[start - 1]}).reasons == ("incomplete_version",)
        assert "partial fix" in task.prompt


def test_the_prompt_lists_every_checked_case_as_the_call_it_makes(tasks):
    # so that a version is judged on the cases themselves, not on inputs a player has to guess
    # (by their arguments alone where the prompt does not name the functions: the default)
    for task in tasks:
        assert not task.meta["knobs"]["name_functions"]
        for _, name, kwargs in task.truth["cases"]:
            text = pc.case_call("", kwargs)
            assert f"`{text}`" in task.prompt and f"`{name}(" not in task.prompt, task.id
            assert eval("dict" + text) == kwargs  # noqa: S307 (our own text)
    easy = pc.generate(pc.Config(kind="locate", name_functions=True, history=0), 0, 0)
    assert all(f"`{pc.case_call(name, kwargs)}`" in easy.prompt for _, name, kwargs in easy.truth["cases"])


def test_every_version_of_the_component_carries_the_same_docstrings_and_no_comment_names_a_slip(tasks):
    for task in tasks:
        c = CC.COMPONENTS[task.meta["component"]]
        repo = materialize(task.env["repo"])
        seen = set()
        for sha in _file_commits(task, c.path):
            module = ast.parse(R.tree_files(repo, sha)[c.path])
            seen.add(tuple((f.name, ast.get_docstring(f)) for f in module.body
                           if isinstance(f, ast.FunctionDef) and f.name in c.functions))
        seen.discard(())  # commits of the file from before the component
        assert len(seen) == 1 and all(doc for _, doc in next(iter(seen))), task.id
    for c in CC.COMPONENTS.values():  # a slip's (or a rewrite's) comment would tell a reader what it is
        assert all("#" not in source for source in (*c.mutants.values(), *c.rewrites.values())), c.key


def test_right_versions_include_the_rewrites_that_read_like_a_slip_on_every_default_task(tasks):
    for task in tasks:
        c = CC.COMPONENTS[task.meta["component"]]
        repo = materialize(task.env["repo"])
        commits = _file_commits(task, c.path)
        at = commits.index(task.truth["accepted"][0])
        later = {R.tree_files(repo, sha)[c.path] for sha in commits[at:]}
        held = {name for name in c.rewrites if any(CC.committed(c, name) in text for text in later)}
        assert held and all(_behaves(task, c.path, text) for text in later
                            if any(CC.committed(c, name) in text for name in held)), task.id


def test_the_subjects_that_name_the_component_mislead(tasks):
    for task in tasks:
        repo = materialize(task.env["repo"])
        function = CC.COMPONENTS[task.meta["component"]].functions[0]
        subjects = {c.message.strip(): str(c.id) for c in repo.walk(repo.head.target)}
        first = repo[task.truth["named"]].message.strip()
        assert first.startswith("Add ") and grade(task, {"commit": subjects[first]}).reasons == (
            "incomplete_version",)  # the first version, wrong
        fix = subjects[f"Fix {function}"]  # a right version after the answer: not the regression's re-fix
        assert fix != task.truth.get("refix") and grade(task, {"commit": fix}).reasons in (
            ("commit_too_late",), ("after_regression",))


def test_the_easy_levels_keep_the_repositorys_own_history_without_a_budget():
    easy = pc.generate(pc.Config(kind="locate", history=0, name_functions=True), 0, 0)
    assert "calls_left" not in easy.env and "tool calls" not in easy.prompt
    assert easy.truth["accepted"] == [R.links()[easy.meta["component"]].commit]


@pytest.mark.parametrize("history", [1, 7, 81])
def test_a_history_outside_its_range_is_refused(history):
    with pytest.raises(ValueError, match="--history"):
        pc.Config(kind="locate", history=history).validate()


@pytest.mark.parametrize("answer", [{}, {"commit": 7}, {"commit": ""}, {"commit": "0" * 7},
                                    {"commit": "f" * 10**6}, {"commit": ["a"]}, None])
def test_a_malformed_commit_fails_with_a_reason_and_never_raises(tasks, answer):
    result = grade(tasks[0], answer)
    assert not result.passed and result.reasons


def test_the_functions_a_component_imports_are_final_at_every_commit_of_its_file_as_the_prompt_says(tasks):
    for task in tasks:
        c = CC.COMPONENTS[task.meta["component"]]
        repo = materialize(task.env["repo"])
        for module, names in pc.imported_from_repo(c):
            dep = module.replace(".", "/") + ".py"
            assert f"uses {' and '.join(names.split(', '))} from `{dep}`" in task.prompt
            final = R.tree_files(repo, "HEAD")[dep]
            for sha in _file_commits(task, c.path):
                assert R.tree_files(repo, sha)[dep] == final, (task.id, sha)
    assert any(pc.imported_from_repo(CC.COMPONENTS[t.meta["component"]]) for t in tasks)


def test_slack_adds_calls_to_the_budget_and_changes_nothing_else():
    tight, loose = (pc.generate(pc.Config(kind="locate", slack=slack), 3, 0) for slack in (0, 2))
    assert loose.env["calls_left"] == tight.env["calls_left"] + 2
    assert loose.truth == tight.truth and loose.env["repo"] == tight.env["repo"]
    assert loose.prompt == tight.prompt.replace(f"at most {tight.env['calls_left']} tool calls",
                                                f"at most {loose.env['calls_left']} tool calls")


@pytest.mark.parametrize("key", sorted(CC.COMPONENTS))
def test_the_partial_fix_is_a_subtle_mutant_wherever_the_checked_cases_allow_one(key):
    c = CC.COMPONENTS[key]
    assert c.subtle and set(c.subtle) <= set(c.mutants)
    for seed in range(6):
        rng = random.Random(seed)
        _, drawn, plan = pc._planned_cases(c, rng, pc.hidden_cases(c, rng))
        triples, pairs = H.mutant_plans(key, drawn)
        assert plan in (triples or pairs)
        assert (plan[1] in c.subtle) == any(p[1] in c.subtle for p in triples or pairs), (seed, plan)
