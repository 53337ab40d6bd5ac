"""Run a model on tasks many times: `python -m tasks.run TASKS.jsonl --model M --trials N --out R.jsonl`.

Each trial is one episode: the task's prompt, its tools plus `submit_answer`, tool calls run through
the tools registry on a private copy of the task's env, until the model submits (graded) or a limit
ends it (a failed grade whose reason says which). One results line per trial is appended, flushed and
fsynced as the trial ends; rerunning the command resumes, skipping every (task, trial, model) done.

A results line: task_id, family, knobs, trial, model, provider, passed, score, reasons, answer, turns,
tool_calls (tools run, submit_answer aside), input/output/cache_creation/cache_read_tokens, cost (None
for an unpriced model), wall_time, stop_reason, error (what the provider said), python_sandbox ("bwrap", or
"unconfined" under --unsafe-python; None without a tool that runs code), transcript, and run:
the run's metadata (started, kgtasks version, tasks_sha256 of the tasks run, provider, model, settings).

`--budget '$5'` (priced models: the table in tasks/prices.py, `--price IN OUT` or `--prices FILE`) or
`--budget '2M tokens'` stops starting trials once that much is spent (the trials in flight finish).
Several trials in a row that cannot connect to the provider stop the run with one line.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import datetime
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from graders.registry import Grade, failed, get_grader, grade
from tasks.prices import Budget, Price, cost, given_price, load_prices, parse_budget, price_of
from tasks.providers import (
    PROVIDERS,
    RESPONSE_MAX_TOKENS,
    SUBMIT,
    Episode,
    FatalProviderError,
    ModelResponseError,
    Provider,
    ProviderError,
    ProviderUnreachable,
    Reply,
    ToolCall,
    Usage,
    infer_provider,
    make_provider,
    system_prompt,
)
from tasks.task import Task, TaskFileError, read_tasks, task_key
from tools import python_tool
from tools.registry import ToolResult, call_tool, counted, get_tool

DEFAULT_MAX_TURNS = 100
DEFAULT_MAX_TOKENS = 150_000  # the conversation's size; below the 200k context of current models
DEFAULT_CONCURRENCY = 8  # modest, for new accounts' rate limits; retries absorb occasional 429s
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
NO_BUDGET = Budget()
UNREACHABLE_STOP = 3  # trials in a row that cannot connect: the provider is down, not having a bad moment


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
    unreachable: bool = False
    """The provider could not be connected to."""


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
            out.unreachable = isinstance(e, ProviderUnreachable)
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
    """Run one of the task's tools on `env`; an error result for a tool the task does not offer. The
    result carries the line of calls left (`ToolResult.for_model` is what the model is shown)."""
    if name not in task.tools:  # another family's tool would read this task's env behind its offered tools
        result = ToolResult(f"Error: unknown tool {name!r}; this task's tools are "
                            f"{', '.join([*task.tools, SUBMIT])}", is_error=True)
    else:
        result = call_tool(name, args, env)
    return counted(result, task.tools, env)


def assistant_entry(reply: Reply) -> dict[str, Any]:
    """The transcript entry of one model turn."""
    return {"role": "assistant", "text": reply.text,
            "calls": [{"id": c.id, "name": c.name, "args": c.args} for c in reply.calls]}


def tool_entry(call: ToolCall, result: ToolResult) -> dict[str, Any]:
    """The transcript entry of one tool result, as the model was shown it."""
    return {"role": "tool", "id": call.id, "name": call.name, "text": result.for_model,
            "is_error": result.is_error}


def judge(task: Task, out: Outcome) -> Grade:
    """The grade of an episode: the grader's on a submission, else a failure named by how it stopped."""
    return grade(task, out.answer) if out.stop == "submitted" else failed(out.stop)


def results_row(task: Task, trial: int, provider: str, model: str, out: Outcome, verdict: Grade,
                wall_time: float, transcript: list[dict[str, Any]], price: Price | None = None,
                run: dict[str, Any] | None = None) -> dict[str, Any]:
    """One results line (fields in the module docstring); `price` overrides the price table, `run` is
    the run's metadata."""
    u = out.usage
    return {
        "task_id": task.id, "family": task.family, "knobs": task.meta.get("knobs"), "trial": trial,
        "model": model, "provider": provider, "passed": verdict.passed, "score": verdict.score,
        "reasons": list(verdict.reasons), "answer": out.answer, "turns": out.turns,
        "tool_calls": out.tool_calls, "input_tokens": u.input, "output_tokens": u.output,
        "cache_creation_tokens": u.cache_creation, "cache_read_tokens": u.cache_read,
        "cost": cost(model, u.input, u.output, u.cache_creation, u.cache_read, price),
        "wall_time": round(wall_time, 3), "stop_reason": out.stop, "error": out.error,
        "python_sandbox": python_tool.confinement() if _runs_code(task) else None,
        "transcript": transcript, "run": run,
    }


