"""The Task record of DESIGN.md and its JSONL form: one task a line, streamed both ways.

This module imports nothing from the project, so every layer can use it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import IO, Any


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


def write_text(path: str, text: str) -> None:
    """Write a whole output file: atomically (a temporary file beside it, then a rename) for a regular
    file, so a reader never sees half of it; in place for a device, FIFO or /dev/stdout, which a rename
    would replace with a regular file."""
    import os
    import stat
    import tempfile

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        regular = True
    if not regular:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
