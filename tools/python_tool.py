"""The `python` tool, shared by every family: run the model's code in a separate process with CPU,
memory, file-size and wall-clock limits and a clean environment, in a fresh temporary folder holding
only the task's public files (`env["files"]`). With bubblewrap (`bwrap`) installed the program sees
only that folder and the interpreter, without network; otherwise `unshare` denies the network where
it can, but the program can read the machine's files."""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

from tools.registry import ToolError, tool

CPU_SECONDS = 10
WALL_SECONDS = 20
MEMORY_BYTES = 1 << 30
FILE_BYTES = 16 << 20
MAX_OUTPUT_CHARS = 10_000


def _limit_resources() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))  # SIGXCPU first, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))


# System folders the interpreter needs, bound read-only into the bubblewrap sandbox with the
# interpreter's own prefixes; nothing else of the machine's files is visible there.
_SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32")
_TASK_DIR = "/task"
# Without bubblewrap, tried in order. A new user namespace also takes away real privileges when the
# runner is root: the program can then neither raise its own limits nor leave the network namespace.
_UNSHARES = (("--user", "--map-root-user", "--net"), ("--net",))


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run([*command, "true"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.cache
def sandbox() -> tuple[str, ...]:
    """The strongest sandbox that works here: `bwrap` (the program sees only the task's files and the
    interpreter, no network), else the strongest `unshare ... --` (no network, but the machine's files),
    else nothing."""
    bwrap = shutil.which("bwrap")
    if bwrap and _works([bwrap, "--ro-bind", "/", "/", "--unshare-all", "--"]):
        return (bwrap,)
    unshare = shutil.which("unshare")
    for flags in _UNSHARES if unshare else ():
        if _works([unshare, *flags, "--"]):
            return (unshare, *flags, "--")
    return ()


def _command(folder: str) -> tuple[list[str], str]:
    """The command that runs .main.py in the sandbox, and the task folder as the program sees it."""
    prefix = sandbox()
    if not prefix or not prefix[0].endswith("bwrap"):
        return [*prefix, sys.executable, "-I", ".main.py"], folder
    binds = [arg for d in sorted({*_SYSTEM_DIRS, sys.prefix, sys.base_prefix}) if os.path.exists(d)
             for arg in ("--ro-bind", d, d)]
    # mounts apply in order: the empty /tmp first, so an interpreter living under /tmp stays visible
    return [prefix[0], "--unshare-all", "--die-with-parent", "--new-session", "--tmpfs", "/tmp", *binds,
            "--bind", folder, _TASK_DIR, "--chdir", _TASK_DIR, "--dev", "/dev", "--proc", "/proc",
            "--", sys.executable, "-I", ".main.py"], _TASK_DIR


def _clean_env(home: str) -> dict[str, str]:
    """No proxies, keys or Python settings from the runner; one BLAS thread so the memory limit holds."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "TMPDIR": home,
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _tail(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else "[...]\n" + text[-MAX_OUTPUT_CHARS:]


@tool
def python_tool(env: dict, code: str) -> str:
    """Run a Python 3 program (numpy available) in a fresh folder holding the task's files (e.g. data.csv),
    in a separate process without network, limited to 10 s of CPU, 20 s of wall time and 1 GB of memory.
    Nothing persists between calls: each call starts from the task's files alone.

    Args:
        code: the program's source; print what you want to see.

    Returns:
        Everything the program printed (stdout, then stderr), truncated to its last 10,000 characters.
    """
    with tempfile.TemporaryDirectory(prefix="kgtasks-py-") as folder:
        for name, text in env.get("files", {}).items():
            if os.path.basename(name) != name or name.startswith("."):
                raise ValueError(f"task file name {name!r} must be a plain file name")
            with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        with open(os.path.join(folder, ".main.py"), "w", encoding="utf-8") as fh:
            fh.write(code)
        returncode, out, err = run_confined(folder)
    if returncode is None:
        raise ToolError(f"the program ran over {WALL_SECONDS} s of wall time and was stopped")
    output = _tail(out + err)
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):  # bwrap reports a signal as 128 + n
        raise ToolError(f"the program used more than {CPU_SECONDS} s of CPU time and was stopped\n{output}")
    if returncode != 0:
        raise ToolError(f"the program exited with status {returncode}\n{output}")
    return output or "(the program printed nothing)"


def run_confined(folder: str) -> tuple[int | None, str, str]:
    """Run `folder/.main.py` as this tool runs a program: in the sandbox, with its limits and a clean
    environment. Returns (exit status, or None when the wall-time limit stopped it; stdout; stderr)."""
    command, home = _command(folder)
    proc = subprocess.Popen(command, cwd=folder, env=_clean_env(home), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            preexec_fn=_limit_resources, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole session: the program may have forked
        proc.communicate()
        return None, "", ""
    return proc.returncode, out, err
