"""Model providers for the runner: each turns one episode's conversation into model replies.

`anthropic` (Messages API, prompt caching), `openai` (any OpenAI-compatible chat-completions server)
and `scripted` agents that need no key (`oracle`, `random`, `baseline`, from the family's hooks, and
`adversary`, which attacks the tools and the runner: tasks/adversary.py).
A provider knows nothing about families: it sees the Task's prompt, tool names and answer schema.
"""
from __future__ import annotations

import difflib
import ipaddress
import json
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tasks.task import JSONBoundsError, Task, decode_json, task_key
from tools.registry import ToolResult, anthropic_tools, openai_tools

SUBMIT = "submit_answer"
SCRIPTED_AGENTS = ("oracle", "random", "baseline", "adversary")
PROVIDERS = ("anthropic", "openai", "scripted")

# what a turn is: tasks.run, Inspect and verifiers count model responses; tasks.play and tasks.mcp, calls
RESPONSE_TURN = "each of your responses is one turn, however many tools it calls"
CALL_TURN = "each tool call is one turn, the submit_answer call included"


def system_prompt(max_turns: int, turn: str = RESPONSE_TURN) -> str:
    """What every harness tells the model first, with the turn limit in force there (`turn` says what
    that harness counts): the limit must be readable, or a model cannot plan its budget."""
    return ("You are solving a research task with tools. Use the tools as much as you need, then call "
            f"{SUBMIT} exactly once with your final answer: that call ends the episode and is graded. "
            f"You have at most {max_turns} turns ({turn}); the {SUBMIT} call must be among them, else "
            "the episode ends ungraded and fails.")


SUBMIT_DESCRIPTION = "Submit your final answer. This ends the episode; it is graded as the task states."
# Output cap of one response: room for thinking before a tool call, and under the ~21k above which the
# anthropic client refuses non-streaming requests (they could outlast its 10-minute limit).
RESPONSE_MAX_TOKENS = 16_000
MAX_RETRIES = 6  # the clients back off exponentially and honour retry-after / retry-after-ms
TIMEOUT_S = 600.0  # a long response at a slow model's pace
_EPHEMERAL = {"type": "ephemeral"}


class ProviderError(Exception):
    """The provider failed after its retries: this trial ends with `provider_error`."""


class ModelResponseError(Exception):
    """The model's response is beyond what the runner decodes (a huge integer, too deep a nesting):
    this trial ends with `invalid_response`, a failure of the model."""


class ProviderUnreachable(ProviderError):
    """The provider could not be connected to (after the client's retries); several in a row stop the run."""


class FatalProviderError(Exception):
    """A failure every trial would repeat (missing or rejected key, unknown model): the run stops."""


@dataclass(frozen=True)
class ToolCall:
    """One tool call of a reply."""

    id: str
    name: str
    args: Any
    """The decoded arguments; the raw text when the model sent arguments that are not JSON."""


@dataclass(frozen=True)
class Usage:
    """Tokens of one response; `input` excludes the cached tokens counted apart."""

    input: int = 0
    output: int = 0
    cache_creation: int = 0
    cache_read: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input + other.input, self.output + other.output,
                     self.cache_creation + other.cache_creation, self.cache_read + other.cache_read)

    @property
    def context(self) -> int:
        """The conversation's size after this response: everything read plus everything written."""
        return self.input + self.cache_creation + self.cache_read + self.output


@dataclass(frozen=True)
class Reply:
    """One model response."""

    text: str
    calls: list[ToolCall]
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False
    """The response stopped at its output-token cap."""


class Episode(Protocol):
    """One conversation: ask for the next reply, hand back the results of its tool calls."""

    async def next_reply(self) -> Reply: ...

    def add_results(self, results: list[tuple[ToolCall, ToolResult]]) -> None: ...


class Provider(Protocol):
    """Makes episodes for one model."""

    name: str

    def episode(self, task: Task, trial: int, system: str) -> Episode:
        """A new conversation on `task`, told `system` first (tasks.run's system_prompt)."""
        ...

    async def aclose(self) -> None: ...


