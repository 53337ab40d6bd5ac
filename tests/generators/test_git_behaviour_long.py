"""The behaviour kind over a generated history (its default): truths found again with the git CLI and a
plain interpreter, the stated bisection run through the model-facing tools within the budget, and the
traps graded with their own reasons."""
import json
import math
import re
import subprocess
import sys

import pytest

from generators import git_history as gh
from generators.base import iter_tasks
from generators.git_checks import bisect_by_halves
from graders import grade
from graphs import behaviour_history as B
from graphs import git as G
from tests.gitcli import git
from tools.registry import call_tool

# Runs each file text given on stdin and prints the call's repr (null where it raises), one per text.
_RUNNER = """
import json, sys
texts, call = json.load(sys.stdin)
out = []
for text in texts:
    namespace = {}
    try:
        exec(text, namespace)
        out.append(repr(eval(call, namespace)))
    except Exception:
        out.append(None)
print(json.dumps(out))
"""


def _run(texts, call):
    proc = subprocess.run([sys.executable, "-I", "-c", _RUNNER], input=json.dumps([texts, call]),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def sample():
    """Three tasks of the default (the results and the bisection not stated) and two with both stated."""
    return [*iter_tasks(gh, gh.Config(kind="behaviour"), 1, 3),
            *iter_tasks(gh, gh.Config(kind="behaviour", values=True, plan=True), 1, 2)]


def _results_by_git(path, tip, call):
    """Each commit of tip's first-parent line, oldest first -> the call's repr on its agent/returns.py."""
    line = git(path, "rev-list", "--first-parent", "--reverse", tip).split()
    blobs = {c: git(path, "rev-parse", f"{c}:{B.MODULE}").strip() for c in line}
    distinct = sorted(set(blobs.values()))
    values = dict(zip(distinct, _run([git(path, "cat-file", "-p", b) for b in distinct], call), strict=True))
    return line, {c: values[blobs[c]] for c in line}


def test_the_one_accepted_commit_is_where_the_result_changed_run_with_git_and_python(sample):
    for task in sample:
        t = task.truth
        path = G.materialize(task.env["repo"]).path
        line, value = _results_by_git(path, t["bad"], t["call"])
        assert line[0] == t["good"] and len(line) == 201
        changed = [c for p, c in zip(line, line[1:], strict=False) if value[c] != value[p]]
        assert changed == t["accepted"], task.id
        stated = f"gives {value[t['good']]} at commit {t['good']} and {value[t['bad']]} at commit {t['bad']}"
        hidden = f"gives one result at commit {t['good']} and another at commit {t['bad']}"
        assert (stated if task.meta["knobs"]["values"] else hidden) in task.prompt, task.id
        for commit in t["decoys"]:  # a decoy changes the function, not the call's result
            parent = git(path, "rev-parse", f"{commit}^").strip()
            blobs = {git(path, "rev-parse", f"{c}:{B.MODULE}").strip() for c in (parent, commit)}
            assert len(blobs) == 2 and value[commit] == value[parent], (task.id, commit)


def test_every_decoy_changes_the_result_on_some_other_input(sample):
    """Run on the battery and on inputs of the test's own: each decoy's version and its parent's differ
    somewhere, so a decoy is a change of behaviour the call does not see, not a renaming."""
    own = [([30.0, -30.0, 5.0], [False, True, False], 0.9, 2.0), ([], [], 1.0, 1.0),
           ([7, -9], [False, True], 1, 3)]
    for task in sample[:2]:
        path = G.materialize(task.env["repo"]).path
        for commit in task.truth["decoys"]:
            texts = [git(path, "show", f"{c}:{B.MODULE}") for c in (f"{commit}^", commit)]
            differs = False
            for args in (*B.BATTERY, *own):
                call = B.call_text(args)
                before, after = _run(texts, call)
                if before != after:
                    differs = True
                    break
            assert differs, (task.id, commit)


def test_without_the_results_stated_the_inputs_keep_every_result_exact(sample):
    """Halves and ones: every reward a multiple of 0.5, gamma 0.5 or 1, so a result worked out by hand is
    the float Python prints (each value a multiple of 1/64, or rounded to 3 or 6 places by the code)."""
    for task in (t for t in sample if not t.meta["knobs"]["values"]):
        rewards, _, gamma, last_value = eval(task.truth["call"].split("(", 1)[1].rsplit(")", 1)[0])  # noqa: S307
        assert gamma in (0.5, 1) and all(float(2 * x).is_integer() for x in (*rewards, last_value))
        path = G.materialize(task.env["repo"]).path
        for commit in (task.truth["good"], task.truth["bad"]):
            (value,) = _run([git(path, "show", f"{commit}:{B.MODULE}")], task.truth["call"])
            for x in eval(value):  # noqa: S307 (a list of numbers)
                assert float(64 * x).is_integer() or round(x, 6) == x, (task.id, value)


def _file_by_tools(env, commit):
    out = call_tool("git_show", {"commit": commit, "path": B.MODULE}, env)
    assert not out.is_error, out.text
    return "\n".join(re.sub(r"^\s*\d+  ", "", line, count=1) for line in out.text.splitlines()) + "\n"


def _halve_up(n, probe):
    """Halving with the midpoint rounded up: a model's own search, which a budget without --plan fits."""
    lo, hi = 0, n
    while hi - lo > 1:
        mid = (lo + hi + 1) // 2
        lo, hi = (lo, mid) if probe(mid) == "bad" else (mid, hi)
    return hi


def test_the_bisection_the_prompt_states_fits_the_budget_through_the_tools(sample):
    """The stated bisection (--plan) leaves exactly --slack calls; without --plan the budget counts the
    worst case of halving, so another model's halving fits it too, whatever commit the answer is."""
    for task in sample:
        env, fresh = dict(task.env), dict(task.env)
        listed = call_tool("git_log", {"path": B.MODULE, "max_count": 200}, env)
        assert not listed.is_error and "left out" not in listed.text
        touched = [line.split()[0] for line in listed.text.splitlines()][::-1]  # oldest first
        assert len(touched) - 1 == int(re.search(r"(\d+) of the line's commits change", task.prompt).group(1))
        knobs = task.meta["knobs"]
        stated = re.search(r"result there is (.*), that commit becomes hi", task.prompt)
        assert bool(stated) == knobs["plan"] and ("bisect" in task.prompt) == knobs["plan"], task.id
        if not knobs["values"]:  # the two ends read first, the tip's result worked out (run)
            ends = [_file_by_tools(env, c) for c in (touched[0], touched[-1])]
            good, after = _run(ends, task.truth["call"])
            assert good != after
        else:
            after = stated.group(1)

        read = []

        def probe(i, touched=touched, env=env, after=after, call=task.truth["call"], read=read):
            read.append(touched[i])
            (value,) = _run([_file_by_tools(env, touched[i])], call)
            return "bad" if value == after else "good"

        found, reads = bisect_by_halves(len(touched) - 1, probe)
        assert task.truth["masked"] in (*read, None), task.id  # the bisection meets the masking decoy
        slack, changes = knobs["slack"], len(touched) - 1
        assert grade(task, {"commit": touched[found]}).passed, task.id
        if knobs["plan"]:
            assert env["calls_left"] == slack, task.id  # exactly the stated spare is left
            continue
        worst = math.ceil(math.log2(changes))
        assert fresh["calls_left"] == 1 + 2 + worst + slack and env["calls_left"] >= slack, task.id
        call_tool("git_log", {"path": B.MODULE, "max_count": 200}, fresh)
        for c in (touched[0], touched[-1]):
            _file_by_tools(fresh, c)

        def probe_up(i, touched=touched, env=fresh, after=after, call=task.truth["call"]):
            (value,) = _run([_file_by_tools(env, touched[i])], call)
            return "bad" if value == after else "good"

        assert grade(task, {"commit": touched[_halve_up(changes, probe_up)]}).passed, task.id
        assert fresh["calls_left"] >= slack, task.id


def test_traps_fail_with_their_own_reasons_and_shortcuts_fail(sample):
    seen = set()
    for task in sample:
        t = task.truth
        for commit in t["decoys"]:
            reasons = grade(task, {"commit": commit}).reasons
            assert reasons == ("other_inputs_change",), task.id
        (answer,) = t["accepted"]
        line = [t["good"], *t["before"], answer, *t["after"]]
        assert len(line) == 201 and len(set(line)) == 201
        for commit in (t["before"][-1], t["after"][0]):
            if commit not in t["decoys"]:
                reason = "before_change" if commit in t["before"] else "after_change"
                assert grade(task, {"commit": commit}).reasons == (reason,)
                seen.add(reason)
        assert set(t["titled"]) <= set(t["decoys"]) and len(t["titled"]) == 2
        assert not grade(task, gh.baseline(task, None)).passed, task.id
        assert "No tool runs code" in task.prompt and "run_python" not in task.tools
        assert task.env["calls_left"] == t["planned_calls"] + task.meta["knobs"]["slack"]
    assert seen == {"before_change", "after_change"}
    assert len({t.truth["accepted"][0] for t in sample}) == len(sample)


def test_the_masking_decoy_shows_the_tips_line_with_the_good_result(sample):
    """The decoy the stated bisection reads last before the answer carries the variant the answer
    brings, of the aspect it changes, yet gives the good commit's result (another aspect masks it);
    run with the git CLI and a plain interpreter."""
    masked = [t for t in sample if t.truth["masked"]]
    assert masked and len(masked) < len(sample)  # half the plans are masked
    for task in masked:
        t, path = task.truth, G.materialize(task.env["repo"]).path
        plan = B.question(**task.meta["provenance"]["history"])
        versions, answer = plan["versions"], plan["answer"]
        aspect, before = plan["aspect"], versions[max(c for c in versions if c < answer)]
        assert versions[plan["masked"]][aspect] == versions[answer][aspect] != before[aspect]
        texts = [git(path, "show", f"{c}:{B.MODULE}") for c in (t["good"], t["masked"], t["bad"])]
        good, masked, bad = _run(texts, t["call"])
        assert masked == good != bad, task.id
        assert t["masked"] in t["decoys"] and grade(task, {"commit": t["masked"]}).reasons == (
            "other_inputs_change",)


def test_a_planned_answer_is_seldom_a_change_every_input_sees():
    """The answer is drawn among the changes the call sees that the fewest battery inputs see, so that
    its diff tends to look harmless; and the aspects it changes vary across plans."""
    changed = set()
    for k in range(12):
        plan = B.question(f"test:{k}", 200)
        versions, answer = plan["versions"], plan["answer"]
        before = versions[max(c for c in versions if c < answer)]
        (aspect,) = [a for a in B.ASPECTS if versions[answer][a] != before[a]]
        changed.add(aspect)
        assert answer not in plan["decoys"]
    assert len(changed) >= 3


def test_blame_at_the_tip_seldom_names_a_change_of_the_constant():
    """Restyles rewrite the constant's line, so that where the answer sets the clip bound, blame at the
    tip names a later commit, not the answer: some commit after the answer writes that line otherwise."""
    later = []
    for k in range(30):
        plan = B.question(f"test:{k}", 200)
        versions, answer = plan["versions"], plan["answer"]
        before = versions[max(c for c in versions if c < answer)]
        if versions[answer]["clip"] != before["clip"]:
            constant = B.source(versions[answer]).splitlines()[3]
            assert constant.startswith("CLIP")
            after = [B.source(v).splitlines()[3] for c, v in versions.items() if c > answer]
            later.append(any(line != constant for line in after))
    assert len(later) >= 4 and sum(later) >= len(later) - 1, later


def test_the_ladder_keeps_the_short_history_and_a_run_budget():
    levels = gh.LADDERS["behaviour"]
    assert {"length": 0, "run_budget": 0} in levels and levels[-1]["length"] == 300
    task = gh.generate(gh.Config(kind="behaviour", run_budget=2, plan=True), seed=0, index=0)
    assert "run_python" in task.tools and "at most 2 times" in task.prompt
    assert task.env["calls_left"] == task.truth["planned_calls"] + 1 + 2
    assert "read the file at both ends" in task.prompt
