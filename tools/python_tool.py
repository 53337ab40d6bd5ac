"""The `python` tool, shared by every family: run the model's program confined by bubblewrap (`bwrap`).

The program sees a sized tmpfs holding only the task's public files (`env["files"]`), the interpreter
read-only, and no network; it runs as an unprivileged host uid of its own with no capabilities, under
limits on CPU, memory (per process and, with a cgroup, across its forks), processes, file size, tmpfs
size, wall time and output read; every process of a call is killed when the call ends. Without a
working bubblewrap the tool refuses to run unless the user allowed it (`allow_unconfined`, the
`--unsafe-python` flag): the program then runs as an ordinary process that can read the machine's files.
docs/security.md says what this does and does not stop.
"""
from __future__ import annotations

import ctypes
import functools
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tools.registry import ToolError, tool

CPU_SECONDS = 10
WALL_SECONDS = 20
MEMORY_BYTES = 1 << 30  # per process (RLIMIT_AS), and for all of a call's processes with a memory cgroup
FILE_BYTES = 16 << 20  # largest file the program may write
TMPFS_BYTES = 64 << 20  # each of /task, /tmp and /dev/shm inside the sandbox
MAX_PROCESSES = 64
OUTPUT_CAP_BYTES = 1 << 20  # stop reading (and kill the program) past this much output
MAX_OUTPUT_CHARS = 10_000
INSTALL_HINT = "install bubblewrap (apt-get install bubblewrap), or pass --unsafe-python to run it unconfined"
# Host uids for sandboxed programs: one drawn per call, so the per-uid process limit is the call's own and
# no file the program makes belongs to a real account.
_UID_RANGE = (1 << 30, (1 << 31) - 2)
_TASK_DIR = "/task"
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_CGROUP_ROOT = "/sys/fs/cgroup"

_unconfined_allowed = False


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here, and running unconfined was not allowed."""


def allow_unconfined(allowed: bool) -> None:
    """Let the python tool run programs without bubblewrap (the runners' `--unsafe-python`)."""
    global _unconfined_allowed
    _unconfined_allowed = allowed


def confinement() -> str:
    """How the python tool runs programs now: "bwrap", "unconfined" (allowed), or "refused"."""
    if sandbox_problem() is None:
        return "bwrap"
    return "unconfined" if _unconfined_allowed else "refused"


def require_confinement() -> None:
    """Raise SandboxUnavailable (one line saying how to fix it) unless programs can run as `confinement`."""
    problem = sandbox_problem()
    if problem is not None and not _unconfined_allowed:
        raise SandboxUnavailable(f"refusing to run untrusted code: {problem}; {INSTALL_HINT}")


@functools.cache
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot confine programs here, or None when it can (checked by running `true`)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) not found"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) not found"
    usage = subprocess.run([bwrap, "--help"], capture_output=True, text=True).stdout
    missing = [f for f in ("--size", "--perms", "--cap-drop", "--disable-userns") if f not in usage]
    if missing:
        return f"{bwrap} is too old (no {', '.join(missing)}; bubblewrap 0.8 or later has them)"
    with tempfile.TemporaryDirectory() as folder:
        argv = _bwrap_argv(bwrap, [], _UID_RANGE[0], ["/usr/bin/true"])
        try:
            done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=10,
                                  env=_BWRAP_ENV, preexec_fn=_limit_resources)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap failed to start ({e})"
    if done.returncode != 0:
        return f"bubblewrap failed here ({(done.stderr.strip() or f'exit {done.returncode}')[:200]})"
    return None


_BWRAP_ENV = {"PATH": "/usr/bin:/bin"}  # bwrap's own pid 1 keeps the environment it is started with


def _mount_parents(paths: set[str]) -> list[str]:
    """bwrap makes a bind's missing parent folders 0700 (root's); the program must be able to pass them."""
    parents = set()
    for path in paths:
        while (path := os.path.dirname(path)) != "/":
            parents.add(path)
    return [arg for p in sorted(parents) for arg in ("--perms", "0755", "--dir", p)]


