"""Play tasks yourself, one shell command at a time: `python -m tasks.play TASKS.jsonl COMMAND`.

    list                     number, id, family and state (open / submitted / turn_limit) of every task
    prompt N                 what a model sees: system prompt, task prompt, each tool and its schema,
                             the answer schema
    call N TOOL ['{json}']   run one of the task's tools as tasks.run does (same budgets and sandbox)
    submit N '{json}'        the one submission; graded, but the grade is shown only with --reveal
    results [--out R.jsonl]  one results line per finished task, as tasks.run writes them (provider play)
    --task N --interactive   the prompt, then `TOOL {json}` / `submit {json}` lines

A session folder (`--session`, default ./play-<file stem>) keeps, per task, the env keys its tools
changed (budgets), the transcript and the answer; never the truth: results grade from the task file.
Exit status: 0, 1 when a tool returned an error (recorded, as in tasks.run), 2 for refused input.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generators.base import OneLineParser
from graders.registry import Grade
from tasks.providers import CALL_TURN, SUBMIT, SUBMIT_DESCRIPTION, Reply, ToolCall, system_prompt
from tasks.run import (
    DEFAULT_MAX_TURNS,
    Outcome,
    ResultsWriter,
    assistant_entry,
    call_offered_tool,
    check_tasks,
    done_trials,
    judge,
    results_row,
    tool_entry,
)
from tasks.task import Task, TaskFileError, read_tasks, task_key
from tools.registry import ToolResult, get_tool

PROVIDER = "play"
SESSION_FILE = "session.json"
FORMAT = 1
# a session counts tool calls, not responses (a player makes one call per command; an MCP client may
# batch several): the limit of Session.call, stated in what the player is shown
SYSTEM_PROMPT = system_prompt(DEFAULT_MAX_TURNS, CALL_TURN)


class PlayError(ValueError):
    """Input the player can fix (unknown task or tool, bad JSON, a second submission): nothing is recorded."""


def parse_object(text: str, what: str) -> dict[str, Any]:
    """A JSON object from the command line; PlayError otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlayError(f"{what}: not JSON ({e.msg} at character {e.pos}): {text[:80]}") from None
    if not isinstance(value, dict):
        raise PlayError(f"{what}: must be a JSON object like {{\"name\": value}}, got {type(value).__name__}")
    return value


class EpisodeOver(PlayError):
    """A call or submission for a task whose episode has ended."""


