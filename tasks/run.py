"""Run a model on tasks many times: `python -m tasks.run TASKS.jsonl --model M --trials N --out R.jsonl`.

Each trial is one episode: the task's prompt, its tools plus `submit_answer`, tool calls run through
the tools registry on a private copy of the task's env, until the model submits (graded) or a limit
ends it (a failed grade whose reason says which). One results line per trial is appended, flushed and
fsynced as the trial ends; rerunning the command resumes, skipping every (task, trial, model) done.

A results line: task_id, family, knobs, trial, model, provider, passed, score, reasons, answer, turns,
tool_calls (tools run, submit_answer aside), input/output/cache_creation/cache_read_tokens, cost (None
for an unpriced model), wall_time, stop_reason, error (what the provider said), python_sandbox ("bwrap", or
"unconfined" under --unsafe-python; None without a tool that runs code), transcript.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graders.registry import Grade, failed, get_grader, grade
from tasks.prices import cost, price_of
from tasks.providers import (
    PROVIDERS,
    SUBMIT,
    Episode,
    FatalProviderError,
    ModelResponseError,
    Provider,
    ProviderError,
    Reply,
    ToolCall,
    Usage,
    infer_provider,
    make_provider,
)
from tasks.task import Task, TaskFileError, read_tasks
from tools import python_tool
from tools.registry import ToolResult, call_tool, get_tool

DEFAULT_MAX_TURNS = 100
DEFAULT_MAX_TOKENS = 150_000  # the conversation's size; below the 200k context of current models
DEFAULT_CONCURRENCY = 8  # modest, for new accounts' rate limits; retries absorb occasional 429s
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")


class ResultsFileError(ValueError):
    """A results file that cannot be resumed: names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Limits:
    """When an episode stops without a submission."""

    max_turns: int = DEFAULT_MAX_TURNS
    """Model responses per episode."""
    max_tokens: int = DEFAULT_MAX_TOKENS
    """Tokens of the conversation (last request's input plus its output)."""


@dataclass
class Outcome:
    """What an episode produced, before it becomes a results row."""

    stop: str = "no_submission"
    answer: Any = None
    turns: int = 0
    tool_calls: int = 0
    usage: Usage = Usage()
    error: str | None = None


async def run_episode(task: Task, episode: Episode, limits: Limits,
                      transcript: list[dict[str, Any]]) -> Outcome:
    """Drive one episode to its end; appends every model turn and tool result to `transcript`."""
    env = copy.deepcopy(task.env)  # tools keep per-episode state (budgets) in env
    out = Outcome()
    while True:
        if out.turns >= limits.max_turns:
            out.stop = "turn_limit"
            break
        try:
            reply = await episode.next_reply()
        except ProviderError as e:
            out.stop, out.error = "provider_error", str(e)
            break
        except ModelResponseError as e:
            out.stop, out.error = "invalid_response", str(e)
            break
        out.turns += 1
        out.usage += reply.usage
        transcript.append(assistant_entry(reply))
        submit = next((c for c in reply.calls if c.name == SUBMIT), None)
        if submit is not None:
            out.stop, out.answer = "submitted", submit.args  # calls beside it are not run: the episode ends
            break
        if not reply.calls:
            out.stop = "token_limit" if reply.truncated else "no_submission"
            break
        results = []
        for call in reply.calls:
            # in a thread: tools may be slow
            result = await asyncio.to_thread(call_offered_tool, task, call.name, call.args, env)
            results.append((call, result))
            transcript.append(tool_entry(call, result))
        out.tool_calls += len(reply.calls)
        episode.add_results(results)
        if reply.usage.context >= limits.max_tokens:
            out.stop = "token_limit"
            break
    return out


