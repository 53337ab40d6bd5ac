import json
from typing import Literal

import pytest

from tools.registry import (
    ToolError,
    anthropic_tools,
    build_tool,
    call_tool,
    calls_left_line,
    counted,
    get_tool,
    openai_tools,
    tool,
)


@tool
def _echo_for_test(env: dict, text: str, times: int = 1, mode: Literal["plain", "loud"] = "plain") -> str:
    """Repeat a text.

    Args:
        text: what to repeat.
        times: how many times.
        mode: plain or loud.
    """
    if times < 0:
        raise ToolError("times must be >= 0")
    if text == "boom":
        raise RuntimeError("kaput")
    out = env["prefix"] + text * times
    return out.upper() if mode == "loud" else out


def test_schema_comes_from_signature_and_docstring():
    t = build_tool(_echo_for_test)
    props = t.parameters["properties"]
    assert props["text"] == {"type": "string", "description": "what to repeat."}
    assert props["times"]["type"] == "integer"
    assert props["mode"]["enum"] == ["plain", "loud"]
    assert t.parameters["required"] == ["text"]
    assert "env" not in props


def test_exports_anthropic_and_openai_formats():
    (a,) = anthropic_tools(["_echo_for_test"])
    (o,) = openai_tools(["_echo_for_test"])
    assert a["input_schema"] == o["function"]["parameters"]
    assert a["name"] == o["function"]["name"] == "_echo_for_test"


def test_a_parameter_without_description_fails_at_build_time():
    def bad(env: dict, x: str) -> str:
        """No args section."""
        return x

    with pytest.raises(ValueError, match="parameter x has no description"):
        build_tool(bad)


@pytest.mark.parametrize(
    "name, args, fragment",
    [
        ("nope", {}, "unknown tool 'nope'"),
        ("_echo_for_test", {}, "missing required argument(s) ['text']"),
        ("_echo_for_test", {"text": 3}, "argument 'text' must be string"),
        ("_echo_for_test", {"text": "a", "times": True}, "must be integer"),  # bool is no int
        ("_echo_for_test", {"text": "a", "mode": "quiet"}, "one of ['plain', 'loud']"),
        ("_echo_for_test", {"text": "a", "extra": 1}, "unknown argument(s) ['extra']"),
        ("_echo_for_test", ["a"], "must be a JSON object"),
        ("_echo_for_test", {"text": "a", "times": -1}, "times must be >= 0"),
        ("_echo_for_test", {"text": "boom"}, "failed internally (RuntimeError: kaput)"),
    ],
)
def test_call_tool_never_raises_and_says_what_is_wrong(name, args, fragment):
    result = call_tool(name, args, {"prefix": ">"})
    assert result.is_error
    assert fragment in result.text


def test_call_tool_runs_the_tool_with_the_bound_env():
    result = call_tool("_echo_for_test", {"text": "ab", "times": 2, "mode": "loud"}, {"prefix": ">"})
    assert (result.text, result.is_error) == (">ABAB", False)


def test_a_tool_call_budget_counts_well_formed_calls_then_refuses():
    env = {"prefix": "", "calls_left": 1}
    assert call_tool("_echo_for_test", {"text": 1}, env).is_error  # malformed: refused, not counted
    assert not call_tool("_echo_for_test", {"text": "a"}, env).is_error
    spent = call_tool("_echo_for_test", {"text": "a"}, env)
    assert spent.is_error and "budget is spent" in spent.text and env["calls_left"] == 0


@tool(left=lambda env: env["own"]["runs"] if env.get("own") else None)
def _budgeted_for_test(env: dict, n: int) -> str:
    """Spend one of this tool's own runs.

    Args:
        n: any number.
    """
    env["own"]["runs"] -= 1
    return json.dumps({"n": n})


def _oracle_env(env: dict) -> bool:
    return env.get("mode") == "oracle"


@tool(name="_formed_for_test", when=_oracle_env)
def _formed_oracle(env: dict, x: str) -> str:
    """Ask the oracle about x.

    Args:
        x: a name.
    """
    return f"oracle {x}"


@tool
def _formed_for_test(env: dict, x: str) -> str:
    """Test x on the data.

    Args:
        x: a name.
    """
    return f"data {x}"


@pytest.mark.parametrize("names, env, line", [
    (["_echo_for_test"], {"prefix": ""}, ""),  # no budget: no line
    (["_echo_for_test"], {"calls_left": 5}, "[calls left: 5]"),
    (["_budgeted_for_test"], {"own": {"runs": 2}}, "[calls left: 2 of _budgeted_for_test]"),
    (["_echo_for_test", "_budgeted_for_test"], {"calls_left": 0, "own": {"runs": 2}},
     "[calls left: 0 of all tools, 2 of _budgeted_for_test]"),
    (["_budgeted_for_test"], {}, ""),  # a task without that tool's budget
    (["nope", "_echo_for_test"], {"calls_left": 1}, "[calls left: 1]"),  # an unknown name shows nothing
])
def test_the_calls_left_line_names_every_budget_of_the_task(names, env, line):
    assert calls_left_line(names, env) == line


def test_call_tool_keeps_the_text_plain_and_counted_carries_the_line_beside_it():
    env = {"own": {"runs": 3}, "calls_left": 4}
    result = call_tool("_budgeted_for_test", {"n": 7}, env)
    assert (result.text, result.calls_left) == ('{"n": 7}', "")  # what scripted strategies parse
    shown = counted(result, ["_budgeted_for_test", "_echo_for_test"], env)
    assert json.loads(shown.text) == {"n": 7}
    assert shown.for_model == '{"n": 7}\n[calls left: 3 of all tools, 2 of _budgeted_for_test]'


def test_each_task_sees_and_calls_the_form_its_env_selects():
    oracle, data = {"mode": "oracle"}, {"mode": "data"}
    assert get_tool("_formed_for_test", oracle).description == "Ask the oracle about x."
    assert get_tool("_formed_for_test", data).description == "Test x on the data."
    assert get_tool("_formed_for_test").description == "Test x on the data."  # no env: the default form
    (shown,) = anthropic_tools(["_formed_for_test"], oracle)
    assert shown["description"] == "Ask the oracle about x."
    assert call_tool("_formed_for_test", {"x": "a"}, oracle).text == "oracle a"
    assert call_tool("_formed_for_test", {"x": "a"}, data).text == "data a"


def test_a_second_default_form_of_a_name_is_refused():
    def _formed_for_test(env: dict, x: str) -> str:
        """Another.

        Args:
            x: a name.
        """
        return x

    with pytest.raises(ValueError, match="duplicate tool name '_formed_for_test'"):
        tool(_formed_for_test)
