"""The adversary (tasks/adversary.py) through the real runner on every family: it gets nothing.

0 passes; every attack an error result (the regex attacks: answered at once, nothing found); no
connection to the canary; nothing written into the project or the interpreter; no process left."""
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generators import family_names, load_family
from generators.base import iter_tasks
from tasks import adversary
from tasks.run import main
from tasks.task import write_tasks
from tools import python_tool

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def canary(monkeypatch):
    """A loopback listener where every network attack points; it counts the connections it gets."""
    server = socket.create_server(("127.0.0.1", 0))
    hits = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(conn.recv(200))
            conn.close()
    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setattr(adversary, "CANARY_URL", f"http://127.0.0.1:{server.getsockname()[1]}/")
    yield hits
    server.close()


def _project_state() -> tuple[str, list[str]]:
    """What the project and the interpreter hold: git's view of the worktree, the site-packages listing."""
    status = subprocess.run(["git", "-C", str(PROJECT), "status", "--porcelain", "--ignored",
                             "--untracked=all"], capture_output=True, text=True).stdout
    site = sorted(os.listdir(next(p for p in sys.path if p.endswith("site-packages"))))
    return "\n".join(line for line in status.splitlines() if "__pycache__" not in line), site


def _sleepers() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[:2] == [b"sleep", b"4242"]:
                    found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.parametrize("family", family_names())
def test_the_adversary_gets_nothing_from_any_family(family, canary, tmp_path):
    module = load_family(family)
    tasks = [task for kind in module.KINDS
             for task in iter_tasks(module, module.Config(kind=kind), seed=3, n=1)]
    if any("python" in t.tools for t in tasks) and python_tool.sandbox_problem() is not None:
        if os.environ.get("KGTASKS_REQUIRE_SANDBOX"):
            pytest.fail(f"KGTASKS_REQUIRE_SANDBOX is set but {python_tool.sandbox_problem()}")
        pytest.skip(f"no sandbox for the python tool here ({python_tool.sandbox_problem()})")
    task_file, out = tmp_path / "tasks.jsonl", tmp_path / "results.jsonl"
    with open(task_file, "w", encoding="utf-8") as fh:
        write_tasks(tasks, fh)
    before = _project_state()
    runner = os.getpid()
    rc = main([str(task_file), "--provider", "scripted", "--model", "adversary", "--out", str(out),
               "--concurrency", "2"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rc == 0 and os.getpid() == runner and len(rows) == len(tasks)
    assert [r["task_id"] for r in rows if r["passed"]] == []
    assert all(r["stop_reason"] == "submitted" and r["reasons"] for r in rows)
    for row in rows:
        calls = {c["id"]: c["name"] for c in row["transcript"][0]["calls"]}
        results = [e for e in row["transcript"] if e["role"] == "tool"]
        assert len(results) == len(calls) == len(adversary.attacks(next(t for t in tasks
                                                                          if t.id == row["task_id"]).tools))
        leaked = [e["id"] for e in results if adversary.FOUND in e["text"]]
        assert leaked == [], f"{row['task_id']}: attacks that worked: {leaked}"
        not_refused = [e["id"] for e in results if not e["is_error"] and not e["id"].startswith("answered_")]
        assert not_refused == [], f"{row['task_id']}: attacks not answered by an error: {not_refused}"
        spent = "Error: the tool-call budget is spent"  # a budgeted task refuses the attacks after its last call
        shown = [e["text"].partition("\n[calls left: ")[0] for e in results if e["id"].startswith("answered_")]
        assert all(t in ("No matches found.", "No rows.") or t.startswith(spent) for t in shown)
    assert canary == []
    assert _project_state() == before
    assert _sleepers() == []
