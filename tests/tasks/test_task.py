import pytest

from tasks.task import Task, TaskFileError, read_tasks, write_tasks


def _task(i):
    return Task(f"t{i}", "f.k", "prompt é", ["a"], {"type": "object"}, {"x": [1]}, {"r": i}, "g", {"seed": i})


def test_tasks_round_trip_through_jsonl(tmp_path):
    path = tmp_path / "t.jsonl"
    with open(path, "w") as fh:
        assert write_tasks((_task(i) for i in range(3)), fh) == 3
    assert list(read_tasks(str(path))) == [_task(i) for i in range(3)]


def test_the_json_form_is_canonical():
    assert _task(1).to_json() == Task.from_dict(__import__("json").loads(_task(1).to_json())).to_json()
    assert _task(1).to_json().index('"answer_schema"') < _task(1).to_json().index('"env"')


def test_a_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(_task(0).to_json() + "\n{\"id\": 1}\n")
    it = read_tasks(str(path))
    next(it)
    with pytest.raises(TaskFileError, match=r"t.jsonl:2: not a task \(missing fields"):
        next(it)


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(TaskFileError, match="cannot read task file"):
        next(read_tasks(str(tmp_path / "absent.jsonl")))