def _bwrap_argv(bwrap: str, files: list[tuple[int, str]], uid: int, program: list[str]) -> list[str]:
    """The bubblewrap command: new namespaces (no network), an empty read-only root with /usr and the
    interpreter read-only, sized tmpfs for /task (holding `files`: fd, name), /tmp and /dev/shm.

    Run by root, bwrap needs no user namespace; it keeps only the capabilities setpriv uses to become
    `uid` with nothing (no capability, no supplementary group, no new privileges). Run by anyone else
    it makes a user namespace, drops every capability there, and forbids nested ones."""
    size = str(TMPFS_BYTES)
    if os.geteuid() == 0:
        identity = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--cap-add", "CAP_SETPCAP"]
        program = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *program]
    else:
        identity = ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    roots = {d for d in ("/usr", sys.prefix, sys.base_prefix) if os.path.isdir(d)}
    binds = [arg for d in sorted(roots) for arg in ("--ro-bind", d, d)]
    for d in _SYSTEM_DIRS:  # merged /usr: symlinks into it; else the folders themselves
        if os.path.islink(d):
            binds += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            binds += ["--ro-bind", d, d]
    folders = sorted({os.path.dirname(name) for _, name in files} - {""})  # a file may sit in a subfolder
    copies = [arg for d in folders for arg in ("--perms", "1777", "--dir", f"{_TASK_DIR}/{d}")]
    copies += [arg for fd, name in files
               for arg in ("--perms", "0644", "--file", str(fd), f"{_TASK_DIR}/{name}")]
    # mounts apply in order; the read-only remounts of / and /dev come last (earlier, later mkdirs fail)
    return [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", *identity, "--clearenv",
            *[arg for k, v in _clean_env(_TASK_DIR).items() for arg in ("--setenv", k, v)],
            "--perms", "1777", "--size", size, "--tmpfs", "/tmp", *_mount_parents(roots), *binds,
            "--perms", "1777", "--size", size, "--tmpfs", _TASK_DIR, *copies, "--chdir", _TASK_DIR,
            "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm", "--proc", "/proc",
            "--remount-ro", "/dev", "--remount-ro", "/", "--", *program]


def _clean_env(home: str) -> dict[str, str]:
    """No proxies, keys or Python settings from the runner; one BLAS thread so the memory limit holds."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "TMPDIR": home,
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


class _Cgroups:
    """A memory and a pids cgroup (v1) for one call, where this process may make them: they bound the
    memory of all the call's processes together (tmpfs pages included) and list them to be killed."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        name = f"kgtasks-py-{secrets.token_hex(8)}"
        for controller, knob, value in (("memory", "memory.limit_in_bytes", MEMORY_BYTES),
                                        ("pids", "pids.max", MAX_PROCESSES)):
            base = f"{_CGROUP_ROOT}/{controller}{_own_cgroup(controller)}"
            try:
                os.mkdir(f"{base}/{name}")
            except OSError:
                continue  # not root, cgroup v2 only, or read-only: the rlimits still hold
            self.paths.append(f"{base}/{name}")
            with open(f"{base}/{name}/{knob}", "w") as fh:
                fh.write(str(value))

    def join(self) -> None:  # in the child, before exec
        for path in self.paths:
            with open(f"{path}/cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))

    def kill_and_remove(self) -> None:
        for path in self.paths:
            for _ in range(50):  # killed processes leave the list once reaped
                try:
                    with open(f"{path}/cgroup.procs") as fh:
                        pids = [int(p) for p in fh.read().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.02)
            try:
                os.rmdir(path)
            except OSError:
                pass


def _own_cgroup(controller: str) -> str:
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _, names, path = line.rstrip("\n").split(":", 2)
                if controller in names.split(","):
                    return path.rstrip("/")
    except OSError:
        pass
    return ""


_PR_SET_PDEATHSIG = 1


def _limit_resources() -> None:  # runs in the child between fork and exec
    # killed with the runner, even by SIGKILL (bwrap's --die-with-parent; the unconfined program too)
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))  # SIGXCPU first, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    if os.geteuid() == 0:  # counted per host uid: the call's own uid when root runs it, else the user's
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))