def infer_provider(model: str, base_url: str | None) -> str:
    """The provider a model name implies when --provider is not given."""
    if model in SCRIPTED_AGENTS:
        return "scripted"
    if base_url is None and (near := difflib.get_close_matches(model, SCRIPTED_AGENTS, n=1, cutoff=0.7)):
        raise ValueError(f"--model {model!r}: did you mean the scripted agent {near[0]!r}? (for a model of "
                         "that name, give --provider)")
    if model.startswith("claude") and base_url is None:
        return "anthropic"
    return "openai"


def make_provider(name: str, model: str, base_url: str | None = None) -> Provider:
    """A provider; ValueError for a bad combination, FatalProviderError for a missing API key."""
    if name == "scripted":
        if model not in SCRIPTED_AGENTS:
            near = difflib.get_close_matches(model, SCRIPTED_AGENTS, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise ValueError(f"--model {model!r}: {hint}the scripted agents are {', '.join(SCRIPTED_AGENTS)}")
        return ScriptedProvider(model)
    if name == "anthropic":
        return AnthropicProvider(model, base_url)
    if name == "openai":
        return OpenAIProvider(model, base_url)
    raise ValueError(f"--provider {name!r}: choose one of {', '.join(PROVIDERS)}")


def is_loopback(base_url: str | None) -> bool:
    """Whether a base URL names this machine (a local server, which needs no key)."""
    from urllib.parse import urlsplit

    host = urlsplit(base_url or "").hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_key(name: str, hint: str, base_url: str | None = None) -> str:
    if is_loopback(base_url):  # a local server: the client needs some key, the server none
        return os.environ.get(name) or "no-key-needed"
    if not os.environ.get(name):
        raise FatalProviderError(f"{name} is not set: {hint}, or run a scripted agent (--model oracle)")
    return os.environ[name]


# -- Anthropic Messages API ---------------------------------------------------------------------------

class AnthropicProvider:
    """Claude through the official async client; tools, system prompt and conversation prefix are cached."""

    name = "anthropic"

    def __init__(self, model: str, base_url: str | None):
        import anthropic  # imported here: the import costs most of a second, which scripted runs skip

        self._anthropic = anthropic
        key = _require_key("ANTHROPIC_API_KEY", hint="export your Anthropic API key", base_url=base_url)
        self.model = model
        self.client = anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=MAX_RETRIES,
                                               timeout=TIMEOUT_S)

    def episode(self, task: Task, trial: int, system: str) -> Episode:
        return _AnthropicEpisode(self, task, system)

    async def aclose(self) -> None:
        await self.client.close()


class _AnthropicEpisode:
    def __init__(self, provider: AnthropicProvider, task: Task, system: str):
        self.provider = provider
        tools = anthropic_tools(task.tools, task.env) + [
            {"name": SUBMIT, "description": SUBMIT_DESCRIPTION, "input_schema": task.answer_schema}]
        # Cache breakpoints: the tools and the system prompt (the same for every trial of a task), and the
        # conversation so far (each turn re-reads it). Three of the four the API allows.
        self.tools = [*tools[:-1], {**tools[-1], "cache_control": _EPHEMERAL}]
        self.system = [{"type": "text", "text": system, "cache_control": _EPHEMERAL}]
        self.messages: list[dict[str, Any]] = [
            {"role": "user", "content": [{"type": "text", "text": task.prompt}]}]

    async def next_reply(self) -> Reply:
        anthropic = self.provider._anthropic
        *earlier, last = self.messages
        *blocks, last_block = last["content"]
        cached_last = {**last, "content": [*blocks, {**last_block, "cache_control": _EPHEMERAL}]}
        try:
            r = await self.provider.client.messages.create(
                model=self.provider.model, max_tokens=RESPONSE_MAX_TOKENS, system=self.system,
                tools=self.tools, messages=[*earlier, cached_last])
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError, anthropic.NotFoundError) as e:
            raise FatalProviderError(f"anthropic: {_status_message(e)}") from None
        except anthropic.APITimeoutError as e:  # a slow answer, not an unreachable server
            raise ProviderError(f"anthropic: {_status_message(e)}") from None
        except anthropic.APIConnectionError as e:
            raise ProviderUnreachable(f"anthropic: cannot connect to {self.provider.client.base_url}: "
                                      f"{_status_message(e)}") from None
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: {_status_message(e)}") from None
        except (ValueError, RecursionError) as e:  # the client decoding the body: a model-written value
            raise ModelResponseError(f"anthropic: the response could not be decoded ({e})") from None
        content = r.content or []
        self.messages.append({"role": "assistant",
                              "content": [b.model_dump(exclude_none=True) for b in content]})
        u = r.usage
        usage = Usage(u.input_tokens or 0, u.output_tokens or 0, u.cache_creation_input_tokens or 0,
                      u.cache_read_input_tokens or 0) if u else Usage()
        text = "".join(b.text or "" for b in content if b.type == "text")
        calls = [ToolCall(b.id, b.name, b.input) for b in content if b.type == "tool_use"]
        return Reply(text, calls, usage, r.stop_reason == "max_tokens")

    def add_results(self, results: list[tuple[ToolCall, ToolResult]]) -> None:
        self.messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call.id, "content": result.for_model,
             "is_error": result.is_error}
            for call, result in results]})


