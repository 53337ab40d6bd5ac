"""The `python` tool, shared by every family: run the model's code in a separate process with CPU,
memory, file-size and wall-clock limits, a clean environment, no network where the platform can deny it
(`unshare --net`), in a fresh temporary folder holding only the task's public files (`env["files"]`)."""
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


# Tried in order. A new user namespace also takes away real privileges when the runner is root:
# the program can then neither raise its own limits nor leave the network namespace.
_SANDBOXES = (("--user", "--map-root-user", "--net"), ("--net",))


@functools.cache
def _sandbox_prefix() -> tuple[str, ...]:
    """The strongest `unshare ... --` that works here, else nothing (no network denial)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for flags in _SANDBOXES:
        try:
            probe = subprocess.run([unshare, *flags, "--", "true"], capture_output=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return ()
        if probe.returncode == 0:
            return (unshare, *flags, "--")
    return ()


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
        command = [*_sandbox_prefix(), sys.executable, "-I", ".main.py"]
        proc = subprocess.Popen(command, cwd=folder, env=_clean_env(folder), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                preexec_fn=_limit_resources, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=WALL_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole session: the program may have forked
            proc.communicate()
            raise ToolError(f"the program ran over {WALL_SECONDS} s of wall time and was stopped") from None
    output = _tail(out + err)
    if proc.returncode == -signal.SIGXCPU:
        raise ToolError(f"the program used more than {CPU_SECONDS} s of CPU time and was stopped\n{output}")
    if proc.returncode != 0:
        raise ToolError(f"the program exited with status {proc.returncode}\n{output}")
    return output or "(the program printed nothing)"
