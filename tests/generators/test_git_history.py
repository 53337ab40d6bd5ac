import dataclasses
import json
import os
import re
import subprocess
import sys

import pytest

from generators import git_history as gh
from generators.base import iter_tasks, main
from graders import grade
from graphs import behaviour_history, long_history
from graphs import git as G
from tasks.task import Task
from tests.gitcli import ENV, git

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli_here(argv, capsys):
    """The CLI in this process: (exit status, stdout, stderr)."""
    try:
        status = main(gh, argv)
    except SystemExit as e:
        status = e.code
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture(scope="module")
def tasks():
    return [t for kind in gh.Config().mixed_kinds() for traps in (False, True)  # tool: test_tool_kind.py
            for t in iter_tasks(gh, gh.Config(kind=kind, traps=traps), seed=5, n=2)]


def test_same_bytes_under_any_hash_seed_and_any_user_git_config(capsys, tmp_path):
    (tmp_path / ".gitconfig").write_text("[diff]\n\trenames = false\n[init]\n\tdefaultBranch = trunk\n")
    args = ["--n", "6", "--seed", "2"]
    other_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # differs from this process's
    home = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    hostile = {**os.environ, "PYTHONHASHSEED": other_seed, **home}
    there = subprocess.run([sys.executable, "-m", "generators.git_history", *args], capture_output=True,
                           text=True, cwd=ROOT, env=hostile)
    status, here, _ = cli_here(args, capsys)
    assert there.returncode == 0 == status, there.stderr
    assert here == there.stdout and len(here.splitlines()) == 6


def test_every_reference_and_every_enumerated_answer_passes(tasks):
    for task in tasks:
        assert grade(task, task.truth["reference"]).passed, task.id
        answers = gh.enumerate_answers(task)
        assert answers and task.truth["reference"] in answers, task.id
        assert all(grade(task, a).passed for a in answers), task.id


def test_every_mutant_fails(tasks):
    for task in tasks:
        for mutant in gh.mutants(task):
            assert not grade(task, mutant).passed, (task.id, mutant)


def test_traps_ask_about_moved_symbols_renamed_files_and_diverged_branches():
    def one(kind):
        return gh.generate(gh.Config(kind=kind, traps=True), seed=1, index=0)

    introduced = one("introduced")
    symbol = introduced.prompt.split("`")[1]
    history = gh._history("", "HEAD")
    first = G.SymbolIndex(history.repo).at(introduced.truth["reference"]["commit"])[symbol]
    assert first != G.SymbolIndex(history.repo).at(history.tip)[symbol]  # it moved since
    assert len(one("renamed").truth.get("names", ["a", "b"])) > 1
    base = one("merge_base")
    assert not set(base.truth["accepted"]) & set(base.truth["tips"])


def _fork_point_by_git(repo_path, a, b):
    """Where a's first-parent log meets b: the first parent of the last first-parent commit b lacks."""
    only_a = git(repo_path, "rev-list", "--first-parent", a, f"^{b}").split()
    return git(repo_path, "rev-parse", f"{only_a[-1]}^" if only_a else a).strip()


def test_merge_base_defeats_the_naive_guesses_by_default():
    src = gh._history("", "HEAD").repo.path
    answers = set()
    for traps in (False, True):
        config = gh.Config(kind="merge_base", traps=traps)
        for task in [gh.generate(config, seed=0, index=i) for i in range(8)]:
            x, y = task.prompt.split("branches ")[1].split(":")[0].split(" and ")
            bases = set(git(src, "merge-base", "--all", x, y).split())
            tips = {git(src, "rev-parse", b).strip() for b in (x, y)}
            forks = {_fork_point_by_git(src, x, y), _fork_point_by_git(src, y, x)}
            assert not tips & bases, task.id  # no branch is merged into the other
            if traps:  # both logs mislead, or it is a criss-cross with several best common ancestors
                assert not forks & bases or len(bases) > 1, task.id
            else:
                assert not forks <= bases, task.id  # the log of one branch or the other misleads
            answers |= {tuple(sorted(bases))}
    assert len(answers) >= 4  # no one commit answers most tasks


