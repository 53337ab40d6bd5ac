"""The Python API: build tasks, list families and their knobs, grade answers.

    from tasks.api import families, generate, grade
    tasks = generate("causal", n=100, seed=1, kind="adjustment", edges=8)
    grade(tasks[0], 'my answer: ```json {"adjustment_set": ["B"]} ```')   # a dict, JSON, or model text

`generate` makes exactly the tasks `python -m generators.<family>` writes for the same arguments.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from generators import family_names, load_family
from generators.base import MIXED, config_from, iter_tasks, knob_fields
from graders.registry import Grade
from graders.registry import grade as _grade
from tasks.task import Task


def generate(family: str, n: int = 10, seed: int = 0, kind: str = MIXED, lazy: bool = False,
             **knobs: Any) -> list[Task] | Iterator[Task]:
    """Tasks of `family` (`kind` one of its kinds or `mixed`; knobs by their Config field names).

    With `lazy=True` an iterator that builds each task as it is taken, for large n. A knob the family
    does not have, or a value out of its range, is a ValueError naming it.
    """
    module = load_family(family)
    known = {f.name for f in knob_fields(module.Config)}
    unknown = sorted(set(knobs) - known)
    if unknown:
        raise ValueError(f"family {family!r} has no knob {', '.join(unknown)}; knobs: {', '.join(sorted(known))}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    tasks = iter_tasks(module, config_from(module, {**knobs, "kind": kind}), seed, n)
    return tasks if lazy else list(tasks)


def families() -> dict[str, dict[str, Any]]:
    """Every family: its kinds, its knobs (default and help) and its difficulty ladders."""
    out = {}
    for name in family_names():
        module = load_family(name)
        out[name] = {
            "kinds": list(module.KINDS),
            "knobs": {f.name: {"default": f.default if f.default is not dataclasses.MISSING else None,
                               "help": f.metadata.get("help", "")} for f in knob_fields(module.Config)},
            "ladders": getattr(module, "LADDERS", {}),
        }
    return out


def grade(task: Task, answer: Any) -> Grade:
    """Grade an answer: a dict, a JSON string, or a model's text holding the JSON object (fenced or
    bare; the last one given). Never raises: anything else is a failed Grade with a reason."""
    return _grade(task, answer)
