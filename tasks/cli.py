"""The `kgtasks` command: one entry point for every `python -m` tool of the project.

`kgtasks generate FAMILY ...` is `python -m generators.<family> ...`; `kgtasks check|run|report|calibrate|
select|play|mcp|export ...` is `python -m tasks.<name> ...`, with the same flags. Subcommands are
imported only when run, so `kgtasks --help` stays fast.
"""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "check": "tasks.check",
    "run": "tasks.run",
    "report": "tasks.report",
    "calibrate": "tasks.calibrate",
    "select": "tasks.select",
    "play": "tasks.play",
    "mcp": "tasks.mcp",
    "export": "tasks.export",
}

USAGE = """usage: kgtasks COMMAND [ARGS...]

  generate FAMILY ...   generate a task family (kgtasks generate causal --help)
  check TASKS ...       verify every task's grader and tools
  run TASKS ...         run a model on tasks many times
  report RESULTS ...    pass rates, intervals, failure modes
  calibrate ...         walk a family's difficulty ladder into a pass-rate band
  select RESULTS TASKS  keep the tasks whose own pass rate lies in a band
  play TASKS ...        play tasks from the shell, one command at a time
  mcp TASKS --task ID   serve one task to an MCP client
  export {tools,hf} ... tool schemas for other harnesses, or a Hugging Face dataset

Each command takes the flags of its `python -m` form; `kgtasks COMMAND --help` lists them."""


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the named command's own `main`."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        try:
            print(USAGE, file=sys.stdout if args else sys.stderr)
        except BrokenPipeError:  # `kgtasks --help | head`: the reader stopped early, not an error
            pass
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "generate":
        from generators import family_names, load_family
        from generators.base import main as generator_main

        if not rest or rest[0].startswith("-"):
            print(f"kgtasks generate: error: name a family: {', '.join(family_names())}", file=sys.stderr)
            return 2
        try:
            module = load_family(rest[0])
        except KeyError as e:
            print(f"kgtasks generate: error: {e.args[0]}", file=sys.stderr)
            return 2
        return generator_main(module, rest[1:])
    if command not in COMMANDS:
        print(f"kgtasks: error: unknown command {command!r}; choose from generate, {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command])
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
