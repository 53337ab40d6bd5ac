"""The runner end to end: real anthropic and openai clients against the fake servers of tests/fakes.py."""
import io
import json
import re

import anthropic
import openai
import pytest

from graders.registry import failed, grader, passed
from tasks.providers import FatalProviderError
from tasks.run import Limits, Progress, ResultsWriter, main, run_trials_async
from tasks.task import Task
from tests.fakes import DROP, FakeServer, chat_api, failing_first, messages_api
from tools.registry import ToolError, tool

LOOKUP = "_lookup_for_run_test"
PROVIDERS = ["anthropic", "openai"]
ERROR_BODY = {"type": "error", "error": {"type": "api_error", "message": "scripted failure"}}


@tool
def _lookup_for_run_test(env: dict, key: str) -> str:
    """Look up one number of the hidden table; each call spends one unit of the episode's budget.

    Args:
        key: the table key.
    """
    env["budget"] -= 1
    if env["budget"] < 0:
        raise ToolError("budget spent")
    if key not in env["table"]:
        raise ToolError(f"no key {key!r}")
    return str(env["table"][key])


@grader("_sum_for_run_test")
def _sum_grader(task, answer):
    return passed() if answer["total"] == task.truth["total"] else failed("outside_tolerance")


def make_task(i: int = 0, budget: int = 5) -> Task:
    schema = {"type": "object", "properties": {"total": {"type": "integer"}}, "required": ["total"]}
    return Task(f"sum-{i}", "test.sum", "Look up a and b; submit their sum as total.", [LOOKUP], schema,
                {"table": {"a": 2 + i, "b": 40}, "budget": budget}, {"total": 42 + i}, "_sum_for_run_test",
                {"knobs": {"size": i % 2}})


