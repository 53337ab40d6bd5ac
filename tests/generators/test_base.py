"""No repeats: every family's generator emits distinct questions, says when a setting runs out of them,
and tasks.check reports a file that repeats one."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generators import git_history, lineage, wikidata
from generators.base import iter_tasks, question_keys
from tasks.check import check_tasks
from tests import toy_family
from tests.conftest import register_family

ROOT = Path(__file__).resolve().parents[2]


def _cli(module, *args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _all_distinct(tasks):
    keys = [k for t in tasks for k in question_keys(t)]
    return len(keys) == len(set(keys))


@pytest.mark.parametrize("module, settings, n", [
    (git_history, {"kind": "merge_base", "traps": True}, 10),  # was 10 tasks over 4 pairs of branches
    (git_history, {"kind": "bisect"}, 4),                      # was 10 tasks over 3 answers
    (wikidata, {"kind": "chain"}, 20),                         # was 20 tasks over 16 prompts
    (lineage, {"kind": "components", "lineage": "dqn-rainbow"}, 20),  # was 20 tasks over 4 questions
])
def test_the_generators_the_issue_names_emit_only_distinct_questions(module, settings, n):
    shortfall = []
    tasks = list(iter_tasks(module, module.Config(**settings), 0, n, lambda *a: shortfall.append(a)))
    assert tasks and _all_distinct(tasks)
    assert len(tasks) == n or shortfall == [(len(tasks), 8 * n)]


def test_the_same_branches_in_the_other_order_are_the_same_question():
    tasks = list(iter_tasks(git_history, git_history.Config(kind="merge_base", traps=True), 0, 10))
    pairs = [frozenset(t.prompt.split("branches ", 1)[1].split(":", 1)[0].split(" and ")) for t in tasks]
    assert len(pairs) == len(set(pairs)) == 10


def test_a_setting_with_too_few_questions_writes_them_and_says_how_many():
    result = _cli("generators.lineage", "--lineage", "dqn-rainbow", "--kind", "components", "--n", "20")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and 0 < len(lines) < 20
    assert f"hold only {len(lines)} distinct questions" in result.stderr


def test_strict_fails_on_too_few_questions_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "tasks.jsonl"
    out.write_text("kept\n")
    result = _cli("generators.lineage", "--lineage", "dqn-rainbow", "--kind", "components", "--n", "20",
                  "--strict", "--out", str(out))
    assert result.returncode == 2 and result.stdout == "" and out.read_text() == "kept\n"
    assert len(result.stderr.splitlines()) == 1 and "distinct questions" in result.stderr
    enough = _cli("generators.lineage", "--kind", "path", "--n", "3", "--strict")
    assert enough.returncode == 0 and len(enough.stdout.splitlines()) == 3


@pytest.fixture
def toy(monkeypatch):
    register_family(monkeypatch, "toy", "tests.toy_family")


def test_check_reports_a_repeated_prompt_as_a_defect(toy):
    first, second = iter_tasks(toy_family, toy_family.Config(), 7, 2)
    copy = dataclasses.replace(first, id=first.id.replace("-0", "-9"))
    defects = [d for d in check_tasks([first, second, copy]).defects if d.check == "duplicates"]
    assert [(d.task_id, first.id in d.detail) for d in defects] == [(copy.id, True)]


def test_check_reports_the_same_question_in_other_words_with_the_same_answer(toy):
    first, second = iter_tasks(toy_family, toy_family.Config(), 7, 2)
    reworded = dataclasses.replace(second, prompt=" ".join(reversed(first.prompt.split())),
                                   truth=first.truth)
    report = check_tasks([first, reworded])
    assert [d.task_id for d in report.defects if d.check == "duplicates"] == [reworded.id]
    # the same prompt over another hidden graph, with another answer, asks another question
    other_answer = {**second.truth, "reference": {"path": ["n0", "n9", "n5"]}}
    other = dataclasses.replace(second, prompt=first.prompt, truth=other_answer)
    assert other.env != first.env
    assert not [d for d in check_tasks([first, other]).defects if d.check == "duplicates"]
