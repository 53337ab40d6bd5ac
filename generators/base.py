"""What every family module provides, and the shared CLI built from it.

A family module (`generators/<family>.py`) defines, top to bottom:

- `FAMILY` (e.g. "causal") and `KINDS`, the task kinds it makes (family names are `FAMILY.kind`);
- `Config`, a frozen dataclass whose fields are the difficulty knobs, each with
  `field(default=..., metadata={"help": "..."})`, a `kind` field, and `validate()` raising
  ValueError that names the field, the value and the allowed range (a `"flag"` in the metadata names
  the CLI flag when the field's own name cannot be it, e.g. `--from`); optionally `mixed_kinds()`, the
  kinds `mixed` cycles through when some knob settings rule kinds out (default: all of `KINDS`);
- `generate(config, seed, index) -> Task`, deterministic in its arguments under any PYTHONHASHSEED;
  the task's `truth["reference"]` is one correct answer (what the `oracle` agent submits);
- `LADDERS`: for each kind, the knob settings (dicts of Config fields) ordered from easy to hard, so
  `tasks.calibrate` can move any family without knowing it;
- `baseline(task, rng) -> answer`: the family's naive guess (e.g. the unadjusted estimate), used as a
  scripted agent and as a trivial baseline by `tasks.check`;
- `random_answer(task, rng) -> answer`: a well-formed guess drawn at random from plausible answers
  (the `random` scripted agent);
- `probe_calls(task, rng) -> list[(tool_name, args)]`: valid, varied calls of every tool the task
  offers, used by the `oracle` agent to explore and by the leak check of `tasks.check`;
- `enumerate_answers(task) -> list[answer] | None`: every correct answer, found independently of the
  generator's own code path (brute force or a second algorithm); None when too large to enumerate;
- `mutants(task) -> list[answer]`: corruptions of correct answers that must fail;
- optionally `prompt_defects(task) -> list[str]`: what the prompt names that the task lacks (e.g. a ref
  its repository copy does not hold), reported by `tasks.check`;
- (the `rng` the hooks receive is a `numpy.random.Generator`, seeded by the caller)
- `REVEALS`: for each kind, what its tools may show, read by the leak check in `tasks.check`:
  `{"kind": "answer_hidden"}` (no tool output may contain the reference answer or any of its fields;
  `"fields": [...]` limits that to the fields named) or `{"kind": "answer_visible"}` (the tools list
  candidate answers by design, e.g. commit ids; only the whole reference must not appear).

The shared CLI gives every family the same flags: `--n`, `--seed`, `--out` (default stdout), `--kind`,
`--strict`, and one flag per knob. Output is streamed; with `--out` it goes to a temporary file renamed
into place when complete, so a failed run never leaves a half-written or clobbered file.

No question is asked twice: `iter_tasks` skips a task whose question (see `question_keys`) an earlier
task of the run asked, and draws the next index instead, up to DRAWS_PER_TASK draws per task asked
for. When the setting's questions run out first, the CLI writes the distinct ones and says on stderr
how many it found; with `--strict` it writes nothing and exits 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NoReturn, Protocol

import numpy

from tasks.task import Task, open_output, task_key, write_tasks

MIXED = "mixed"
DRAWS_PER_TASK = 8  # draws allowed per task asked for before concluding the setting has no more questions
_HASH_ID = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")  # commit ids and the like

Answer = dict[str, Any]


class FamilyModule(Protocol):
    """The protocol above as types: what `tasks.check`, `tasks.calibrate` and the scripted agents read
    off a family's generator module (`docs/writing-a-family.md` walks through one)."""

    FAMILY: str
    KINDS: tuple[str, ...]
    Config: type
    LADDERS: dict[str, list[dict[str, Any]]]
    REVEALS: dict[str, dict[str, Any]]

    def generate(self, config: Any, seed: int, index: int) -> Task: ...
    def baseline(self, task: Task, rng: numpy.random.Generator) -> Answer: ...
    def random_answer(self, task: Task, rng: numpy.random.Generator) -> Answer: ...
    def probe_calls(self, task: Task, rng: numpy.random.Generator) -> list[tuple[str, dict[str, Any]]]: ...
    def enumerate_answers(self, task: Task) -> list[Answer] | None: ...
    def mutants(self, task: Task) -> list[Answer]: ...


def knob_fields(config_cls: type) -> list[dataclasses.Field]:
    """The Config fields that are difficulty knobs (everything but `kind`)."""
    return [f for f in dataclasses.fields(config_cls) if f.name != "kind"]


def knobs_of(config: Any) -> dict[str, Any]:
    """The knob settings of a config as a plain dict, for `meta['knobs']` and task ids."""
    return {f.name: getattr(config, f.name) for f in knob_fields(type(config))}


def task_id(family: str, config: Any, seed: int, index: int) -> str:
    """A stable id naming the family, the knob settings (hashed), the seed and the index."""
    return f"{family}.{config.kind}-{task_key(knobs_of(config))[:8]}-s{seed}-{index}"


