import re
import subprocess
import sys

import pygit2
import pytest

from generators import git_history as gh
from graders import grade
from graders.git import resolve_commit
from graphs import synth_repo
from tests.gitcli import ENV, git, noisy_bisect


@pytest.fixture(scope="module")
def src():
    return synth_repo.embedded_path()


def _tasks(kind, n=4, **knobs):
    out = []
    for traps in (False, True):
        config = gh.Config(kind=kind, traps=traps, **knobs)
        out += [gh.generate(config, seed=3, index=i) for i in range(n)]
    return out


def _passes(task, answer):
    return grade(task, answer).passed


def _reasons(task, answer):
    g = grade(task, answer)
    assert not g.passed
    return g.reasons


def test_introduced_agrees_with_git_log_pickaxe(src):
    for task in _tasks("introduced"):
        symbol = re.search(r"introduced the Python \w+ `(\w+)`", task.prompt)[1]
        # Oldest commit whose diff adds or removes a top-level definition of the symbol.
        hits = git(src, "log", "--topo-order", "--reverse", "--format=%H", "-G",
                   rf"^(class|def) {symbol}\b", "main").split()
        assert _passes(task, {"commit": hits[0]}), symbol
        assert _passes(task, {"commit": hits[0][:7].upper()})  # a short, upper-case prefix is still that id
        for later in hits[1:]:  # e.g. the commit that moved td_target into another file
            assert _reasons(task, {"commit": later}) == ("wrong_commit",)


def test_bisect_agrees_with_git_bisect_run_for_every_regression(src, tmp_path):
    work = str(tmp_path / "work")
    subprocess.run(["git", "clone", "-q", src, work], check=True, env=ENV)
    test_file = tmp_path / "the_test.py"
    tasks = [gh.generate(gh.Config(kind="bisect", length=0, noise=False), seed=3, index=i) for i in range(4)]
    assert {t.env["tests"]["test"] for t in tasks} == set(synth_repo.REGRESSION_TESTS)
    for task in tasks:
        good, bad, tests = task.truth["good"], task.truth["bad"], task.env["tests"]
        test_file.write_text(f"{tests['source']}\n{tests['test'].split('::')[1]}()\n")
        git(work, "bisect", "start", bad, good)
        git(work, "bisect", "run", sys.executable, "-c",
            f"import sys; sys.path.insert(0, '.'); exec(open({str(test_file)!r}).read())")
        first_bad = git(work, "rev-parse", "refs/bisect/bad").strip()
        git(work, "bisect", "reset")
        assert _passes(task, {"commit": first_bad})
        assert _reasons(task, {"commit": bad}) == ("wrong_commit",)  # bad itself is not the first bad one
        assert _reasons(task, {"commit": good}) == ("wrong_commit",)


def test_range_is_exactly_git_log_a_dot_dot_b(src):
    for task in _tasks("range", n=2, span=2):
        a, b = re.search(r"git log (\S+)\.\.(\S+)`", task.prompt).groups()
        commits = git(src, "log", "--format=%H", f"{a}..{b}").split()
        assert _passes(task, {"commits": commits[::-1]})
        assert _passes(task, {"commits": [c[:7] for c in commits]})
        assert _reasons(task, {"commits": commits[1:]}) == ("missing_commits",)
        outside = git(src, "rev-parse", f"{a}^{{commit}}").strip()
        assert _reasons(task, {"commits": commits + [outside]}) == ("extra_commits",)
        assert _reasons(task, {"commits": commits + commits[:1]}) == ("duplicate_item",)
        assert 0 < grade(task, {"commits": commits[1:]}).score < 1  # partial credit: the F1


def _follow(src, path):
    """(commit, path) for each commit that changed the file, newest first, from `git log --follow`."""
    out = git(src, "log", "--follow", "--name-only", "--format=%H", "main", "--", path).split()
    return list(zip(out[0::2], out[1::2], strict=True))


def test_renamed_agrees_with_git_log_follow(src):
    for task in _tasks("renamed", n=6):
        path = re.search(r"The file at (\S+) in", task.prompt)[1]
        history = _follow(src, path)
        if "names" in task.truth:
            names = list(dict.fromkeys(name for _, name in reversed(history)))
            assert _passes(task, {"names": names})
            if len(names) > 1:
                assert _reasons(task, {"names": names[::-1]}) == ("wrong_order",)
                assert _reasons(task, {"names": names[1:]}) == ("wrong_name",)
        else:
            tag = re.search(r"its path at tag (\S+)\?", task.prompt)[1]
            at_tag = next(name for commit, name in history
                          if subprocess.run(["git", "-C", src, "merge-base", "--is-ancestor", commit, tag],
                                            env=ENV).returncode == 0)
            assert _passes(task, {"name": at_tag})
            others = {name for _, name in history} - {at_tag}
            for other in others:
                assert _reasons(task, {"name": other}) == ("wrong_name",)


