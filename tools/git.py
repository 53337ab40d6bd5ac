"""Tools over a task's cut-off copy of a git repository (pygit2): refs, log, show, diff, blame, grep,
running one test of the embedded repository at a commit, and running a program against a commit's code,
each of the last two under a call budget.

The copy travels in `env["repo"]` (see `graphs.git.pack_history`) and holds no commit, ref or tag past
the task's cut-off, so nothing here can show the model future history.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pygit2
import re2
from pygit2.enums import DiffFind, SortMode

from graphs import git as G
from graphs import synth_repo
from tools.python_tool import python_tool
from tools.registry import MAX_RESULT_CHARS, ToolError, tool

MAX_LOG = 200
MAX_GREP_MATCHES = 200
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is the model's error, returned to it, not logged to stderr


def _repo(env: dict) -> pygit2.Repository:
    return G.materialize(env["repo"])


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise ToolError(f"{rev!r} names no commit here; call list_refs for branches and tags, "
                        "or git_log for commit ids") from None


def _when(sig: pygit2.Signature) -> str:
    return datetime.fromtimestamp(sig.time, timezone(timedelta(minutes=sig.offset))).isoformat()


def _summary(c: pygit2.Commit) -> str:
    parents = " ".join(str(p) for p in c.parent_ids) or "(root)"
    subject = c.message.splitlines()[0] if c.message else ""
    return f"{c.id} {_when(c.author)} {c.author.name} <{c.author.email}> parents: {parents} | {subject}"


def _file(commit: pygit2.Commit, path: str) -> pygit2.Blob:
    try:
        obj = commit.tree[path]
    except KeyError:
        raise ToolError(f"no file {path!r} at {commit.short_id}; git_show(commit) lists the changed files, "
                        "git_grep finds files by content") from None
    if not isinstance(obj, pygit2.Blob):
        raise ToolError(f"{path!r} is a folder at {commit.short_id}, not a file")
    return obj


@tool
def list_refs(env: dict) -> str:
    """List the repository's branches and tags with the commit each points to, and where HEAD is.

    Returns:
        One line per ref: `<ref name> <commit id>`. Pass a ref name or id to git_log, git_show or git_blame.
    """
    repo = _repo(env)
    lines = [f"HEAD -> {env['repo']['head']}"]
    lines += [f"{name} {sha}" for name, sha in G.refs(repo).items()]
    return "\n".join(lines)


@tool
def git_log(env: dict, ref: str = "HEAD", path: str | None = None, max_count: int = 50, skip: int = 0) -> str:
    """List commits reachable from a revision, newest first, as `git log --topo-order` orders them, a page
    at a time.

    Args:
        ref: a branch, tag, commit id (or prefix) or revision like `main~2`; default HEAD.
        path: if given, only the commits that changed this file, following it back across renames
            (as `git log --follow`, newest first).
        max_count: at most this many commits (1 to 200); default 50.
        skip: leave out this many of the newest commits first (as `git log --skip`), to read the next page.

    Returns:
        One line per commit: full id, author date, author, parent ids, and the subject line. With a path,
        each line ends with the file's path in that commit. A page also ends early, at a whole line,
        where its text would pass the size a tool result may hold (about 120 commits). A last
        line in brackets says how many older commits were left out and the skip that lists them.
    """
    if not 1 <= max_count <= MAX_LOG:
        raise ToolError(f"max_count must be between 1 and {MAX_LOG}, got {max_count}")
    if skip < 0:
        raise ToolError(f"skip must be 0 or more, got {skip}")
    repo = _repo(env)
    tip = _commit(repo, ref)
    if path is not None:
        _file(tip, path)
    lines = _log_lines(repo, tip, path)
    page = _page(lines, skip, max_count)
    left = len(lines) - skip - len(page)
    if left > 0:
        page.append(f"[{left} older commits left out; git_log with skip={skip + len(page)} lists them]")
    return "\n".join(page) if page else f"(no commits: skip={skip} is past the {len(lines)} commits)"


def _page(lines: list[str], skip: int, max_count: int) -> list[str]:
    """The lines one git_log call shows: whole lines only, with room for the note of what is left out."""
    page: list[str] = []
    size = 0
    for line in lines[skip:skip + max_count]:
        size += len(line) + 1
        if size > MAX_RESULT_CHARS - 200:
            break
        page.append(line)
    return page


def _log_lines(repo: pygit2.Repository, tip: pygit2.Commit, path: str | None) -> list[str]:
    """git_log's lines, newest first: every commit reachable from tip, or those that changed `path`."""
    if path is None:
        return [_summary(c) for c in repo.walk(tip.id, SortMode.TOPOLOGICAL)]
    history = G.follow(repo, str(tip.id), path)
    return [f"{_summary(repo[c])} | {history.path_at[c]}" for c in history.changed[::-1]]


