"""The verifiers 0.4 environment (environments/kgtasks_env), run by verifiers' own episode runner against
the local fake OpenAI-compatible server (streaming). verifiers pins openai<3 and mcp==2.0.0, so this runs
in an environment of its own: `make test-verifiers`; elsewhere it is skipped."""
import asyncio
import os

import pytest

vf = pytest.importorskip("verifiers.v1", reason="verifiers is not installed here: make test-verifiers runs this")
kgtasks_env = pytest.importorskip("kgtasks_env", reason="the kgtasks_env package is not installed")

from generators import load_family  # noqa: E402
from tasks.api import generate  # noqa: E402
from tasks.task import write_tasks  # noqa: E402
from tests.fakes import FakeServer, chat_api  # noqa: E402


def _respond(tasks):
    by_prompt = {t.prompt: t for t in tasks}
    causal = load_family("causal")

    def respond(request):
        text = [m["content"] for m in request.body["messages"] if m["role"] == "user"][0]
        text = text if isinstance(text, str) else "".join(p.get("text", "") for p in text)
        task = by_prompt[text.strip()]
        answer = task.truth["reference"] if request.body["model"] == "fake-right" else causal.mutants(task)[0]
        policy = lambda turn, results: ([("parents", {"node": task.truth["treatment"]})] if turn == 1  # noqa: E731
                                        else [("submit_answer", answer)])
        return chat_api(policy)(request)
    return respond


async def _evaluate(path, tasks, models):
    with FakeServer(_respond(tasks)) as srv:
        env = kgtasks_env.load_environment(path=str(path))
        (task,) = list(env.taskset)[:1]
        client = vf.EvalClientConfig(base_url=srv.url + "/v1", api_key_var="FAKE_API_KEY")
        sampling = vf.SamplingConfig(temperature=0.0, max_tokens=64)
        async with env.serving():
            episodes = await asyncio.gather(*(env.run_episode(task, vf.ModelContext(
                model=m, client=client, sampling=sampling)) for m in models))
        return [ep.traces[0] for ep in episodes]


def test_the_reference_earns_reward_1_and_a_mutant_0_each_rollout_with_its_own_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_API_KEY", "test")
    tasks = generate("causal", n=1, seed=3, kind="adjustment")
    path = tmp_path / "tasks.jsonl"
    with open(path, "w") as fh:
        write_tasks(tasks, fh)
    right, wrong = asyncio.run(_evaluate(path, tasks, ["fake-right", "fake-wrong"]))
    assert (right.reward, wrong.reward) == (1.0, 0.0)
    for trace in (right, wrong):
        assert trace.stop_condition == "on_submit"
        tool_results = [m.content for m in trace.messages if m.role == "tool"]
        assert len(tool_results) == 1 and not str(tool_results[0]).startswith("Error")
