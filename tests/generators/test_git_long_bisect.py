import math
import re
import subprocess

import pytest

from generators import git_history as gh
from generators.base import iter_tasks, question_keys
from generators.git_checks import bisect_by_halves
from graders import grade
from graphs import git as G
from graphs import long_history
from tests.gitcli import ENV, noisy_bisect
from tools.registry import call_tool


@pytest.fixture(scope="module")
def sample():
    """The default sample of 8, as the difficulty notes generate it."""
    return list(iter_tasks(gh, gh.Config(kind="bisect"), 1, 8))


def _fresh_env(task):
    return {**task.env, "tests": dict(task.env["tests"])}  # budgets are spent in the env, per episode


def _line_by_tools(env, n):
    """The n commits after good (the root) up to HEAD, oldest first, read from git_log a page at a time."""
    ids = []
    while len(ids) < n:
        out = call_tool("git_log", {"max_count": min(200, n - len(ids)), "skip": len(ids)}, env)
        assert not out.is_error, out.text
        ids += [line.split()[0] for line in out.text.splitlines() if not line.startswith("[")]
    return ids[::-1]


def _n(task):
    return int(re.search(r"one line of (\d+) commits", task.prompt).group(1))


def _bisect_by_tools(task, env, bad_when):
    """The bisection the prompt states, through the tools only: (the commit it names, runs made)."""
    line = _line_by_tools(env, _n(task))
    test = task.env["tests"]["test"]

    def probe(i):
        out = call_tool("run_tests", {"commit": line[i - 1]}, env)
        assert not out.is_error, out.text
        if "SKIPPED" in out.text:
            return "skip"
        return "bad" if bad_when(re.search(rf"^{re.escape(test)} (.*)$", out.text, re.M).group(1)) else "good"

    found, runs = bisect_by_halves(len(line), probe)
    return line[found - 1], runs


def test_the_bisection_the_prompt_states_finds_every_answer_with_exactly_the_stated_spare(sample):
    for task in sample:
        env, error, slack = _fresh_env(task), task.truth["error"], task.meta["knobs"]["slack"]
        found, runs = _bisect_by_tools(task, env, lambda line, e=error: line.startswith(f"FAILED: {e}:"))
        assert grade(task, {"commit": found}).passed, task.id
        # Tight: the run budget is its runs plus --slack, the call budget its calls plus --slack plus one.
        assert task.env["tests"]["budget"] == runs + slack, task.id
        assert env["tests"]["budget"] == slack and env["calls_left"] == slack + 1, task.id
        assert f"with {slack} run_tests call(s) and one" in task.prompt


def test_the_broken_builds_at_the_first_probes_cost_the_bisection_several_runs(sample):
    for task in sample:
        assert task.truth["planned_runs"] >= math.ceil(math.log2(_n(task))) + 3, task.id


def test_a_bisection_that_does_not_read_the_error_lands_where_the_test_fails_otherwise(sample):
    # The misread of the rule: any FAILED line of the named test counted as bad (NameError over the first
    # probe, TypeError where the discount arguments are keyword-only).
    for task in sample:
        env = {**_fresh_env(task), "calls_left": 500}
        env["tests"]["budget"] = 500
        found, _ = _bisect_by_tools(task, env, lambda line: line.startswith("FAILED"))
        assert found == task.truth["reason_blind"], task.id
        assert grade(task, {"commit": found}).reasons == ("other_error",), task.id


def test_a_guess_on_either_side_and_the_decoy_each_fail_with_their_own_reason(sample):
    for task in sample:
        traps = {*task.truth["untestable"], *task.truth["other_failures"], *task.truth["other_errors"]}
        parent = next(c for c in task.truth["before"][::-1] if c not in traps)  # the nearest plain ones
        later = next(c for c in task.truth["after"] if c not in traps)
        assert grade(task, {"commit": parent}).reasons == ("before_first_bad",), task.id  # guessed early
        assert grade(task, {"commit": later}).reasons == ("after_first_bad",), task.id  # guessed late
        assert grade(task, {"commit": task.truth["reason_blind"]}).reasons == ("other_error",), task.id


def _fails(env, commit, test, error):
    """Whether run_tests at a commit shows the task's failure; None once the budget is spent."""
    out = call_tool("run_tests", {"commit": commit}, env)
    if out.is_error:
        return None
    return bool(re.search(rf"^{re.escape(test)} FAILED: {error}:", out.text, re.M))