def log_calls(repo: pygit2.Repository, count: int, path: str | None = None) -> int:
    """How many git_log calls of MAX_LOG commits, each page starting where the last ended, list the
    newest `count` commits of HEAD, or of those that changed `path` (what a task's budget for reading a
    long line is built from)."""
    lines = _log_lines(repo, repo[repo.head.target], path)
    calls = skip = 0
    while skip < min(count, len(lines)):
        skip += len(_page(lines, skip, MAX_LOG))
        calls += 1
    return calls


def _diff_text(diff: pygit2.Diff) -> str:
    diff.find_similar(DiffFind.FIND_RENAMES)  # explicit: never the user's diff.renames setting
    return diff.patch or "(no differences)"


@tool
def git_show(env: dict, commit: str, path: str | None = None) -> str:
    """Show a commit (author, date, parents, message and its patch against its first parent), or a file in it.

    Args:
        commit: a commit id (or prefix of at least 4 hex digits), branch, tag or revision like `v0.3~1`.
        path: if given, show this file's full content at that commit instead, with line numbers.

    Returns:
        The commit and its changes, or the numbered lines of the file.
    """
    repo = _repo(env)
    c = _commit(repo, commit)
    if path is not None:
        text = _file(c, path).data.decode(errors="replace")
        return "\n".join(f"{n:4d}  {line}" for n, line in enumerate(text.splitlines(), 1))
    head = (f"commit {c.id}\nparents: {' '.join(str(p) for p in c.parent_ids) or '(root)'}\n"
            f"author: {c.author.name} <{c.author.email}> {_when(c.author)}\n\n{c.message}\n")
    diff = repo.diff(c.parents[0], c) if c.parents else c.tree.diff_to_tree(swap=True)
    return head + _diff_text(diff)


@tool
def git_diff(env: dict, a: str, b: str, path: str | None = None) -> str:
    """Show the changes from revision a to revision b as a unified patch, with renames detected.

    Args:
        a: the older revision (commit id, branch, tag or `main~3`).
        b: the newer revision.
        path: if given, only changes to this path (as named in either revision).

    Returns:
        The patch text, or "(no differences)".
    """
    repo = _repo(env)
    old, new = _commit(repo, a), _commit(repo, b)
    diff = repo.diff(old, new)
    if path is None:
        return _diff_text(diff)
    diff.find_similar(DiffFind.FIND_RENAMES)
    patches = [p.text for p in diff if path in (p.delta.old_file.path, p.delta.new_file.path)]
    return "".join(patches) or "(no differences)"


@tool
def git_blame(env: dict, path: str, ref: str = "HEAD") -> str:
    """Show, for each line of a file at a revision, the commit that last changed it and that commit's author.

    Args:
        path: the file's path at that revision.
        ref: a branch, tag, commit id or revision; default HEAD.

    Returns:
        One line per line of the file: `<commit id> <author> <line number>: <text>`.
    """
    repo = _repo(env)
    c = _commit(repo, ref)
    lines = _file(c, path).data.decode(errors="replace").splitlines()
    owners = G.blame(repo, path, str(c.id))
    return "\n".join(f"{sha} {repo[sha].author.name} {n}: {text}"
                     for n, (sha, text) in enumerate(zip(owners, lines, strict=True), 1))