def call_offered_tool(task: Task, name: str, args: Any, env: dict[str, Any]) -> ToolResult:
    """Run one of the task's tools on `env`; an error result for a tool the task does not offer."""
    if name not in task.tools:  # another family's tool would read this task's env behind its offered tools
        return ToolResult(f"Error: unknown tool {name!r}; this task's tools are "
                          f"{', '.join([*task.tools, SUBMIT])}", is_error=True)
    return call_tool(name, args, env)


def assistant_entry(reply: Reply) -> dict[str, Any]:
    """The transcript entry of one model turn."""
    return {"role": "assistant", "text": reply.text,
            "calls": [{"id": c.id, "name": c.name, "args": c.args} for c in reply.calls]}


def tool_entry(call: ToolCall, result: ToolResult) -> dict[str, Any]:
    """The transcript entry of one tool result."""
    return {"role": "tool", "id": call.id, "name": call.name, "text": result.text,
            "is_error": result.is_error}


def judge(task: Task, out: Outcome) -> Grade:
    """The grade of an episode: the grader's on a submission, else a failure named by how it stopped."""
    return grade(task, out.answer) if out.stop == "submitted" else failed(out.stop)


def results_row(task: Task, trial: int, provider: str, model: str, out: Outcome, verdict: Grade,
                wall_time: float, transcript: list[dict[str, Any]]) -> dict[str, Any]:
    """One results line (fields in the module docstring)."""
    u = out.usage
    return {
        "task_id": task.id, "family": task.family, "knobs": task.meta.get("knobs"), "trial": trial,
        "model": model, "provider": provider, "passed": verdict.passed, "score": verdict.score,
        "reasons": list(verdict.reasons), "answer": out.answer, "turns": out.turns,
        "tool_calls": out.tool_calls, "input_tokens": u.input, "output_tokens": u.output,
        "cache_creation_tokens": u.cache_creation, "cache_read_tokens": u.cache_read,
        "cost": cost(model, u.input, u.output, u.cache_creation, u.cache_read),
        "wall_time": round(wall_time, 3), "stop_reason": out.stop, "error": out.error,
        "python_sandbox": python_tool.confinement() if _runs_code(task) else None,
        "transcript": transcript,
    }


async def run_trial(task: Task, trial: int, provider: Provider, model: str, limits: Limits) -> dict[str, Any]:
    """One trial as a results line (fields in the module docstring)."""
    start = time.monotonic()
    transcript: list[dict[str, Any]] = []
    out = await run_episode(task, provider.episode(task, trial), limits, transcript)
    verdict = await asyncio.to_thread(judge, task, out)  # graders may be slow
    return results_row(task, trial, provider.name, model, out, verdict, time.monotonic() - start, transcript)


# -- results file ---------------------------------------------------------------------------------------

def done_trials(path: str, model: str) -> set[tuple[str, int]]:
    """The (task id, trial) pairs of `model` already judged in a results file, after repairing a torn
    last line. A trial the provider failed is not done: a rerun tries it again and appends its new row.

    A run killed mid-write can leave a last line without its newline: it is cut off (that trial reruns).
    Any other line that is not a results row is an error, so a wrong file is never appended to.
    """
    try:
        fh = open(path, "r+b")
    except FileNotFoundError:
        return set()
    done = set()
    with fh:
        data_end = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        good_end = 0
        for lineno, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                break
            good_end += len(line)
            try:
                row = json.loads(line)
                key = (row["task_id"], row["trial"], row["model"])
            except (ValueError, TypeError, KeyError):
                raise ResultsFileError(f"{path}:{lineno}: not a results line; move the file aside") from None
            if key[2] == model and row.get("stop_reason") != "provider_error":  # those are retried
                done.add(key[:2])
        if good_end < data_end:
            fh.truncate(good_end)
    return done


