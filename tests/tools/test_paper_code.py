"""run_public_tests on the model's files, the files it accepts, and unified diffs."""
import difflib

import pytest

from generators import paper_code as pc
from tools import call_tool, get_tool
from tools.paper_code import apply_patch, files_problem
from tools.registry import counted


@pytest.fixture(scope="module")
def task():
    return pc.generate(pc.Config(kind="implement", component="n_step_returns", test_runs=0), seed=0, index=0)


def test_the_files_argument_is_an_object_of_strings_in_the_schema():
    files = get_tool("run_public_tests").parameters["properties"]["files"]
    assert files["type"] == "object" and files["additionalProperties"] == {"type": "string"}


def test_public_tests_pass_on_the_reference_and_fail_on_a_stub(task):
    result = call_tool("run_public_tests", {"files": task.truth["reference"]["files"]}, task.env)
    assert not result.is_error and "FAILED" not in result.text and "test_n_step_return" in result.text
    stub = {"rl/returns.py": '"""Returns."""\nimport numpy as np\n'}
    result = call_tool("run_public_tests", {"files": stub}, task.env)
    assert "tests/test_rl_returns.py: FAILED (error) import failed" in result.text


@pytest.mark.parametrize("files", [{"../x.py": ""}, {"/etc/x.py": ""}, {"rl/.hidden.py": ""}, {"a.txt": ""},
                                   {}, {"rl/x.py": "x" * 60_000}])
def test_paths_outside_plain_python_files_are_refused(task, files):
    assert files_problem(files)
    assert call_tool("run_public_tests", {"files": files}, task.env).is_error


def test_a_wrongly_typed_files_argument_is_an_error_result(task):
    result = call_tool("run_public_tests", {"files": {"rl/x.py": 3}}, task.env)
    assert result.is_error and "an object of string" in result.text


def test_a_unified_diff_from_difflib_applies_and_a_stale_one_does_not():
    old = "a\nb\nc\nd\n"
    new = "a\nB\nc\nd\ne\n"
    patch = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "a/f.py", "b/f.py"))
    assert apply_patch(old, patch) == new
    assert apply_patch("a\nx\nc\nd\n", patch) is None
    created = "".join(difflib.unified_diff([], new.splitlines(True), "a/f.py", "b/f.py"))
    assert apply_patch("", created) == new
    assert apply_patch(old, "not a diff") is None


def test_the_public_tests_budget_is_counted_down_and_then_refused():
    task = pc.generate(pc.Config(kind="implement", component="dueling", wire=False, test_runs=2), seed=0, index=0)
    files = task.truth["reference"]["files"]
    assert "you may call it 2 times" in task.prompt
    first = counted(call_tool("run_public_tests", {"files": files}, task.env), ["run_public_tests"], task.env)
    assert first.for_model.endswith("PASSED\n[calls left: 1 of run_public_tests]")
    assert call_tool("run_public_tests", {"files": {"../x.py": ""}}, task.env).is_error  # refused: spends none
    assert not call_tool("run_public_tests", {"files": files}, task.env).is_error
    spent = call_tool("run_public_tests", {"files": files}, task.env)
    assert spent.is_error and "budget is spent" in spent.text


def test_without_a_budget_the_tool_says_nothing_of_calls_left():
    task = pc.generate(pc.Config(kind="implement", component="dueling", wire=False, test_runs=0), seed=0, index=0)
    assert "public_runs" not in task.env and "you may call it" not in task.prompt
    result = call_tool("run_public_tests", {"files": task.truth["reference"]["files"]}, task.env)
    assert "calls left" not in counted(result, ["run_public_tests"], task.env).for_model