def test_renamed_asks_about_renamed_files_more_often_than_not():
    src = gh._history("", "HEAD").repo.path
    tasks = [gh.generate(gh.Config(kind="renamed"), seed=s, index=i) for s in range(2) for i in range(12)]
    renamed = 0
    for task in tasks:
        path = task.truth["path"]
        names = set(git(src, "log", "--follow", "--name-only", "--format=", "main", "--", path).split())
        renamed += len(names) > 1
        if len(names) > 1 and "name" in task.truth:  # a tag when the file had another name
            assert task.truth["name"] != path and task.truth["name"] in names, task.id
    assert len(tasks) / 2 <= renamed < len(tasks)  # never-renamed files are asked about too


def test_bisect_tasks_vary_in_their_test_and_first_bad_commit():
    tasks = [gh.generate(gh.Config(kind="bisect", length=0, noise=False), seed=0, index=i) for i in range(6)]
    assert len({t.env["tests"]["test"] for t in tasks}) == 3
    # Three first bad commits: no one answer, remembered, passes them all.
    assert len({t.truth["reference"]["commit"] for t in tasks}) == 3


def test_the_copy_holds_nothing_past_the_cut_off(tasks):
    for task in tasks:
        history = task.meta["provenance"].get("history")  # a generated history of its own, else embedded
        module = behaviour_history if task.family == "git.behaviour" else long_history
        src = G.open_repo(module.path_for(**history) if history else gh._history("", "HEAD").repo.path)
        tips = task.meta["provenance"]["cut_off"].values()
        copy = G.materialize(task.env["repo"])
        expected = {line.split()[0] for line in git(src.path, "rev-list", "--objects", *tips).splitlines()}
        got = set(git(copy.path, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split())
        assert got == expected, task.id


def test_a_task_file_grades_on_another_machine(tasks, tmp_path, monkeypatch):
    task = Task.from_dict(json.loads(tasks[0].to_json()))
    assert task.env["repo"]["base"]["module"] == "graphs.synth_repo"  # a delta: the base is rebuilt there
    monkeypatch.setenv("KGTASKS_CACHE", str(tmp_path / "another-machine"))  # nothing built or unpacked yet
    assert grade(task, task.truth["reference"]).passed
    assert G.materialize(task.env["repo"]).path.startswith(str(tmp_path / "another-machine"))


def test_tasks_name_their_tools_and_answer_fields(tasks):
    for task in tasks:
        assert ("run_tests" in task.tools) == task.family.endswith(".bisect")
        for field in task.answer_schema["required"]:
            assert f'"{field}"' in task.prompt, (task.id, field)


@pytest.mark.parametrize("args, message", [
    (["--budget", "0"], "--budget must be in 1..50, got 0"),
    (["--span", "99", "--kind", "range"], "--span must be in 1..20, got 99"),
    (["--repo", "/nonexistent/repo", "--kind", "range"], "not a git repository"),
    (["--ref", "no-such-ref", "--kind", "range"], "'no-such-ref' names no commit"),
    (["--repo", ".", "--kind", "bisect"], "needs the embedded repository's tests"),
])
def test_bad_flags_give_one_line_and_a_nonzero_exit(args, message, capsys):
    status, out, err = cli_here([*args, "--n", "1"], capsys)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) <= 2  # usage line + error


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory):
    """A repository made with the git command line, as a user's would be."""
    path = str(tmp_path_factory.mktemp("user") / "repo")
    git_env = {**ENV, "GIT_AUTHOR_NAME": "U", "GIT_AUTHOR_EMAIL": "u@example.org", "GIT_COMMITTER_NAME": "U",
               "GIT_COMMITTER_EMAIL": "u@example.org"}

    def run(*args, when):
        dates = {"GIT_AUTHOR_DATE": f"{when} +0000", "GIT_COMMITTER_DATE": f"{when} +0000"}
        subprocess.run(["git", "-C", path, *args], check=True, capture_output=True, env={**git_env, **dates})

    subprocess.run(["git", "init", "-q", "-b", "trunk", path], check=True, env=ENV)
    body = "".join(f"    x{i} = {i}\n" for i in range(8))
    for i, (name, text) in enumerate([("util.py", f"def helper():\n{body}"),
                                      ("util.py", f"def helper():\n{body}\n\nclass Tool:\n    pass\n")]):
        with open(os.path.join(path, name), "w") as fh:
            fh.write(text)
        run("add", name, when=1_700_000_000 + i * 100)
        run("commit", "-q", "-m", f"step {i}", when=1_700_000_000 + i * 100)
        run("tag", f"r{i}", when=1_700_000_000 + i * 100)
    run("checkout", "-q", "-b", "side", "r0", when=1_700_000_300)
    with open(os.path.join(path, "side.py"), "w") as fh:
        fh.write("def side():\n    return 1\n")
    run("add", "side.py", when=1_700_000_400)
    run("commit", "-q", "-m", "side work", when=1_700_000_400)
    run("checkout", "-q", "trunk", when=1_700_000_500)
    run("mv", "util.py", "tools.py", when=1_700_000_500)
    run("commit", "-q", "-m", "rename util to tools", when=1_700_000_500)
    return path


