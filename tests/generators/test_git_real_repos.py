"""`--repo` on repositories made the way real ones are, with the git CLI: release tags annotated days after
their commits, branches only as remote-tracking ones in a clone, or no tags, one branch and one author."""
import os
import subprocess

import pytest

from generators import git_history as gh
from generators.base import iter_tasks
from graphs import git as G
from tasks.check import check_tasks, format_report
from tests.gitcli import ENV

DAY = 86_400


def _run(repo, *args, when=None, author=("Ann", "ann@example.org")):
    env = {**ENV, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
           "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1]}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{when} +0000"
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env=env).stdout


class _Repo:
    """A work tree whose commits get one day each, by one of two authors in turn unless told."""

    def __init__(self, path, authors):
        self.path, self.authors, self.t = path, authors, 1_600_000_000
        path.mkdir()
        _run(path, "init", "-q", "-b", "main")

    def commit(self, message, files, rm=(), mv=()):
        self.t += DAY
        for old, new in mv:
            _run(self.path, "mv", old, new)
        for name in rm:
            _run(self.path, "rm", "-q", name)
        for name, text in files.items():
            os.makedirs(os.path.dirname(self.path / name) or ".", exist_ok=True)
            (self.path / name).write_text(text)
            _run(self.path, "add", name)
        author = self.authors[int(self.t // DAY) % len(self.authors)]
        _run(self.path, "commit", "-q", "-m", message, when=self.t, author=author)

    def git(self, *args, later=0):
        return _run(self.path, *args, when=self.t + later)


def _module(n, extra=""):
    return "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(n)) + extra


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A project with releases tagged three days after their commits, a rename, merged and open branches,
    a cherry-pick, two authors; cloned, so that its branches are remote-tracking ones."""
    root = tmp_path_factory.mktemp("real")
    up = _Repo(root / "upstream", [("Ann", "ann@example.org"), ("Bob", "bob@example.org")])
    up.commit("Start", {"README.md": "# demo\n", "pkg/core.py": _module(3)})
    up.commit("Add utilities", {"pkg/util.py": _module(2)})
    up.git("tag", "-a", "0.1", "-m", "Release 0.1", later=3 * DAY)
    for step in range(3):
        up.git("checkout", "-q", "-b", f"topic{step}")
        up.commit(f"Topic {step}", {f"pkg/topic{step}.py": _module(step + 1)})
        up.git("checkout", "-q", "main")
        up.commit(f"Main work {step}", {"pkg/core.py": _module(3, f"# step {step}\n")})
        if step < 2:
            up.git("merge", "-q", "--no-ff", "-m", f"Merge topic{step}", f"topic{step}")
    up.commit("Rename util to helpers", {}, mv=[("pkg/util.py", "pkg/helpers.py")])
    up.commit("Edit helpers", {"pkg/helpers.py": _module(2, "# tuned\n")})
    up.git("tag", "-a", "0.2", "-m", "Release 0.2", later=3 * DAY)
    up.git("checkout", "-q", "-b", "side")
    up.commit("Side work", {"pkg/side.py": _module(1)})
    up.commit("Side notes", {"NOTES.md": "side notes\n"})
    up.git("checkout", "-q", "main")
    up.t += DAY
    up.git("cherry-pick", "side~1")  # main takes over the side work under another id
    up.commit("More main work", {"pkg/core.py": _module(4)})
    up.git("tag", "-a", "0.3", "-m", "Release 0.3", later=3 * DAY)
    subprocess.run(["git", "clone", "-q", str(up.path), str(root / "clone")], check=True, env=ENV)
    return str(root / "clone")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """No tags, one branch, one author."""
    repo = _Repo(tmp_path_factory.mktemp("plain") / "r", [("Ann", "ann@example.org")])
    for step in range(6):
        repo.commit(f"Step {step}", {"a.py": _module(step + 1), "b.py": _module(2, f"# {step}\n")})
    return str(repo.path)


def test_a_clones_remote_tracking_branches_count_and_every_kind_runs(clone, capsys):
    assert "origin/topic2" in G.branches(G.open_repo(clone))
    config = gh.Config(repo=clone)
    tasks = list(iter_tasks(gh, config, seed=0, n=2 * len(config.mixed_kinds())))
    assert sorted({t.family for t in tasks}) == sorted(f"git.{k}" for k in gh.KINDS  # tool: never mixed
                                                      if k not in (*gh.EMBEDDED_ONLY, "tool"))
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)
    assert "warning" not in format_report(report)  # no guess passes more tasks than chance


def test_release_tags_made_days_after_their_commits_are_in_the_copy(clone):
    for index in range(4):
        task = gh.generate(gh.Config(kind="range", repo=clone), seed=1, index=index)
        assert gh.prompt_defects(task) == []
        copy_refs = G.materialize(task.env["repo"])
        for tag in (task.truth["from"], task.truth["to"]):
            assert tag in G.refs(copy_refs).values()


def test_renamed_and_blame_on_a_real_repository_ask_only_questions_with_a_trap(clone):
    repo = G.open_repo(clone)
    for index in range(4):
        renamed = gh.generate(gh.Config(kind="renamed", repo=clone), seed=2, index=index)
        assert len(G.follow(repo, G.resolve(repo, "HEAD"), renamed.truth["path"]).names()) > 1
        blame = gh.generate(gh.Config(kind="blame", repo=clone), seed=2, index=index)
        copy = G.materialize(blame.env["repo"])
        history = G.follow(copy, G.resolve(copy, "HEAD"), blame.truth["path"])
        owner = blame.truth["commit"]
        older_than_a_rename = history.path_at[owner] != blame.truth["path"]
        assert older_than_a_rename or owner not in (history.changed[0], G.resolve(copy, "HEAD")), blame.id


def test_a_repository_without_tags_or_branches_skips_those_kinds_with_a_note(plain, capsys):
    kinds = gh.Config(repo=plain).mixed_kinds()
    err = capsys.readouterr().err
    assert "range" not in kinds and "merge_base" not in kinds and "renamed" not in kinds
    assert "introduced" in kinds
    for kind in ("range", "merge_base", "renamed"):
        assert f"{kind} (" in err
    assert len(err.strip().splitlines()) == 1
    tasks = list(iter_tasks(gh, gh.Config(repo=plain), seed=0, n=len(kinds)))
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)


def test_cherry_matches_git_cherry_on_picks_a_rebase_and_a_conflict_made_with_git(tmp_path):
    repo = _Repo(tmp_path / "picks", [("Ann", "ann@example.org")])
    repo.commit("Start", {"a.py": _module(4), "b.py": _module(2)})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("Topic edits a", {"a.py": _module(4, "# topic\n")})
    repo.commit("Topic edits b", {"b.py": _module(3)})
    repo.commit("Topic adds c", {"c.py": _module(1)})
    picks = repo.git("log", "--reverse", "--format=%H", "main..topic").split()
    repo.git("checkout", "-q", "-b", "old", "main")
    repo.commit("Old work", {"d.py": _module(1)})
    repo.git("checkout", "-q", "main")
    repo.commit("Main edits b", {"b.py": _module(2, "# main\n")})
    repo.t += DAY
    repo.git("cherry-pick", picks[0])  # as it is
    repo.t += DAY
    picked = subprocess.run(["git", "-C", str(repo.path), "cherry-pick", picks[1]], capture_output=True,
                            env=ENV)  # conflicts with main's edit of b.py: resolved by hand
    assert picked.returncode != 0
    repo.commit("Topic edits b", {"b.py": _module(3, "# main\n")})
    repo.git("branch", "-q", "rebased", "old")
    repo.git("checkout", "-q", "rebased")
    repo.t += DAY
    repo.git("rebase", "-q", "main")  # old's commit, rebased, then on main under another id
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "rebased")
    src = G.open_repo(str(repo.path))
    graph = G.commit_graph(src)
    for a, b in (("main", "topic"), ("topic", "main"), ("main", "old"), ("old", "topic")):
        plus, minus = G.cherry(src, graph, G.resolve(src, a), G.resolve(src, b))
        marks = _run(repo.path, "cherry", a, b).split("\n")
        assert plus == sorted(line.split()[1] for line in marks if line.startswith("+")), (a, b)
        assert minus == sorted(line.split()[1] for line in marks if line.startswith("-")), (a, b)
    plus, minus = G.cherry(src, graph, G.resolve(src, "main"), G.resolve(src, "topic"))
    assert minus == [picks[0]] and plus == sorted(picks[1:])  # the resolved pick is another patch
    assert G.cherry(src, graph, G.resolve(src, "main"), G.resolve(src, "old"))[1] != []  # rebased