def solver(turn, results):
    """Looks up a and b, then submits their sum: the correct answer, found through the tools."""
    if turn == 1:
        return [(LOOKUP, {"key": "a"}), (LOOKUP, {"key": "b"})]
    return [("submit_answer", {"total": sum(int(text) for text, is_error in results if not is_error)})]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def keys_and_fast_retries(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    for module in (anthropic._base_client, openai._base_client):  # no real backoff in tests
        monkeypatch.setattr(module, "INITIAL_RETRY_DELAY", 0.0)
        monkeypatch.setattr(module, "MAX_RETRY_DELAY", 0.0)


async def run(provider, respond, tmp_path, tasks=None, model=None, **options):
    """Run tasks against a fake server; returns (rows, server)."""
    tasks = tasks or [make_task()]
    out = tmp_path / "results.jsonl"
    with FakeServer(respond) as server:
        base_url = server.url if provider == "anthropic" else server.url + "/v1"
        model = model or ("claude-test" if provider == "anthropic" else "gpt-test")
        await run_trials_async(tasks, str(out), model, provider=provider, base_url=base_url,
                               progress=Progress(0, io.StringIO()), **options)
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return rows, server


def api(provider):
    return messages_api if provider == "anthropic" else chat_api


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_tool_use_then_a_correct_submit_passes(provider, tmp_path):
    (row,), _ = await run(provider, api(provider)(solver), tmp_path)
    assert (row["passed"], row["reasons"], row["stop_reason"]) == (True, [], "submitted")
    assert (row["answer"], row["turns"], row["tool_calls"]) == ({"total": 42}, 2, 2)
    assert (row["input_tokens"], row["output_tokens"]) == (200, 20)  # two responses of 100 in, 10 out
    assert [e["text"] for e in row["transcript"] if e["role"] == "tool"] == ["2", "40"]
    assert (row["task_id"], row["family"], row["knobs"], row["trial"], row["provider"]) == (
        "sum-0", "test.sum", {"size": 0}, 0, provider)


@pytest.mark.anyio
async def test_cost_comes_from_the_price_table(tmp_path):
    (row,), _ = await run("anthropic", messages_api(solver), tmp_path, model="claude-haiku-4-5")
    assert row["cost"] == pytest.approx((200 * 1.00 + 20 * 5.00) / 1e6)  # $1 in, $5 out per Mtok


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_wrong_submit_fails_with_the_graders_reason(provider, tmp_path):
    def off_by_one(turn, results):
        move = solver(turn, results)
        return [("submit_answer", {"total": move[0][1]["total"] + 1})] if turn == 2 else move

    (row,), _ = await run(provider, api(provider)(off_by_one), tmp_path)
    assert (row["passed"], row["reasons"], row["answer"]) == (False, ["outside_tolerance"], {"total": 43})


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("bad_call, fragment", [
    ((LOOKUP, {"k": "a"}), "unknown argument(s) ['k']"),
    ((LOOKUP, {"key": 7}), "argument 'key' must be string"),
    ((LOOKUP, {"key": "zzz"}), "no key 'zzz'"),  # the tool itself raises ToolError
    (("no_such_tool", {}), "unknown tool 'no_such_tool'"),
    # a real tool of another family, not offered here: it would read this task's env
    (("parents", {"node": "a"}), f"unknown tool 'parents'; this task's tools are {LOOKUP}, submit_answer"),
])
async def test_bad_tool_calls_come_back_as_error_results_and_the_episode_goes_on(provider, bad_call, fragment,
                                                                                tmp_path):
    seen = []

    def clumsy(turn, results):
        seen.append(results)
        return [bad_call] if turn == 1 else solver(turn - 1, results)

    (row,), _ = await run(provider, api(provider)(clumsy), tmp_path)
    (text, is_error), = seen[1]
    assert is_error and fragment in text
    assert row["passed"] and row["turns"] == 3


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_after_every_call_of_a_budgeted_task_the_model_is_told_the_calls_left(provider, tmp_path):
    seen = []

    def counting(turn, results):  # what came over the wire: the model's view
        seen.append(results)
        moves = {1: [(LOOKUP, {"key": "a"}), (LOOKUP, {"key": 1})], 2: [(LOOKUP, {"key": "b"})],
                 3: [(LOOKUP, {"key": "a"})]}
        return moves.get(turn, [("submit_answer", {"total": 42})])

    task = make_task()
    task.env["calls_left"] = 2
    (row,), _ = await run(provider, api(provider)(counting), tmp_path, tasks=[task])
    malformed = f"Error: {LOOKUP}: argument 'key' must be string, got 1"
    assert [t for t, _ in seen[1]] == ["2\n[calls left: 1]", f"{malformed}\n[calls left: 1]"]  # not counted
    assert [t for t, _ in seen[2]] == ["40\n[calls left: 0]"]
    assert seen[3][0][0].endswith("budget is spent; submit your answer with submit_answer\n[calls left: 0]")
    assert [e["text"] for e in row["transcript"] if e["role"] == "tool"][-1] == seen[3][0][0]
    assert task.env["calls_left"] == 2  # counted in the episode's copy


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_task_without_a_budget_shows_no_calls_left_line(provider, tmp_path):
    seen = []

    def record(turn, results):
        seen.append(results)
        return solver(turn, results)

    await run(provider, api(provider)(record), tmp_path)
    assert [t for t, _ in seen[1]] == ["2", "40"]


@pytest.mark.anyio
async def test_arguments_that_are_not_json_are_an_error_result(tmp_path):
    seen = []

    def garbled(turn, results):
        seen.append(results)
        return [(LOOKUP, '{"key": "a"')] if turn == 1 else solver(turn - 1, results)

    (row,), _ = await run("openai", chat_api(garbled), tmp_path)
    assert seen[1][0][1] and "must be a JSON object" in seen[1][0][0]
    assert row["passed"]


@pytest.mark.anyio
async def test_anthropic_error_results_carry_is_error(tmp_path):
    (row,), server = await run("anthropic", messages_api(
        lambda turn, results: [(LOOKUP, {"key": "zzz"})] if turn == 1 else "giving up"), tmp_path)
    (block,) = server.requests[1].body["messages"][-1]["content"]
    assert block["type"] == "tool_result" and block["is_error"] is True
    assert row["reasons"] == ["no_submission"]


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_never_submitting_ends_at_the_turn_limit_with_a_fresh_env_per_trial(provider, tmp_path):
    task = make_task(budget=2)
    rows, _ = await run(provider, api(provider)(lambda turn, results: [(LOOKUP, {"key": "a"})]), tmp_path,
                        tasks=[task], trials=2, limits=Limits(max_turns=4))
    for row in rows:
        assert (row["passed"], row["reasons"], row["stop_reason"]) == (False, ["turn_limit"], "turn_limit")
        assert (row["turns"], row["tool_calls"]) == (4, 4)
        errors = [e["is_error"] for e in row["transcript"] if e["role"] == "tool"]
        assert errors == [False, False, True, True]  # each trial starts with the full budget of 2
    assert task.env["budget"] == 2


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_reply_without_tool_calls_is_no_submission(provider, tmp_path):
    (row,), _ = await run(provider, api(provider)(lambda turn, results: "The answer is 42."), tmp_path)
    assert (row["passed"], row["reasons"], row["turns"]) == (False, ["no_submission"], 1)
    assert row["transcript"][0]["text"] == "The answer is 42."


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_growing_conversation_ends_at_the_token_limit(provider, tmp_path):
    usage = {"input": 1000, "output": 10, "cache_creation": 0, "cache_read": 0}
    respond = api(provider)(lambda turn, results: [(LOOKUP, {"key": "a"})], usage=usage)
    (row,), _ = await run(provider, respond, tmp_path, limits=Limits(max_tokens=1005))
    assert (row["reasons"], row["turns"]) == (["token_limit"], 1)


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("failure", [
    (429, {"retry-after-ms": "1"}, ERROR_BODY),
    (500, {}, ERROR_BODY),
    DROP,  # the connection closes without a response
])
async def test_transient_failures_are_retried(provider, failure, tmp_path):
    (row,), server = await run(provider, failing_first([failure], api(provider)(solver)), tmp_path)
    assert row["passed"]
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1", "0"]


@pytest.mark.anyio
async def test_retry_after_is_honoured(tmp_path, monkeypatch):
    failure = (429, {"retry-after-ms": "200"}, ERROR_BODY)
    (row,), server = await run("anthropic", failing_first([failure], messages_api(solver)), tmp_path)
    assert row["passed"]
    assert server.requests[1].t - server.requests[0].t >= 0.19


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_provider_that_keeps_failing_is_a_provider_error_row(provider, tmp_path):
    (row,), server = await run(provider, lambda request: (500, {}, ERROR_BODY), tmp_path)
    assert (row["passed"], row["reasons"], row["turns"]) == (False, ["provider_error"], 0)
    assert "HTTP 500" in row["error"]
    assert len(server.requests) == 7  # the first attempt and six retries


@pytest.mark.anyio
async def test_a_trial_the_provider_failed_is_retried_by_the_next_run_and_not_judged(tmp_path):
    from tasks.report import render_text, summarize

    await run("anthropic", lambda request: (500, {}, ERROR_BODY), tmp_path)
    rows, _ = await run("anthropic", messages_api(solver), tmp_path)  # same results file: a resume
    assert [r["stop_reason"] for r in rows] == ["provider_error", "submitted"]
    (group,) = summarize(rows)
    assert (group.n, group.passed, group.provider_errors) == (1, 1, 1)
    assert "1 trials failed at the provider and are not counted" in render_text([group])
    rows, _ = await run("anthropic", messages_api(solver), tmp_path)  # now judged: nothing to redo
    assert len(rows) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_rejected_key_stops_the_run_without_writing_rows(provider, tmp_path):
    rejected = (401, {}, {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}})
    with pytest.raises(FatalProviderError, match="HTTP 401"):
        await run(provider, lambda request: rejected, tmp_path, tasks=[make_task(i) for i in range(3)])
    assert not (tmp_path / "results.jsonl").exists()  # no rows, and no empty file left behind