@pytest.mark.parametrize("kind", ["introduced", "range", "renamed", "blame", "merge_base"])
def test_a_users_repository_gives_gradable_tasks(user_repo, kind):
    for index in range(3):
        task = gh.generate(gh.Config(kind=kind, repo=user_repo), seed=0, index=index)
        assert grade(task, task.truth["reference"]).passed
        assert all(grade(task, a).passed for a in gh.enumerate_answers(task) or [])
        assert not any(grade(task, m).passed for m in gh.mutants(task))
        if kind == "range":
            assert task.truth["commits"] == sorted(git(user_repo, "log", "--format=%H", "r0..r1").split())
        if kind == "merge_base":
            x, y = sorted(task.meta["provenance"]["cut_off"])
            assert task.truth["accepted"] == sorted(git(user_repo, "merge-base", "--all", x, y).split())


def test_mixed_on_a_users_repository_cycles_through_the_kinds_it_offers(user_repo, capsys):
    tasks = list(iter_tasks(gh, gh.Config(repo=user_repo), seed=0, n=5))
    assert sorted(t.family for t in tasks) == sorted(
        f"git.{k}" for k in ("introduced", "range", "renamed", "blame", "merge_base"))
    assert "mixed: skipped cherry (cherry: no two branches" in capsys.readouterr().err  # nothing was picked


def test_tasks_check_names_a_tag_the_prompt_asks_about_and_the_copy_lacks():
    task = gh.generate(gh.Config(kind="range"), seed=0, index=0)
    assert gh.prompt_defects(task) == []
    history = gh._history("", "HEAD")
    tip = task.meta["provenance"]["cut_off"]
    stripped = dataclasses.replace(task, env={**task.env, "repo": G.pack_history(history.repo, tip, "main")})
    b = re.search(r"in release (\S+) but not in release", task.prompt).group(1)
    # The newer tag was made an hour after its commit: without it named, the copy leaves it out.
    missing = f"the prompt names refs/tags/{b}, which the task's repository lacks"
    assert gh.prompt_defects(stripped) == [missing]


def test_the_textbook_bisect_that_counts_any_failure_as_bad_fails_most_noisy_tasks():
    tasks = list(iter_tasks(gh, gh.Config(kind="bisect", length=0), 1, 8))
    assert len(tasks) == 8 and all(t.truth["untestable"] and t.truth["other_failures"] for t in tasks)
    assert len({(t.env["tests"]["test"], t.truth["error"]) for t in tasks}) >= 6
    assert sum(not grade(t, gh.baseline(t, None)).passed for t in tasks) >= 6
    assert all(t.truth["bad"] not in t.truth["accepted"] for t in tasks)
