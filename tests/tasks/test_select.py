import json

import pytest

from generators.base import iter_tasks
from tasks.select import main
from tasks.task import read_tasks, write_tasks
from tests import toy_family
from tests.conftest import register_family


@pytest.fixture(autouse=True)
def toy_registered(monkeypatch):
    register_family(monkeypatch, "toy", "tests.toy_family")


def _files(tmp_path, passes_per_task, trials=40, model="m", extra_rows=()):
    tasks = list(iter_tasks(toy_family, toy_family.Config(nodes=6), seed=7, n=len(passes_per_task)))
    task_file = tmp_path / "tasks.jsonl"
    with open(task_file, "w") as fh:
        write_tasks(tasks, fh)
    rows = [{"task_id": t.id, "family": t.family, "knobs": None, "trial": k, "model": model,
             "provider": "scripted", "passed": k < passes, "score": 0.0, "reasons": [], "answer": None,
             "turns": 1, "tool_calls": 0, "input_tokens": 0, "output_tokens": 0, "cache_creation_tokens": 0,
             "cache_read_tokens": 0, "cost": 0.0, "wall_time": 0.0, "stop_reason": "submitted",
             "error": None, "transcript": []}
            for t, passes in zip(tasks, passes_per_task, strict=True) for k in range(trials)]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in [*rows, *extra_rows]))
    return tasks, str(results), str(task_file)


def test_keeps_only_the_tasks_whose_own_rate_is_inside_the_band(tmp_path, capsys):
    # over 40 trials at 90%: 0 below, 10 (25%) inside, 40 above, 4 (10%, on the edge) undecided
    tasks, results, task_file = _files(tmp_path, [0, 10, 40, 4])
    out = tmp_path / "kept.jsonl"
    assert main([results, task_file, "--out", str(out)]) == 0
    assert [t.id for t in read_tasks(str(out))] == [tasks[1].id]
    assert capsys.readouterr().out.startswith("1 below, 1 inside, 1 above, 1 undecided, 0 not run")


def test_too_few_trials_are_undecided_and_untried_tasks_are_counted(tmp_path, capsys):
    tasks, results, task_file = _files(tmp_path, [3, 3], trials=9)
    extra = list(iter_tasks(toy_family, toy_family.Config(nodes=6), seed=8, n=1))
    with open(task_file, "a") as fh:
        write_tasks(extra, fh)
    assert main([results, task_file, "--out", str(tmp_path / "k.jsonl")]) == 0
    assert "0 inside, 0 above, 2 undecided, 1 not run" in capsys.readouterr().out


def test_several_models_need_one_named(tmp_path, capsys):
    _, results, task_file = _files(tmp_path, [10])
    with open(results, "a") as fh:
        fh.write(open(results).readline().replace('"model": "m"', '"model": "other"'))
    assert main([results, task_file, "--out", str(tmp_path / "k.jsonl")]) == 2
    assert "several models (m, other); choose one with --model" in capsys.readouterr().err
    assert main([results, task_file, "--out", str(tmp_path / "k.jsonl"), "--model", "m"]) == 0


def test_a_bad_band_is_one_clear_error_and_writes_nothing(tmp_path, capsys):
    _, results, task_file = _files(tmp_path, [10])
    out = tmp_path / "k.jsonl"
    out.write_text("keep me\n")
    assert main([results, task_file, "--out", str(out), "--band", "0.5", "0.1"]) == 2
    assert capsys.readouterr().err == ("python -m tasks.select: error: --band must satisfy "
                                       "0 <= LOW < HIGH <= 1, got 0.5 0.1\n")
    assert out.read_text() == "keep me\n"


def test_writing_to_a_device_leaves_it_a_device(tmp_path):
    import os
    import stat
    _, results, task_file = _files(tmp_path, [10])
    assert main([results, task_file, "--out", os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
