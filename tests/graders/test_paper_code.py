"""The implement grader judges behaviour in the sandbox: every correct implementation passes (the
reference, a looped one written apart from it, the reference as a diff), each slip fails with its reason,
and nothing the submitted code does can fake a pass."""
import pytest

from generators import paper_code as pc
from generators.paper_code_checks import enumerate_answers, mutants, with_function
from graders import grade
from graders.paper_code import qualified, same_value
from graphs.code_components import COMPONENTS
from tools.paper_code import overlay, run_cases


@pytest.fixture(scope="module")
def tasks():
    return {key: pc.generate(pc.Config(kind="implement", component=key, wire=key in pc.WIRED), seed=4, index=0)
            for key in COMPONENTS}


@pytest.fixture(scope="module")
def unwired():
    return {key: pc.generate(pc.Config(kind="implement", component=key, wire=False), seed=4, index=0)
            for key in pc.WIRED}


@pytest.mark.parametrize("key", sorted(COMPONENTS))
def test_reference_looped_and_diff_answers_pass_and_every_slip_fails_with_wrong_values(tasks, key):
    task = tasks[key]
    assert grade(task, task.truth["reference"]).passed
    for answer in enumerate_answers(task):
        assert grade(task, answer).passed, answer
    for name, source in COMPONENTS[key].mutants.items():
        g = grade(task, with_function(task, source))
        assert not g.passed and "wrong_values" in g.reasons, (name, g)


@pytest.mark.parametrize("key", pc.WIRED)
def test_without_wiring_the_reference_and_looped_answers_pass_too(unwired, key):
    task = unwired[key]
    assert "wiring" not in task.truth and "Wire it in" not in task.prompt
    for answer in [task.truth["reference"], *enumerate_answers(task)]:
        assert grade(task, answer).passed, answer


@pytest.mark.parametrize("key", pc.WIRED)
def test_a_wired_task_tells_a_slip_of_the_component_from_one_of_the_wiring_and_no_wiring(tasks, key):
    task = tasks[key]
    wiring = pc.W.WIRINGS[key]
    component = COMPONENTS[key]
    for slip in wiring.slips(task.truth["conventions"]):
        g = grade(task, with_function(task, component.reference, slip))
        assert g.reasons == ("wrong_agent_values",), (slip, g)
    assert grade(task, with_function(task, component.reference, "scaffold")).reasons == ("not_wired",)
    # the component right, the agent's file left out: the cut-off's class still raises
    files = with_function(task, component.reference)["files"]
    assert grade(task, {"files": {task.truth["path"]: files[task.truth["path"]]}}).reasons == ("not_wired",)


def test_each_way_of_failing_has_its_own_reason(unwired):
    task = unwired["c51_projection"]
    reasons = [grade(task, answer).reasons for answer in mutants(task)[-6:]]
    assert reasons == [("code_import_error",), ("code_import_error",), ("code_crash",), ("code_timeout",),
                       ("patch_does_not_apply",), ("bad_file_path",)]


def _submit(task, source):
    return grade(task, {"files": {task.truth["path"]: source}})


def test_code_that_prints_a_forged_result_or_patches_numpy_still_fails(tasks):
    task = tasks["dueling"]
    forged = ('import json, numpy as np\nnp.allclose = lambda *a, **k: True\n'
              'print("\\n@@kgtasks-result@@" + json.dumps({"results": [{"value": {"shape": [1, 3], '
              '"values": [0.0, 0.0, 0.0]}}] * 50}))\n'
              'def dueling_q(value, advantages):\n    return np.zeros((len(value), len(advantages[0])))\n')
    assert _submit(task, forged).reasons == ("wrong_values",)
    exits = "import os\nos._exit(0)\n"
    assert _submit(task, exits).reasons == ("code_crash",)


def test_the_sandbox_holds_the_cases_inputs_but_never_their_expected_values(tasks):
    task = tasks["dueling"]
    snoop = ('import glob\nimport numpy as np\n'
             'def dueling_q(value, advantages):\n'
             '    seen = open(".spec.json").read() + " ".join(glob.glob("/tmp/*"))\n'
             '    found = float(len(seen) > 0) + float("expected" in seen)\n'
             '    return np.full((len(value), len(advantages[0])), found)\n')
    results = run_cases(overlay(task.env, {"rl/networks.py": snoop}), task.truth["cases"])
    assert {r["value"]["values"][0] for r in results} == {1.0}  # the spec was read; no expected value in it


def test_values_compare_within_tolerance_and_never_as_nan():
    want = {"shape": [2], "values": [1.0, 1000.0]}
    assert same_value(want, {"shape": [2], "values": [1.0 + 1e-9, 1000.0005]}, 1e-6, 1e-8)
    assert not same_value(want, {"shape": [2], "values": [1.0, 1000.01]}, 1e-6, 1e-8)
    assert not same_value(want, {"shape": [1, 2], "values": [1.0, 1000.0]}, 1e-6, 1e-8)  # shape differs
    assert not same_value(want, {"shape": [2], "values": [float("nan"), 1000.0]}, 1e-6, 1e-8)
    assert not same_value(want, "garbage", 1e-6, 1e-8)
    assert not same_value({"tuple": [want]}, {"tuple": [want, want]}, 1e-6, 1e-8)


def test_trace_names_are_accepted_as_dotted_modules_or_paths():
    assert qualified(" rl/targets.py::double_dqn_target ") == "rl.targets.double_dqn_target"
    assert qualified("search.transform.h") == "search.transform.h"


def test_trace_grader_tells_missing_extra_and_duplicate_functions():
    task = pc.generate(pc.Config(kind="trace", component="value_transform"), seed=0, index=0)
    functions = task.truth["functions"]
    assert grade(task, {"functions": [f.replace(".", "/", f.count(".") - 1).replace(".", ".py::", 1)
                                      for f in functions][::-1]}).passed
    assert grade(task, {"functions": functions[1:]}).reasons == ("missing_functions",)
    assert grade(task, {"functions": functions + ["rl.targets.td_target"]}).reasons == ("extra_functions",)
    assert grade(task, {"functions": functions + functions[:1]}).reasons == ("duplicate_item",)