def test_blame_agrees_with_git_blame_porcelain(src):
    for task in _tasks("blame"):
        tag, line, path = re.search(r"At tag (\S+), line (\d+) of (\S+) reads", task.prompt).groups()
        porcelain = git(src, "blame", "--porcelain", "-L", f"{line},{line}", tag, "--", path)
        commit = porcelain.split()[0]
        author = re.search(r"^author (.+)$", porcelain, flags=re.M)[1]
        email = re.search(r"^author-mail <(.+)>$", porcelain, flags=re.M)[1]
        assert _passes(task, {"commit": commit, "author": author})
        assert _passes(task, {"commit": commit[:9], "author": f"  {email.upper()} "})
        assert _passes(task, {"commit": commit, "author": f"{author} <{email}>"})
        assert _reasons(task, {"commit": commit, "author": "Nobody"}) == ("wrong_author",)
        parent = git(src, "rev-parse", "--verify", "--quiet", f"{commit}^", check=False).strip()
        if not parent:  # the root commit has no parent
            continue
        assert _reasons(task, {"commit": parent, "author": "x"}) == ("wrong_commit", "wrong_author")


def test_merge_base_accepts_every_base_git_lists(src):
    tasks = _tasks("merge_base", n=6)
    seen_two = False
    for task in tasks:
        x, y = re.search(r"branches (\S+) and (\S+):", task.prompt).groups()
        bases = git(src, "merge-base", "--all", x, y).split()
        seen_two |= len(bases) > 1
        for base in bases:
            assert _passes(task, {"commit": base})
        # A parent of a best common ancestor is a common ancestor, but not a best one.
        parent = git(src, "rev-parse", f"{bases[0]}^").strip()
        assert _reasons(task, {"commit": parent}) == ("not_best_common_ancestor",)
        for tip in (x, y):
            tip_id = git(src, "rev-parse", tip).strip()
            if tip_id not in bases and subprocess.run(
                    ["git", "-C", src, "merge-base", "--is-ancestor", tip_id, y if tip == x else x],
                    env=ENV).returncode != 0:
                assert _reasons(task, {"commit": tip_id}) == ("not_an_ancestor_of_both",)
    assert seen_two or any(len(t.truth["accepted"]) > 1 for t in tasks)


@pytest.fixture(scope="module")
def a_commit_task():
    return gh.generate(gh.Config(kind="introduced"), seed=0, index=0)


@pytest.mark.parametrize("text, reason", [
    ("", "not_a_commit_id"),
    ("HEAD", "not_a_commit_id"),  # a revision name, not an id
    ("abc12", "not_a_commit_id"),  # too short: fewer than 7 hex digits
    ("g" * 40, "not_a_commit_id"),
    ("0" * 40, "unknown_node"),
    ("1234567", "unknown_node"),
])
def test_malformed_commit_ids_fail_with_a_reason(a_commit_task, text, reason):
    assert _reasons(a_commit_task, {"commit": text}) == (reason,)


def test_a_tree_id_is_not_a_commit(a_commit_task, src):
    tree = git(src, "rev-parse", "main^{tree}").strip()
    assert _reasons(a_commit_task, {"commit": tree}) == ("unknown_node",)


def test_an_ambiguous_prefix_fails(monkeypatch):
    class Ambiguous:
        def __getitem__(self, key):
            raise pygit2.AmbiguousError(key)

    assert resolve_commit(Ambiguous(), "abcdef0").reasons == ("ambiguous_commit",)


def test_a_commit_only_in_the_source_repository_is_unknown_to_the_task(src):
    task = gh.generate(gh.Config(kind="range", span=1), seed=0, index=0)
    future = git(src, "rev-parse", "experiment/huber").strip()  # never in main's history
    assert _reasons(task, {"commits": [future]}) == ("unknown_node",)


@pytest.fixture(scope="module")
def noisy():
    return [gh.generate(gh.Config(kind="bisect", length=0), seed=5, index=i) for i in range(6)]


def test_noisy_bisect_agrees_with_git_bisect_run_skipping_what_does_not_build(src, noisy, tmp_path):
    work = str(tmp_path / "work")
    subprocess.run(["git", "clone", "-q", src, work], check=True, env=ENV)
    for task in noisy:
        assert _passes(task, {"commit": noisy_bisect(work, task, tmp_path)}), task.id


def test_noisy_bisect_reasons_name_the_trap_a_wrong_commit_fell_into(noisy):
    seen = set()
    for task in noisy:
        truth = task.truth
        for commit in truth["untestable"]:
            assert _reasons(task, {"commit": commit}) == ("untestable_commit",)
        for commit in truth["other_failures"]:
            assert _reasons(task, {"commit": commit}) == ("other_failure",)
        traps = set(truth["untestable"]) | set(truth["other_failures"])
        for commit in set(truth["after"]) - traps:
            assert _reasons(task, {"commit": commit}) == ("after_first_bad",)
        for commit in set(truth["before"]) - traps:
            assert _reasons(task, {"commit": commit}) == ("before_first_bad",)
        assert _reasons(task, {"commit": truth["good"]}) == ("wrong_commit",)  # outside the range
        seen |= {r for c in truth["before"] + truth["after"] for r in grade(task, {"commit": c}).reasons}
    assert seen >= {"untestable_commit", "other_failure", "after_first_bad"}