def _touching(env, path, span):
    """The commits of the range that change `path`, oldest first, from git_log limited to it."""
    out = call_tool("git_log", {"path": path, "max_count": 200}, env)
    assert not out.is_error, out.text
    return [c for c in (line.split()[0] for line in out.text.splitlines()[::-1] if not line.startswith("["))
            if c in span]


@pytest.mark.parametrize("newest_first", [False, True])
def test_testing_the_commits_that_touch_the_module_fails_most_tasks(sample, newest_first):
    # The shortcut: git_log limited to the module lists the candidates; test them one by one (with the
    # range known for free) and answer the oldest that fails with the error.
    passed = 0
    for task in sample:
        env, span = _fresh_env(task), set(
            task.truth["before"] + task.truth["after"] + [task.truth["reference"]["commit"]])
        candidates = _touching(env, long_history.MODULE, span)
        assert len(candidates) > 2 * task.env["tests"]["budget"], task.id  # too many to test them all
        test, error, answer = task.env["tests"]["test"], task.truth["error"], None
        for commit in candidates[::-1] if newest_first else candidates:
            fails = _fails(env, commit, test, error)
            if fails is None or (newest_first and not fails):  # the budget is spent, or past the break
                break
            if fails:
                answer = commit  # newest first: the oldest failing so far
                if not newest_first:
                    break
        passed += answer is not None and grade(task, {"commit": answer}).passed
    assert passed <= 1


def test_blame_at_the_tip_names_a_later_harmless_commit_not_the_first_bad_one(sample):
    # The shortcut: blame the tested function (and the helper it calls) at the tip; the commits owning
    # its lines are all harmless, later or earlier, never the first bad commit.
    for task in sample:
        env = _fresh_env(task)
        function = task.env["tests"]["test"].split("::test_")[1].split("_")[0]
        name = {"discounted": "discounted_returns", "td": "td_errors", "explained": "explained_variance"
                }.get(function, function)
        owners = set()
        for path, block in ((long_history.MODULE, f"def {name}("), (long_history.HELPER, "def one_step(")):
            out = call_tool("git_blame", {"path": path}, env)
            assert not out.is_error, out.text
            rows = [(row.split(" ", 1)[0], row.split(": ", 1)[1]) for row in out.text.splitlines()]
            start = next(k for k, (_, text) in enumerate(rows) if text.startswith(block))
            end = next((k for k in range(start + 1, len(rows)) if rows[k][1].startswith("def ")), len(rows))
            owners |= {commit for commit, _ in rows[start:end]}
        assert owners and not any(grade(task, {"commit": c}).passed for c in owners), task.id
        culprit = task.truth["reference"]["commit"]
        assert culprit not in owners, task.id


def test_subjects_do_not_tell_the_untestable_or_the_harmless_commits_apart(sample):
    for task in sample:
        repo = G.materialize(task.env["repo"])
        untestable = set(task.truth["untestable"])
        subjects = {c: repo[c].message.strip() for c in task.truth["before"] + task.truth["after"]}
        assert not any(s.startswith(("Start ", "Finish ")) for s in subjects.values())
        # Apart from the few one-off named changes, an untestable commit's subject is a testable one's too.
        once = {s for s in subjects.values() if list(subjects.values()).count(s) == 1}
        named = once - {f"Update {doc}" for doc in long_history._DOCS}  # a doc edit may happen to be alone
        assert len(named) <= 4 and untestable, task.id
        testable = {s for c, s in subjects.items() if c not in untestable}
        assert {subjects[c] for c in untestable} - once <= testable, task.id


def test_testing_or_reading_every_commit_does_not_fit_the_budget(sample):
    for task in sample:
        n = len(task.truth["before"]) + len(task.truth["after"]) + 1
        assert n >= 150 and task.env["calls_left"] < n // 7, task.id
        assert f"at most {task.env['tests']['budget']} times" in task.prompt
        assert f"at most {task.env['calls_left']} times" in task.prompt
        assert f"line of {n} commits" in task.prompt


def test_the_call_budget_is_enforced_by_the_registry(sample):
    env = _fresh_env(sample[0])
    for _ in range(env["calls_left"]):
        assert not call_tool("list_refs", {}, env).is_error
    spent = call_tool("git_log", {}, env)
    assert spent.is_error and "budget is spent" in spent.text


def test_git_bisect_run_on_the_tasks_own_copy_agrees_with_the_truth(sample, tmp_path):
    # A second method: git's own bisection, skipping what does not compile (exit 125).
    for k, task in enumerate(sample[:3]):
        work = str(tmp_path / f"work{k}")
        copy = G.materialize(task.env["repo"]).path
        subprocess.run(["git", "clone", "-q", copy, work], check=True, env=ENV)
        assert noisy_bisect(work, task, tmp_path) == task.truth["reference"]["commit"], task.id


