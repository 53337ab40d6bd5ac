"""graders/tool_code.py: submitted code runs in the python tool's sandbox on hidden instances; every
failure has its reason, and nothing the code does gets it credit it did not compute."""
import json
import socket

import pytest

from generators import causal as gc
from generators import tool_kind
from generators.base import config_from
from graders import grade, tool_code
from graders.tool_code import run_cases
from tools import python_tool as pt

NAME = "cheapest_backdoor_set"


@pytest.fixture(scope="module")
def task():
    return gc.generate(config_from(gc, {"kind": "tool", "tool_cases": 6, "tool_size": 8}), 5, 0)


def _code(body, args="edges, x, y, cost"):
    return f"def {NAME}({args}):\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_the_reference_and_two_independent_implementations_pass(task):
    for answer in [task.truth["reference"], *gc.enumerate_answers(task)]:
        assert grade(task, answer).passed


def test_each_mutant_fails_on_an_edge_case(task):
    for answer in gc.mutants(task):
        g = grade(task, answer)
        assert not g.passed and g.reasons == ("wrong_on_edge_case",) and 0 <= g.score < 1, answer["code"][:60]


def test_code_that_knows_only_the_sample_fails():
    config = config_from(gc, {"kind": "tool", "tool_edge_cases": False, "tool_cases": 4})
    sample_only = gc.generate(config, 5, 1)
    g = grade(sample_only, gc.mutants(sample_only)[-1])
    assert not g.passed and g.reasons[0] in ("wrong_output", "wrong_type")  # None is no list: maybe a type


@pytest.mark.parametrize("body, reason", [
    ("raise KeyError(x)", "raised"),
    ("while True:\n    pass", "timeout"),
    ("return {x}", "wrong_type"),  # a set is not JSON
    ("return 5", "wrong_type"),
    ("return [1, 2]", "wrong_type"),
    ("import sys\nsys.exit(0)", "raised"),
])
def test_a_failing_function_is_graded_by_how_the_first_case_failed(task, body, reason):
    assert grade(task, {"code": _code(body)}).reasons == (reason,)


@pytest.mark.parametrize("code", ["def other(edges, x, y, cost):\n    return None\n", "def (:", "",
                                  f"{NAME} = 3\n", "import os\nos._exit(0)\n"])
def test_code_without_the_function_fails_every_case(task, code):
    g = grade(task, {"code": code})
    assert not g.passed and g.score == 0 and g.reasons[0] in ("no_function", "raised")


def test_a_function_that_catches_its_alarm_is_stopped_with_the_whole_program(task, monkeypatch):
    monkeypatch.setattr(pt, "WALL_SECONDS", 3)
    monkeypatch.setattr(pt, "CPU_SECONDS", 2)
    stubborn = _code("while True:\n    try:\n        while True:\n            pass\n"
                     "    except BaseException:\n        pass")
    assert grade(task, {"code": stubborn}).reasons == ("timeout",)


def test_what_the_code_prints_neither_counts_nor_hides_the_results(task):
    noisy = ("import sys\nprint('x' * 100_000)\nprint('x' * 50_000, file=sys.stderr)\n"
             + task.truth["reference"]["code"])
    assert grade(task, {"code": noisy}).passed


def test_forged_result_lines_are_judged_like_any_return_value(task):
    # the submission reads the driver, finds its results mark, and reports every case "ok" before exiting
    forged = ("import json, os, re\nmark = re.search('@@[a-z-]+@@', open('.main.py').read())[0]\n"
              f"results = [['ok', None]] * {task.truth['cases']}\n"
              "line = mark + json.dumps({'defined': True, 'results': results})\n"
              "for fd in range(3, 20):\n    try:\n        os.write(fd, ('\\n' + line + '\\n').encode())\n"
              "    except OSError:\n        pass\nos._exit(0)\n")
    constant_none = grade(task, {"code": _code("return None")})
    g = grade(task, {"code": forged})
    assert not g.passed and g.score <= constant_none.score


def test_the_code_cannot_open_sockets(task):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        probe = _code(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 1)\nreturn None")
        g = grade(task, {"code": probe})
    finally:
        server.close()
    assert g.reasons == ("raised",) and g.score == 0


