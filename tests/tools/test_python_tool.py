import os
import socket
import time

import pytest

from tools import python_tool as pt
from tools.registry import call_tool

ENV = {"files": {"data.csv": "a,b\n1,2\n3,4\n"}}


def _run(code, env=ENV):
    return call_tool("python", {"code": code}, env)


def test_runs_numpy_on_the_task_files_in_a_separate_process():
    result = _run("import os, numpy as np\n"
                  "d = np.loadtxt('data.csv', delimiter=',', skiprows=1)\n"
                  "print(d.sum(), os.getpid(), sorted(f for f in os.listdir('.') if not f.startswith('.')))")
    total, pid, files = result.text.split(" ", 2)
    assert (result.is_error, total, files.strip()) == (False, "10.0", "['data.csv']")
    assert int(pid) != os.getpid()


def test_the_environment_has_no_keys_proxies_or_runner_paths(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    result = _run("import os, sys; print(sorted(os.environ)); print(os.getcwd()); print(sys.flags.isolated)")
    names, cwd, isolated = result.text.splitlines()
    assert "sk-secret" not in result.text and "PROXY" not in names.upper()
    assert cwd != os.getcwd() and isolated == "1"


def test_nothing_persists_between_calls():
    assert _run("open('note.txt', 'w').write('x')").text == "(the program printed nothing)"
    assert _run("import os; print(os.path.exists('note.txt'))").text.strip() == "False"


def test_an_exception_is_an_error_result_with_the_traceback():
    result = _run("1 / 0")
    assert result.is_error and "exited with status 1" in result.text and "ZeroDivisionError" in result.text


def test_memory_is_limited():
    result = _run("x = bytearray(2 << 30)")
    assert result.is_error and "MemoryError" in result.text


def test_cpu_time_is_limited(monkeypatch):
    monkeypatch.setattr(pt, "CPU_SECONDS", 1)
    result = _run("while True: pass")
    assert result.is_error and "CPU time" in result.text


def test_wall_time_is_limited_and_the_program_is_killed(monkeypatch):
    monkeypatch.setattr(pt, "WALL_SECONDS", 1)
    start = time.monotonic()
    result = _run("import time; time.sleep(30)")
    assert result.is_error and "wall time" in result.text and time.monotonic() - start < 10


def test_long_output_keeps_its_tail():
    result = _run("print('a' * 50000 + 'END')")
    assert result.text.startswith("[...]") and result.text.rstrip().endswith("END")
    assert len(result.text) < pt.MAX_OUTPUT_CHARS + 20


def test_network_is_denied_where_the_platform_allows_it():
    server = socket.create_server(("127.0.0.1", 0))  # a listening socket accepts connections unaided
    port = server.getsockname()[1]
    try:
        result = _run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 2)\nprint('REACHED')")
    finally:
        server.close()
    denied = bool(pt.sandbox())
    assert result.is_error == denied and ("REACHED" in result.text) != denied


def test_in_a_sandbox_the_program_cannot_raise_its_own_limits():
    if not pt.sandbox()[0].endswith("bwrap") and "--user" not in pt.sandbox():
        pytest.skip("neither bubblewrap nor unprivileged user namespaces work on this machine")
    result = _run("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\nprint('RAISED')")
    assert result.is_error and "RAISED" not in result.text and "not allowed to raise" in result.text


def test_with_bubblewrap_the_program_sees_only_the_task_files(tmp_path):
    if not pt.sandbox() or not pt.sandbox()[0].endswith("bwrap"):
        pytest.skip("bubblewrap is not installed (.ci/run installs it)")
    secret = tmp_path / "truth.jsonl"
    secret.write_text("the reference answer")
    result = _run(f"import os\nprint(sorted(os.listdir('.')))\nprint(open({str(secret)!r}).read())",
                  {"files": {"data.csv": "a\n1\n"}})
    assert result.is_error and "FileNotFoundError" in result.text
    assert "the reference answer" not in result.text
    assert "['.main.py', 'data.csv']" in result.text
    assert _run(f"import os\nprint(os.path.exists({os.path.abspath(__file__)!r}))").text.strip() == "False"


def test_a_task_file_name_with_a_path_is_refused():
    result = _run("print(1)", {"files": {"../evil.py": "x"}})
    assert result.is_error and "plain file name" in result.text


@pytest.mark.parametrize("code", ["import sys; sys.exit(3)", "import os; os._exit(4)"])
def test_nonzero_exit_is_reported(code):
    result = _run(code)
    assert result.is_error and "exited with status" in result.text