@pytest.mark.anyio
async def test_concurrency_is_honoured(tmp_path):
    rows, server = await run("anthropic", messages_api(solver, delay=0.03), tmp_path,
                             tasks=[make_task(i) for i in range(12)], concurrency=3)
    assert server.max_in_flight == 3
    assert sorted(r["task_id"] for r in rows) == sorted(f"sum-{i}" for i in range(12))
    assert all(r["passed"] for r in rows)


@pytest.mark.anyio
async def test_a_rerun_resumes_after_a_torn_line_and_never_duplicates(tmp_path):
    tasks = [make_task(i) for i in range(3)]
    rows, _ = await run("anthropic", messages_api(solver), tmp_path, tasks=tasks, trials=2)
    out = tmp_path / "results.jsonl"
    complete = out.read_bytes()
    out.write_bytes(complete + b'{"task_id": "sum-0", "tri')  # a run killed mid-write
    rows, server = await run("anthropic", messages_api(solver), tmp_path, tasks=tasks, trials=3)
    assert out.read_bytes().startswith(complete)
    keys = [(r["task_id"], r["trial"]) for r in rows]
    assert sorted(keys) == sorted((f"sum-{i}", t) for i in range(3) for t in range(3))
    assert len(server.requests) == 3 * 2  # only the three trials numbered 2 ran, two turns each


