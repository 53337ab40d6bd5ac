"""The Task record of DESIGN.md and its JSONL form: one task a line, streamed both ways.

This module imports nothing from the project, so every layer can use it.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import IO, Any

MAX_JSON_DIGITS = 1000  # an integer longer than this in a model's JSON is monstrous, not an answer


class JSONBoundsError(ValueError):
    """JSON text beyond the bounds a model's output is held to: too long, or a huge integer."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise JSONBoundsError(f"an integer of {len(text.lstrip('-'))} digits (at most {MAX_JSON_DIGITS})")
    return int(text)


def decode_json(text: str | bytes, max_chars: int) -> Any:
    """Decode JSON a model wrote: json.JSONDecodeError when it is not JSON (RecursionError when nested
    past the parser's depth), JSONBoundsError when it is longer than `max_chars` or holds an integer of
    over 1000 digits (Python refuses to convert those, so they would fail whoever touches them later)."""
    if len(text) > max_chars:
        raise JSONBoundsError(f"{len(text)} characters (at most {max_chars})")
    return json.loads(text, parse_int=_bounded_int)


class TaskFileError(ValueError):
    """A task file that cannot be read: names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Task:
    """One task: what the model sees, what its tools work on, and what only the grader reads."""

    id: str
    """Stable id: family, parameters, seed and index."""
    family: str
    """`<family>.<kind>`, e.g. `causal.adjustment`."""
    prompt: str
    """Everything the model is told, including exactly what is graded and the answer format."""
    tools: list[str]
    """Names of the tools offered besides `submit_answer`."""
    answer_schema: dict[str, Any]
    """JSON Schema of the `submit_answer` input."""
    env: dict[str, Any]
    """The state the tools work on; never shown to the model directly."""
    truth: dict[str, Any]
    """What only the grader may read: graph facts, and one correct answer as `truth["reference"]`."""
    grader: str
    """Name of the grader in `graders`' registry."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Seed, generator version, difficulty knobs (`meta['knobs']`), provenance of the facts."""

    def to_json(self) -> str:
        """The canonical one-line JSON form: sorted keys, so equal tasks give equal bytes."""
        # not dataclasses.asdict: its deep copy of env and truth cost more than the encoding itself
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Build a Task from a decoded JSON object; raises ValueError naming missing or unknown fields."""
        if not isinstance(data, dict):
            raise ValueError(f"a task must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        missing = sorted(names - {"meta"} - data.keys())
        unknown = sorted(data.keys() - names)
        if missing or unknown:
            raise ValueError(f"missing fields {missing}, unknown fields {unknown}")
        return cls(**data)


def task_key(obj: Any) -> str:
    """Content identity of any JSON value: sha256 of its sorted-key JSON (for dedupe and resume)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_tasks(tasks: Iterable[Task], out: IO[str]) -> int:
    """Write tasks one a line as they come; returns how many were written."""
    n = 0
    for task in tasks:
        out.write(task.to_json() + "\n")
        n += 1
    return n


def read_tasks(path: str) -> Iterator[Task]:
    """Stream the tasks of a JSONL file; a bad line raises TaskFileError naming file and line."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as e:
        raise TaskFileError(f"{path}: cannot read task file ({e.strerror})") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Task.from_dict(json.loads(line))
            except (json.JSONDecodeError, ValueError, TypeError) as e:
                raise TaskFileError(f"{path}:{lineno}: not a task ({e})") from None


@contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """A text file that becomes `path`, for every writer of a path the user names.

    A regular file (or a new one) is written beside the target and renamed over it, keeping the old
    file's mode: a failure leaves the old file whole. Anything else (a device such as /dev/null, a FIFO,
    /dev/stdout) is written in place, since renaming over it would put a regular file in its stead.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "w", encoding="utf-8") as fh:
            yield fh
        return
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    folder, name = os.path.split(os.path.realpath(path))  # through a symlink: replace the file, not the link
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        os.chmod(tmp, mode)
        os.replace(tmp, os.path.join(folder, name))
    except BaseException:
        os.unlink(tmp)
        raise
