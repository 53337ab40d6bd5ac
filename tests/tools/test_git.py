import copy
import re
import time

import pygit2
import pytest

from graphs import git as G
from graphs import synth_repo
from tests.gitcli import git
from tools import call_tool, get_tool

TOOLS = ("list_refs", "git_log", "git_show", "git_diff", "git_blame", "git_grep", "run_tests")


@pytest.fixture(scope="module")
def src():
    return pygit2.Repository(synth_repo.embedded_path())


@pytest.fixture(scope="module")
def env(src):
    """A task env cut off at v0.7 (before the networks.py rename and the fix), with the regression test."""
    source = src.revparse_single("v1.0:tests/test_returns.py").data.decode()
    test = "tests/test_returns.py::test_n_step_return_stops_at_episode_end"
    return {"repo": G.pack_history(src, {"main": G.resolve(src, "v0.7")}, "main", ("v0.7",)),
            "tests": {"test": test, "source": source, "budget": 2}}


@pytest.fixture(scope="module")
def copy_path(env):
    return G.materialize(env["repo"]).path


def run(name, env, **args):
    result = call_tool(name, args, env)
    assert not result.is_error, result.text
    return result.text


def error(name, env, **args):
    result = call_tool(name, args, env)
    assert result.is_error
    return result.text


def test_every_git_tool_has_a_schema_with_described_parameters():
    for name in TOOLS:
        tool = get_tool(name)
        assert all(p["description"] for p in tool.parameters["properties"].values()), name


def test_list_refs_shows_nothing_past_the_cut_off(env, copy_path):
    text = run("list_refs", env)
    assert "refs/tags/v0.7" in text and "refs/tags/v0.8" not in text and "v1.0" not in text
    assert "feature/rainbow" not in text and "experiment/" not in text
    assert text.splitlines()[0] == "HEAD -> refs/heads/main"
    assert set(re.findall(r"^(refs/\S+)", text, flags=re.M)) == set(
        git(copy_path, "for-each-ref", "--format=%(refname)").split())


def test_git_log_lists_commits_in_git_topo_order(env, copy_path):
    ids = [line.split()[0] for line in run("git_log", env, max_count=200).splitlines()]
    assert ids == git(copy_path, "log", "--topo-order", "--format=%H", "HEAD").split()


def test_git_log_pages_through_the_history_and_says_what_it_left_out(env, copy_path):
    expected = git(copy_path, "log", "--topo-order", "--format=%H", "HEAD").split()
    seen, skip = [], 0
    while True:
        lines = run("git_log", env, max_count=7, skip=skip).splitlines()
        seen += [line.split()[0] for line in lines if not line.startswith("[")]
        if not lines[-1].startswith("["):
            break
        left = len(expected) - len(seen)
        assert lines[-1] == f"[{left} older commits left out; git_log with skip={len(seen)} lists them]"
        skip = len(seen)
    assert seen == expected
    assert "past the" in run("git_log", env, skip=len(expected))


def test_git_log_of_a_path_follows_renames_like_git(env, copy_path):
    text = run("git_log", env, path="agent/q_agent.py")
    ids = [line.split()[0] for line in text.splitlines()]
    assert ids == git(copy_path, "log", "--follow", "--format=%H", "HEAD", "--", "agent/q_agent.py").split()
    assert text.splitlines()[-1].endswith("| agent/dqn.py")  # the oldest commit had the old name


def test_git_show_gives_the_file_as_git_does(env, copy_path):
    text = run("git_show", env, commit="v0.4", path="agent/replay.py")
    lines = [re.sub(r"^\s*\d+  ", "", line, count=1) for line in text.splitlines()]
    assert lines == git(copy_path, "show", "v0.4:agent/replay.py").splitlines()


def test_git_show_of_a_commit_has_its_message_and_a_rename(env, src):
    rename = G.resolve(src, ":/Rename agent/dqn.py")
    text = run("git_show", env, commit=rename[:8])
    assert "Rename agent/dqn.py to agent/q_agent.py" in text
    assert "rename from agent/dqn.py" in text and "rename to agent/q_agent.py" in text


def test_git_diff_detects_renames_and_limits_to_a_path(env, copy_path):
    text = run("git_diff", env, a="v0.2", b="v0.4")
    names = git(copy_path, "diff", "--name-only", "-M", "v0.2", "v0.4").split()
    assert all(f"b/{name}" in text for name in names)
    assert "rename from agent/dqn.py" in text
    only = run("git_diff", env, a="v0.2", b="v0.4", path="agent/replay.py")
    assert "agent/replay.py" in only and "q_agent" not in only
    assert run("git_diff", env, a="v0.4", b="v0.4") == "(no differences)"


