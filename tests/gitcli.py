"""The git command line, blind to the user's configuration: the independent truth the git family's
tests check against."""
import os
import subprocess
import sys

ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo_path, *args, check=True) -> str:
    """What `git -C repo_path args...` prints (raises on failure when check)."""
    return subprocess.run(["git", "-C", repo_path, *args], capture_output=True, text=True, check=check,
                          env=ENV).stdout


# The script git bisect runs for a noisy bisection: 125 (skip) where a module outside tests/ does not
# compile, 1 where the named test fails with the named error, else 0 (passed, or another failure).
_NOISY_SCRIPT = """
import pathlib, sys, traceback
for path in pathlib.Path(".").rglob("*.py"):
    if path.parts[0] != "tests":
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError:
            sys.exit(125)
sys.path.insert(0, ".")
namespace = {{}}
try:
    exec(open({file!r}).read(), namespace)
    namespace[{name!r}]()
except BaseException as e:
    sys.exit(1 if type(e).__name__ == {error!r} else 0)
"""


def noisy_bisect(work, task, folder) -> str:
    """The first bad commit `git bisect run` finds in the clone `work` for a noisy bisect task, skipping
    what does not compile; the test file and the script are written in `folder`."""
    tests = task.env["tests"]
    test_file, script = folder / "the_test.py", folder / "script.py"
    test_file.write_text(tests["source"])
    script.write_text(_NOISY_SCRIPT.format(file=str(test_file), name=tests["test"].split("::")[1],
                                           error=task.truth["error"]))
    git(work, "bisect", "start", task.truth["bad"], task.truth["good"])
    git(work, "bisect", "run", sys.executable, str(script))
    first_bad = git(work, "rev-parse", "refs/bisect/bad").strip()
    git(work, "bisect", "reset")
    return first_bad
