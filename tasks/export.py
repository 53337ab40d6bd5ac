"""Export a task file to other harnesses: `python -m tasks.export {tools,hf} TASKS.jsonl ...`.

`tools` writes, per task, the tool definitions a model is offered (the task's tools and `submit_answer`)
in the OpenAI or Anthropic format. `hf` writes a Hugging Face dataset (Parquet): `public/` holds what a
model sees (id, family, prompt, tool schemas, answer schema, knobs, meta) and `private/` what only tools
and graders read (env, truth, grader), so a public release can leave `private/` out; `load_hf` joins
them back into Task records that equal the originals byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from tasks.providers import SUBMIT, SUBMIT_DESCRIPTION
from tasks.task import Task, TaskFileError, read_tasks
from tools.registry import anthropic_tools, openai_tools

PUBLIC = "public/tasks.parquet"
PRIVATE = "private/env_truth.parquet"


def tool_definitions(task: Task, fmt: str) -> list[dict[str, Any]]:
    """The tools a model is offered for `task` (its tools, then `submit_answer`) in `fmt`."""
    if fmt == "anthropic":
        return [*anthropic_tools(task.tools, task.env),
                {"name": SUBMIT, "description": SUBMIT_DESCRIPTION, "input_schema": task.answer_schema}]
    if fmt == "openai":
        return [*openai_tools(task.tools, task.env), {"type": "function", "function": {
            "name": SUBMIT, "description": SUBMIT_DESCRIPTION, "parameters": task.answer_schema}}]
    raise ValueError(f"--format must be openai or anthropic, got {fmt!r}")


def _dumps(value: Any) -> str:
    # Nested values go in as canonical JSON text: Parquet structs would unify the keys of
    # heterogeneous dicts (every env differs) and the round trip would not be exact.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def public_row(task: Task) -> dict[str, Any]:
    """What a model sees of a task, as flat columns."""
    return {"id": task.id, "family": task.family, "prompt": task.prompt, "tools": task.tools,
            "tool_schemas": _dumps(tool_definitions(task, "anthropic")),
            "answer_schema": _dumps(task.answer_schema),
            "knobs": _dumps(task.meta.get("knobs", {})), "meta": _dumps(task.meta)}


def private_row(task: Task) -> dict[str, Any]:
    """What only the tools and the grader read."""
    return {"id": task.id, "env": _dumps(task.env), "truth": _dumps(task.truth), "grader": task.grader}


def _card(tasks: list[Task]) -> str:
    families: dict[str, int] = {}
    knobs: dict[str, set[str]] = {}
    provenance: set[str] = set()
    for t in tasks:
        families[t.family] = families.get(t.family, 0) + 1
        knobs.setdefault(t.family, set()).update(t.meta.get("knobs", {}))
        prov = t.meta.get("provenance")
        if prov:
            provenance.add(prov if isinstance(prov, str) else _dumps(prov)[:300])
    lines = ["---", "license: mit", "task_categories: [question-answering]", "tags: [kgtasks, agents, tool-use]",
             "---", "", "# kgtasks tasks", "",
             "Research tasks for language-model agents made by kgtasks from knowledge graphs, each graded",
             "structurally against its graph. `public/` is what a model sees; `private/` (env and truth) is",
             "what the tools and graders read: keep it out of any training or prompt data.", "",
             "| family | tasks | knobs |", "|---|---|---|"]
    lines += [f"| {f} | {n} | {', '.join(sorted(knobs[f])) or '-'} |" for f, n in sorted(families.items())]
    lines += ["", "## Provenance and licences of the facts", ""]
    lines += [f"- {p}" for p in sorted(provenance)] or ["- generated (no external facts)"]
    lines += ["", "Load back into kgtasks Task records with `tasks.export.load_hf(DIR)`.", ""]
    return "\n".join(lines)


def write_hf(tasks: list[Task], out_dir: str) -> None:
    """Write the dataset (two Parquet files and a card) under `out_dir`."""
    import datasets  # the [hf] extra; imported here so the core never needs it

    for rel, rows in ((PUBLIC, [public_row(t) for t in tasks]), (PRIVATE, [private_row(t) for t in tasks])):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        columns = {k: [r[k] for r in rows] for k in (rows[0] if rows else {"id": None})}
        datasets.Dataset.from_dict(columns).to_parquet(path)
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as fh:
        fh.write(_card(tasks))


def load_hf(out_dir: str) -> list[Task]:
    """The Task records of a dataset written by `write_hf`, in its order."""
    import datasets

    public = datasets.Dataset.from_parquet(os.path.join(out_dir, PUBLIC))
    private = {r["id"]: r for r in datasets.Dataset.from_parquet(os.path.join(out_dir, PRIVATE))}
    return [Task(id=r["id"], family=r["family"], prompt=r["prompt"], tools=list(r["tools"]),
                 answer_schema=json.loads(r["answer_schema"]), env=json.loads(private[r["id"]]["env"]),
                 truth=json.loads(private[r["id"]]["truth"]), grader=private[r["id"]]["grader"],
                 meta=json.loads(r["meta"])) for r in public]


def main(argv: list[str] | None = None) -> int:
    """The CLI: one clear line and a non-zero exit for anything the user can fix."""
    parser = argparse.ArgumentParser(prog="python -m tasks.export", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p_tools = sub.add_parser("tools", help="tool definitions per task, one JSON line each")
    p_tools.add_argument("tasks")
    p_tools.add_argument("--format", choices=("openai", "anthropic"), default="openai")
    p_tools.add_argument("--out", help="output JSONL (default stdout)")
    p_hf = sub.add_parser("hf", help="a Hugging Face dataset (Parquet) with public and private parts")
    p_hf.add_argument("tasks")
    p_hf.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args(argv)
    try:
        tasks = list(read_tasks(args.tasks))
        if args.what == "tools":
            lines = [json.dumps({"id": t.id, "tools": tool_definitions(t, args.format)}) for t in tasks]
            if args.out:
                with open(args.out, "w", encoding="utf-8") as fh:  # in place: --out may be a device
                    fh.writelines(line + "\n" for line in lines)
            else:
                sys.stdout.writelines(line + "\n" for line in lines)
        else:
            write_hf(tasks, args.out)
    except (TaskFileError, ValueError, KeyError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        print(f"{parser.prog}: error: {e.name} is not installed; pip install 'kgtasks[hf]'", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    if args.out:
        print(f"wrote {len(tasks)} tasks to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
