"""Runner throughput and memory: trials of 3 turns against a fake Messages API that answers after 100 ms.

Ideal time = trials x turns x latency / concurrency; the printed ratio is ideal / achieved (target >= 0.8).
Each measurement runs in a fresh process, whose peak RSS is printed for two trial counts: results
stream to disk, so memory should stay flat as the trial count grows.
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fakes, the shared fake server

from graders.registry import grader, passed  # noqa: E402
from tasks.run import Progress, run_trials  # noqa: E402
from tasks.task import Task  # noqa: E402
from tests.fakes import FakeServer, messages_api  # noqa: E402
from tools.registry import tool  # noqa: E402

LATENCY, TURNS, CONCURRENCY = 0.100, 3, 32
TRIAL_COUNTS = (200, 800)
TASKS = 50


@tool
def _bench_echo(env: dict, text: str) -> str:
    """Echo a text.

    Args:
        text: what to echo.
    """
    return text


@grader("_bench_any")
def _bench_any(task, answer):
    return passed()


def _policy(turn, results):
    return [("_bench_echo", {"text": "x" * 200})] if turn < TURNS else [("submit_answer", {"ok": True})]


def child(url: str, trials: int) -> None:
    """Run `trials` trials (TASKS tasks x trials/TASKS each) and print elapsed seconds and peak RSS."""
    tasks = [Task(f"bench-{i}", "bench.echo", "Echo, then submit.", ["_bench_echo"], {"type": "object"},
                  {}, {}, "_bench_any") for i in range(TASKS)]
    os.environ["ANTHROPIC_API_KEY"] = "bench"
    with tempfile.TemporaryDirectory() as tmp:
        # one-time costs are not throughput: imports, registries, the client's lazily built response models
        run_trials(tasks[:2], f"{tmp}/warm-up.jsonl", "claude-bench", provider="anthropic", base_url=url,
                   progress=Progress(2, stream=io.StringIO()))
        start, cpu_start = time.monotonic(), time.process_time()
        summary = run_trials(tasks, f"{tmp}/results.jsonl", "claude-bench", provider="anthropic",
                             base_url=url, trials=trials // TASKS, concurrency=CONCURRENCY,
                             progress=Progress(trials, stream=io.StringIO()))
        elapsed, cpu = time.monotonic() - start, time.process_time() - cpu_start
    assert summary.ran == summary.passed == trials
    print(json.dumps({"elapsed": elapsed, "cpu": cpu,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def measure(url: str, trials: int) -> dict:
    command = [sys.executable, __file__, "--child", url, str(trials)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    with FakeServer(messages_api(_policy, delay=LATENCY)) as server:
        results = {n: measure(server.url, n) for n in TRIAL_COUNTS}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows the runner)")
    for n, r in results.items():
        ideal = n * TURNS * LATENCY / CONCURRENCY
        print(f"{n} trials x {TURNS} turns at concurrency {CONCURRENCY}: {r['elapsed']:.2f} s"
              f" (ideal {ideal:.2f} s, runner CPU {r['cpu']:.2f} s):"
              f" throughput ratio {ideal / r['elapsed']:.2f} (target >= 0.8);"
              f" peak RSS {r['maxrss_kb'] / 1024:.0f} MiB")
    small, large = (results[n]["maxrss_kb"] for n in TRIAL_COUNTS)
    print(f"peak RSS ratio {TRIAL_COUNTS[1]} / {TRIAL_COUNTS[0]} trials: {large / small:.2f} (flat is ~1.0)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
