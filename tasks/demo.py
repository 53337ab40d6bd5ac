"""`make demo`: the main job end to end on embedded data, with no network and no API key.

Generates a small mixed causal family, grades each task's reference answer and a deliberately wrong
one, runs the scripted `oracle` and `random` agents through the runner, and prints the report.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from generators import load_family
from generators.base import config_from, iter_tasks
from graders import grade
from tasks.report import read_results, render_text, summarize
from tasks.run import run_trials
from tasks.task import read_tasks, write_tasks

OUT = Path("out/demo")
N_TASKS, SEED, TRIALS = 8, 0, 3


def main() -> int:
    os.environ["KGTASKS_OFFLINE"] = "1"  # the demo must never reach the network
    OUT.mkdir(parents=True, exist_ok=True)
    causal = load_family("causal")
    task_file = OUT / "causal.jsonl"
    with open(task_file, "w", encoding="utf-8") as fh:
        write_tasks(iter_tasks(causal, config_from(causal, {"kind": "mixed", "edges": 6}), SEED, N_TASKS), fh)
    tasks = list(read_tasks(str(task_file)))
    print(f"generated {len(tasks)} causal tasks -> {task_file}\n")

    print(f"{'task':40} {'reference':9}  wrong answer")
    for task in tasks:
        ref = grade(task, task.truth["reference"])
        wrong = grade(task, causal.mutants(task)[0])
        verdict = "FAIL " + ",".join(wrong.reasons) if not wrong.passed else "PASS (defect!)"
        print(f"{task.id:40} {'pass' if ref.passed else 'FAIL':9}  {verdict}")

    results = OUT / "results.jsonl"
    results.unlink(missing_ok=True)  # the demo shows a fresh run, not a resumed one
    for agent in ("oracle", "random"):
        print(f"\nrunning the scripted {agent} agent, {TRIALS} trials a task")
        try:
            run_trials(tasks, str(results), agent, trials=TRIALS, concurrency=4)
        except ValueError as e:  # no sandbox for the python tool: say how to get one
            print(f"python -m tasks.demo: error: {e}", file=sys.stderr)
            return 1
    print()
    sys.stdout.write(render_text(summarize(read_results(str(results)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