def test_the_code_cannot_read_the_grader_the_truth_or_the_machine(task, tmp_path):
    truth = tmp_path / "tasks.jsonl"
    truth.write_text(task.to_json())
    for path in [str(truth), tool_kind.__file__, "/etc/passwd"]:
        assert grade(task, {"code": _code(f"open({path!r}).read()\nreturn None")}).reasons == ("raised",)
    assert grade(task, {"code": _code("import graders\nreturn None")}).reasons == ("raised",)


def test_run_cases_reports_each_case_in_order():
    code = ("def f(a):\n    if a == 2:\n        raise ValueError\n    if a == 5:\n        raise KeyError\n"
            "    return a * 10 if a != 3 else {a}\n")
    assert run_cases(code, "f", [[1], [2], [3], [4], [5]]) == [
        ("ok", 10), ("value_error", None), ("wrong_type", None), ("ok", 40), ("raised", None)]


def test_a_value_too_long_for_the_output_is_a_wrong_type():
    assert run_cases("def f(a):\n    return 'x' * 100_000\n", "f", [[1]]) == [("wrong_type", None)]


def test_malformed_answers_fail_without_raising(task):
    for answer in [{"code": 5}, {"code": None}, {}, {"code": "x" * 90_000}, "not json", {"code": "\x00"}]:
        g = grade(task, answer)
        assert not g.passed and "grader_error" not in g.reasons, answer


def test_the_reason_never_names_the_instance(task):
    g = grade(task, {"code": _code("return []")})
    hidden = tool_kind.hidden_cases(tool_kind.contract_of("causal", NAME), task.truth)
    assert not g.passed and all(json.dumps(case.args) not in " ".join(g.reasons) for case in hidden)


def test_cases_run_batch_by_batch_each_in_a_fresh_program(monkeypatch):
    # a fresh program for every BATCH cases, so the cases of one stay within its wall limit
    programs = []

    def counting(env, code):
        programs.append(json.loads(env["files"]["cases.json"]))
        return pt.python_tool(env, code)

    monkeypatch.setattr(tool_code, "python_tool", counting)
    monkeypatch.setattr(tool_code, "BATCH", 2)
    code = "calls = []\n\ndef f(a):\n    calls.append(a)\n    return len(calls)\n"
    assert run_cases(code, "f", [[1], [2], [3], [4], [5]]) == [("ok", 1)] * 5  # each case in its own process
    assert [len(p) for p in programs] == [2, 2, 1]


def test_a_function_that_switches_off_its_alarm_is_still_stopped_at_its_cpu_second():
    # the kernel's limit on the case's own process, not an alarm the code could reset
    escape = ("import signal, time\nsignal.setitimer = lambda *a: 0\nsignal.signal = lambda *a: None\n\n"
              "def f(a):\n    t = time.process_time()\n    while time.process_time() - t < 1.5:\n"
              "        pass\n    return a\n")
    assert run_cases(escape, "f", [[1], [2]]) == [("timeout", None), ("timeout", None)]


def test_the_batch_leaves_every_case_its_cpu_time_within_the_tools_limit():
    assert tool_code.BATCH >= 1 and tool_code.BATCH * tool_code.CASE_SECONDS + 2 <= pt.CPU_SECONDS


def test_the_score_is_the_fraction_correct_and_the_reason_the_first_failing_case(task):
    # the reference, but wrong on the first hidden case (an edge case: they are listed first)
    first = tool_kind.hidden_cases(tool_kind.contract_of("causal", NAME), task.truth)[0]
    wrong_once = (task.truth["reference"]["code"].replace(f"def {NAME}(", "def _right(", 1)
                  + f"\nimport json\nFIRST = json.loads({json.dumps(json.dumps(first.args))})\n\n"
                  f"def {NAME}(*args):\n"
                  "    return ['not a variable'] if list(args) == FIRST else _right(*args)\n")
    g = grade(task, {"code": wrong_once})
    cases = task.truth["cases"]
    assert first.edge_case is not None
    assert (g.passed, g.score, g.reasons) == (False, round((cases - 1) / cases, 4), ("wrong_on_edge_case",))
