"""tasks.play driven from the shell: every command a separate process, as a player works."""
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generators import load_family
from tasks import play
from tasks.run import Progress, run_trials
from tasks.task import read_tasks
from tools import python_tool as pt

ROOT = Path(__file__).resolve().parents[2]  # the folder holding the tasks package


def _generate(tmp_path, name, *flags):
    out = tmp_path / name
    subprocess.run([sys.executable, "-m", "generators.causal", *flags, "--out", str(out)], cwd=ROOT,
                   check=True, capture_output=True)
    return out


@pytest.fixture
def discover(tmp_path):
    """Three d-separation oracle tasks with a budget of 3 queries each."""
    return _generate(tmp_path, "discover.jsonl", "--kind", "discover", "--n", "3", "--budget", "3",
                     "--edges", "4")


CHILD_ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


def shell(tasks_file, *args, stdin=None):
    """One `python -m tasks.play` process run from the task file's folder (the default session's home)."""
    return subprocess.run([sys.executable, "-m", "tasks.play", str(tasks_file), *args], cwd=tasks_file.parent,
                          env=CHILD_ENV, capture_output=True,
                          text=True, input=stdin, timeout=120)


def test_a_shell_session_plays_tasks_to_a_results_file_tasks_report_reads(discover, tmp_path):
    tasks = list(read_tasks(str(discover)))
    listing = shell(discover, "list")
    assert listing.returncode == 0 and listing.stdout.count(" open ") == 3 and tasks[2].id in listing.stdout

    shown = shell(discover, "prompt", "1")
    assert shown.returncode == 0
    for visible in (tasks[0].prompt, "ci_test", "x (string, required)", "submit_answer",
                    json.dumps(tasks[0].answer_schema, sort_keys=True)):
        assert visible in shown.stdout

    # the budget counts down across processes, and a spent budget is the registry's error result
    x, y = tasks[0].env["dag"][0]
    lefts = [shell(discover, "call", "1", "ci_test", json.dumps({"x": x, "y": y})) for _ in range(3)]
    assert [r.returncode for r in lefts] == [0, 0, 0]
    shown = [r.stdout.strip().splitlines()[-1] for r in lefts]
    assert shown == [f"[calls left: {n} of ci_test]" for n in (2, 1, 0)]
    spent = shell(discover, "call", "1", "ci_test", json.dumps({"x": x, "y": y}))
    assert spent.returncode == 1 and "budget is spent" in spent.stdout
    assert spent.stdout.strip().endswith("[calls left: 0 of ci_test]")  # after an error too

    reference = tasks[0].truth["reference"]
    mutant = load_family(tasks[1].family).mutants(tasks[1])[0]
    assert shell(discover, "submit", "1", json.dumps(reference)).returncode == 0
    second = shell(discover, "submit", "1", json.dumps(reference))
    assert second.returncode == 2 and second.stderr.count("\n") == 1 and "episode is over" in second.stderr
    hidden = shell(discover, "submit", "2", json.dumps(mutant))
    assert hidden.returncode == 0 and "passed" not in hidden.stdout and "failed" not in hidden.stdout

    out = tmp_path / "played.jsonl"
    assert shell(discover, "results", "--player", "me", "--out", str(out)).returncode == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["task_id"], r["passed"], r["provider"], r["model"], r["tool_calls"], r["turns"])
            for r in rows] == [(tasks[0].id, True, "play", "me", 4, 5),
                               (tasks[1].id, False, "play", "me", 0, 1)]
    submission = {"id": "submit", "name": "submit_answer", "args": reference}
    assert rows[0]["transcript"][-1]["calls"] == [submission]
    assert rows[1]["reasons"] and rows[0]["wall_time"] >= 0
    again = shell(discover, "results", "--player", "me", "--out", str(out))  # resumed: nothing doubled
    assert again.returncode == 0 and len(out.read_text().splitlines()) == 2

    report = subprocess.run([sys.executable, "-m", "tasks.report", str(out)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert report.returncode == 0 and "model me" in report.stdout and "causal.discover" in report.stdout


def test_reveal_shows_the_grade_of_the_submission(discover):
    tasks = list(read_tasks(str(discover)))
    shown = shell(discover, "submit", "3", json.dumps(tasks[2].truth["reference"]), "--reveal")
    assert shown.returncode == 0 and "passed (score 1)" in shown.stdout


def test_bad_input_gets_one_line_and_exit_2_and_loses_nothing(discover, tmp_path):
    assert shell(discover, "call", "1", "ci_test", '{"x": "A", "y": "B"}').returncode == 0
    session = discover.parent / "play-discover" / "session.json"
    recorded = session.read_bytes()
    other = _generate(tmp_path, "other.jsonl", "--kind", "discover", "--n", "3", "--seed", "9")
    torn = tmp_path / "torn" / "session.json"
    torn.parent.mkdir()
    torn.write_text("{torn")
    for args, complaint in [
        (("call", "9", "ci_test", "{}"), "no task '9'"),
        (("call", "1", "parents", '{"node": "A"}'), "has no tool 'parents'"),
        (("call", "1", "ci_test", "{x: A}"), "not JSON"),
        (("call", "1", "ci_test", '["A", "B"]'), "must be a JSON object"),
        (("submit", "1", "B"), "not JSON"),
        (("prompt", "1", "--session", str(torn.parent)), "not a play session"),
    ]:
        r = shell(discover, *args)
        assert (r.returncode, r.stderr.count("\n"), complaint in r.stderr) == (2, 1, True), (args, r.stderr)
    foreign = shell(other, "list", "--session", str(session.parent))
    assert foreign.returncode == 2 and "session of another task file" in foreign.stderr
    assert session.read_bytes() == recorded


def test_the_session_holds_ids_env_changes_calls_and_answers_but_no_truth(discover):
    tasks = list(read_tasks(str(discover)))
    x, y = tasks[0].env["dag"][0]
    shell(discover, "call", "1", "ci_test", json.dumps({"x": x, "y": y}))
    shell(discover, "submit", "2", json.dumps({"directed": [], "undirected": []}))
    text = (discover.parent / "play-discover" / "session.json").read_text()
    stored = json.loads(text)["tasks"]
    assert set(stored) == {tasks[0].id, tasks[1].id}
    assert stored[tasks[0].id]["env"] == {"budget": 2}  # only what the tools changed, not the hidden DAG
    assert "truth" not in text and "dag" not in text
    for task in tasks:
        assert json.dumps(task.truth["reference"]) not in text


def test_parallel_calls_never_spend_a_budget_twice(discover):
    x, y = list(read_tasks(str(discover)))[0].env["dag"][0]
    command = [sys.executable, "-m", "tasks.play", str(discover), "call", "1", "ci_test",
               json.dumps({"x": x, "y": y})]
    procs = [subprocess.Popen(command, cwd=discover.parent, env=CHILD_ENV, stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert sum("budget is spent" in o for o in outputs) == 1
    assert sorted(o.splitlines()[-1] for o in outputs) == [
        "[calls left: 0 of ci_test]", "[calls left: 0 of ci_test]", "[calls left: 1 of ci_test]",
        "[calls left: 2 of ci_test]"]  # the refused call's line says the budget is spent


def test_the_python_tool_runs_through_play_in_the_same_sandbox(tmp_path):
    if pt.sandbox_problem() is not None:  # without it the tool refuses to run
        pytest.skip("bubblewrap is not installed: the program could read the task file")
    effect = _generate(tmp_path, "effect.jsonl", "--kind", "effect", "--n", "1")
    task = next(read_tasks(str(effect)))
    header = task.env["files"]["data.csv"].splitlines()[0]
    ran = shell(effect, "call", "1", "python", json.dumps({"code": "print(open('data.csv').readline())"}))
    assert ran.returncode == 0 and ran.stdout.strip() == header
    peek = shell(effect, "call", "1", "python", json.dumps({"code": f"print(open({str(effect)!r}).read())"}))
    assert peek.returncode == 1 and "FileNotFoundError" in peek.stdout and '"truth"' not in peek.stdout


def test_interactive_mode_reads_tool_and_submit_lines(discover):
    tasks = list(read_tasks(str(discover)))
    x, y = tasks[0].env["dag"][0]
    lines = [f'ci_test {json.dumps({"x": x, "y": y})}', "parents {}", "ci_test {oops",
             f"submit {json.dumps(tasks[0].truth['reference'])}"]
    r = shell(discover, "--task", "1", "--interactive", "--reveal", stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    assert tasks[0].prompt in r.stdout and "[calls left: 2 of ci_test]" in r.stdout
    assert "has no tool 'parents'" in r.stdout and "not JSON" in r.stdout and "passed (score 1)" in r.stdout
    assert "submitted      1" in shell(discover, "list").stdout  # only the well-formed call was recorded


def test_the_turn_limit_of_tasks_run_ends_an_episode(discover, tmp_path, monkeypatch):
    monkeypatch.setattr(play, "DEFAULT_MAX_TURNS", 2)
    session = play.Session(str(discover), str(tmp_path / "s"))
    task = session.task("1")
    x, y = task.env["dag"][0]
    session.call(task, "ci_test", {"x": x, "y": y})
    session.call(task, "ci_test", {"x": x, "y": y})
    with pytest.raises(play.EpisodeOver, match="turn_limit"):
        session.submit(task, task.truth["reference"])
    [row] = session.rows("me")
    assert (row["stop_reason"], row["passed"], row["reasons"], row["turns"]) == ("turn_limit", False,
                                                                                ["turn_limit"], 2)


def test_a_task_is_named_by_its_number_or_its_id(discover, tmp_path):
    session = play.Session(str(discover), str(tmp_path / "s"))
    assert session.task("2") is session.task(session.tasks[1].id)
    for ref in ("0", "4", "-1", "causal"):
        with pytest.raises(play.PlayError, match="give a number from 1 to 3"):
            session.task(ref)


def test_a_tool_the_task_does_not_offer_is_an_error_result_for_a_session_call(discover, tmp_path):
    # the MCP server passes a client's call straight through, as tasks.run passes a model's
    session = play.Session(str(discover), str(tmp_path / "s"))
    result = session.call(session.task("1"), "parents", {"node": "A"})
    assert result.is_error and "unknown tool 'parents'" in result.text


def test_a_played_results_line_has_the_fields_of_a_tasks_run_line(discover, tmp_path):
    run_out = tmp_path / "run.jsonl"
    run_trials(list(read_tasks(str(discover)))[:1], str(run_out), "oracle", provider="scripted",
               progress=Progress(1, io.StringIO()))
    [run_row] = [json.loads(line) for line in run_out.read_text().splitlines()]
    session = play.Session(str(discover), str(tmp_path / "s"))
    task = session.task("1")
    session.submit(task, task.truth["reference"])
    [played] = session.rows("me")
    assert set(played) == set(run_row)
    assert {k: played[k] for k in ("task_id", "family", "knobs", "passed", "reasons", "answer")} == {
        k: run_row[k] for k in ("task_id", "family", "knobs", "passed", "reasons", "answer")}


def test_a_malformed_submission_is_recorded_and_graded_as_a_failure(discover, tmp_path):
    session = play.Session(str(discover), str(tmp_path / "s"))
    task = session.task("1")
    session.submit(task, {"directed": "A->B", "extra": [None] * 10_000})
    [row] = session.rows("me")
    assert row["passed"] is False and row["reasons"] and row["stop_reason"] == "submitted"


def test_the_prompt_shown_states_the_turn_limit_a_session_enforces(discover, tmp_path):
    session = play.Session(str(discover), str(tmp_path / "s"))
    task = session.task("1")
    shown = play.render_prompt(session, task, session.show(task))
    stated = re.search(r"at most (\d+) turns \(each tool call is one turn, the submit_answer call included\)",
                       shown)
    assert stated and int(stated[1]) == play.DEFAULT_MAX_TURNS  # the count Session.call stops at