class ResultsWriter:
    """Appends rows, one complete line per write, each fsynced before it counts as done.

    It holds an exclusive lock on the file, so two runs never resume (and duplicate) the same trials.
    """

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise ValueError(f"{path}: another run is appending to it; wait, or pick another --out") from None

    async def write(self, row: dict[str, Any]) -> None:
        data = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()
        view = memoryview(data)
        while view:  # no await in this loop, so rows from concurrent trials never interleave
            view = view[os.write(self.fd, view):]
        await asyncio.to_thread(os.fsync, self.fd)

    def close(self) -> None:
        os.close(self.fd)


# -- progress -------------------------------------------------------------------------------------------

class Progress:
    """One stderr line rewritten in place: done/total, pass rate so far, tokens, cost."""

    def __init__(self, total: int, stream: Any = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total, self.done, self.passed, self.tokens, self.provider_errors = total, 0, 0, 0, 0
        self.cost: float | None = 0.0
        self._shown = 0.0

    def add(self, row: dict[str, Any]) -> None:
        self.done += 1
        self.passed += row["passed"]
        self.provider_errors += row.get("stop_reason") == "provider_error"
        self.tokens += sum(row[k] for k in TOKEN_FIELDS)
        self.cost = None if self.cost is None or row["cost"] is None else self.cost + row["cost"]
        if self.live and time.monotonic() - self._shown > 0.1:
            self._shown = time.monotonic()
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self) -> str:
        rate = f"{100 * self.passed / self.done:.1f}%" if self.done else "-"
        money = "cost n/a" if self.cost is None else f"${self.cost:.4f}"
        return f"[{self.done}/{self.total}] pass {rate} | {self.tokens:,} tokens | {money}"

    def finish(self) -> None:
        """The final line, ending the one rewritten in place; nothing when no trial finished."""
        if self.done:
            self.stream.write(("\r" if self.live else "") + self.line() + "\n")
            self.stream.flush()


# -- the run --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSummary:
    """What a run did: trials run now, skipped as already done, how many of those run passed, and how
    many the provider failed (retried by the next run)."""

    ran: int
    skipped: int
    passed: int
    provider_errors: int = 0


async def run_trials_async(tasks: Iterable[Task], out: str, model: str, provider: str | None = None,
                           trials: int = 1, concurrency: int = DEFAULT_CONCURRENCY, limits: Limits = Limits(),
                           base_url: str | None = None, progress: Progress | None = None,
                           unsafe_python: bool = False) -> RunSummary:
    """Run every (task, trial) of `model` not yet in `out`, `concurrency` at once; return when all are done.

    Raises ValueError for bad arguments or files, FatalProviderError when the provider refuses every trial.
    """
    counts = {"--trials": trials, "--concurrency": concurrency, "--max-turns": limits.max_turns,
              "--max-tokens": limits.max_tokens}
    for flag, value in counts.items():
        if value < 1:
            raise ValueError(f"{flag} must be >= 1, got {value}")
    python_tool.allow_unconfined(unsafe_python)
    task_list = check_tasks(tasks)
    writer = ResultsWriter(out)  # locked before reading what is done
    try:
        done = done_trials(out, model)
        # trial-major order: a run stopped early has covered every task about equally often
        jobs = [(task, trial) for trial in range(trials) for task in task_list
                if (task.id, trial) not in done]
        skipped = len(task_list) * trials - len(jobs)
        if not jobs:
            return RunSummary(0, skipped, 0)
        chosen = make_provider(provider or infer_provider(model, base_url), model, base_url)
        progress = progress or Progress(len(jobs))
        pending = iter(jobs)

        async def worker() -> None:
            for task, trial in pending:  # a shared iterator: each job is taken by exactly one worker
                row = await run_trial(task, trial, chosen, model, limits)
                await writer.write(row)
                progress.add(row)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(concurrency, len(jobs))):
                    group.create_task(worker())
        except* FatalProviderError as eg:
            raise eg.exceptions[0] from None
        finally:
            progress.finish()  # before any error message, so that starts on a line of its own
            await chosen.aclose()
    finally:
        writer.close()
    return RunSummary(progress.done, skipped, progress.passed, progress.provider_errors)


