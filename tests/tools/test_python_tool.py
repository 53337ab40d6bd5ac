import os
import shutil
import socket
import subprocess
import sys
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


def _confined():
    if pt.sandbox_problem() is not None and os.environ.get("KGTASKS_REQUIRE_SANDBOX"):
        pytest.fail(f"KGTASKS_REQUIRE_SANDBOX is set but {pt.sandbox_problem()}")
    if pt.sandbox_problem() is not None:
        pytest.skip(f"no sandbox here ({pt.sandbox_problem()}); .ci/run installs bubblewrap")


def test_network_is_denied():
    _confined()
    server = socket.create_server(("127.0.0.1", 0))  # a listening socket accepts connections unaided
    port = server.getsockname()[1]
    try:
        result = _run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 2)\nprint('REACHED')")
    finally:
        server.close()
    assert result.is_error and "REACHED" not in result.text


def test_the_program_cannot_raise_its_own_limits():
    _confined()
    result = _run("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\nprint('RAISED')")
    assert result.is_error and "RAISED" not in result.text and "not allowed to raise" in result.text


def test_the_program_sees_only_the_task_files(tmp_path):
    _confined()
    secret = tmp_path / "truth.jsonl"
    secret.write_text("the reference answer")
    result = _run(f"import os\nprint(sorted(os.listdir('.')))\nprint(open({str(secret)!r}).read())",
                  {"files": {"data.csv": "a\n1\n"}})
    assert result.is_error and "FileNotFoundError" in result.text
    assert "the reference answer" not in result.text
    assert "['.main.py', 'data.csv']" in result.text
    assert _run(f"import os\nprint(os.path.exists({os.path.abspath(__file__)!r}))").text.strip() == "False"


def test_the_program_has_no_uid_0_and_no_capability_so_it_cannot_remount_the_interpreter_writable():
    _confined()
    result = _run("import ctypes, os, sys\n"
                  "lines = open('/proc/self/status').read().splitlines()\n"
                  "st = dict(line.split(':\\t', 1) for line in lines if ':\\t' in line)\n"
                  "libc = ctypes.CDLL(None, use_errno=True)\n"
                  "rc = libc.mount(None, sys.prefix.encode(), None, 32 | 4096, None)  # MS_REMOUNT|MS_BIND\n"
                  "print(os.getuid(), st['CapEff'], st['CapBnd'], st['NoNewPrivs'], rc)\n"
                  "open(os.path.join(sys.prefix, 'PWNED'), 'w')")
    uid, cap_eff, cap_bnd, no_new_privs, rc = result.text.splitlines()[1].split()
    assert int(uid) != 0 and int(cap_eff, 16) == 0 and int(cap_bnd, 16) == 0 and no_new_privs == "1"
    assert rc == "-1" and result.is_error and "Read-only file system" in result.text
    assert not os.path.exists(os.path.join(sys.prefix, "PWNED"))


def test_the_runner_environment_is_not_in_any_process_the_program_can_see(monkeypatch):
    _confined()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret-in-the-runner")
    result = _run("import glob\nfor p in glob.glob('/proc/[0-9]*/environ'):\n"
                  "    try: print(p, open(p, 'rb').read())\n    except OSError as e: print(p, e.strerror)")
    assert "sk-secret-in-the-runner" not in result.text


def test_output_past_the_cap_is_not_read_and_the_program_is_stopped():
    _confined()
    start = time.monotonic()
    result = _run("import sys\nwhile True: sys.stdout.write('x' * 65536)")
    assert result.is_error and "printed more than" in result.text and time.monotonic() - start < 15


def test_forks_stop_at_the_process_limit():
    _confined()
    result = _run("import os, time\nn = 0\ntry:\n    for _ in range(500):\n"
                  "        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n        n += 1\n"
                  "except OSError as e:\n    print('stopped', n, e.strerror)")
    assert "stopped" in result.text and int(result.text.split()[1]) < pt.MAX_PROCESSES


