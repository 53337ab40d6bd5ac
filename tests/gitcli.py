"""The git command line, blind to the user's configuration: the independent truth the git family's
tests check against."""
import os
import subprocess

ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo_path, *args, check=True) -> str:
    """What `git -C repo_path args...` prints (raises on failure when check)."""
    return subprocess.run(["git", "-C", repo_path, *args], capture_output=True, text=True, check=check,
                          env=ENV).stdout