@pytest.mark.anyio
async def test_other_models_rows_do_not_count_as_done(tmp_path):
    await run("anthropic", messages_api(solver), tmp_path, model="claude-a")
    rows, _ = await run("anthropic", messages_api(solver), tmp_path, model="claude-b")
    assert [r["model"] for r in rows] == ["claude-a", "claude-b"]


def test_a_missing_api_key_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    assert main([str(path), "--model", "claude-haiku-4-5", "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "ANTHROPIC_API_KEY is not set" in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("content, fragment", [
    ("{not json\n", "tasks.jsonl:1: not a task"),
    (make_task().to_json() + "\n" + make_task().to_json() + "\n", "appears twice"),
    (make_task().to_json().replace(LOOKUP, "absent_tool") + "\n", "unknown tool 'absent_tool'"),
])
def test_a_bad_task_file_is_one_clear_line(tmp_path, capsys, content, fragment):
    path = tmp_path / "tasks.jsonl"
    path.write_text(content)
    assert main([str(path), "--model", "oracle", "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


@pytest.mark.parametrize("flag", ["--trials", "--concurrency", "--max-turns", "--max-tokens"])
def test_counts_below_one_are_refused_naming_the_flag(tmp_path, capsys, flag):
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    assert main([str(path), "--model", "oracle", "--out", str(tmp_path / "r.jsonl"), flag, "0"]) == 2
    assert f"{flag} must be >= 1, got 0" in capsys.readouterr().err


def test_a_results_file_that_is_not_results_is_refused(tmp_path, capsys):
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    (tmp_path / "r.jsonl").write_text("hello\n")
    assert main([str(path), "--model", "oracle", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "r.jsonl:1: not a results line" in capsys.readouterr().err


def test_progress_is_one_line_rewritten_in_place(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("tasks.run.time.monotonic", lambda: now[0])
    stream = io.StringIO()
    progress = Progress(3, stream, live=True)
    row = {"passed": True, "input_tokens": 100, "output_tokens": 10, "cache_creation_tokens": 0,
           "cache_read_tokens": 0, "cost": 0.25, "reasons": [], "stop_reason": "submitted"}
    now[0] = 30.0
    progress.add(row)
    # an error is counted as one and left out of the pass rate: 1 of 1 judged, not 1 of 2
    now[0] = 61.0
    progress.add({**row, "passed": False, "reasons": ["provider_error"], "stop_reason": "provider_error"})
    progress.finish()
    second = "\r[2/3] pass 100.0% | 1 error | 220 tokens | $0.5000 | 1:01 elapsed, ETA 0:30"
    assert stream.getvalue() == ("\r[1/3] pass 100.0% | 0 errors | 110 tokens | $0.2500 | 0:30 elapsed, "
                                 "ETA 1:00" + second + second + "\n")  # the last one is the final line


def test_two_runs_never_append_to_the_same_results_file(tmp_path, capsys):
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    holder = ResultsWriter(str(tmp_path / "r.jsonl"))  # a run in progress
    try:
        assert main([str(path), "--model", "oracle", "--out", str(tmp_path / "r.jsonl")]) == 2
    finally:
        holder.close()
    assert "another run is appending to it" in capsys.readouterr().err


@pytest.mark.anyio
async def test_a_submission_that_is_not_json_fails_as_invalid_json(tmp_path):
    truncated = '{"total": 4'
    (row,), _ = await run("openai", chat_api(lambda turn, results: [("submit_answer", truncated)]), tmp_path)
    assert (row["passed"], row["reasons"], row["answer"]) == (False, ["invalid_json"], truncated)


def _with_python(task: Task) -> Task:
    return Task(task.id, task.family, task.prompt, [*task.tools, "python"], task.answer_schema, task.env,
                task.truth, task.grader, task.meta)


@pytest.mark.anyio
async def test_without_a_sandbox_python_tool_tasks_are_refused_before_any_trial(tmp_path, monkeypatch):
    from tools import python_tool
    monkeypatch.setattr(python_tool, "sandbox_problem", lambda: "bubblewrap (bwrap) not found")
    with pytest.raises(ValueError, match="refusing to run untrusted code.*--unsafe-python"):
        await run("anthropic", messages_api(solver), tmp_path, tasks=[_with_python(make_task())])
    assert not (tmp_path / "results.jsonl").exists()


@pytest.mark.anyio
async def test_unsafe_python_runs_unconfined_and_the_rows_record_it(tmp_path, monkeypatch):
    from tools import python_tool
    monkeypatch.setattr(python_tool, "sandbox_problem", lambda: "bubblewrap (bwrap) not found")
    monkeypatch.setattr(python_tool, "_unconfined_allowed", False)  # restored after: allow_unconfined sets it
    (row,), _ = await run("anthropic", messages_api(solver), tmp_path, tasks=[_with_python(make_task())],
                          unsafe_python=True)
    assert row["passed"] and row["python_sandbox"] == "unconfined"
    (tmp_path / "plain").mkdir()
    (plain,), _ = await run("anthropic", messages_api(solver), tmp_path / "plain")
    assert plain["python_sandbox"] is None


HUGE = "9" * 5000  # past Python's 4300-digit limit for converting an int from or to text


def _raw_huge(api_respond):
    """The fake API's body with every "HUGE" string replaced by a 5000-digit integer (json.dumps cannot)."""
    def respond(request):
        status, headers, body = api_respond(request)
        return status, headers, json.dumps(body).replace('"HUGE"', HUGE).encode()
    return respond


@pytest.mark.anyio
async def test_a_huge_integer_in_an_anthropic_response_ends_only_that_trial_as_invalid_response(tmp_path):
    def policy(turn, results):
        return [("submit_answer", {"total": "HUGE"})]
    tasks = [make_task(i) for i in range(3)]
    rows, _ = await run("anthropic", _raw_huge(messages_api(policy)), tmp_path, tasks=tasks)
    assert [(r["passed"], r["stop_reason"], r["reasons"]) for r in rows] == [
        (False, "invalid_response", ["invalid_response"])] * 3
    rows, _ = await run("anthropic", _raw_huge(messages_api(policy)), tmp_path, tasks=tasks)
    assert len(rows) == 3  # judged: a rerun neither crashes nor redoes them


@pytest.mark.anyio
async def test_a_huge_integer_in_openai_arguments_is_an_error_result_then_a_failed_grade(tmp_path):
    def policy(turn, results):
        if turn == 1:
            return [(LOOKUP, f'{{"key": {HUGE}}}')]
        assert results[0][1] and "must be a JSON object" in results[0][0]  # the model saw an error
        return [("submit_answer", f'{{"total": {HUGE}}}')]
    (row,), _ = await run("openai", chat_api(policy), tmp_path)
    assert (row["passed"], row["reasons"], row["stop_reason"]) == (False, ["invalid_json"], "submitted")


@pytest.mark.anyio
async def test_a_submission_nested_past_the_parser_depth_is_invalid_json(tmp_path):
    deep = '{"total": ' + "[" * 10_000 + "]" * 10_000 + "}"
    (row,), _ = await run("openai", chat_api(lambda turn, results: [("submit_answer", deep)]), tmp_path)
    assert (row["passed"], row["reasons"]) == (False, ["invalid_json"])


# -- budgets, unreachable providers, names, metadata ----------------------------------------------------

@pytest.mark.anyio
async def test_a_token_budget_stops_new_trials_once_spent(tmp_path):
    from tasks.prices import Budget
    tasks = [make_task(i) for i in range(6)]  # each trial: 220 tokens
    rows, _ = await run("openai", chat_api(solver), tmp_path, tasks=tasks, concurrency=1,
                        budget=Budget(tokens=500))
    assert len(rows) == 3  # 220, 440, then 660 >= 500: no fourth trial starts


@pytest.mark.anyio
async def test_a_dollar_budget_uses_the_price_the_user_gave(tmp_path):
    from tasks.prices import Budget, given_price
    tasks = [make_task(i) for i in range(6)]
    price = given_price(1000.0, 1000.0)  # 220 tokens cost $0.22
    rows, _ = await run("openai", chat_api(solver), tmp_path, tasks=tasks, concurrency=1,
                        budget=Budget(dollars=0.5), price=price)
    assert len(rows) == 3 and rows[0]["cost"] == pytest.approx(0.22)


@pytest.mark.anyio
async def test_a_dollar_budget_without_a_price_is_refused_before_any_trial(tmp_path):
    from tasks.prices import Budget
    with pytest.raises(ValueError, match="no price for gpt-test; give --price IN OUT or --prices FILE"):
        await run("openai", chat_api(solver), tmp_path, budget=Budget(dollars=1.0))


def test_the_cli_reads_a_prices_file_and_says_when_the_budget_stopped_it(tmp_path, capsys):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"gpt-test": {"input": 1000, "output": 1000}}))
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(make_task(i).to_json() + "\n" for i in range(4)))
    with FakeServer(chat_api(solver)) as server:
        code = main([str(path), "--model", "gpt-test", "--base-url", server.url + "/v1", "--concurrency", "1",
                     "--out", str(tmp_path / "r.jsonl"), "--prices", str(prices), "--budget", "$0.3"])
    assert code == 1
    assert "stopped at the budget ($0.3): 2 trials not run" in capsys.readouterr().err
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["cost"] for r in rows] == [pytest.approx(0.22)] * 2


