"""The behaviour kind of the git family: truths found again with the git CLI and a plain interpreter,
and answers that no guess without reading code finds."""
import ast
import collections
import copy
import io
import re
import subprocess
import sys
import tarfile

import pytest

from generators import git_history as gh
from generators.base import iter_tasks
from graders import grade
from tests.gitcli import git
from tools.registry import call_tool, calls_left_line


@pytest.fixture(scope="module")
def src():
    return gh._history("", "HEAD").repo.path


@pytest.fixture(scope="module")
def tasks():
    short = gh.Config(kind="behaviour", length=0)  # the embedded repository's short ranges
    return [gh.generate(short, seed=s, index=i) for s in range(2) for i in range(6)]


def _result_by_git(src, commit, call, tmp_path):
    """The call's repr at a commit checked out with `git archive`, its module found with `git grep`."""
    name = call.split("(", 1)[0]
    found = git(src, "grep", "-l", "-E", f"^def {name}\\b", commit, "--", "*.py", check=False).split()
    if len(found) != 1:
        return None
    module = found[0].split(":", 1)[1].removesuffix(".py").replace("/", ".")
    folder = tmp_path / commit
    archive = subprocess.run(["git", "-C", src, "archive", commit], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    out = subprocess.run([sys.executable, "-c", f"from {module} import {name}\nprint(repr({call}))"],
                         cwd=folder, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def test_the_accepted_commits_are_where_the_result_changed_run_with_git_and_python(src, tasks, tmp_path):
    for task in tasks[:3]:
        t = task.truth
        span = git(src, "rev-list", t["bad"], f"^{t['good']}").split()
        parents = {c: git(src, "rev-parse", f"{c}^@").split() for c in span}
        results = {c: _result_by_git(src, c, t["call"], tmp_path)
                   for c in {*span, *(p for ps in parents.values() for p in ps)}}
        changed = sorted(c for c in span if all(results[c] != results[p] for p in parents[c]))
        assert changed == t["accepted"], task.id
        assert f"gives {results[t['good']]} at commit {t['good']}" in task.prompt
        assert f"{results[t['bad']]} at commit {t['bad']}" in task.prompt


def test_no_answer_is_what_a_search_of_the_text_finds(src, tasks):
    for task in tasks:
        t = task.truth
        name = t["call"].split("(", 1)[0]
        newest_naming = git(src, "log", "--format=%H", "-G", name, f"{t['good']}..{t['bad']}").split()
        introducing = git(src, "log", "--reverse", "--format=%H", "-G", f"def {name}\\b", t["bad"]).split()
        found = git(src, "grep", "-l", "-E", f"^def {name}\\b", t["bad"], "--", "*.py")
        path = found.split(":", 1)[1].strip()
        line_log = git(src, "log", "--format=COMMIT %H", "-L", f":{name}:{path}", f"{t['good']}..{t['bad']}")
        newest_text = [line.split()[1] for line in line_log.splitlines() if line.startswith("COMMIT ")]
        for guess in (newest_naming[:1], introducing[:1], newest_text[:1]):
            assert not set(guess) & set(t["accepted"]), (task.id, guess)


def test_answers_vary_and_the_family_baseline_fails(tasks):
    answers = collections.Counter(t.truth["reference"]["commit"] for t in tasks)
    assert len(answers) >= 3 and max(answers.values()) <= len(tasks) / 2
    for task in tasks:
        assert not grade(task, gh.baseline(task, None)).passed, task.id


def test_the_merge_that_brought_a_change_in_is_not_where_it_changed(src, tasks):
    merges = 0
    for task in tasks:
        for commit in git(src, "rev-list", "--merges", task.truth["bad"], f"^{task.truth['good']}").split():
            brought = git(src, "rev-list", commit, f"^{commit}^1").split()
            if set(brought) & set(task.truth["accepted"]):
                merges += 1
                assert grade(task, {"commit": commit}).reasons == ("wrong_commit",), task.id
    assert merges  # the td_target change came in through a merge


def test_run_python_runs_against_a_commits_code_within_its_budget():
    task = gh.generate(gh.Config(kind="behaviour", length=0, run_budget=2), seed=0, index=0)
    assert "run_python" in task.tools and "at most 2 times" in task.prompt
    env = copy.deepcopy(task.env)
    t = task.truth
    name = t["call"].split("(", 1)[0]
    program = ("import importlib, pathlib\n"
               f"for p in sorted(pathlib.Path('agent').glob('*.py')):\n"
               "    m = importlib.import_module('agent.' + p.stem)\n"
               f"    if '{name}' in vars(m) and m.{name}.__module__ == m.__name__:\n"
               f"        print(repr(m.{t['call']}))\n")
    first = call_tool("run_python", {"commit": t["bad"], "code": program}, env)
    assert not first.is_error and first.text.splitlines()[0] in task.prompt
    assert calls_left_line(task.tools, env) == "[calls left: 1 of run_python]"
    call_tool("run_python", {"commit": t["good"], "code": "print(1)"}, env)
    spent = call_tool("run_python", {"commit": t["good"], "code": "print(1)"}, env)
    assert spent.is_error and "budget is spent" in spent.text
    offline = call_tool("run_python", {"commit": t["bad"], "code": "print(1)"},
                        gh.generate(gh.Config(kind="behaviour", length=0), seed=0, index=0).env)
    assert offline.is_error and "no run_python" in offline.text


def test_behaviour_on_a_users_repository_is_a_bad_flag(src):
    with pytest.raises(ValueError, match="--kind behaviour needs the embedded repository"):
        gh.Config(kind="behaviour", repo=src).validate()
    assert "behaviour" not in gh.Config(repo=src).mixed_kinds()


def test_cherry_truths_are_what_git_cherry_marks(src):
    tasks = [gh.generate(gh.Config(kind="cherry", traps=traps), seed=0, index=i)
             for traps in (False, True) for i in range(4)]
    for task in tasks:
        a, b = task.truth["a"], task.truth["b"]
        marks = git(src, "cherry", a, b).splitlines()
        assert task.truth["commits"] == sorted(line.split()[1] for line in marks if line.startswith("+"))
        assert task.truth["picked"] == sorted(line.split()[1] for line in marks if line.startswith("-"))
        assert task.truth["picked"]
        assert not grade(task, gh.baseline(task, None)).passed  # matching subjects
    hard = [t for t in tasks if t.meta["knobs"]["traps"]]
    for task in hard:  # a commit of b whose message main also has, with another patch: still missing
        theirs = set(git(src, "log", "--format=%s", f"{task.truth['b']}..{task.truth['a']}").splitlines())
        mine = {git(src, "log", "-1", "--format=%s", c).strip() for c in task.truth["commits"]}
        assert theirs & mine, task.id


def _source(src, commit, name):
    """The text of the function `name` at a commit, found with git grep and cut out with ast."""
    found = git(src, "grep", "-l", "-E", f"^def {name}\\b", commit, "--", "*.py", check=False).split()
    if len(found) != 1:
        return None
    text = git(src, "show", found[0])
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(text, node)


def test_a_commit_the_log_names_or_that_only_changed_the_text_fails_with_its_own_reason(src, tasks):
    reasons = collections.Counter()
    for task in tasks:
        t = task.truth
        name = t["call"].split("(", 1)[0]
        subjects = git(src, "log", "--format=%H %s", f"{t['good']}..{t['bad']}").splitlines()
        titled = {line.split()[0] for line in subjects if re.search(rf"\b{name}\b", line.split(" ", 1)[1])}
        found = git(src, "grep", "-l", "-E", f"^def {name}\\b", t["bad"], "--", "*.py")
        path = found.split(":", 1)[1].strip()
        line_log = git(src, "log", "--format=COMMIT %H", "-L", f":{name}:{path}", f"{t['good']}..{t['bad']}")
        text = {line.split()[1] for line in line_log.splitlines() if line.startswith("COMMIT ")}
        assert not titled & set(t["accepted"]), task.id  # what reading the log finds is never it
        for commit in titled:
            assert grade(task, {"commit": commit}).reasons == ("named_in_subject",), task.id
        for commit in text - titled - set(t["accepted"]):  # -L also lists code added right after it
            parent = git(src, "rev-parse", f"{commit}^").strip()
            expected = "text_only_change" if _source(src, commit, name) != _source(src, parent, name) else \
                "wrong_commit"
            assert grade(task, {"commit": commit}).reasons == (expected,), task.id
        reasons.update(["named_in_subject"] * bool(titled) + ["text_only_change"] * bool(text - titled))
    assert reasons["named_in_subject"] and reasons["text_only_change"]


def test_some_results_change_where_the_functions_file_does_not(src):
    tasks = [gh.generate(gh.Config(kind="behaviour", length=0), seed=1, index=i) for i in range(24)]
    outside = 0
    for task in tasks:
        name = task.truth["call"].split("(", 1)[0]
        for commit in task.truth["accepted"]:
            found = git(src, "grep", "-l", "-E", f"^def {name}\\b", commit, "--", "*.py")
            path = found.split(":", 1)[1].strip()
            outside += path not in git(src, "show", "--format=", "--name-only", commit).split()
    assert outside  # a constant of another file, or a helper the function calls, changed


def test_cherry_reasons_tell_a_picked_commit_from_a_changed_patch(src):
    tasks = [gh.generate(gh.Config(kind="cherry"), seed=1, index=i) for i in range(8)]
    seen = collections.Counter()
    for task in tasks:
        a, b, commits = task.truth["a"], task.truth["b"], task.truth["commits"]
        marks = git(src, "cherry", a, b).splitlines()
        for line in marks:
            if line.startswith("-"):  # already on a under another id: listing it is its own mistake
                listed = grade(task, {"commits": commits + [line.split()[1]]})
                assert listed.reasons == ("listed_picked_commit",)
                seen["listed_picked_commit"] += 1
        theirs = set(git(src, "log", "--format=%s", f"{b}..{a}").splitlines())
        for commit in commits:
            subject = git(src, "log", "-1", "--format=%s", commit).strip()
            expected = "missed_changed_patch" if subject in theirs else "missing_commits"
            assert grade(task, {"commits": [c for c in commits if c != commit]}).reasons == (expected,)
            seen[expected] += 1
    assert seen["listed_picked_commit"] and seen["missed_changed_patch"]


def test_a_cherry_sample_of_8_holds_8_questions_and_matching_subjects_fails_them():
    tasks = list(iter_tasks(gh, gh.Config(kind="cherry"), 1, 8))
    assert len(tasks) == 8 and len({(t.truth["a"], t.truth["b"]) for t in tasks}) == 8
    assert sum(not grade(t, gh.baseline(t, None)).passed for t in tasks) >= 6