def test_every_enumerated_answer_is_the_reference_and_the_traps_fail_with_their_reasons(sample):
    seen = set()
    for task in sample:
        assert gh.enumerate_answers(task) == [task.truth["reference"]], task.id
        for mutant in gh.mutants(task):
            assert not grade(task, mutant).passed, (task.id, mutant)
        for commit in task.truth["untestable"][:3]:
            assert grade(task, {"commit": commit}).reasons == ("untestable_commit",)
        for commit in task.truth["other_failures"]:  # the named test's other error counts first
            reason = "other_error" if commit in task.truth["other_errors"] else "other_failure"
            assert grade(task, {"commit": commit}).reasons == (reason,)
        span = task.truth["before"] + task.truth["after"]
        seen |= {r for c in span for r in grade(task, {"commit": c}).reasons}
    assert seen >= {"untestable_commit", "other_failure", "other_error", "after_first_bad",
                    "before_first_bad"}


def test_a_bisection_that_counts_any_failure_or_a_broken_build_as_bad_fails_most_tasks(sample):
    assert not any(grade(t, gh.baseline(t, None)).passed for t in sample)


def test_the_sample_holds_eight_distinct_questions_over_several_tests(sample):
    keys = [k for t in sample for k in question_keys(t)]
    assert len(sample) == 8 and len(keys) == len(set(keys))
    assert len({t.env["tests"]["test"] for t in sample}) >= 3


def test_the_same_key_builds_the_same_history(tmp_path):
    a = long_history.build(str(tmp_path / "a.git"), "3:1", 120)
    b = long_history.build(str(tmp_path / "b.git"), "3:1", 120)
    assert G.resolve(a, "main") == G.resolve(b, "main")
    assert G.resolve(a, "main") != G.resolve(long_history.build(str(tmp_path / "c.git"), "3:2", 120), "main")


@pytest.mark.parametrize("knobs, message", [
    ({"length": 50}, "--length must be 0 or in 100..1000, got 50"),
    ({"slack": 21}, "--slack must be in 0..20, got 21"),
    ({"length": 99}, "--length must be 0 or in 100..1000, got 99"),
    ({"noise": False}, "--no-noise needs --length 0"),
])
def test_bad_knobs_are_refused_with_the_allowed_range(knobs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        gh.Config(kind="bisect", **knobs).validate()


def test_td_errors_breaks_through_its_helper_and_the_harmless_edits_are_many(tmp_path):
    # Planned around normalize's break, so that td's is one of the others and no decoy sits in the helper.
    repo = long_history.build(str(tmp_path / "h.git"), "3:1", 200, "norm")
    commit, touched, breaks = repo[G.resolve(repo, "main")], [], []
    while commit.parents:
        parent = commit.parents[0]
        paths = {d.delta.new_file.path for d in repo.diff(parent, commit)}
        touched += [paths]
        if long_history.HELPER in paths and _helper_slipped(repo, commit) != _helper_slipped(repo, parent):
            breaks.append(paths)
        commit = parent
    assert breaks == [{long_history.HELPER}]  # once, and advantages.py does not change with it
    code = sum(bool(p & {long_history.MODULE, long_history.HELPER}) for p in touched)
    assert code >= len(touched) // 3


def _helper_slipped(repo, commit):
    """Whether the helper at a commit computes r + gamma * V(s) - V(s') (td's break), by calling it."""
    namespace = {}
    exec(commit.tree[long_history.HELPER].data.decode(), namespace)
    return namespace["one_step"](1.0, 2.0, 4.0, 0.5) != 1.0 + 0.5 * 4.0 - 2.0


def test_following_blame_back_from_the_tip_takes_more_calls_than_the_budget(sample):
    # The shortcut: blame the asked function at the tip, then at the parent of the commit it names, and
    # so on back to the break. Every rewrite of the function after the break is one step (one call).
    for task in sample:
        repo, culprit = G.materialize(task.env["repo"]), task.truth["reference"]["commit"]
        index = G.SymbolIndex(repo)
        name = long_history.TARGETS[task.meta["provenance"]["history"]["target"]]
        line = [culprit, *task.truth["after"]]
        pairs = zip(line, line[1:], strict=False)
        rewrites = sum(index.at(c).get(name) != index.at(p).get(name) for p, c in pairs)
        assert rewrites > task.env["calls_left"], task.id
