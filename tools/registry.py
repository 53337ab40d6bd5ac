"""Model-facing tools: typed functions whose signature and docstring are their JSON Schema.

A tool is `def name(env: dict, arg: type, ...) -> str` with a Google-style docstring. `env` is the
task's environment, bound by the runner and never shown to the model; the other parameters are what
the model fills in. Everything the model can cause is a `ToolError`, returned to it as an error result.
A task with a tool-call budget sets `env["calls_left"]`; `call_tool` counts every well-formed call. A
tool with a budget of its own says how to read it (`@tool(left=...)`), and `counted` attaches the line of
calls left that every harness shows the model after each call, beside the text scripted strategies parse.
Several forms of one tool name (`@tool(name=..., when=...)`) let each task's model read the description
of the form its env selects.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tasks.families import tool_modules

MAX_RESULT_CHARS = 20_000


class ToolError(Exception):
    """Anything the model caused: bad arguments, an unknown node, a spent budget. Sent back as an error."""


@dataclass(frozen=True)
class Tool:
    """A registered tool: the function, and the schema the model sees."""

    name: str
    """Name the model calls it by."""
    fn: Callable[..., str]
    """The implementation; its first parameter is the task's env."""
    description: str
    """The docstring's summary and return description."""
    parameters: dict[str, Any]
    """JSON Schema (an object) of the model-facing arguments."""
    when: Callable[[dict], bool] | None = None
    """For one of several forms of a name: whether a task's env calls this form; None for the default."""
    left: Callable[[dict], int | None] | None = None
    """How many calls the tool's own budget in the env has left (None: it has none); None: never budgeted."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gives back to the model."""

    text: str
    """The result, or a one-line error the model can act on."""
    is_error: bool = False
    """True when the call failed; the runner marks the tool_result as an error."""
    calls_left: str = ""
    """The line of calls left under the task's budgets ("[calls left: 5]"), empty without a budget: shown
    to the model after the text but kept apart, so scripted strategies parse the text alone."""

    @property
    def for_model(self) -> str:
        """What the model is shown: the text, then the line of calls left."""
        return f"{self.text}\n{self.calls_left}" if self.calls_left else self.text


_REGISTRY: dict[str, list[Tool]] = {}  # name -> its forms, the default (when=None) last
_imported: set[str] = set()


