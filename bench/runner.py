"""Runner throughput and memory: trials of 3 turns against a fake Messages API that answers after 100 ms.

Printed ratios: ideal / achieved, where ideal = trials x turns x latency / concurrency (target >= 0.8);
and the runner against a reference measured in the same run: the bare anthropic client sending the
same requests at the same concurrency (same tools and system prompt; no tool calls, grading or
results file), so the runner's own cost shows even on a loaded machine. Each measurement runs in a
fresh process; peak RSS at two trial counts should stay flat, since results stream to disk.
"""
from __future__ import annotations

import asyncio
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
from tasks.providers import system_prompt  # noqa: E402
from tasks.run import DEFAULT_MAX_TURNS, Progress, run_trials  # noqa: E402
from tasks.task import Task  # noqa: E402
from tests.fakes import FakeServer, messages_api  # noqa: E402
from tools.registry import anthropic_tools, tool  # noqa: E402

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


def _run_runner(url: str, trials: int, out: str) -> None:
    tasks = [Task(f"bench-{i}", "bench.echo", "Echo, then submit.", ["_bench_echo"], {"type": "object"},
                  {}, {}, "_bench_any") for i in range(TASKS)]
    summary = run_trials(tasks[:trials], out, "claude-bench", provider="anthropic",
                         base_url=url, trials=max(1, trials // TASKS), concurrency=CONCURRENCY,
                         progress=Progress(trials, stream=io.StringIO()))
    assert summary.ran == summary.passed == trials


def _run_bare_client(url: str, trials: int, out: str) -> None:
    import anthropic

    tools = [*anthropic_tools(["_bench_echo"]),
             {"name": "submit_answer", "description": "Submit.", "input_schema": {"type": "object"}}]

    async def all_trials() -> None:
        client = anthropic.AsyncAnthropic(base_url=url)
        limit = asyncio.Semaphore(CONCURRENCY)

        system = system_prompt(DEFAULT_MAX_TURNS)  # what the runner sends, so the requests match

        async def trial() -> None:
            async with limit:
                messages = [{"role": "user", "content": "Echo, then submit."}]
                for _ in range(TURNS):
                    r = await client.messages.create(model="claude-bench", max_tokens=8192,
                                                     system=system, tools=tools, messages=messages)
                    result = {"type": "tool_result", "tool_use_id": r.content[0].id, "content": "x"}
                    messages += [{"role": "assistant", "content": r.content},
                                 {"role": "user", "content": [result]}]
        await asyncio.gather(*(trial() for _ in range(trials)))
        await client.close()
    asyncio.run(all_trials())


def child(mode: str, url: str, trials: int) -> None:
    """Measure one mode in this fresh process; print elapsed and CPU seconds and peak RSS as JSON."""
    run = {"runner": _run_runner, "bare": _run_bare_client}[mode]
    os.environ["ANTHROPIC_API_KEY"] = "bench"
    with tempfile.TemporaryDirectory() as tmp:
        run(url, 2, f"{tmp}/warm-up.jsonl")  # one-time costs are not throughput: imports, lazily built models
        start, cpu_start = time.monotonic(), time.process_time()
        run(url, trials, f"{tmp}/results.jsonl")
        elapsed, cpu = time.monotonic() - start, time.process_time() - cpu_start
    print(json.dumps({"elapsed": elapsed, "cpu": cpu,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def measure(mode: str, url: str, trials: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, url, str(trials)], capture_output=True,
                         text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    with FakeServer(messages_api(_policy, delay=LATENCY)) as server:
        results = {n: (measure("runner", server.url, n), measure("bare", server.url, n))
                   for n in TRIAL_COUNTS}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows both)")
    for n, (r, bare) in results.items():
        ideal = n * TURNS * LATENCY / CONCURRENCY
        print(f"{n} trials x {TURNS} turns at concurrency {CONCURRENCY}: runner {r['elapsed']:.2f} s"
              f" (CPU {r['cpu']:.2f} s), bare client {bare['elapsed']:.2f} s (CPU {bare['cpu']:.2f} s),"
              f" ideal {ideal:.2f} s")
        print(f"  throughput ratio ideal/runner {ideal / r['elapsed']:.2f} (target >= 0.8);"
              f" bare/runner {bare['elapsed'] / r['elapsed']:.2f}; bare/ideal {ideal / bare['elapsed']:.2f};"
              f" runner peak RSS {r['maxrss_kb'] / 1024:.0f} MiB")
    small, large = (results[n][0]["maxrss_kb"] for n in TRIAL_COUNTS)
    print(f"runner peak RSS ratio {TRIAL_COUNTS[1]} / {TRIAL_COUNTS[0]} trials: {large / small:.2f}"
          " (flat is ~1.0)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