@tool
def git_grep(env: dict, pattern: str, ref: str = "HEAD") -> str:
    """Search every file at a revision for lines matching a regular expression (RE2 syntax: Python `re`
    without backreferences or lookaround).

    Args:
        pattern: the regular expression, e.g. `def n_step_return` or `^class \\w+`.
        ref: a branch, tag, commit id or revision; default HEAD.

    Returns:
        Up to 200 matches as `<path>:<line number>: <line>`, or "No matches found."
    """
    try:  # RE2 matches in linear time: no pattern can stall the runner (Python's re holds the GIL)
        regex = re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as e:
        reason = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else e
        raise ToolError(f"pattern {pattern!r} is not a valid regular expression (RE2 syntax): "
                        f"{reason}") from None
    repo = _repo(env)
    matches = []
    for path, blob in G.text_files(repo, _commit(repo, ref).tree):
        for n, line in enumerate(blob.data.decode(errors="replace").splitlines(), 1):
            if regex.search(line):
                matches.append(f"{path}:{n}: {line}")
    if not matches:
        return "No matches found."
    more = f"\n[{len(matches) - MAX_GREP_MATCHES} more matches]" if len(matches) > MAX_GREP_MATCHES else ""
    return "\n".join(matches[:MAX_GREP_MATCHES]) + more


@tool(left=lambda env: env["tests"]["budget"] if env.get("tests") else None)
def run_tests(env: dict, commit: str) -> str:
    """Run the task's test (or every test of its file, when the task says so) against the code at a
    commit, in a sandbox. Each call spends one of a fixed budget.

    Args:
        commit: the commit id (or prefix), branch, tag or revision whose code to test.

    Returns:
        PASSED or FAILED with the error (one line per test), or SKIPPED where the commit's build is broken.
    """
    tests = env.get("tests")
    if not tests:
        raise ToolError("this task has no test to run")
    if tests["budget"] <= 0:
        raise ToolError("the run_tests budget is spent; submit your answer")
    repo = _repo(env)
    c = _commit(repo, commit)
    tests["budget"] -= 1
    if not tests.get("file"):
        _, line = synth_repo.run_test(repo, str(c.id), tests["test"], tests["source"])
        return f"{tests['test']} at {c.id}: {line}"
    path = tests["test"].split("::")[0]
    names = sorted(n for n in G.python_symbols(tests["source"].encode()) if n.startswith("test_"))
    lines = synth_repo.run_tests(repo, str(c.id), path, names, tests["source"])
    if any(line.startswith(synth_repo.SKIPPED) for line in lines.values()):
        return f"{path} at {c.id}: {lines[names[0]]}"
    return "\n".join([f"{path} at {c.id}:", *(f"{path}::{n} {lines[n]}" for n in names)])


# Writes a commit's files into the python tool's fresh folder, then runs the model's program there as
# __main__, with that folder first on the import path (the tool's interpreter runs isolated, without it).
_CHECKOUT = """import os as _os, sys as _sys
for _path, _text in {files}.items():
    _os.makedirs(_os.path.dirname(_path) or ".", exist_ok=True)
    with open(_path, "w", encoding="utf-8") as _fh:
        _fh.write(_text)
_sys.path.insert(0, _os.getcwd())
del _os, _sys, _path, _text, _fh
exec(compile({code}, "<program>", "exec"), {{"__name__": "__main__"}})
"""


@tool(left=lambda env: env["runs"]["budget"] if env.get("runs") else None)
def run_python(env: dict, commit: str, code: str) -> str:
    """Run a Python 3 program against the code of a commit: the commit's files are in the current folder,
    importable as modules of the repository (its file `agent/returns.py` as `agent.returns`, if it has
    one; `git_grep` finds which file defines a function). It runs as the python tool does, in a
    separate process without network and with time and memory limits. Each call spends one of a fixed
    budget.

    Args:
        commit: the commit id (or prefix), branch, tag or revision whose files the program sees.
        code: the program's source; print what you want to see.

    Returns:
        Everything the program printed.
    """
    runs = env.get("runs")
    if not runs:
        raise ToolError("this task offers no run_python calls")
    if runs["budget"] <= 0:
        raise ToolError("the run_python budget is spent; submit your answer")
    repo = _repo(env)
    c = _commit(repo, commit)
    files = {path: blob.data.decode(errors="replace") for path, blob in G.text_files(repo, c.tree)}
    runs["budget"] -= 1
    program = _CHECKOUT.format(files=json.dumps(files, sort_keys=True), code=json.dumps(code))
    return python_tool({"files": {}}, program)
