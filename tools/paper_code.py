"""Running a model's code against the paper-to-code repository, in the python tool's sandbox: the
public tests (the `run_public_tests` tool), and the hidden cases a grader compares with the definition.

The model's files are laid over the task's cut-off copy in a fresh folder. A harness imports the code
and calls it; for hidden cases it prints only what the functions returned, so the comparison with the
expected values happens outside the sandbox and no code of the model's can fake a pass.
"""
from __future__ import annotations

import json
import os
import re
import signal
import tempfile
from typing import Any

from graphs import git as G
from graphs.paper_repo import tree_files
from tools.python_tool import WALL_SECONDS, run_confined
from tools.registry import ToolError, tool

CALL_SECONDS = 2  # per hidden case or public test; the whole run has the python tool's wall time
MAX_FILES = 20
MAX_FILE_CHARS = 50_000
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*\.py")
_MARK = "@@kgtasks-result@@"
_CPU_LIMIT = (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGKILL)

_HARNESS = r'''
import importlib, json, signal, sys
sys.path.insert(0, ".")
import numpy as np

spec = json.load(open(".spec.json"))


class _Timeout(BaseException):
    pass


def _alarm(*_):
    raise _Timeout()


signal.signal(signal.SIGALRM, _alarm)


stuck = []  # after one call runs over its time, the rest are not tried: each would cost as much


def call(fn):
    if stuck:
        return {"error": "timeout", "detail": "not run: an earlier call ran over its time"}
    signal.setitimer(signal.ITIMER_REAL, spec["seconds"])
    try:
        return {"value": fn()}
    except _Timeout:
        stuck.append(1)
        return {"error": "timeout", "detail": f"over {spec['seconds']} s"}
    except BaseException as e:
        return {"error": "crash", "detail": f"{type(e).__name__}: {e}"[:300]}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def encode(result):
    if isinstance(result, tuple):
        return {"tuple": [encode(r) for r in result]}
    array = np.asarray(result, dtype=float)
    return {"shape": list(array.shape), "values": array.ravel().tolist()}


def args(kwargs):
    return {k: np.asarray(v) if isinstance(v, list) else args(v) if isinstance(v, dict) else v
            for k, v in kwargs.items()}


def invoke(module, name, kwargs):
    if "." in name:  # Class.method: an instance built from kwargs["init"], called with kwargs["call"]
        cls, method = name.split(".", 1)  # after the calls kwargs["before"] on the same instance
        instance = getattr(module, cls)(**args(kwargs["init"]))
        for earlier, given in kwargs.get("before", []):
            getattr(instance, earlier)(**args(given))
        return getattr(instance, method)(**args(kwargs["call"]))
    return getattr(module, name)(**args(kwargs))


out = {}
if spec["mode"] == "cases":
    out["results"] = []
    for module, name, kwargs in spec["cases"]:
        loaded = call(lambda: importlib.import_module(module))
        if "error" in loaded:  # a module that raises (or runs too long) on import
            error = "timeout" if loaded["error"] == "timeout" else "import"
            out["results"].append({"error": error, "detail": f"import {module}: {loaded['detail']}"})
        elif not callable(getattr(sys.modules[module], name.split(".")[0], None)):
            out["results"].append({"error": "import", "detail": f"{module} defines no {name.split('.')[0]}"})
        else:
            out["results"].append(call(lambda: encode(invoke(sys.modules[module], name, kwargs))))
else:
    out["tests"] = []
    for path in spec["tests"]:
        module = path[:-3].replace("/", ".")
        loaded = call(lambda: importlib.import_module(module))
        if "error" in loaded:
            out["tests"].append([path, "error", f"import failed: {loaded['detail']}"])
            continue
        for name in sorted(n for n in vars(sys.modules[module]) if n.startswith("test_")):
            ran = call(getattr(sys.modules[module], name))
            out["tests"].append([f"{path}::{name}", ran.get("error", "passed"), ran.get("detail", "")])
print("\n''' + _MARK + '''" + json.dumps(out))
'''


def files_problem(files: Any) -> str | None:
    """Why a model's files cannot be used (a one-line message), or None when they can."""
    if not isinstance(files, dict) or not files:
        return "files must be a non-empty object mapping paths to file contents"
    if len(files) > MAX_FILES:
        return f"at most {MAX_FILES} files, got {len(files)}"
    for path, text in files.items():
        if not isinstance(path, str) or not _PATH.fullmatch(path):
            return (f"file path {str(path)[:80]!r} must be a relative .py path of plain names "
                    "(letters, digits, _), like rl/returns.py")
        if not isinstance(text, str) or len(text) > MAX_FILE_CHARS:
            return f"{path}: the content must be a string of at most {MAX_FILE_CHARS} characters"
    return None


