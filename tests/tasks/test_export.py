import json
import subprocess
import sys

import pytest

from tasks.api import generate
from tasks.task import write_tasks
from tools.registry import anthropic_tools, openai_tools


@pytest.fixture
def task_file(tmp_path):
    tasks = generate("causal", n=4, seed=1) + generate("lineage", n=2, seed=1)
    path = tmp_path / "tasks.jsonl"
    with open(path, "w") as fh:
        write_tasks(tasks, fh)
    return path, tasks


def _export(*args):
    return subprocess.run([sys.executable, "-m", "tasks.export", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("fmt, build", [("openai", openai_tools), ("anthropic", anthropic_tools)])
def test_tool_export_gives_the_registry_definitions_and_submit_answer(task_file, fmt, build):
    path, tasks = task_file
    r = _export("tools", path, "--format", fmt)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["id"] for row in rows] == [t.id for t in tasks]
    for row, task in zip(rows, tasks):
        assert row["tools"][:-1] == build(task.tools, task.env)  # each tool in the form the task calls
        last = row["tools"][-1]
        schema = last["input_schema"] if fmt == "anthropic" else last["function"]["parameters"]
        assert schema == task.answer_schema


def test_hf_dataset_round_trips_byte_for_byte_and_keeps_truth_apart(task_file, tmp_path):
    datasets = pytest.importorskip("datasets", reason="the [hf] extra is not installed")
    path, tasks = task_file
    out = tmp_path / "ds"
    assert _export("hf", path, "--out", out).returncode == 0
    from tasks.export import load_hf
    assert [t.to_json() for t in load_hf(str(out))] == [t.to_json() for t in tasks]
    public = datasets.Dataset.from_parquet(str(out / "public" / "tasks.parquet"))
    assert "truth" not in public.column_names and "env" not in public.column_names
    for row, task in zip(public, tasks):  # nothing of the reference answer is in what a model sees
        assert json.dumps(task.truth["reference"], sort_keys=True) not in json.dumps(row, sort_keys=True)
    assert "causal.adjustment" in (out / "README.md").read_text()


def test_export_of_a_missing_file_is_one_line_and_exit_2(tmp_path):
    r = _export("tools", tmp_path / "nope.jsonl")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