def _json_type(hint: Any) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin in (list, tuple) or hint in (list, tuple):
        item = args[0] if args else str
        return {"type": "array", "items": _json_type(item)}
    if origin is dict:  # string keys; the values' type is the second argument
        return {"type": "object", "additionalProperties": _json_type(args[1])}
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            schema = _json_type(inner[0])
            return {**schema, "type": [schema["type"], "null"]}
    raise ValueError(f"unsupported parameter type {hint!r}")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and its `Args:` entries."""
    doc = inspect.cleandoc(doc)
    parts = re.split(r"^Args:\s*$", doc, maxsplit=1, flags=re.M)
    args: dict[str, str] = {}
    if len(parts) == 2:
        body, _, tail = parts[1].partition("\nReturns:")
        current = None
        for line in body.splitlines():
            m = re.match(r"^\s{2,}(\w+)(?: \([^)]*\))?:\s*(.*)$", line)
            if m:
                current = m.group(1)
                args[current] = m.group(2).strip()
            elif current and line.strip():
                args[current] += " " + line.strip()
        description = parts[0].strip() + ("\n\nReturns:" + tail if tail else "")
    else:
        description = doc
    return description.strip(), args


def build_tool(fn: Callable[..., str], name: str | None = None, when: Callable[[dict], bool] | None = None,
               left: Callable[[dict], int | None] | None = None) -> Tool:
    """Derive a Tool from a typed, documented function; raises ValueError at build time, not mid-episode."""
    name = name or fn.__name__.removesuffix("_tool")
    if not fn.__doc__:
        raise ValueError(f"tool {name}: needs a docstring")
    description, arg_docs = _parse_docstring(fn.__doc__)
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].name != "env":
        raise ValueError(f"tool {name}: first parameter must be env")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in params[1:]:
        if p.name not in arg_docs:
            raise ValueError(f"tool {name}: parameter {p.name} has no description in Args:")
        properties[p.name] = {**_json_type(hints[p.name]), "description": arg_docs[p.name]}
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return Tool(name=name, fn=fn, description=description, parameters=schema, when=when, left=left)


def tool(fn: Callable[..., str] | None = None, *, name: str | None = None,
         when: Callable[[dict], bool] | None = None, left: Callable[[dict], int | None] | None = None) -> Any:
    """Register a function as a model-facing tool: `@tool`, or `@tool(...)` with any of
    name: the name the model calls it by (default: the function's name minus a `_tool` suffix);
    when: this form serves the tasks whose env it holds true for, the name's default form the others;
    left: reads how many calls the tool's own budget has left in an env (None when it has none)."""
    def register(fn: Callable[..., str]) -> Callable[..., str]:
        t = build_tool(fn, name, when, left)
        forms = _REGISTRY.setdefault(t.name, [])
        if any(f.fn is fn for f in forms):
            return fn
        if when is None and any(f.when is None for f in forms):
            raise ValueError(f"duplicate tool name {t.name!r}")
        forms.insert(len(forms) if when is None else 0, t)
        return fn
    return register(fn) if fn is not None else register


def _load() -> None:
    """Import the tool modules of every registered family (each once; a family added later is seen)."""
    for module in tool_modules():
        if module not in _imported:
            importlib.import_module(module)
            _imported.add(module)


def get_tool(name: str, env: dict[str, Any] | None = None) -> Tool:
    """The registered tool of that name, in the form a task with `env` calls (without an env: the default
    form); KeyError naming the known tools otherwise."""
    _load()
    if name not in _REGISTRY:
        raise KeyError(f"unknown tool {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    forms = _REGISTRY[name]
    return next((f for f in forms if f.when is None or (env is not None and f.when(env))), forms[-1])


def anthropic_tools(names: list[str], env: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Tool definitions in the Anthropic Messages API format (each in the form the task's `env` calls)."""
    return [{"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in (get_tool(name, env) for name in names)]


def openai_tools(names: list[str], env: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Tool definitions in the OpenAI chat-completions format (each in the form the task's `env` calls)."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.parameters}}
            for t in (get_tool(name, env) for name in names)]


def _check_args(t: Tool, args: Any) -> str | None:
    """A one-line complaint about the arguments, or None when they fit the schema."""
    if not isinstance(args, dict):
        return f"arguments must be a JSON object, got {type(args).__name__}"
    props = t.parameters["properties"]
    unknown = sorted(set(args) - set(props))
    if unknown:
        return f"unknown argument(s) {unknown}; {t.name} takes {sorted(props)}"
    missing = [p for p in t.parameters["required"] if p not in args]
    if missing:
        return f"missing required argument(s) {missing}"
    for key, value in args.items():
        if not _fits(props[key], value):
            return f"argument {key!r} must be {_describe(props[key])}, got {json.dumps(value)[:80]}"
    return None


_PY_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list,
             "null": type(None), "object": dict}


def _fits(schema: dict[str, Any], value: Any) -> bool:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    for kind in kinds:
        if kind in ("integer", "number") and isinstance(value, bool):
            continue
        if isinstance(value, _PY_TYPES[kind]):
            if kind == "array":
                return all(_fits(schema["items"], v) for v in value)
            if kind == "object":
                return all(isinstance(k, str) and _fits(schema["additionalProperties"], v)
                           for k, v in value.items())
            return "enum" not in schema or value in schema["enum"]
    return False


def _describe(schema: dict[str, Any]) -> str:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    text = " or ".join(f"an array of {_describe(schema['items'])}" if k == "array" else
                       f"an object of {_describe(schema['additionalProperties'])}" if k == "object" else k
                       for k in kinds)
    return text + (f" (one of {schema['enum']})" if "enum" in schema else "")


def call_tool(name: str, args: Any, env: dict[str, Any]) -> ToolResult:
    """Run a tool for the model. Never raises: every failure comes back as an error result."""
    try:
        t = get_tool(name, env)
    except KeyError as e:
        return ToolResult(f"Error: {e.args[0]}", is_error=True)
    problem = _check_args(t, args)
    if problem:
        return ToolResult(f"Error: {name}: {problem}", is_error=True)
    left = env.get("calls_left")
    if left is not None:
        if left <= 0:
            return ToolResult("Error: the tool-call budget is spent; submit your answer with submit_answer",
                              is_error=True)
        env["calls_left"] = left - 1
    try:
        text = t.fn(env, **args)
    except ToolError as e:
        return ToolResult(f"Error: {e}", is_error=True)
    except Exception as e:  # a bug in a tool must not end the episode; say what happened
        return ToolResult(f"Error: {name} failed internally ({type(e).__name__}: {e})", is_error=True)
    if not isinstance(text, str):
        text = json.dumps(text, sort_keys=True)
    if len(text) > MAX_RESULT_CHARS:
        text = text[:MAX_RESULT_CHARS] + f"\n[truncated: {len(text) - MAX_RESULT_CHARS} more characters]"
    return ToolResult(text)


def calls_left_line(names: list[str], env: dict[str, Any]) -> str:
    """The line of calls left under the budgets of a task offering tools `names` in `env`, '' without one:
    "[calls left: 5]" (all tools together), "[calls left: 2 of ci_test]" (one tool's own budget), or
    "[calls left: 11 of all tools, 4 of run_tests]"."""
    total = env.get("calls_left")
    own = [(name, n) for name in sorted(set(names)) if isinstance(n := _own_left(name, env), int)]
    if not own:
        return f"[calls left: {total}]" if isinstance(total, int) else ""
    parts = [f"{total} of all tools"] if isinstance(total, int) else []
    return f"[calls left: {', '.join(parts + [f'{n} of {name}' for name, n in own])}]"


def _own_left(name: str, env: dict[str, Any]) -> int | None:
    try:
        t = get_tool(name, env)
        return t.left(env) if t.left is not None else None
    except Exception:  # an unknown tool or an env without that budget's keys: no line to show for it
        return None


def counted(result: ToolResult, names: list[str], env: dict[str, Any]) -> ToolResult:
    """The result with the line of calls left, as every harness shows it to a model offered `names`."""
    return dataclasses.replace(result, calls_left=calls_left_line(names, env))