def test_git_blame_names_the_commits_git_blame_names(env, copy_path):
    text = run("git_blame", env, path="agent/returns.py", ref="HEAD")
    ids = [line.split()[0] for line in text.splitlines()]
    porcelain = git(copy_path, "blame", "--porcelain", "HEAD", "--", "agent/returns.py")
    assert ids == re.findall(r"^([0-9a-f]{40}) \d+ \d+", porcelain, flags=re.M)


def test_git_grep_finds_what_git_grep_finds(env, copy_path):
    text = run("git_grep", env, pattern=r"def n_step_return", ref="v0.6")
    expected = git(copy_path, "grep", "-n", "-E", "def n_step_return", "v0.6")
    assert [line.split(": ", 1)[0] for line in text.splitlines()] == [
        ":".join(line.split(":")[1:3]) for line in expected.splitlines()]
    assert run("git_grep", env, pattern="no such text anywhere") == "No matches found."


def test_git_grep_with_a_catastrophic_pattern_answers_at_once_on_a_long_line(tmp_path):
    work = str(tmp_path / "w")
    git(str(tmp_path), "init", "-q", "-b", "main", work)
    (tmp_path / "w" / "long.txt").write_text("a" * 100_000 + "\n")
    git(work, "add", "long.txt")
    git(work, "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-q", "-m", "one long line")
    repo = pygit2.Repository(work)
    long_env = {"repo": G.pack_history(repo, {"main": str(repo.head.target)}, "main")}
    start = time.monotonic()
    # Python's re backtracks on this for longer than the age of the universe, holding the GIL
    assert run("git_grep", long_env, pattern=r"^(\S+\s?)*\x00") == "No matches found."
    assert run("git_grep", long_env, pattern=r"^(\S+\s?)*$").startswith("long.txt:1: aaa")
    assert time.monotonic() - start < 5  # generous: RE2 takes milliseconds


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)", r"a{1001}", "(unclosed"])
def test_git_grep_refuses_patterns_re2_cannot_run_with_an_error_result(env, pattern):
    assert "not a valid regular expression" in error("git_grep", env, pattern=pattern)


def test_run_tests_spends_its_budget_and_then_refuses(env, src):
    trial = copy.deepcopy(env)  # the runner gives each trial its own env
    regression = G.resolve(src, ":/Compute n-step returns backwards")
    assert "FAILED: AssertionError" in run("run_tests", trial, commit=regression)
    assert "PASSED" in run("run_tests", trial, commit="v0.6")
    assert "budget is spent" in error("run_tests", trial, commit="v0.6")
    assert env["tests"]["budget"] == 2


def test_nothing_past_the_cut_off_can_be_reached(env, src):
    for future in ("v1.0", G.resolve(src, "v1.0"), G.resolve(src, ":/Fix n-step")):
        assert "names no commit" in error("git_show", env, commit=future)
        assert "names no commit" in error("git_log", env, ref=future)


def test_model_mistakes_are_error_results_not_crashes(env):
    assert "no file" in error("git_show", env, commit="HEAD", path="agent/missing.py")
    assert "folder" in error("git_show", env, commit="HEAD", path="agent")
    assert "not a valid regular expression" in error("git_grep", env, pattern="(unclosed")
    assert "max_count" in error("git_log", env, max_count=0)
    assert "no file" in error("git_blame", env, path="nope.py")
    assert "no test" in error("run_tests", {"repo": env["repo"]}, commit="HEAD")


def test_run_tests_of_a_file_prints_each_test_and_skips_a_commit_that_does_not_build(src):
    path = synth_repo.ADVANTAGE_TEST_FILE
    source = src.revparse_single(f"v1.6:{path}").data.decode()
    env = {"repo": G.pack_history(src, {"main": G.resolve(src, "v1.6")}, "main", ("v1.6",)),
           "tests": {"test": f"{path}::test_gae_weights_later_errors_by_gamma_lambda", "source": source,
                     "budget": 3, "file": True}}
    keyword_only = run("run_tests", env, commit=G.resolve(src, ":/Make the discount arguments keyword-only"))
    assert re.search(r"test_gae_weights_later_errors_by_gamma_lambda FAILED: TypeError: gae", keyword_only)
    assert re.search(r"test_discounted_returns_sum_to_the_episode_end FAILED: AssertionError", keyword_only)
    assert re.search(r"test_normalize_gives_mean_zero_and_unit_deviation PASSED", keyword_only)
    assert len(re.findall(r"(PASSED|FAILED)", keyword_only)) == 5
    # An unfinished module outside tests/: no test runs, as git bisect skip.
    broken = run("run_tests", env, commit=G.resolve(src, ":/Start batching advantages"))
    assert "SKIPPED: the build is broken (SyntaxError in agent/vector.py" in broken
    assert "PASSED" not in broken and "FAILED" not in broken
    assert "calls left" not in broken  # the harness shows the count, on a line of its own
