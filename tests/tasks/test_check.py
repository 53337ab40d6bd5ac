import dataclasses

import pytest

from tests.conftest import register_family
from generators.base import iter_tasks
from tasks.check import check_tasks, format_report, main, malformed_answers
from tasks.task import write_tasks
from tests import toy_family


@pytest.fixture(autouse=True)
def toy_registered(monkeypatch):
    register_family(monkeypatch, "toy", "tests.toy_family")


def _sample(n=3):
    return list(iter_tasks(toy_family, toy_family.Config(nodes=6), seed=7, n=n))


def _defects(tasks):
    report = check_tasks(tasks)
    return report, {d.check for d in report.defects}


def test_a_sound_family_has_no_defects():
    report, checks = _defects(_sample())
    assert checks == set(), format_report(report)
    assert report.baselines["toy.path", "random"].tasks == 3


@pytest.mark.parametrize(
    "defect, check",
    [
        ("lenient_grader", "mutants"),        # accepts the reversed path
        ("leaky_tool", "leak"),               # prints the shortest path
        ("crashing_tool", "tools"),           # raises KeyError on one node
        ("nondeterministic", "determinism"),  # node order follows PYTHONHASHSEED
        ("prompt_missing_field", "prompt"),   # never says the answer field is "path"
        ("loose_grader", "baselines"),        # the [source, target] guess passes without being an edge
        ("fragile_grader", "malformed"),      # raises on a huge path
    ],
)
def test_each_planted_defect_is_caught_by_its_check(monkeypatch, defect, check):
    monkeypatch.setenv("TOY_DEFECT", defect)
    report, checks = _defects(_sample())
    assert checks == {check}, format_report(report)


def test_a_task_the_generator_no_longer_makes_is_reported_as_stale():
    sound, edited = _sample(2)
    report, checks = _defects([sound, dataclasses.replace(edited, prompt=edited.prompt + " Hurry.")])
    assert checks == {"determinism"}
    assert [(d.task_id, "stale file" in d.detail) for d in report.defects] == [(edited.id, True)]


def test_a_tool_repeating_the_agents_own_argument_is_no_leak(monkeypatch):
    def probe_with_the_answer(task, rng):  # the tool's error message quotes the unknown "node"
        return [("toy_children", {"node": str(task.truth["reference"]["path"])})]

    monkeypatch.setattr(toy_family, "probe_calls", probe_with_the_answer)
    report, checks = _defects(_sample(1))
    assert checks == set(), format_report(report)


def test_a_trivial_baseline_passing_more_than_the_band_is_a_defect_of_the_family(monkeypatch):
    monkeypatch.setattr(toy_family, "baseline", lambda task, rng: task.truth["reference"])
    report, checks = _defects(_sample(4))
    assert checks == {"baselines"}
    assert {d.task_id for d in report.defects} == {"-"}
    assert "family baseline answer passes 4/4 tasks, above the band's upper edge 40%" in format_report(report)


def test_a_trivial_baseline_passing_more_than_the_bands_lower_edge_is_warned_about():
    tasks = _sample(4)  # distinct questions; the most common answer is right for 1 of these 4
    wide = check_tasks(tasks, band=(0.10, 0.80))
    assert wide.defects == [], format_report(wide)
    assert "warning: toy.path: the most common answer passes 1/4 tasks, above the band's lower edge 10%" \
        in format_report(wide)
    assert wide.chance()["toy.path"] == 0.25
    # with a band whose upper edge is 20%, the same pass rate is a defect of the family
    assert {(d.check, d.task_id) for d in check_tasks(tasks, band=(0.05, 0.20)).defects} == {("baselines", "-")}


def test_chance_rates_are_the_best_baseline_without_the_other_checks(monkeypatch):
    from tasks.check import chance_rates
    tasks = _sample(4)
    monkeypatch.setattr(toy_family, "baseline", lambda task, rng: task.truth["reference"])
    assert chance_rates(tasks) == {"toy.path": 1.0}


def test_malformed_answers_include_wrong_types_missing_fields_and_huge_values():
    answers = malformed_answers(_sample(1)[0])
    assert {} in answers and "{" in answers and None in answers
    assert {"path": 12345} in answers and {"path": [None]} in answers
    assert any(isinstance(a, dict) and isinstance(a.get("path"), list) and len(a["path"]) > 5000
               for a in answers)


def test_a_family_hook_that_raises_is_reported_not_raised(monkeypatch):
    def broken(task):
        raise RuntimeError("no mutants today")

    monkeypatch.setattr(toy_family, "mutants", broken)
    report, checks = _defects(_sample(1))
    assert checks == {"reference"}  # the answer checks stop where the hook raised
    assert "RuntimeError: no mutants today" in report.defects[0].detail


def test_a_family_missing_a_protocol_hook_is_a_defect(monkeypatch):
    monkeypatch.delattr(toy_family, "enumerate_answers")
    report, checks = _defects(_sample(1))
    assert checks == {"protocol"} and "lacks enumerate_answers" in report.defects[0].detail


def test_the_cli_exits_0_when_sound_and_1_on_a_defect(tmp_path, monkeypatch, capsys):
    path = tmp_path / "toy.jsonl"
    with open(path, "w") as fh:
        write_tasks(_sample(2), fh)
    assert main([str(path)]) == 0
    assert "no defects in 2 task(s)" in capsys.readouterr().out
    monkeypatch.setenv("TOY_DEFECT", "lenient_grader")
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "mutant" in out and "toy.path-" in out


@pytest.mark.parametrize("content, message", [(None, "cannot read task file"), ("", "no tasks to check"),
                                              ("{oops\n", "not a task")])
def test_an_unreadable_task_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "t.jsonl"
    if content is not None:
        path.write_text(content)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_number_of_answers_each_task_records_as_passing_is_summarised_per_family():
    tasks = [dataclasses.replace(t, meta={**t.meta, "passing": n}) for t, n in zip(_sample(), [3, 2000, 40])]
    report = check_tasks(tasks)  # (the changed meta is also a stale-file defect: not what this checks)
    assert report.passing["toy.path"] == [3, 2000, 40]
    assert any(line.split() == ["toy.path", "3", "40", "2000"] for line in format_report(report).splitlines())
