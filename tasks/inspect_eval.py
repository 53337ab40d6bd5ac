"""Run a kgtasks file under Inspect AI: `inspect eval tasks/inspect_eval.py -T path=/abs/causal.jsonl`.

Each Task becomes a Sample; the agent is Inspect's `react()` with the task's own tools (each calling
`tools.registry.call_tool` on that sample's private copy of the env) and `submit_answer` with the task's
answer schema, which ends the sample; the scorer is the kgtasks grader (value 1 when it passes, else 0; the
grade's score and reasons in the explanation). `-T max_turns=N` (default tasks.run's) is the sample's
turn limit, stated in the system prompt. Needs the `[inspect]` extra. Give `-T path=` absolutely: Inspect
loads this file with its own folder as the working directory.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import anyio
from inspect_ai import Task as InspectTask
from inspect_ai import task
from inspect_ai.agent import AgentSubmit, as_solver, react
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import ToolDef, ToolError, ToolParams
from inspect_ai.util import store

from graders.registry import grade
from tasks.providers import SUBMIT, SUBMIT_DESCRIPTION, system_prompt
from tasks.run import DEFAULT_MAX_TURNS
from tasks.task import Task, read_tasks
from tools.registry import call_tool, counted, get_tool


def to_sample(t: Task) -> Sample:
    """A kgtasks Task as an Inspect Sample; the task rides in metadata for the tools and the scorer."""
    return Sample(id=t.id, input=t.prompt, metadata={"task": json.loads(t.to_json()), "family": t.family})


def _params(schema: dict[str, Any]) -> ToolParams:
    params = ToolParams.model_validate(schema)
    for name, prop in params.properties.items():
        prop.description = prop.description or name  # Inspect refuses parameters without one
    return params


def _task_tool(name: str, names: list[str], env: dict[str, Any]) -> ToolDef:
    spec = get_tool(name, env)

    async def execute(**kwargs: Any) -> str:
        result = await anyio.to_thread.run_sync(call_tool, name, kwargs, env)  # tools block: off the loop
        result = counted(result, names, env)
        if result.is_error:
            raise ToolError(result.for_model)
        return result.for_model

    return ToolDef(execute, name=name, description=spec.description, parameters=_params(spec.parameters))


def _submit_tool(schema: dict[str, Any]) -> ToolDef:
    async def execute(**kwargs: Any) -> str:
        store().set("answer", kwargs)
        return json.dumps(kwargs)

    return ToolDef(execute, name=SUBMIT, description=SUBMIT_DESCRIPTION, parameters=_params(schema))


@solver
def kgtasks_agent(max_turns: int = DEFAULT_MAX_TURNS) -> Solver:
    """react() over the sample's own tools, with its env copied so no two samples or epochs share one;
    its system prompt states `max_turns`, the Task's turn limit."""
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        t = Task.from_dict(state.metadata["task"])
        env = copy.deepcopy(t.env)
        agent = react(prompt=system_prompt(max_turns), tools=[_task_tool(n, t.tools, env) for n in t.tools],
                      submit=AgentSubmit(tool=_submit_tool(t.answer_schema), answer_only=True))
        return await as_solver(agent)(state, generate)
    return solve


@scorer(metrics=[mean()])
def kgtasks_grader() -> Scorer:
    """The task's own kgtasks grader on the submitted answer."""
    async def score(state: TaskState, target: Target) -> Score:
        answer = state.store.get("answer")
        if answer is None:
            return Score(value=0.0, explanation="passed=False reasons=['no_submission']",
                         metadata={"passed": False, "reasons": ["no_submission"]})
        g = grade(Task.from_dict(state.metadata["task"]), answer)
        return Score(value=float(g.passed), answer=json.dumps(answer),
                     explanation=f"passed={g.passed} score={g.score} reasons={list(g.reasons)}",
                     metadata={"passed": g.passed, "score": g.score, "reasons": list(g.reasons)})
    return score


@task
def kgtasks(path: str, family: str | None = None, max_turns: int = DEFAULT_MAX_TURNS) -> InspectTask:
    """The tasks of a kgtasks JSONL file (only those of `family`, a `family.kind` or its prefix, if given).
    `max_turns` model responses per sample, as tasks.run counts them (Inspect's turn limit, not a message
    limit, which tool results would use up too), and the system prompt says so."""
    tasks = [t for t in read_tasks(path) if family is None or t.family == family
             or t.family.startswith(family + ".")]
    return InspectTask(dataset=MemoryDataset([to_sample(t) for t in tasks], name=path),
                       solver=kgtasks_agent(max_turns), scorer=kgtasks_grader(), turn_limit=max_turns)