@pytest.mark.parametrize("where", ["/tmp", "/dev/shm", "."])
def test_the_sandbox_tmpfs_are_sized(where):
    _confined()
    result = _run(f"import os\ntry:\n    for i in range(40):\n"
                  f"        open(os.path.join({where!r}, f'f{{i}}'), 'wb').write(b'x' * (8 << 20))\n"
                  f"except OSError as e:\n    print('full after', i, e.strerror)")
    assert "No space left on device" in result.text
    assert int(result.text.split()[2]) * 8 <= pt.TMPFS_BYTES >> 20


def test_memory_across_forks_is_bounded_where_a_memory_cgroup_can_be_made():
    _confined()
    probe = pt._Cgroups()
    probe.kill_and_remove()
    if not any("/memory/" in p for p in probe.paths):
        pytest.skip("no writable cgroup v1 memory controller here")
    result = _run("import os\nkids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
                  "        b = bytearray(700 << 20)\n        for i in range(0, len(b), 4096): b[i] = 1\n"
                  "        os._exit(0)\n    kids.append(pid)\n"
                  "print([os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) for k in kids])")
    codes = eval(result.text.strip().splitlines()[-1]) if not result.is_error else []
    assert result.is_error or any(c == -9 for c in codes)


def test_no_process_of_a_call_survives_it():
    _confined()
    marker = f"kgtasks-survivor-{os.getpid()}"
    _run(f"import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
         f"        os.closerange(0, 256)\n        os.execv('/bin/sleep', ['sleep', '4242', {marker!r}])\n"
         f"    os._exit(0)\nprint('parent done')")
    time.sleep(0.5)
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if marker.encode() in fh.read():
                    alive.append(pid)
        except OSError:
            pass
    assert alive == []


def test_without_bubblewrap_the_tool_refuses_unless_unconfined_is_allowed(monkeypatch):
    monkeypatch.setattr(pt, "sandbox_problem", lambda: "bubblewrap (bwrap) not found")
    result = _run("print('RAN')")
    assert result.is_error and "refusing to run untrusted code" in result.text and "RAN" not in result.text
    assert pt.confinement() == "refused"
    monkeypatch.setattr(pt, "_unconfined_allowed", True)
    assert _run("print('RAN')").text.strip() == "RAN" and pt.confinement() == "unconfined"


def test_a_task_file_name_with_a_path_is_refused():
    result = _run("print(1)", {"files": {"../evil.py": "x"}})
    assert result.is_error and "plain file name" in result.text


@pytest.mark.parametrize("code", ["import sys; sys.exit(3)", "import os; os._exit(4)"])
def test_nonzero_exit_is_reported(code):
    result = _run(code)
    assert result.is_error and "exited with status" in result.text


def test_a_call_stopped_at_its_wall_time_leaves_no_folder_behind(tmp_path, monkeypatch):
    _confined()
    monkeypatch.setattr(pt, "WALL_SECONDS", 1)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert "wall time" in _run("import time; open('f', 'w').write('x'); time.sleep(30)").text
    assert list(tmp_path.iterdir()) == []  # the program's files live in the sandbox's tmpfs only


def test_run_by_an_unprivileged_user_the_program_has_no_capability_either():
    _confined()
    if os.geteuid() != 0 or not shutil.which("setpriv") or not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs root (to become another user), setpriv and /usr/bin/python3")
    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    probe = ("from tools import python_tool as pt\n"
             "code = 'import os\\nst = open(\"/proc/self/status\").read()\\n"
             "print(os.getuid(), st.split(\"CapEff:\")[1].split()[0])\\nopen(\"/usr/x\", \"w\")'\n"
             "print(pt.sandbox_problem(), pt._run({'.main.py': code}))")
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                           "-c", probe], capture_output=True, text=True, timeout=60, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": project})
    assert done.stdout.startswith("None (1, b'65534 0000000000000000"), done.stdout + done.stderr
    assert "Read-only file system" in done.stdout
