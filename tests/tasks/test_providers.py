"""Providers: what goes over the wire (caching, tool schemas, results), usage and cost, scripted agents."""
import io
import json
import sys
import types

import pytest

from tests.conftest import register_family
from graders.registry import failed, grader, passed
from tasks.prices import cost, price_of
from tasks.providers import FatalProviderError, infer_provider, make_provider
from tasks.run import Progress, run_trials_async
from tasks.task import Task
from tests.fakes import FakeServer, chat_api, messages_api
from tools.registry import tool

REVEAL = "_reveal_for_provider_test"
SCHEMA = {"type": "object", "properties": {"index": {"type": "integer"}}, "required": ["index"]}


@tool
def _reveal_for_provider_test(env: dict, index: int) -> str:
    """One hidden number.

    Args:
        index: its position, from 0.
    """
    return str(env["numbers"][index])


@grader("_argmax_for_provider_test")
def _argmax(task, answer):
    numbers = task.truth["numbers"]
    ok = 0 <= answer["index"] < len(numbers) and numbers[answer["index"]] == max(numbers)
    return passed() if ok else failed("outside_tolerance")


def pick_task(i: int, numbers=(3, 9, 4, 9, 1)) -> Task:
    return Task(f"pick-{i}", "pick.max", "Which position holds the largest number?", [REVEAL], SCHEMA,
                {"numbers": list(numbers)}, {"numbers": list(numbers), "reference": {"index": 1}},
                "_argmax_for_provider_test", {"knobs": {"n": len(numbers)}})


def _pick_family() -> types.ModuleType:
    """A family module with the hooks of generators/base.py that the scripted agents use."""
    family = types.ModuleType("_pick_family_for_test")
    family.probe_calls = lambda task, rng: [(REVEAL, {"index": i}) for i in range(len(task.env["numbers"]))]
    family.random_answer = lambda task, rng: {"index": int(rng.integers(len(task.env["numbers"])))}
    family.baseline = lambda task, rng: {"index": 0}
    return family


@pytest.fixture
def pick_family(monkeypatch):
    family = _pick_family()
    monkeypatch.setitem(sys.modules, family.__name__, family)
    register_family(monkeypatch, "pick", family.__name__)
    return family


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")


async def run(tmp_path, model, tasks, name="results.jsonl", **options):
    out = tmp_path / name
    await run_trials_async(tasks, str(out), model, progress=Progress(0, io.StringIO()), **options)
    return [json.loads(line) for line in out.read_text().splitlines()]


def reveal_all_then_pick(turn, results):
    if turn == 1:
        return [(REVEAL, {"index": i}) for i in range(5)]
    values = [int(text) for text, _ in results]
    return [("submit_answer", {"index": values.index(max(values))})]


# -- wire format ----------------------------------------------------------------------------------------

@pytest.mark.anyio
async def test_anthropic_requests_cache_tools_system_and_conversation(tmp_path):
    with FakeServer(messages_api(reveal_all_then_pick)) as server:
        (row,) = await run(tmp_path, "claude-test", [pick_task(0)], provider="anthropic", base_url=server.url)
    assert row["passed"]
    first, second = (r.body for r in server.requests)
    assert server.requests[0].path == "/v1/messages"
    assert server.requests[0].headers["authorization"] == "Bearer test-key"
    assert [t["name"] for t in first["tools"]] == [REVEAL, "submit_answer"]
    assert first["tools"][-1]["input_schema"] == SCHEMA
    assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    # one breakpoint on the newest message only: at most four are allowed per request
    assert json.dumps(second).count('"cache_control"') == 3
    assert "cache_control" in second["messages"][-1]["content"][-1]
    assert [b["tool_use_id"] for b in second["messages"][-1]["content"]] == [f"toolu_1_{i}" for i in range(5)]
    assert [b["type"] for b in second["messages"][1]["content"]] == ["tool_use"] * 5


@pytest.mark.anyio
async def test_anthropic_cache_tokens_are_counted_and_priced(tmp_path):
    usage = {"input": 10, "output": 20, "cache_creation": 1000, "cache_read": 3000}
    with FakeServer(messages_api(reveal_all_then_pick, usage=usage)) as server:
        (row,) = await run(tmp_path, "claude-haiku-4-5-20251001", [pick_task(0)], base_url=server.url,
                           provider="anthropic")
    tokens = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
    assert [row[k] for k in tokens] == [20, 40, 2000, 6000]  # two responses
    # haiku 4.5 per Mtok: $1 in, $5 out, $1.25 cache write, $0.10 cache read
    assert row["cost"] == pytest.approx((20 * 1 + 40 * 5 + 2000 * 1.25 + 6000 * 0.10) / 1e6)


