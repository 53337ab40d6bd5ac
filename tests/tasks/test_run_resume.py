"""Resume after the runner is killed: a real `python -m tasks.run` process, SIGKILLed mid-run, then rerun.

The rerun happens in this process (same code, one interpreter start-up less)."""
import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from graders.registry import grader, passed
from tasks.run import Progress, run_trials
from tasks.task import Task
from tests.fakes import FakeServer, chat_api

ROOT = Path(__file__).resolve().parents[2]
# The child registers the test's grader, then runs the real CLI.
CHILD = ("import sys; from graders.registry import grader, passed; "
         "grader('_resume_for_test')(lambda task, answer: passed()); "
         "from tasks.run import main; sys.exit(main(sys.argv[1:]))")
TASKS, TRIALS = 10, 3
grader("_resume_for_test")(lambda task, answer: passed())


def submit(turn, results):
    return [("submit_answer", {"x": 1})]


def start(tasks_path, out, url):
    # openai: its client imports in a third of the time anthropic's takes
    args = [sys.executable, "-c", CHILD, str(tasks_path), "--model", "test-model", "--provider", "openai",
            "--base-url", url, "--trials", str(TRIALS), "--concurrency", "4", "--out", str(out)]
    env = {**os.environ, "OPENAI_API_KEY": "test-key"}
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def lines(path):
    return path.read_text().splitlines(keepends=True) if path.exists() else []


def test_a_killed_run_resumes_with_exactly_one_line_per_trial(tmp_path, monkeypatch):
    tasks_path, out = tmp_path / "tasks.jsonl", tmp_path / "results.jsonl"
    task = Task("t", "test.resume", "Submit x.", [], {"type": "object"}, {}, {}, "_resume_for_test")
    tasks_path.write_text("".join(replace(task, id=f"t{i}").to_json() + "\n" for i in range(TASKS)))
    with FakeServer(chat_api(submit, delay=0.1)) as server:
        child = start(tasks_path, out, server.url + "/v1")
        deadline = time.monotonic() + 20
        while len(lines(out)) < 4 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait()
        before = lines(out)
        assert 4 <= len(before) < TASKS * TRIALS, "the kill must land mid-run"
        with open(out, "a") as fh:
            fh.write('{"task_id": "t0", "trial"')  # as if killed mid-write
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        tasks = [replace(task, id=f"t{i}") for i in range(TASKS)]
        summary = run_trials(tasks, str(out), "test-model", provider="openai", base_url=server.url + "/v1",
                             trials=TRIALS, concurrency=4, progress=Progress(0, io.StringIO()))
    assert (summary.skipped, summary.ran) == (len(before), TASKS * TRIALS - len(before))
    after = lines(out)
    assert after[:len(before)] == before
    rows = [json.loads(line) for line in after]
    assert sorted((r["task_id"], r["trial"]) for r in rows) == sorted(
        (f"t{i}", t) for i in range(TASKS) for t in range(TRIALS))
    assert all(r["passed"] for r in rows)
