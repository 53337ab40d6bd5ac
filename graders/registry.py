"""The grader registry: `grade(task, answer) -> Grade`, which never raises, whatever the answer.

A grader is `fn(task, answer) -> Grade`, registered by name with `@grader("name")`. `grade` first
parses the answer (a JSON string or an already decoded object) and checks it against the task's
`answer_schema`, so every grader receives an answer of the right shape.
"""
from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

from graders.reasons import REASONS
from tasks.families import grader_modules
from tasks.task import Task

MAX_ANSWER_CHARS = 100_000


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer."""

    passed: bool
    """Whether the answer meets every requirement the prompt states."""
    score: float
    """In [0, 1]; 1.0 when passed, partial credit where the family defines it (e.g. set F1)."""
    reasons: tuple[str, ...] = ()
    """Stable codes from `graders.reasons.REASONS` saying why it failed (empty when passed)."""

    def __post_init__(self) -> None:
        unknown = [r for r in self.reasons if r not in REASONS]
        if unknown:
            raise ValueError(f"unknown reason code(s) {unknown}; add them to graders/reasons.py")


def passed(score: float = 1.0) -> Grade:
    """A passing grade."""
    return Grade(True, score, ())


def failed(*reasons: str, score: float = 0.0) -> Grade:
    """A failing grade with its reason codes (deduplicated, order kept)."""
    return Grade(False, score, tuple(dict.fromkeys(reasons)))


GraderFn = Callable[[Task, dict[str, Any]], Grade]
_REGISTRY: dict[str, GraderFn] = {}
_imported: set[str] = set()


def grader(name: str) -> Callable[[GraderFn], GraderFn]:
    """Register a grader under `name`; a duplicate name is a ValueError."""
    def register(fn: GraderFn) -> GraderFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"duplicate grader name {name!r}")
        _REGISTRY[name] = fn
        return fn
    return register


def get_grader(name: str) -> GraderFn:
    """The grader of that name; KeyError naming the known ones otherwise."""
    for module in grader_modules():  # each family's grader modules, once each
        if module not in _imported:
            importlib.import_module(module)
            _imported.add(module)
    if name not in _REGISTRY:
        raise KeyError(f"unknown grader {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


_MAX_OBJECT_STARTS = 64
_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n(.*?)```", re.DOTALL)


def _object_in_text(text: str) -> Any:
    """The JSON object a model's text gives: the whole text, else its last fenced block holding an
    object, else the last bare object in it. Raises ValueError when there is none."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    for block in reversed(_FENCE.findall(text)):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder, found, start = json.JSONDecoder(), None, text.find("{")
    for _ in range(_MAX_OBJECT_STARTS):  # bounded: each failed attempt may read to the end of the text
        if start == -1:
            break
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:  # not an object here (or a number past the digit limit): try the next brace
            start = text.find("{", start + 1)
            continue
        found, start = value, text.find("{", end)
    if found is None:
        raise ValueError("no JSON object in the text")
    return found


def parse_answer(answer: Any) -> dict[str, Any] | Grade:
    """The answer as a dict, or a failed Grade saying why it is not one. A string may be bare JSON or a
    model's text holding the object in a ```json fence or inline (the last one given is the answer)."""
    if isinstance(answer, (str, bytes)):
        if len(answer) > MAX_ANSWER_CHARS:
            return failed("answer_too_large")
        try:
            text = answer.decode() if isinstance(answer, bytes) else answer
            answer = _object_in_text(text)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return failed("invalid_json")
    if not isinstance(answer, dict):
        return failed("not_an_object")
    return answer


@functools.lru_cache(maxsize=1024)
def _validator(schema_json: str) -> Any:
    """A checked validator per answer schema: jsonschema.validate re-checks the schema on every call,
    which costs more than the structural grade itself."""
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def grade(task: Task, answer: Any) -> Grade:
    """Grade an answer to a task. Never raises: anything malformed is a failed Grade with a reason."""
    try:
        parsed = parse_answer(answer)
        if isinstance(parsed, Grade):
            return parsed
        if len(json.dumps(parsed)) > MAX_ANSWER_CHARS:
            return failed("answer_too_large")
        try:
            _validator(json.dumps(task.answer_schema, sort_keys=True)).validate(parsed)
        except jsonschema.ValidationError:
            return failed("schema_mismatch")
        return get_grader(task.grader)(task, parsed)
    except RecursionError:
        return failed("answer_too_large")
    except Exception:  # a grader bug is a failed grade with its own code, never a crashed run
        return failed("grader_error")