# -- OpenAI-compatible chat completions -----------------------------------------------------------------

class OpenAIProvider:
    """Any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp, a gateway) via --base-url."""

    name = "openai"

    def __init__(self, model: str, base_url: str | None):
        import openai

        self._openai = openai
        key = _require_key("OPENAI_API_KEY", hint="export your key (any value for a server that needs none)",
                           base_url=base_url)
        self.model = model
        self.client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=MAX_RETRIES,
                                         timeout=TIMEOUT_S)

    def episode(self, task: Task, trial: int, system: str) -> Episode:
        return _OpenAIEpisode(self, task, system)

    async def aclose(self) -> None:
        await self.client.close()


class _OpenAIEpisode:
    def __init__(self, provider: OpenAIProvider, task: Task, system: str):
        self.provider = provider
        self.tools = openai_tools(task.tools, task.env) + [{"type": "function", "function": {
            "name": SUBMIT, "description": SUBMIT_DESCRIPTION, "parameters": task.answer_schema}}]
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": system},
                                               {"role": "user", "content": task.prompt}]

    async def next_reply(self) -> Reply:
        openai = self.provider._openai
        try:
            r = await self.provider.client.chat.completions.create(
                model=self.provider.model, messages=self.messages, tools=self.tools,
                max_completion_tokens=RESPONSE_MAX_TOKENS)  # OpenAI's reasoning models refuse max_tokens
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as e:
            raise FatalProviderError(f"openai: {_status_message(e)}") from None
        except openai.APITimeoutError as e:  # a slow answer, not an unreachable server
            raise ProviderError(f"openai: {_status_message(e)}") from None
        except openai.APIConnectionError as e:
            raise ProviderUnreachable(f"openai: cannot connect to {self.provider.client.base_url}: "
                                      f"{_status_message(e)}") from None
        except openai.APIError as e:
            raise ProviderError(f"openai: {_status_message(e)}") from None
        except (ValueError, RecursionError) as e:  # the client decoding the body: a model-written value
            raise ModelResponseError(f"openai: the response could not be decoded ({e})") from None
        if not r.choices:
            raise ProviderError("openai: the response has no choices")
        choice = r.choices[0]
        message = choice.message
        tool_calls = [tc for tc in message.tool_calls or [] if tc.type == "function"]
        assistant: dict[str, Any] = {"role": "assistant", "content": message.content}
        if tool_calls:  # rebuilt, not dumped: responses carry fields (annotations, refusal) requests must not
            assistant["tool_calls"] = [{"id": tc.id, "type": "function", "function": {
                "name": tc.function.name, "arguments": tc.function.arguments}} for tc in tool_calls]
        self.messages.append(assistant)
        calls = [ToolCall(tc.id, tc.function.name, _decode_arguments(tc.function.arguments))
                 for tc in tool_calls]
        u = r.usage
        cached = (u.prompt_tokens_details.cached_tokens or 0) if u and u.prompt_tokens_details else 0
        usage = Usage((u.prompt_tokens or 0) - cached, u.completion_tokens or 0, 0, cached) if u else Usage()
        return Reply(message.content or "", calls, usage, choice.finish_reason == "length")

    def add_results(self, results: list[tuple[ToolCall, ToolResult]]) -> None:
        # chat completions has no error flag; call_tool's error texts start with "Error:"
        self.messages.extend({"role": "tool", "tool_call_id": call.id, "content": result.for_model}
                             for call, result in results)