def _read_capped(proc: subprocess.Popen) -> tuple[bytes, str | None]:
    """The program's output up to the cap, and why reading stopped early (None at a normal end)."""
    fd, chunks, size = proc.stdout.fileno(), [], 0
    end = time.monotonic() + WALL_SECONDS
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return b"".join(chunks), "timeout"
        if not select.select([fd], [], [], left)[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:  # every writer is gone
            return b"".join(chunks), None
        if size + len(chunk) > OUTPUT_CAP_BYTES:
            chunks.append(chunk[:OUTPUT_CAP_BYTES - size])
            return b"".join(chunks), "output"
        chunks.append(chunk)
        size += len(chunk)


def _tail(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else "[...]\n" + text[-MAX_OUTPUT_CHARS:]


def _memfd(name: str, text: str) -> int:
    fd = os.memfd_create(name)
    data = memoryview(text.encode())
    while data:
        data = data[os.write(fd, data):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _run(files: dict[str, str]) -> tuple[int, bytes, str | None]:
    """Run `.main.py` among `files`; returns the exit status, the output and why it was stopped."""
    require_confinement()
    if sandbox_problem() is not None:  # allowed by the user: an ordinary process in a temporary folder
        with tempfile.TemporaryDirectory(prefix="kgtasks-py-") as folder:
            for name, text in files.items():
                with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
            return _supervise([sys.executable, "-I", ".main.py"], _clean_env(folder), folder, [], None)
    # the files reach the sandbox's tmpfs from memory: no host folder holds them, none is left behind
    fds = [(_memfd(name, text), name) for name, text in files.items()]
    try:
        uid = _UID_RANGE[0] + secrets.randbelow(_UID_RANGE[1] - _UID_RANGE[0])
        command = _bwrap_argv(shutil.which("bwrap"), fds, uid, [sys.executable, "-I", ".main.py"])
        return _supervise(command, _BWRAP_ENV, "/", [fd for fd, _ in fds], _Cgroups())
    finally:
        for fd, _ in fds:
            os.close(fd)


def _supervise(command: list[str], env: dict[str, str], cwd: str, fds: list[int],
               cgroups: _Cgroups | None) -> tuple[int, bytes, str | None]:
    def child() -> None:
        if cgroups:
            cgroups.join()
        _limit_resources()

    try:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=child, start_new_session=True,
                                pass_fds=fds)
        try:
            output, stopped = _read_capped(proc)
        finally:
            # bwrap's death ends its pid namespace; the session and the cgroups catch the rest
            for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
                try:
                    kill()
                except ProcessLookupError:
                    pass
            proc.stdout.close()
            status = proc.wait()
    finally:
        if cgroups:
            cgroups.kill_and_remove()
    return status, output, stopped


def run_confined(folder: str) -> tuple[int | None, str, str]:
    """Run `folder/.main.py` as this tool runs a program, with every file under `folder`. Returns (exit
    status, or None when the wall-time limit stopped it; the output, stdout and stderr together; "")."""
    files = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as fh:
                files[os.path.relpath(path, folder)] = fh.read()
    status, raw, stopped = _run(files)
    return None if stopped == "timeout" else status, raw.decode(errors="replace"), ""


@tool
def python_tool(env: dict, code: str) -> str:
    """Run a Python 3 program (numpy available) in a fresh folder holding the task's files (e.g. data.csv),
    in a sandbox without network, limited to 10 s of CPU, 20 s of wall time, 1 GB of memory, 64 processes,
    16 MB per file written and 1 MB of output. Nothing persists between calls: each call starts from the
    task's files alone.

    Args:
        code: the program's source; print what you want to see.

    Returns:
        Everything the program printed (stdout and stderr together), truncated to its last 10,000 characters.
    """
    files = dict(env.get("files", {}))
    for name in files:
        if os.path.basename(name) != name or name.startswith("."):
            raise ValueError(f"task file name {name!r} must be a plain file name")
    status, raw, stopped = _run({**files, ".main.py": code})
    output = _tail(raw.decode(errors="replace"))
    if stopped == "timeout":
        raise ToolError(f"the program ran over {WALL_SECONDS} s of wall time and was stopped\n{output}")
    if stopped == "output":
        raise ToolError(f"the program printed more than {OUTPUT_CAP_BYTES} bytes and was stopped\n{output}")
    if status in (-signal.SIGXCPU, 128 + signal.SIGXCPU):  # bwrap reports a signal as 128 + n
        raise ToolError(f"the program used more than {CPU_SECONDS} s of CPU time and was stopped\n{output}")
    if status != 0:
        raise ToolError(f"the program exited with status {status}\n{output}")
    return output or "(the program printed nothing)"
