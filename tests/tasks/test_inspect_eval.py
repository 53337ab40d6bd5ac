"""The Inspect AI export, run by Inspect itself with its scripted mockllm model (no network)."""
import json

import pytest

pytest.importorskip("inspect_ai", reason="the [inspect] extra is not installed")

from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.event import ToolEvent  # noqa: E402
from inspect_ai.log import read_eval_log  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402

from generators import load_family  # noqa: E402
from tasks.api import generate  # noqa: E402
from tasks.inspect_eval import kgtasks  # noqa: E402
from tasks.task import write_tasks  # noqa: E402


def _call(tool, args):
    out = ModelOutput.for_tool_call("mockllm/model", tool, args)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)  # no tokenizer download
    return out


def _scripted(tasks, pick):
    """Explore with one parents call, then submit `pick(task)` for the task whose prompt this is."""
    by_prompt = {t.prompt: t for t in tasks}

    def respond(input, tools, tool_choice, config):
        prompt = next(m.text for m in input if m.role == "user")
        task = by_prompt[prompt]
        if not any(m.role == "tool" for m in input):
            return _call("parents", {"node": task.truth["treatment"]})
        return _call("submit_answer", pick(task))
    return respond


def _run(tmp_path, pick):
    tasks = generate("causal", n=2, seed=3, kind="adjustment")
    path = tmp_path / "tasks.jsonl"
    with open(path, "w") as fh:
        write_tasks(tasks, fh)
    model = get_model("mockllm/model", custom_outputs=_scripted(tasks, pick))
    [log] = inspect_eval(kgtasks(path=str(path)), model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    return read_eval_log(log.location).samples


def test_the_oracle_answer_scores_1_and_the_log_holds_the_tool_calls(tmp_path):
    samples = _run(tmp_path, lambda t: t.truth["reference"])
    assert len(samples) == 2
    for s in samples:
        assert s.scores["kgtasks_grader"].value == 1.0
        calls = [e.function for e in s.events if isinstance(e, ToolEvent)]
        assert calls == ["parents", "submit_answer"]


def test_a_mutant_scores_0_with_the_graders_reason(tmp_path):
    causal = load_family("causal")
    samples = _run(tmp_path, lambda t: causal.mutants(t)[0])
    for s in samples:
        score = s.scores["kgtasks_grader"]
        assert score.value == 0.0 and score.metadata["reasons"], score.explanation
        assert json.loads(score.answer)


def test_the_turn_limit_is_inspects_and_the_system_prompt_states_it(tmp_path):
    tasks = generate("causal", n=1, seed=3, kind="adjustment")
    path = tmp_path / "tasks.jsonl"
    with open(path, "w") as fh:
        write_tasks(tasks, fh)
    def explore(input, tools, tool_choice, config):  # never submits
        return _call("parents", {"node": tasks[0].truth["treatment"]})

    model = get_model("mockllm/model", custom_outputs=explore)
    [log] = inspect_eval(kgtasks(path=str(path), max_turns=3), model=model, log_dir=str(tmp_path / "logs"),
                         display="none")
    [sample] = read_eval_log(log.location).samples
    system = next(m.text for m in sample.messages if m.role == "system")
    assert "at most 3 turns (each of your responses is one turn" in system
    assert sum(m.role == "assistant" for m in sample.messages) == 3  # the fourth response is refused
    assert sample.limit.type == "turn" and sample.scores["kgtasks_grader"].value == 0.0


def test_each_tool_result_of_a_budgeted_task_ends_with_the_calls_left(tmp_path):
    [task] = generate("causal", n=1, seed=3, kind="discover", edges=3)  # the oracle, under a query budget
    path = tmp_path / "tasks.jsonl"
    with open(path, "w") as fh:
        write_tasks([task], fh)
    x, y = task.env["variables"][:2]

    def respond(input, tools, tool_choice, config):
        (ci,) = [t for t in tools if t.name == "ci_test"]
        assert "oracle" in ci.description and "p-value" not in ci.description  # its own mode's description
        calls = sum(m.role == "tool" for m in input)
        return _call("ci_test", {"x": x, "y": y}) if calls < 2 else _call("submit_answer", task.truth["reference"])

    model = get_model("mockllm/model", custom_outputs=respond)
    [log] = inspect_eval(kgtasks(path=str(path)), model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    [sample] = read_eval_log(log.location).samples
    budget = task.env["budget"]
    results = [str(e.result) for e in sample.events if isinstance(e, ToolEvent) and e.function == "ci_test"]
    assert [r.splitlines()[-1] for r in results] == [f"[calls left: {budget - n} of ci_test]" for n in (1, 2)]