MAX_ARGUMENT_CHARS = 1 << 20


def _decode_arguments(text: str | None) -> Any:
    """The arguments, or their raw text when they are not JSON or beyond bounds: a tool call then gets
    an error result, a submission a failed grade (invalid_json, answer_too_large)."""
    try:
        return decode_json(text or "{}", MAX_ARGUMENT_CHARS)
    except (json.JSONDecodeError, JSONBoundsError, RecursionError):
        return text


def _status_message(e: Exception) -> str:
    status = getattr(e, "status_code", None)
    return f"HTTP {status}: {e.message}" if status else f"{type(e).__name__}: {e}"


# -- Scripted agents ----------------------------------------------------------------------------------

class ScriptedProvider:
    """Agents without a model, from the family module's hooks (generators/base.py):

    `oracle` calls every tool through `probe_calls`, then submits `truth["reference"]`;
    `random` submits `random_answer`; `baseline` submits the family's naive `baseline`;
    `adversary` runs the attacks of tasks/adversary.py, then submits what they found.
    """

    name = "scripted"

    def __init__(self, agent: str):
        self.agent = agent

    def episode(self, task: Task, trial: int, system: str) -> Episode:
        return _ScriptedEpisode(self.agent, task, trial)  # a script reads no prompt

    async def aclose(self) -> None:
        pass


class _ScriptedEpisode:
    def __init__(self, agent: str, task: Task, trial: int):
        self.agent, self.task = agent, task
        # one RNG per (agent, task, trial), from the whole key: reruns give the same answers
        self.rng = np.random.default_rng(int(task_key([agent, task.id, trial])[:16], 16))
        self.turn = 0
        self.results: list[tuple[str, bool]] = []

    async def next_reply(self) -> Reply:
        self.turn += 1
        try:
            calls = self._plan()
        except FatalProviderError:
            raise
        except Exception as e:  # a bug in a family hook fails this trial, not the run
            raise ProviderError(f"scripted {self.agent}: {type(e).__name__}: {e}") from None
        return Reply("", calls)

    def _plan(self) -> list[ToolCall]:
        from generators import load_family  # imported late: only scripted agents need the families

        if self.agent == "adversary":
            from tasks import adversary

            if self.turn == 1:
                return [ToolCall(i, name, args) for i, name, args in adversary.attacks(self.task.tools)]
            return [ToolCall("submit", SUBMIT, adversary.answer(self.results))]

        try:
            family = load_family(self.task.family)
        except (KeyError, ModuleNotFoundError) as e:
            raise FatalProviderError(f"scripted {self.agent}: no generator module for family "
                                     f"{self.task.family!r} ({e})") from None
        if self.agent == "oracle" and self.turn == 1:
            probes = [ToolCall(f"probe_{i}", name, args)
                      for i, (name, args) in enumerate(family.probe_calls(self.task, self.rng))]
            if probes:
                return probes
        answer = {"oracle": lambda: self.task.truth["reference"],
                  "random": lambda: family.random_answer(self.task, self.rng),
                  "baseline": lambda: family.baseline(self.task, self.rng)}[self.agent]()
        return [ToolCall("submit", SUBMIT, json.loads(json.dumps(answer)))]  # fails here if not JSON

    def add_results(self, results: list[tuple[ToolCall, ToolResult]]) -> None:
        self.results += [(result.text, result.is_error) for _, result in results]
