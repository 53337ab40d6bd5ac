"""tasks.mcp driven by the mcp SDK's own client over stdio, as Claude Code or Cursor would drive it."""
import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tasks.mcp import instructions
from tasks.play import DEFAULT_MAX_TURNS
from tasks.task import read_tasks
from tools.registry import anthropic_tools

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def discover(tmp_path):
    out = tmp_path / "discover.jsonl"
    subprocess.run([sys.executable, "-m", "generators.causal", "--kind", "discover", "--n", "2",
                    "--budget", "2", "--edges", "4", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    return out


def _server(tasks_file, *flags):
    # the SDK passes the child only PATH, HOME and a few more, not PYTHONPATH
    return StdioServerParameters(command=sys.executable, cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
                                 args=["-m", "tasks.mcp", str(tasks_file), *flags])


@pytest.mark.anyio
async def test_an_mcp_client_plays_a_task_to_a_results_line(discover, tmp_path):
    task = next(read_tasks(str(discover)))
    out, folder = tmp_path / "results.jsonl", tmp_path / "session"
    params = _server(discover, "--task", task.id, "--session", str(folder), "--out", str(out),
                     "--player", "client")
    x, y = task.env["dag"][0]
    with open(tmp_path / "server.err", "w") as errlog, anyio.fail_after(60):
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write, read_timeout_seconds=30) as client:
            assert (await client.initialize()).instructions == instructions(task)
            listed = [{"name": t.name, "description": t.description, "input_schema": t.input_schema}
                      for t in (await client.list_tools()).tools]
            assert listed[:-1] == anthropic_tools(task.tools, task.env)
            assert listed[-1]["name"] == "submit_answer" and listed[-1]["input_schema"] == task.answer_schema
            ok = await client.call_tool("ci_test", {"x": x, "y": y})
            assert not ok.is_error
            first, shown = ok.content[0].text.split("\n")  # the tool's line, then the harness's count
            assert "left" not in first and shown == "[calls left: 1 of ci_test]"
            bad = await client.call_tool("ci_test", {"x": x})  # the registry's error, as a model would get it
            assert bad.is_error and "missing required argument" in bad.content[0].text
            alien = await client.call_tool("parents", {"node": x})
            assert alien.is_error and "unknown tool 'parents'" in alien.content[0].text
            prompt = await client.get_prompt("task")
            assert prompt.messages[0].content.text == instructions(task)
            assert not out.exists()  # written at the submission
            done = await client.call_tool("submit_answer", task.truth["reference"])
            assert not done.is_error and "recorded" in done.content[0].text
            assert "passed" not in done.content[0].text  # no grade without --reveal
            again = await client.call_tool("submit_answer", task.truth["reference"])
            assert again.is_error and "episode is over" in again.content[0].text
            late = await client.call_tool("ci_test", {"x": x, "y": y})
            assert late.is_error and "episode is over" in late.content[0].text
    [row] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (row["task_id"], row["passed"], row["provider"], row["model"], row["tool_calls"],
            row["turns"]) == (task.id, True, "play", "client", 3, 4)
    # the shell sees the same session: the task is submitted and its budget spent once
    listing = subprocess.run([sys.executable, "-m", "tasks.play", str(discover), "list", "--session",
                              str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "submitted      3" in listing.stdout


def test_an_unknown_task_is_one_line_on_stderr_before_any_protocol(discover, tmp_path):
    r = subprocess.run([sys.executable, "-m", "tasks.mcp", str(discover), "--task", "nope", "--session",
                        str(tmp_path / "s")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr.count("\n")) == (2, "", 1) and "no task 'nope'" in r.stderr


def test_the_instructions_state_the_turn_limit_of_the_play_session(discover):
    task = next(iter(read_tasks(str(discover))))
    assert f"at most {DEFAULT_MAX_TURNS} turns (each tool call is one turn" in instructions(task)