def run_trials(tasks: Iterable[Task], out: str, model: str, **options: Any) -> RunSummary:
    """Synchronous `run_trials_async`, for callers without an event loop (the demo)."""
    return asyncio.run(run_trials_async(tasks, out, model, **options))


_CODE_TOOLS = ("python", "run_python")  # tools that run a program in the python tool's sandbox


def _runs_code(task: Task) -> bool:
    return any(name in _CODE_TOOLS for name in task.tools)


def check_tasks(tasks: Iterable[Task]) -> list[Task]:
    """The tasks; ValueError for what would fail every trial: a duplicate id, an unknown tool or grader,
    the python tool without its sandbox (unless `python_tool.allow_unconfined`, --unsafe-python)."""
    by_id: dict[str, Task] = {}
    for task in tasks:
        if task.id in by_id:
            raise ValueError(f"task id {task.id!r} appears twice in the task file; ids must be unique")
        try:
            for name in task.tools:
                get_tool(name)
            get_grader(task.grader)
        except KeyError as e:
            raise ValueError(f"task {task.id!r}: {e.args[0]}") from None
        by_id[task.id] = task
    if any(map(_runs_code, by_id.values())):
        try:
            python_tool.require_confinement()
        except python_tool.SandboxUnavailable as e:
            raise ValueError(str(e)) from None
    return list(by_id.values())


def main(argv: list[str] | None = None) -> int:
    """The CLI: one clear line and a non-zero exit for anything the user can fix."""
    parser = argparse.ArgumentParser(prog="python -m tasks.run", description=__doc__.splitlines()[0])
    parser.add_argument("tasks", help="task file (JSONL)")
    parser.add_argument("--model", required=True,
                        help="model name, or a scripted agent: oracle, random, baseline, adversary")
    parser.add_argument("--out", required=True, help="results file (JSONL), appended to and resumed from")
    parser.add_argument("--trials", type=int, default=1, help="trials per task (default 1)")
    parser.add_argument("--provider", choices=PROVIDERS,
                        help="default: scripted for the scripted agents, anthropic for claude-* without "
                             "--base-url, else openai")
    parser.add_argument("--base-url", help="API base URL: openai-compatible servers with /v1 "
                                           "(http://localhost:8000/v1), anthropic without")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help=f"trials in flight at once (default {DEFAULT_CONCURRENCY})")
    parser.add_argument("--max-turns", type=int, default=DEFAULT_MAX_TURNS,
                        help=f"model responses per episode before turn_limit (default {DEFAULT_MAX_TURNS})")
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS,
                        help="conversation size in tokens (last input + output) before token_limit "
                             f"(default {DEFAULT_MAX_TOKENS})")
    parser.add_argument("--unsafe-python", action="store_true",
                        help="let the python tool run programs unconfined where bubblewrap does not work: "
                             "they can then read this machine's files (rows record python_sandbox)")
    args = parser.parse_args(argv)
    try:
        tasks = list(read_tasks(args.tasks))
        provider = args.provider or infer_provider(args.model, args.base_url)
        if provider != "scripted" and price_of(args.model) is None:
            print(f"note: no price for {args.model} in tasks/prices.py; cost is not computed",
                  file=sys.stderr)
        summary = run_trials(tasks, args.out, args.model, provider=provider, trials=args.trials,
                             concurrency=args.concurrency, limits=Limits(args.max_turns, args.max_tokens),
                             base_url=args.base_url, unsafe_python=args.unsafe_python)
    except (TaskFileError, ValueError, FatalProviderError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{parser.prog}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    print(f"{summary.ran} trials run ({summary.passed} passed), {summary.skipped} already in {args.out}",
          file=sys.stderr)
    if summary.provider_errors:
        print(f"{parser.prog}: error: {summary.provider_errors} trials failed at the provider (see their "
              "error field); rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
