"""Keep the tasks a model passes at the target rate: `python -m tasks.select RESULTS TASKS --out KEPT`.

Per-task filtering, as RL data pipelines do: a task every rollout passes, or every rollout fails, gives
no learning signal. Each task's own pass rate over its trials (Wilson interval at `--confidence`) is
judged against `--band`; the tasks whose whole interval lies inside it are written to `--out`. Tasks
with fewer than `--min-trials` judged trials are undecided. Trials the provider failed and tasks
whose grader failed are no judgement of the model and are not counted.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter

from tasks.report import ResultsReadError, judged, read_results
from tasks.stats import TaskRate, task_rates
from tasks.task import TaskFileError, open_output, read_tasks

VERDICTS = ("below", "inside", "above", "undecided", "not run")


def per_task(results: str, model: str | None) -> dict[str, TaskRate]:
    """Each task's judged trials of one model; ValueError when the file holds several and none is named."""
    outcomes, models = [], set()
    for row in read_results(results):
        if model is not None and row["model"] != model:
            continue
        models.add(row["model"])
        if judged(row):
            outcomes.append((row["task_id"], row["passed"]))
    if len(models) > 1:
        raise ValueError(f"{results} holds trials of several models ({', '.join(sorted(models))}); "
                         "choose one with --model")
    return {t.task_id: t for t in task_rates(outcomes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.select", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file of python -m tasks.run")
    parser.add_argument("tasks", help="the task file those trials ran")
    parser.add_argument("--out", required=True, help="where to write the kept tasks (JSONL)")
    parser.add_argument("--band", nargs=2, type=float, default=(0.10, 0.40), metavar=("LOW", "HIGH"),
                        help="target pass-rate band of each task (default 0.10 0.40)")
    parser.add_argument("--min-trials", type=int, default=10, help="judged trials a task needs (default 10)")
    parser.add_argument("--confidence", type=float, default=0.90,
                        help="two-sided confidence of each task's interval (default 0.90)")
    parser.add_argument("--model", help="the model whose trials count (needed when the file holds several)")
    args = parser.parse_args(argv)
    band = tuple(args.band)
    try:
        if not 0 <= band[0] < band[1] <= 1:
            raise ValueError(f"--band must satisfy 0 <= LOW < HIGH <= 1, got {band[0]} {band[1]}")
        if args.min_trials < 1:
            raise ValueError(f"--min-trials must be >= 1, got {args.min_trials}")
        if not 0 < args.confidence < 1:
            raise ValueError(f"--confidence must be in (0, 1), got {args.confidence}")
        rates = per_task(args.results, args.model)
        tasks = list(read_tasks(args.tasks))
    except (ValueError, ResultsReadError, TaskFileError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    counts: Counter = Counter()
    kept = []
    for task in tasks:
        rate = rates.get(task.id)
        verdict = rate.verdict(band, args.confidence, args.min_trials) if rate else "not run"
        counts[verdict] += 1
        if verdict == "inside":
            kept.append(task)
    unknown = len(rates.keys() - {t.id for t in tasks})
    try:
        with open_output(args.out) as fh:
            fh.writelines(t.to_json() + "\n" for t in kept)
    except OSError as e:
        print(f"{parser.prog}: error: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 1
    print(", ".join(f"{counts[v]} {v}" for v in VERDICTS)
          + f" (band {band[0]:.0%}-{band[1]:.0%} at {args.confidence:.0%} confidence, "
            f"at least {args.min_trials} trials); wrote {len(kept)} tasks to {args.out}")
    if unknown:
        print(f"note: {unknown} tasks of {args.results} are not in {args.tasks}", file=sys.stderr)
    if counts["undecided"] and not kept:
        print("note: a task's interval narrows slowly: about 40 trials confirm a rate of 25% inside "
              "10-40% at 90% confidence", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