def is_patch(text: str) -> bool:
    """Whether a submitted file content is a unified diff rather than the whole file."""
    return text.startswith(("--- ", "diff --git", "@@ "))


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(original: str, patch: str) -> str | None:
    """The file after a unified diff of it, or None when the diff does not apply exactly."""
    lines = original.splitlines()
    out, cursor, hunk = [], 0, None
    hunks: list[tuple[int, list[str], list[str]]] = []
    for line in patch.splitlines():
        m = _HUNK.match(line)
        if m:
            hunk = (int(m.group(1)), [], [])
            hunks.append(hunk)
        elif hunk is None or line.startswith("\\"):
            continue  # file headers before the first hunk; "\ No newline at end of file"
        elif line.startswith(("-", " ")) or line == "":
            hunk[1].append(line[1:])
            if not line.startswith("-"):
                hunk[2].append(line[1:])
        elif line.startswith("+"):
            hunk[2].append(line[1:])
        else:
            return None
    if not hunks:
        return None
    for start, old, new in hunks:
        at = max(start - 1, 0) if old or start == 0 else start
        if at < cursor or lines[at:at + len(old)] != old:
            return None
        out += lines[cursor:at] + new
        cursor = at + len(old)
    return "\n".join(out + lines[cursor:]) + "\n"


def overlay(env: dict, files: dict[str, str]) -> dict[str, str] | str:
    """The cut-off copy's files with the model's laid over them (diffs applied), or why that fails."""
    repo = G.materialize(env["repo"])
    tree = tree_files(repo, "HEAD")
    merged = dict(tree)
    for path, text in sorted(files.items()):
        if is_patch(text):
            patched = apply_patch(tree.get(path, ""), text)
            if patched is None:
                return f"the diff for {path} does not apply to the file at the cut-off"
            text = patched
        merged[path] = text
    return merged


def run_harness(files: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """Run the harness on the files in the sandbox: its result, or `{"stopped": "timeout"}` when a time
    limit stopped the run and `{"stopped": "crash"}` when it ended without a result (the memory limit,
    or code that exits the interpreter)."""
    with tempfile.TemporaryDirectory(prefix="kgtasks-code-") as folder:
        for path, text in files.items():
            os.makedirs(os.path.join(folder, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(folder, path), "w", encoding="utf-8") as fh:
                fh.write(text)
        with open(os.path.join(folder, ".spec.json"), "w", encoding="utf-8") as fh:
            json.dump({**spec, "seconds": CALL_SECONDS}, fh)
        with open(os.path.join(folder, ".main.py"), "w", encoding="utf-8") as fh:
            fh.write(_HARNESS)
        returncode, out, _ = run_confined(folder)
    if returncode is None or returncode in _CPU_LIMIT:
        return {"stopped": "timeout"}
    try:
        result = json.loads(out.rsplit(_MARK, 1)[1].strip().splitlines()[0])
    except (json.JSONDecodeError, IndexError):
        return {"stopped": "crash"}
    return result if isinstance(result, dict) else {"stopped": "crash"}


def run_cases(files: dict[str, str], cases: list[list]) -> list[dict[str, Any]]:
    """Each case `[module, function, kwargs]` called on the files: `{"value": ...}` or
    `{"error": "import"|"crash"|"timeout", "detail": ...}` (every case the same error when the whole
    run was stopped)."""
    result = run_harness(files, {"mode": "cases", "cases": cases})
    results = result.get("results")
    if isinstance(results, list) and len(results) == len(cases):
        return results
    return [{"error": result.get("stopped", "crash"), "detail": "the run was stopped"}] * len(cases)


@tool(left=lambda env: env.get("public_runs"))
def run_public_tests(env: dict, files: dict[str, str]) -> str:
    """Run the repository's public tests (every tests/test_*.py, with the component's own) on your
    files laid over the repository at the cut-off, in a sandbox without network (numpy available).
    These are not the hidden tests that grade the answer. Where the task sets a budget, each call
    spends one of it.

    Args:
        files: path -> full new content of each file you change or add, e.g. {"rl/returns.py": "..."}
            (a unified diff of the file is accepted too); files you leave out stay as they are.

    Returns:
        One line per test function: PASSED, or how it failed (the assertion or the error).
    """
    problem = files_problem(files)
    if problem:
        raise ToolError(problem)
    merged = overlay(env, files)
    if isinstance(merged, str):
        raise ToolError(merged)
    budget = env.get("public_runs")  # None: no limit
    if budget is not None:
        if budget <= 0:
            raise ToolError("the run_public_tests budget is spent; submit your answer")
        env["public_runs"] = budget - 1
    merged.update(env.get("public_tests", {}))
    tests = sorted(p for p in merged if re.fullmatch(r"tests/test_\w+\.py", p))
    result = run_harness(merged, {"mode": "tests", "tests": tests})
    if "stopped" in result:
        raise ToolError(f"the tests were stopped ({result['stopped']}): over {WALL_SECONDS} s of wall time, "
                        "the CPU or memory limit, or code that exits the interpreter")
    rows = [r for r in result.get("tests", []) if isinstance(r, list) and len(r) == 3]  # the model's code
    lines = [f"{name}: {'PASSED' if outcome == 'passed' else f'FAILED ({outcome}) {detail}'}".rstrip()
             for name, outcome, detail in rows]                                             # could forge them
    return "\n".join(lines) or "No tests found."