@pytest.mark.anyio
async def test_openai_requests_and_cached_tokens(tmp_path):
    usage = {"input": 70, "output": 5, "cache_creation": 0, "cache_read": 30}
    with FakeServer(chat_api(reveal_all_then_pick, usage=usage)) as server:
        (row,) = await run(tmp_path, "local-model", [pick_task(0)], base_url=server.url + "/v1")
    assert row["passed"] and row["provider"] == "openai"  # inferred from the model name
    first, second = (r.body for r in server.requests)
    assert server.requests[0].path == "/v1/chat/completions"
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert first["max_completion_tokens"] == 16_000 and "max_tokens" not in first
    assert first["tools"][-1]["function"] == {"name": "submit_answer", "description": first["tools"][-1][
        "function"]["description"], "parameters": SCHEMA}
    assert sorted(second["messages"][2]) == ["content", "role", "tool_calls"]
    assert [m["tool_call_id"] for m in second["messages"][3:]] == [f"call_1_{i}" for i in range(5)]
    # input excludes the cached part of the prompt; an unpriced model has no cost
    assert (row["input_tokens"], row["cache_read_tokens"], row["cost"]) == (140, 60, None)


# -- choosing a provider --------------------------------------------------------------------------------

@pytest.mark.parametrize("model, base_url, provider", [
    ("oracle", None, "scripted"), ("claude-haiku-4-5", None, "anthropic"),
    ("claude-haiku-4-5", "http://127.0.0.1:1/v1", "openai"), ("gpt-5", None, "openai"),
])
def test_the_provider_follows_from_the_model(model, base_url, provider):
    assert infer_provider(model, base_url) == provider


def test_scripted_runs_only_scripted_agents():
    with pytest.raises(ValueError, match="the scripted agents are oracle, random, baseline"):
        make_provider("scripted", "claude-haiku-4-5")


def test_a_missing_openai_key_says_which_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(FatalProviderError, match="OPENAI_API_KEY is not set"):
        make_provider("openai", "gpt-5")


@pytest.mark.anyio
async def test_a_run_refused_for_a_missing_key_leaves_no_results_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    out = tmp_path / "results.jsonl"
    with pytest.raises(FatalProviderError, match="ANTHROPIC_API_KEY is not set"):
        await run_trials_async([pick_task(0)], str(out), "claude-haiku-4-5", progress=Progress(0, io.StringIO()))
    assert not out.exists()
    out.write_text("")  # a file the user made is theirs: kept, empty or not
    with pytest.raises(FatalProviderError):
        await run_trials_async([pick_task(0)], str(out), "claude-haiku-4-5", progress=Progress(0, io.StringIO()))
    assert out.exists()


# -- prices ---------------------------------------------------------------------------------------------

def test_dated_model_names_find_their_price():
    assert price_of("claude-haiku-4-5-20251001") == price_of("claude-haiku-4-5")
    assert price_of("claude-haiku-4-50") is None  # a prefix only counts up to a dash
    assert cost("no-such-model", 1, 1, 0, 0) is None
    assert cost("no-such-model", 0, 0, 0, 0) == 0.0


# -- scripted agents ------------------------------------------------------------------------------------

@pytest.mark.anyio
async def test_the_oracle_explores_every_tool_then_submits_the_reference(tmp_path, pick_family):
    rows = await run(tmp_path, "oracle", [pick_task(i) for i in range(3)])
    assert all(r["passed"] and r["provider"] == "scripted" and r["cost"] == 0.0 for r in rows)
    assert [(r["turns"], r["tool_calls"]) for r in rows] == [(2, 5)] * 3
    assert [e["text"] for e in rows[0]["transcript"] if e["role"] == "tool"] == ["3", "9", "4", "9", "1"]


@pytest.mark.anyio
async def test_random_answers_are_graded_and_reproducible(tmp_path, pick_family):
    tasks = [pick_task(i) for i in range(10)]
    first = await run(tmp_path, "random", tasks, trials=3)
    again = await run(tmp_path, "random", tasks, name="again.jsonl", trials=3)

    def answers(rows):  # rows arrive in the order trials finish
        return {(r["task_id"], r["trial"]): r["answer"] for r in rows}

    assert answers(first) == answers(again)
    assert len({r["answer"]["index"] for r in first}) > 1
    for r in first:  # positions 1 and 3 both hold the maximum 9
        assert r["passed"] == (r["answer"]["index"] in (1, 3))


@pytest.mark.anyio
async def test_the_baseline_submits_the_familys_naive_answer(tmp_path, pick_family):
    (row,) = await run(tmp_path, "baseline", [pick_task(0)])
    assert (row["answer"], row["passed"], row["reasons"]) == ({"index": 0}, False, ["outside_tolerance"])


@pytest.mark.anyio
async def test_a_broken_family_hook_fails_the_trial_not_the_run(tmp_path, pick_family):
    pick_family.random_answer = lambda task, rng: 1 / 0
    rows = await run(tmp_path, "random", [pick_task(0), pick_task(1)])
    assert [r["reasons"] for r in rows] == [["provider_error"]] * 2
    assert "ZeroDivisionError" in rows[0]["error"]


@pytest.mark.anyio
async def test_a_family_without_a_module_stops_the_scripted_run(tmp_path):
    with pytest.raises(FatalProviderError, match="no generator module for family 'pick.max'"):
        await run(tmp_path, "oracle", [pick_task(0)])
