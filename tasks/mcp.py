"""Serve one task to any MCP client: `python -m tasks.mcp TASKS.jsonl --task ID` (stdio transport).

The task's tools are MCP tools with the JSON Schemas tasks.run sends a model, `submit_answer` takes the
answer schema, and the prompt is the server's instructions and its MCP prompt `task`. Every call goes
through a tasks.play session (the same folder, budgets and records as the shell commands); the
submission ends the episode and appends its results line to `--out`.
"""
from __future__ import annotations

import sys
from typing import Any

try:
    import anyio
    from mcp import MCPError, stdio_server, types
    from mcp.server import Server
except ModuleNotFoundError as e:  # an optional extra: say how to get it rather than a traceback
    sys.exit(f"python -m tasks.mcp: error: {e.name} is not installed; pip install -e '.[mcp]'")

from generators.base import OneLineParser
from tasks.play import SYSTEM_PROMPT, PlayError, Session, append_results, submission_text
from tasks.providers import SUBMIT, SUBMIT_DESCRIPTION
from tasks.task import Task, TaskFileError
from tools.registry import anthropic_tools

PROMPT_NAME = "task"


def instructions(task: Task) -> str:
    """What the client's model is told: a play session's system prompt (with its turn limit), then the
    task's prompt."""
    return f"{SYSTEM_PROMPT}\n\n{task.prompt}"


def _text(text: str, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


def build_server(session: Session, task: Task, player: str, out: str, reveal: bool = False) -> Server:
    """A low-level MCP server whose handlers play `task` in `session`."""
    tools = [*anthropic_tools(task.tools, task.env),
             {"name": SUBMIT, "description": SUBMIT_DESCRIPTION, "input_schema": task.answer_schema}]

    def finish(state: dict[str, Any]) -> None:
        append_results([Session.row(task, state, player)], out)

    def play_call(name: str, args: Any) -> types.CallToolResult:
        try:
            if name == SUBMIT:
                state = session.submit(task, args)
                finish(state)
                return _text(submission_text(session, task, state, reveal))
            result = session.call(task, name, args)  # an unknown tool is an error result, as in tasks.run
            state = session.show(task)
            if state["stop"]:  # that call reached the turn limit
                finish(state)
            return _text(result.for_model, result.is_error)
        except PlayError as e:  # a call after the episode ended
            return _text(f"Error: {e}", error=True)

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool(name=t["name"], description=t["description"],
                                                       input_schema=t["input_schema"]) for t in tools])

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        # in a thread: tools may be slow, and the session's lock and file writes block
        return await anyio.to_thread.run_sync(play_call, params.name, params.arguments or {})

    async def list_prompts(ctx, params) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[types.Prompt(name=PROMPT_NAME,
                                                             description=f"{task.id} ({task.family})")])

    async def get_prompt(ctx, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        if params.name != PROMPT_NAME:
            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown prompt {params.name!r}; "
                                                              f"this server has {PROMPT_NAME!r}")
        return types.GetPromptResult(messages=[types.PromptMessage(
            role="user", content=types.TextContent(type="text", text=instructions(task)))])

    return Server(f"kgtasks-{task.id}", version="1", instructions=instructions(task),
                  on_list_tools=list_tools, on_call_tool=call_tool,
                  on_list_prompts=list_prompts, on_get_prompt=get_prompt)


async def _serve(server: Server) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m tasks.mcp", description=__doc__.splitlines()[0])
    parser.add_argument("tasks", help="task file (JSONL)")
    parser.add_argument("--task", required=True, help="the task's number (as tasks.play lists it) or id")
    parser.add_argument("--session",
                        help="session folder, shared with tasks.play (default ./play-<file stem>)")
    parser.add_argument("--player", default="mcp-client", help="the results' model name (default mcp-client)")
    parser.add_argument("--out", help="results file, appended to (default <session>/results.jsonl)")
    parser.add_argument("--reveal", action="store_true", help="tell the client its grade on submission")
    args = parser.parse_args(argv)
    try:  # everything checked before the protocol starts: errors go to stderr, never the wire
        session = Session(args.tasks, args.session)
        task = session.task(args.task)
        if task.answer_schema.get("type") != "object":
            raise PlayError(f"task {task.id}: its answer schema is not a JSON object schema")
        session.show(task)  # a foreign or torn session folder fails here, and the clock starts
        out = args.out or str(session.directory / "results.jsonl")
        server = build_server(session, task, args.player, out, args.reveal)
    except (PlayError, TaskFileError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    anyio.run(_serve, server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
