"""The adapter: each kgtasks Task is a verifiers Task whose tools run in a rollout-scoped MCP server.

The server process of a rollout gets the task row in `setup_task` and keeps its own deep copy of the
task's env, so budgets and oracle state are never shared between rollouts. `submit_answer` stops the
rollout on the reply that calls it; the reward is the kgtasks grader's verdict (1.0 passed, else 0.0)
and `graded_score` its partial score. Rows carry no truth: the reward reads it from the task file.
"""
from __future__ import annotations

import copy
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import verifiers.v1 as vf
from pydantic import WithJsonSchema

from graders.registry import grade
from tasks.providers import SUBMIT, SUBMIT_DESCRIPTION, system_prompt
from tasks.run import DEFAULT_MAX_TURNS
from tasks.task import Task, read_tasks
from tools.registry import call_tool, counted, get_tool


class KgData(vf.TaskData):
    """One rollout's row: what the model and the tools need, never the truth."""

    path: str
    tools: list[str]
    answer_schema: dict
    env: dict = {}


@cache
def _tasks(path: str) -> dict[str, Task]:
    return {t.id: t for t in read_tasks(path)}


def submitted(message: Any) -> dict | None:
    """The arguments of a submit_answer call in a model reply, else None."""
    for call in getattr(message, "tool_calls", None) or []:
        if call.name == SUBMIT:
            try:
                value = json.loads(call.arguments or "{}")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _as_tool(schema: dict, impl: Any) -> Any:
    """A function whose signature MCP turns into `schema`'s properties."""
    required = set(schema.get("required", []))
    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY,
                                **({} if k in required else {"default": None}),
                                annotation=Annotated[Any, WithJsonSchema(v)])
              for k, v in schema.get("properties", {}).items()]

    async def fn(**kwargs: Any) -> str:
        return impl({k: v for k, v in kwargs.items() if v is not None})

    fn.__signature__ = inspect.Signature(params, return_annotation=str)
    return fn


class KgToolset(vf.Toolset[vf.ToolsetConfig]):
    """The task's kgtasks tools and submit_answer, served for one rollout."""

    TOOL_PREFIX = None

    async def setup_task(self, task: KgData) -> None:
        self.task, self.env = task, copy.deepcopy(task.env)

    def register(self, mcp: Any) -> None:
        def run(name: str):
            def impl(args: dict) -> str:
                return counted(call_tool(name, args, self.env), self.task.tools, self.env).for_model
            return impl

        for name in self.task.tools:
            spec = get_tool(name, self.env)
            mcp.add_tool(_as_tool(spec.parameters, run(name)), name=name, description=spec.description)
        mcp.add_tool(_as_tool(self.task.answer_schema, lambda args: "submitted"), name=SUBMIT,
                     description=SUBMIT_DESCRIPTION)


class KgTask(vf.Task[KgData]):
    @classmethod
    def toolsets(cls, config: vf.TaskConfig) -> list[vf.Toolset]:
        return [KgToolset(vf.ToolsetConfig())]

    @vf.stop
    async def on_submit(self, response: vf.Response) -> bool:
        return submitted(response.message) is not None

    def _grade(self, trace: vf.Trace):
        answers = [a for m in trace.messages if (a := submitted(m)) is not None]
        task = _tasks(self.data.path)[self.data.id]
        return grade(task, answers[-1] if answers else "no submission")

    @vf.reward
    async def graded(self, trace: vf.Trace) -> float:
        return float(self._grade(trace).passed)

    @vf.reward(weight=0.0)
    async def graded_score(self, trace: vf.Trace) -> float:
        return self._grade(trace).score


class KgConfig(vf.TasksetConfig):
    path: str = ""
    family: str | None = None
    max_turns: int = DEFAULT_MAX_TURNS  # the agent's, stated in every row's system prompt


class KgTaskset(vf.Taskset[KgTask, KgConfig]):
    def load(self):
        path = str(Path(self.config.path).resolve())
        system = system_prompt(self.config.max_turns)
        for t in _tasks(path).values():
            if self.config.family is None or t.family == self.config.family \
                    or t.family.startswith(self.config.family + "."):
                yield KgTask(KgData(id=t.id, prompt=t.prompt, system_prompt=system, path=path,
                                    tools=t.tools, answer_schema=t.answer_schema, env=t.env), self.config.task)


def load_environment(path: str, family: str | None = None, max_turns: int = DEFAULT_MAX_TURNS) -> vf.Env:
    """An environment over the tasks of a kgtasks file (only those of `family`, if given), run locally;
    `max_turns` model responses per rollout, which the system prompt states."""
    taskset = KgConfig(id="kgtasks-env", path=str(path), family=family, max_turns=max_turns)
    agent = vf.AgentConfig(harness=vf.HarnessConfig(id="null"), runtime=vf.SubprocessConfig(),
                           max_turns=max_turns)
    return vf.SingleAgentEnv(vf.SingleAgentEnvConfig(taskset=taskset, agent=agent))


if __name__ == "__main__":  # each rollout's tool server runs `python -m kgtasks_env.taskset`
    KgToolset.run()