class Session:
    """The tasks of one task file and the session folder that records how they were played.

    Every change happens under an exclusive lock on the folder and is saved atomically, so commands
    from several shells (or an MCP server) never lose each other's calls or spend a budget twice.
    """

    def __init__(self, tasks_file: str, directory: str | None = None):
        self.tasks_file = tasks_file
        self.tasks = check_tasks(read_tasks(tasks_file))
        self.directory = Path(directory or f"play-{Path(tasks_file).stem}")
        # what the tools see of every task, never its truth: a session of another file is refused
        self.fingerprint = task_key([[t.id, t.prompt, t.tools, t.answer_schema, t.env] for t in self.tasks])

    def task(self, ref: str) -> Task:
        """A task by its number in `list` (from 1) or by its id."""
        if ref.isdigit() and 1 <= int(ref) <= len(self.tasks):
            return self.tasks[int(ref) - 1]
        found = next((t for t in self.tasks if t.id == ref), None)
        if found is None:
            raise PlayError(f"no task {ref!r} in {self.tasks_file}: give a number from 1 to "
                            f"{len(self.tasks)} (see list) or a task id")
        return found

    def number(self, task: Task) -> int:
        return self.tasks.index(task) + 1

    @contextmanager
    def states(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The per-task states (task id -> state), locked; saved when the block ends without an error."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._load()
            before = json.dumps(data, sort_keys=True)
            yield data["tasks"]
            if json.dumps(data, sort_keys=True) != before:
                self._save(data)

    def _load(self) -> dict[str, Any]:
        path = self.directory / SESSION_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": FORMAT, "tasks_file": os.path.abspath(self.tasks_file),
                    "fingerprint": self.fingerprint, "tasks": {}}
        except (OSError, ValueError) as e:
            raise PlayError(f"{path}: not a play session ({e}); pick another --session") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT \
                or not isinstance(data.get("tasks"), dict):
            raise PlayError(f"{path}: not a play session; pick another --session")
        if data.get("fingerprint") != self.fingerprint:
            raise PlayError(f"{self.directory} is a session of another task file ({data.get('tasks_file')}) "
                            f"or of an earlier version of it; pick another --session")
        return data

    def _save(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".session-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.directory / SESSION_FILE)
        except BaseException:
            os.unlink(tmp)
            raise

    # -- the episode ------------------------------------------------------------------------------------

    @staticmethod
    def _state(states: dict[str, dict[str, Any]], task: Task) -> dict[str, Any]:
        """A task's state, started now if new: env keys its tools changed, the transcript, how it ended."""
        return states.setdefault(task.id, {"env": {}, "transcript": [], "calls": 0, "started": time.time(),
                                           "ended": None, "stop": None, "answer": None})

    def _open_state(self, states: dict[str, dict[str, Any]], task: Task) -> dict[str, Any]:
        state = self._state(states, task)
        if state["stop"] is not None:
            ended = "was submitted" if state["stop"] == "submitted" else f"ended at the {state['stop']}"
            raise EpisodeOver(f"task {self.number(task)} {ended}; its episode is over "
                            "(one submission per task)")
        return state

    def show(self, task: Task) -> dict[str, Any]:
        """The task's state, starting its clock when the player first looks at it."""
        with self.states() as states:
            return copy.deepcopy(self._state(states, task))

    def call(self, task: Task, name: str, args: Any) -> ToolResult:
        """One tool call on the task's env as it stands, recorded like a model turn of tasks.run."""
        with self.states() as states:
            state = self._open_state(states, task)
            env = {**copy.deepcopy(task.env), **copy.deepcopy(state["env"])}
            result = call_offered_tool(task, name, args, env)
            # tools keep per-episode state (budgets) in top-level env keys: keep those that changed
            state["env"] = {k: v for k, v in env.items() if k not in task.env or task.env[k] != v}
            state["calls"] += 1
            call = ToolCall(f"call_{state['calls']}", name, args)
            state["transcript"] += [assistant_entry(Reply("", [call])), tool_entry(call, result)]
            if state["calls"] >= DEFAULT_MAX_TURNS:  # tasks.run's turn limit: this was the last turn
                state["stop"], state["ended"] = "turn_limit", time.time()
            return result

    def submit(self, task: Task, answer: Any) -> dict[str, Any]:
        """Record the task's one submission; returns the finished state."""
        with self.states() as states:
            state = self._open_state(states, task)
            state["transcript"].append(assistant_entry(Reply("", [ToolCall("submit", SUBMIT, answer)])))
            state["stop"], state["answer"], state["ended"] = "submitted", answer, time.time()
            return copy.deepcopy(state)

    def rows(self, player: str) -> list[dict[str, Any]]:
        """Results lines of every finished task, in task-file order, graded now from the task file."""
        with self.states() as states:
            finished = [(t, states[t.id]) for t in self.tasks if states.get(t.id, {}).get("stop")]
        return [self.row(task, state, player) for task, state in finished]

    @staticmethod
    def row(task: Task, state: dict[str, Any], player: str) -> dict[str, Any]:
        submitted = state["stop"] == "submitted"
        out = Outcome(stop=state["stop"], answer=state["answer"], turns=state["calls"] + submitted,
                      tool_calls=state["calls"])
        wall_time = state["ended"] - state["started"]
        return results_row(task, 0, PROVIDER, player, out, judge(task, out), wall_time, state["transcript"])


def append_results(rows: list[dict[str, Any]], out: str) -> tuple[int, int]:
    """Append the rows not yet in `out` (resumable, as tasks.run); returns (written, already there)."""
    async def write() -> tuple[int, int]:
        writer = ResultsWriter(out)  # locked before reading what is done
        try:
            done = {key for model in {r["model"] for r in rows} for key in
                    ((tid, trial, model) for tid, trial in done_trials(out, model))}
            new = [r for r in rows if (r["task_id"], r["trial"], r["model"]) not in done]
            for r in new:
                await writer.write(r)
        finally:
            writer.close()
        return len(new), len(rows) - len(new)
    return asyncio.run(write())


# -- what the player sees ---------------------------------------------------------------------------------

def _section(title: str, body: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{body.rstrip()}\n"


def _tool_text(name: str, description: str, schema: dict[str, Any]) -> str:
    """The description, one line per top-level parameter, and the whole JSON Schema as the model gets it."""
    lines = [name, *(f"    {line}".rstrip() for line in description.splitlines()), "  parameters:"]
    required = schema.get("required", [])
    for key, spec in schema.get("properties", {}).items():
        kind = spec.get("type", "any") if isinstance(spec, dict) else "any"
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        text = spec.get("description", "") if isinstance(spec, dict) else ""
        lines.append(f"    {key} ({kind}, {'required' if key in required else 'optional'})"
                     + (f": {text}" if text else ""))
    if not schema.get("properties"):
        lines.append("    (none)")
    lines.append(f"  input schema: {json.dumps(schema, sort_keys=True)}")
    return "\n".join(lines) + "\n"


def render_prompt(session: Session, task: Task, state: dict[str, Any]) -> str:
    """Everything a model is shown for this task, then how to act on it from the shell."""
    n = session.number(task)
    status = state["stop"] or "open"
    head = (f"Task {n} of {len(session.tasks)}: {task.id} ({task.family}), {status}, "
            f"{state['calls']} tool calls made\n")
    tools = [_tool_text(t.name, t.description, t.parameters)
             for t in (get_tool(name, task.env) for name in task.tools)]
    tools.append(_tool_text(SUBMIT, SUBMIT_DESCRIPTION, task.answer_schema))
    how = (f"call {n} TOOL '{{json arguments}}'   runs a tool (its input schema above)\n"
           f"submit {n} '{{json answer}}'        your one submission (the submit_answer input schema)")
    return "\n".join([head, _section("System prompt", SYSTEM_PROMPT), _section("Task prompt", task.prompt),
                      _section("Tools", "\n".join(tools)), _section("Commands", how)])


def _listing(session: Session) -> str:
    with session.states() as states:
        lines = [f"{'#':>3}  {'state':<10} {'calls':>5}  id  (family)"]
        for n, t in enumerate(session.tasks, 1):
            s = states.get(t.id)
            lines.append(f"{n:>3}  {(s or {}).get('stop') or 'open':<10} {(s or {}).get('calls', 0):>5}  "
                         f"{t.id}  ({t.family})")
    return "\n".join(lines)


def _print_result(result: ToolResult) -> int:
    print(result.for_model)
    return 1 if result.is_error else 0


def submission_text(session: Session, task: Task, state: dict[str, Any], reveal: bool) -> str:
    line = f"answer to task {session.number(task)} recorded; its episode is over"
    if reveal:
        verdict: Grade = judge(task, Outcome(stop="submitted", answer=state["answer"]))
        line += f"\n{'passed' if verdict.passed else 'failed'} (score {verdict.score:g})"
        line += f": {', '.join(verdict.reasons)}" if verdict.reasons else ""
    return line


def _shell_call(session: Session, task: Task, name: str, args_text: str) -> ToolResult:
    if name not in task.tools:  # refused here, unlike a model's call: a typo should cost nothing
        raise PlayError(f"task {session.number(task)} has no tool {name!r}; its tools are "
                        f"{', '.join(task.tools) or 'none'} (and submit)")
    return session.call(task, name, parse_object(args_text, "the arguments"))


def interactive(session: Session, task: Task, reveal: bool) -> int:
    """The prompt, then one `TOOL {json}` or `submit {json}` line at a time until the submission."""
    print(render_prompt(session, task, session.show(task)))
    print("Type `TOOL {json}`, `submit {json}`, `prompt` to see it again, or `quit`.")
    while True:
        try:
            line = input("> ").strip()
        except EOFError:
            print()
            return 0
        name, _, rest = line.partition(" ")
        try:
            if name in ("quit", "exit"):
                return 0
            if name == "prompt":
                print(render_prompt(session, task, session.show(task)))
            elif name in ("submit", SUBMIT):
                state = session.submit(task, parse_object(rest or "null", "the answer"))
                print(submission_text(session, task, state, reveal))
                return 0
            elif name:
                _print_result(_shell_call(session, task, name, rest or "{}"))
        except EpisodeOver as e:
            print(f"error: {e}")
            return 2
        except PlayError as e:
            print(f"error: {e}")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)  # the options again, accepted after the command
    parser = OneLineParser(prog="python -m tasks.play", description=__doc__.splitlines()[0],
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("tasks", help="task file (JSONL); it stays where it is")

    def options(p: argparse.ArgumentParser, suppress: bool) -> None:
        default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
        p.add_argument("--session", default=default(None),
                       help="session folder (default ./play-<task file stem>)")
        p.add_argument("--player", default=default("player"),
                       help="the name results give as model (default player)")
        p.add_argument("--reveal", action="store_true", default=default(False),
                       help="show the grade on submission (for practice; not a measurement)")

    options(parser, suppress=False)
    options(common, suppress=True)
    parser.add_argument("--task", help="with --interactive: the task's number or id")
    parser.add_argument("--interactive", action="store_true", help="play --task in a read-eval loop")
    commands = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    commands.add_parser("list", parents=[common], help="every task with its state")
    p = commands.add_parser("prompt", parents=[common], help="what a model sees for a task")
    p.add_argument("task_ref", metavar="N", help="task number (see list) or id")
    p = commands.add_parser("call", parents=[common], help="run one of a task's tools")
    p.add_argument("task_ref", metavar="N", help="task number (see list) or id")
    p.add_argument("tool", help="tool name")
    p.add_argument("arguments", nargs="?", default="{}", help="arguments as a JSON object (default {})")
    p = commands.add_parser("submit", parents=[common], help="the task's one submission")
    p.add_argument("task_ref", metavar="N", help="task number (see list) or id")
    p.add_argument("answer", help="the answer as a JSON object (the submit_answer input)")
    p = commands.add_parser("results", parents=[common], help="results lines of the finished tasks")
    p.add_argument("--out", help="results file, appended to and resumed from (default: stdout)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.interactive != bool(args.task):
            raise PlayError("--interactive and --task go together")
        if args.command is None and not args.interactive:
            raise PlayError("give a command (list, prompt, call, submit, results) or --task N --interactive")
        session = Session(args.tasks, args.session)
        if args.interactive:
            return interactive(session, session.task(args.task), args.reveal)
        if args.command == "list":
            print(_listing(session))
        elif args.command == "prompt":
            task = session.task(args.task_ref)
            print(render_prompt(session, task, session.show(task)))
        elif args.command == "call":
            return _print_result(_shell_call(session, session.task(args.task_ref), args.tool, args.arguments))
        elif args.command == "submit":
            task = session.task(args.task_ref)
            answer = parse_object(args.answer, "the answer")
            print(submission_text(session, task, session.submit(task, answer), args.reveal))
        elif args.command == "results":
            rows = session.rows(args.player)
            if args.out is None:
                for row in rows:
                    print(json.dumps(row, ensure_ascii=False, sort_keys=True))
            else:
                written, present = append_results(rows, args.out)
                print(f"{written} results written to {args.out} ({present} already there); "
                      f"{len(session.tasks) - len(rows)} tasks still open", file=sys.stderr)
    except (PlayError, TaskFileError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as e:
        print(f"{parser.prog}: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{parser.prog}: interrupted; what was recorded is kept", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