def question_keys(task: Task) -> tuple[str, str]:
    """Two tasks ask the same question when either key is shared: the prompt with the env its tools
    read, or the family, the reference answer and the prompt's words as a multiset, once hex ids
    (commit ids) are masked. The second catches the same question in other words or over another
    collection: the two branches of a merge base named in the other order, one bisect test between
    other good and bad commits, one set listed shuffled, one paper among other distractors. (The same
    prompt over another hidden graph with another answer is another question.)"""
    words = Counter(re.findall(r"\w+", _HASH_ID.sub("<id>", task.prompt)))
    reference = json.dumps(task.truth.get("reference"), sort_keys=True)
    return (task_key(["prompt", task.prompt, task.env]),
            task_key(["question", task.family, reference, sorted(words.items())]))


def iter_tasks(module: ModuleType, config: Any, seed: int, n: int,
               on_short: Callable[[int, int], None] | None = None) -> Iterator[Task]:
    """n tasks asking distinct questions; a `mixed` kind cycles through the family's kinds by index.

    A task asking a question already asked is skipped and the next index drawn, so ids keep the index
    that regenerates them. After DRAWS_PER_TASK * n draws the setting is taken to hold no more
    questions: `on_short(found, draws)` is called (if given) and the stream ends short.
    """
    config.validate()
    kinds = config.mixed_kinds() if hasattr(config, "mixed_kinds") else module.KINDS
    asked: set[str] = set()
    found = index = 0
    while found < n and index < DRAWS_PER_TASK * n:
        kind = kinds[index % len(kinds)] if config.kind == MIXED else config.kind
        task = module.generate(dataclasses.replace(config, kind=kind), seed, index)
        index += 1
        keys = question_keys(task)
        if asked.isdisjoint(keys):
            asked.update(keys)
            found += 1
            yield task
    if found < n and on_short is not None:
        on_short(found, index)


def config_from(module: ModuleType, settings: dict[str, Any]) -> Any:
    """A validated Config from a dict of field values (used by calibrate and check)."""
    config = module.Config(**settings)
    config.validate()
    return config


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser(module: ModuleType) -> argparse.ArgumentParser:
    summary = " ".join((module.__doc__ or "").strip().split("\n\n")[0].split())  # the first paragraph
    name = module.__spec__.name if module.__spec__ else module.__name__  # not "__main__" under -m
    parser = OneLineParser(prog=f"python -m {name}", description=summary or None)
    parser.add_argument("--n", type=int, default=10, help="number of tasks (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed; same flags and seed give the same bytes")
    parser.add_argument("--out", help="output JSONL file (default: stdout)")
    parser.add_argument("--kind", default=MIXED, choices=[*module.KINDS, MIXED],
                        help=f"task kind, or {MIXED} to cycle through all (default {MIXED})")
    parser.add_argument("--strict", action="store_true",
                        help="fail, writing nothing, when these flags hold fewer than --n distinct questions")
    for f in knob_fields(module.Config):
        kind = f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str,
                                                          "bool": bool}.get(str(f.type), str)
        flag = f.metadata.get("flag", "--" + f.name.replace("_", "-"))  # "flag": for a name Python reserves
        default = f.default if f.default is not dataclasses.MISSING else None
        helptext = f.metadata.get("help", "")
        if "default" not in helptext:
            helptext += f" (default {default})"
        if kind is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default,
                                help=helptext)
        else:
            parser.add_argument(flag, dest=f.name, type=kind, default=default, help=helptext)
    return parser


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    """Run a family's CLI. Bad flags: one line on stderr and exit 2; nothing already written is lost."""
    parser = _parser(module)
    args = parser.parse_args(argv)
    settings = {f.name: getattr(args, f.name) for f in knob_fields(module.Config)}
    try:
        if args.n < 0:
            raise ValueError(f"--n must be >= 0, got {args.n}")
        config = config_from(module, {**settings, "kind": args.kind})
    except ValueError as e:
        parser.error(str(e))

    def short(found: int, draws: int) -> None:
        message = (f"these flags hold only {found} distinct questions (found in {draws} draws), "
                   f"fewer than --n {args.n}")
        if args.strict:
            raise ValueError(message)
        print(f"{parser.prog}: note: {message}; writing {found}", file=sys.stderr)

    tasks = iter_tasks(module, config, args.seed, args.n, short)
    try:
        if args.strict:  # judge the whole stream before writing any of it
            tasks = iter(list(tasks))
        if args.out is None:
            try:
                write_tasks(tasks, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # the reader stopped early (`| head`): not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        with open_output(args.out) as fh:
            count = write_tasks(tasks, fh)
    except ValueError as e:  # knob combinations only a generator can judge (e.g. too few candidates)
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {count} tasks to {args.out}", file=sys.stderr)
    return 0