@pytest.mark.parametrize("flags, message", [
    (["--budget", "lots"], "--budget 'lots': give dollars ($5) or tokens (2M tokens)"),
    (["--price", "-1", "2"], "--price takes two prices >= 0"),
    (["--prices", "/nonexistent/p.json"], "--prices /nonexistent/p.json: cannot read it"),
])
def test_bad_budget_or_price_flags_are_one_clear_line(tmp_path, capsys, flags, message):
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    assert main([str(path), "--model", "gpt-test", "--out", str(tmp_path / "r.jsonl"), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "r.jsonl").exists()


def test_an_unreachable_provider_stops_the_run_after_a_few_trials(tmp_path, capsys, monkeypatch):
    import socket
    monkeypatch.setattr("tasks.providers.MAX_RETRIES", 0)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(make_task(i).to_json() + "\n" for i in range(100)))
    code = main([str(path), "--model", "gpt-test", "--base-url", f"http://127.0.0.1:{port}/v1",
                 "--concurrency", "1", "--out", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot connect to http://127.0.0.1:{port}/v1" in err and "3 trials in a row" in err
    rows = (tmp_path / "r.jsonl").read_text().splitlines()
    assert len(rows) == 3  # written as provider errors, retried by a rerun


def test_a_loopback_server_needs_no_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    with FakeServer(chat_api(solver)) as server:
        url = server.url.replace("127.0.0.1", "localhost") + "/v1"
        out = str(tmp_path / "r.jsonl")
        assert main([str(path), "--model", "gpt-test", "--base-url", url, "--out", out]) == 0


def test_a_remote_server_still_needs_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY")
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    assert main([str(path), "--model", "gpt-test", "--base-url", "https://api.example.com/v1",
                 "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err


@pytest.mark.parametrize("model, suggestion", [("orcale", "oracle"), ("basline", "baseline")])
def test_a_misspelt_scripted_agent_is_suggested(tmp_path, capsys, model, suggestion):
    path = tmp_path / "tasks.jsonl"
    path.write_text(make_task().to_json() + "\n")
    assert main([str(path), "--model", model, "--out", str(tmp_path / "r.jsonl")]) == 2
    assert f"did you mean the scripted agent {suggestion!r}?" in capsys.readouterr().err


@pytest.mark.anyio
async def test_every_row_records_the_runs_metadata(tmp_path):
    from tasks.task import task_key
    tasks = [make_task(0), make_task(1)]
    rows, _ = await run("openai", chat_api(solver), tmp_path, tasks=tasks)
    first, second = (r["run"] for r in rows)
    assert first == second
    assert first["tasks_sha256"] == task_key([t.to_json() for t in tasks])
    assert (first["provider"], first["model"], first["settings"]["max_turns"]) == ("openai", "gpt-test", 100)
    assert first["kgtasks"] and first["started"].endswith("+00:00")


@grader("_raises_for_run_test")
def _raising_grader(task, answer):
    raise RuntimeError("a bug in the grader")


def test_a_grader_that_fails_is_a_task_defect_the_run_and_report_set_apart(tmp_path, capsys):
    from dataclasses import replace

    from tasks.report import main as report
    path = tmp_path / "tasks.jsonl"
    broken = replace(make_task(1), grader="_raises_for_run_test")
    path.write_text(make_task(0).to_json() + "\n" + broken.to_json() + "\n")
    with FakeServer(chat_api(solver)) as server:
        assert main([str(path), "--model", "gpt-test", "--base-url", server.url + "/v1",
                     "--out", str(tmp_path / "r.jsonl")]) == 0
    assert "the grader failed on 1 trials (task defects, not the model's failures" in capsys.readouterr().err
    assert report([str(tmp_path / "r.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "test.sum: the grader failed on 1 tasks (a task defect" in text and "sum-1" in text
    assert re.search(r"test\.sum\s+-\s+1\s+1\s+100\.0%", text)  # the broken task is not a failure


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_system_prompt_states_the_turn_limit_in_force(provider, tmp_path):
    never = lambda turn, results: [(LOOKUP, {"key": "a"})]  # noqa: E731
    rows, server = await run(provider, api(provider)(never), tmp_path, limits=Limits(max_turns=3))
    bodies = [r.body for r in server.requests]
    systems = [b["system"][0]["text"] if provider == "anthropic" else b["messages"][0]["content"]
               for b in bodies]
    assert len(systems) == 3 == rows[0]["turns"] and len(set(systems)) == 1
    assert "at most 3 turns" in systems[0] and "however many tools it calls" in systems[0]
    _, server = await run(provider, api(provider)(solver), tmp_path, tasks=[make_task(1)])
    first = server.requests[0].body
    text = first["system"][0]["text"] if provider == "anthropic" else first["messages"][0]["content"]
    assert "at most 100 turns" in text  # tasks.run's DEFAULT_MAX_TURNS