async def run_trial(task: Task, trial: int, provider: Provider, model: str, limits: Limits,
                    price: Price | None = None, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """One trial as a results line (fields in the module docstring)."""
    row, _ = await _trial(task, trial, provider, model, limits, price, run)
    return row


async def _trial(task: Task, trial: int, provider: Provider, model: str, limits: Limits, price: Price | None,
                 run: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The results line, and whether the provider could not be connected to."""
    start = time.monotonic()
    transcript: list[dict[str, Any]] = []
    episode = provider.episode(task, trial, system_prompt(limits.max_turns))  # the limit run_episode keeps
    out = await run_episode(task, episode, limits, transcript)
    verdict = await asyncio.to_thread(judge, task, out)  # graders may be slow
    return results_row(task, trial, provider.name, model, out, verdict, time.monotonic() - start, transcript,
                       price, run), out.unreachable


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
        self.path, self.created, self.rows = path, not os.path.exists(path), 0
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
        self.rows += 1

    def close(self) -> None:
        """Closes the file; one this writer created and never wrote to is removed, so a run that fails
        before its first trial (no API key, say) leaves no empty results file behind."""
        if self.created and not self.rows and os.path.isfile(self.path) and os.fstat(self.fd).st_size == 0:
            os.unlink(self.path)
        os.close(self.fd)


# -- progress -------------------------------------------------------------------------------------------

class Progress:
    """One stderr line rewritten in place: done/total, pass rate of the judged trials, errors (provider
    and grader failures, not judged), tokens, cost, elapsed time and an estimate of the time left."""

    def __init__(self, total: int, stream: Any = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total, self.done, self.passed, self.tokens, self.provider_errors = total, 0, 0, 0, 0
        self.grader_errors = 0
        self.cost: float | None = 0.0
        self.start = time.monotonic()
        self._shown = 0.0

    def add(self, row: dict[str, Any]) -> None:
        self.done += 1
        self.passed += row["passed"]
        self.provider_errors += row.get("stop_reason") == "provider_error"
        self.grader_errors += "grader_error" in row["reasons"]
        self.tokens += sum(row[k] for k in TOKEN_FIELDS)
        self.cost = None if self.cost is None or row["cost"] is None else self.cost + row["cost"]
        if self.live and time.monotonic() - self._shown > 0.1:
            self._shown = time.monotonic()
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self) -> str:
        judged = self.done - self.provider_errors - self.grader_errors
        rate = f"{100 * self.passed / judged:.1f}%" if judged else "-"
        money = "cost n/a" if self.cost is None else f"${self.cost:.4f}"
        errors = self.provider_errors + self.grader_errors
        elapsed = time.monotonic() - self.start
        eta = _clock(elapsed / self.done * (self.total - self.done)) if self.done else "-"
        return (f"[{self.done}/{self.total}] pass {rate} | {errors} error{'s' * (errors != 1)} | "
                f"{self.tokens:,} tokens | {money} | {_clock(elapsed)} elapsed, ETA {eta}")

    def finish(self) -> None:
        """The final line, ending the one rewritten in place; nothing when no trial finished."""
        if self.done:
            self.stream.write(("\r" if self.live else "") + self.line() + "\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, s = divmod(round(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# -- the run --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSummary:
    """What a run did: trials run now, skipped as already done, how many of those run passed, and how
    many the provider failed (retried by the next run)."""

    ran: int
    skipped: int
    passed: int
    provider_errors: int = 0
    not_run: int = 0
    """Trials left when the budget was reached."""
    grader_errors: int = 0
    """Trials whose grader failed: task defects."""


async def run_trials_async(tasks: Iterable[Task], out: str, model: str, provider: str | None = None,
                           trials: int = 1, concurrency: int = DEFAULT_CONCURRENCY, limits: Limits = Limits(),
                           base_url: str | None = None, progress: Progress | None = None,
                           price: Price | None = None, budget: Budget = NO_BUDGET,
                           unsafe_python: bool = False) -> RunSummary:
    """Run every (task, trial) of `model` not yet in `out`, `concurrency` at once; return when all are done
    or the budget is spent. `price` overrides the price table.

    Raises ValueError for bad arguments or files, FatalProviderError when the provider refuses every trial
    or several trials in a row cannot connect to it.
    """
    counts = {"--trials": trials, "--concurrency": concurrency, "--max-turns": limits.max_turns,
              "--max-tokens": limits.max_tokens}
    for flag, value in counts.items():
        if value < 1:
            raise ValueError(f"{flag} must be >= 1, got {value}")
    python_tool.allow_unconfined(unsafe_python)
    task_list = check_tasks(tasks)
    name = provider or infer_provider(model, base_url)
    if budget.dollars is not None and name != "scripted" and price is None and price_of(model) is None:
        raise ValueError(f"--budget ${budget.dollars:g}: no price for {model}; give --price IN OUT or "
                         "--prices FILE, or cap tokens (--budget '2M tokens')")
    writer = ResultsWriter(out)  # locked before reading what is done
    try:
        done = done_trials(out, model)
        # trial-major order: a run stopped early has covered every task about equally often
        jobs = [(task, trial) for trial in range(trials) for task in task_list
                if (task.id, trial) not in done]
        skipped = len(task_list) * trials - len(jobs)
        if not jobs:
            return RunSummary(0, skipped, 0)
        chosen = make_provider(name, model, base_url)
        progress = progress or Progress(len(jobs))
        pending = iter(jobs)
        run = _run_metadata(task_list, chosen.name, model, limits, base_url, price)
        unreachable_in_a_row = 0

        def spent() -> bool:
            return ((budget.dollars is not None and (progress.cost or 0.0) >= budget.dollars)
                    or (budget.tokens is not None and progress.tokens >= budget.tokens))

        async def worker() -> None:
            nonlocal unreachable_in_a_row
            for task, trial in pending:  # a shared iterator: each job is taken by exactly one worker
                if spent():
                    return
                row, unreachable = await _trial(task, trial, chosen, model, limits, price, run)
                await writer.write(row)
                progress.add(row)
                unreachable_in_a_row = unreachable_in_a_row + 1 if unreachable else 0
                if unreachable_in_a_row >= UNREACHABLE_STOP:
                    raise FatalProviderError(f"{row['error']} ({UNREACHABLE_STOP} trials in a row); is the "
                                             "server up and the --base-url right? Rerun to resume")

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
    return RunSummary(progress.done, skipped, progress.passed, progress.provider_errors,
                      len(jobs) - progress.done, progress.grader_errors)


def _run_metadata(tasks: list[Task], provider: str, model: str, limits: Limits, base_url: str | None,
                  price: Price | None) -> dict[str, Any]:
    """What every row of a run records about it, so results from several runs can be told apart."""
    try:
        version = metadata.version("kgtasks")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "kgtasks": version, "tasks_sha256": task_key([t.to_json() for t in tasks]),
            "provider": provider, "model": model,
            "settings": {"max_turns": limits.max_turns, "max_tokens": limits.max_tokens,
                         "response_max_tokens": RESPONSE_MAX_TOKENS, "base_url": base_url,
                         "price": None if price is None else [price.input, price.output]}}


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


def add_budget_arguments(parser: argparse.ArgumentParser, trials: bool = False) -> None:
    """--budget, --price and --prices, shared by tasks.run and tasks.calibrate."""
    parser.add_argument("--budget", help=("a number of trials (200), " if trials else "")
                        + "dollars ('$5', needs a price) or tokens of every kind ('2M tokens'); no new trial "
                        "starts once it is spent")
    parser.add_argument("--price", nargs=2, type=float, metavar=("IN", "OUT"),
                        help="$ per million input and output tokens, for a model not in tasks/prices.py "
                             "(cache tokens at the input price)")
    parser.add_argument("--prices", metavar="FILE",
                        help='JSON prices file: {"MODEL": {"input": $, "output": $}} per million tokens')


def chosen_price(args: argparse.Namespace) -> Price | None:
    """The price the user gave for --model: --price, else its entry in --prices, else None (the table)."""
    if args.price:
        return given_price(*args.price)
    if args.prices:
        prices = load_prices(args.prices)
        if args.model not in prices:
            raise ValueError(f"--prices {args.prices}: no price for {args.model} (it has "
                             f"{', '.join(sorted(prices)) or 'none'})")
        return prices[args.model]
    return None


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
    add_budget_arguments(parser)
    args = parser.parse_args(argv)
    try:
        budget = parse_budget(args.budget) if args.budget else Budget()
        price = chosen_price(args)
        tasks = list(read_tasks(args.tasks))
        provider = args.provider or infer_provider(args.model, args.base_url)
        if provider != "scripted" and price is None and price_of(args.model) is None:
            print(f"note: no price for {args.model} in tasks/prices.py; cost is not computed (give "
                  "--price IN OUT or --prices FILE)", file=sys.stderr)
        summary = run_trials(tasks, args.out, args.model, provider=provider, trials=args.trials,
                             concurrency=args.concurrency, limits=Limits(args.max_turns, args.max_tokens),
                             base_url=args.base_url, price=price, budget=budget,
                             unsafe_python=args.unsafe_python)
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
    if summary.grader_errors:
        print(f"{parser.prog}: warning: the grader failed on {summary.grader_errors} trials (task defects, "
              "not the model's failures; run python -m tasks.check on the task file)", file=sys.stderr)
    if summary.not_run:
        print(f"{parser.prog}: stopped at the budget ({args.budget}): {summary.not_run} trials not run; "
              "rerun with a larger --budget to go on", file=sys.stderr)
        return 1
    if summary.provider_errors:
        print(f"{parser.prog}: error: {summary.provider_errors} trials failed at the provider (see their "
              "error field); rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
