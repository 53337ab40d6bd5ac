import json
import os
import subprocess
import sys

import pygit2
import pytest

from graphs import git as G
from graphs import synth_repo

HEAD_ID = "d675562c711edccf1e599c8245165bbcb935b546"

# Builds the repository in a fresh interpreter and prints what must not depend on the environment.
_PROBE = """
import json, sys
from graphs import git as G, synth_repo
repo = synth_repo.build(sys.argv[1])
head = G.resolve(repo, "HEAD")
print(json.dumps({"refs": G.refs(repo), "head_ref": repo.references["HEAD"].target,
                  "names": G.follow(repo, head, "agent/q_agent.py").names()}))
"""


@pytest.fixture(scope="module")
def repo():
    return pygit2.Repository(synth_repo.embedded_path())


def _build_elsewhere(tmp_path, name, hashseed, home):
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    project = os.path.dirname(os.path.dirname(synth_repo.__file__))
    out = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / name)], env=env, check=True,
                         capture_output=True, text=True, cwd=project)
    return json.loads(out.stdout)


def test_same_ids_under_any_hash_seed_and_user_config(tmp_path, repo):
    hostile = tmp_path / "home"
    hostile.mkdir()
    # A user config that would change the default branch and switch rename detection off.
    (hostile / ".gitconfig").write_text("[init]\n\tdefaultBranch = trunk\n[diff]\n\trenames = false\n")
    plain = _build_elsewhere(tmp_path, "a.git", "0", tmp_path)
    odd = _build_elsewhere(tmp_path, "b.git", "12345", hostile)
    assert plain == odd
    assert plain["refs"] == G.refs(repo)
    assert plain["refs"]["refs/heads/main"] == HEAD_ID
    assert plain["head_ref"] == "refs/heads/main"
    assert plain["names"] == ["agent/dqn.py", "agent/q_agent.py"]


def test_history_has_branches_merges_tags_and_several_authors(repo):
    graph = G.commit_graph(repo)
    merges = [c for c in graph if graph.out_degree(c) == 2]
    tags = [r for r in G.refs(repo) if r.startswith("refs/tags/")]
    authors = {repo[c].author.email for c in graph}
    offsets = {repo[c].author.offset for c in graph}
    assert len(merges) == 8 and len(tags) == 9 and len(authors) == 4
    assert len(offsets) == 4 and min(offsets) < 0
    assert all(isinstance(repo[repo.references[t].target], pygit2.Tag) for t in tags)


def test_the_experiments_cross_merge_into_two_best_common_ancestors(repo):
    graph = G.commit_graph(repo)
    huber, adam = G.resolve(repo, "experiment/huber"), G.resolve(repo, "experiment/adam")
    first_commits = {G.resolve(repo, "experiment/huber^1"), G.resolve(repo, "experiment/adam^1")}
    assert G.merge_bases_all(graph, huber, adam) == first_commits


def _test_source(repo, rev="v1.0"):
    return repo.revparse_single(f"{rev}:tests/test_returns.py").data.decode()


def test_the_regression_fails_exactly_from_its_commit_until_the_fix(repo):
    graph = G.commit_graph(repo)
    bad = G.resolve(repo, ":/Compute n-step returns backwards")
    fix = G.resolve(repo, ":/Fix n-step")
    helper = G.resolve(repo, ":/Add an n-step return helper")
    source = _test_source(repo)
    failing = set()
    for c in G.commit_range(graph, helper, fix) | {helper}:
        passed, line = synth_repo.run_test(repo, c, synth_repo.REGRESSION_TEST, source)
        if not passed:
            failing.add(c)
            assert line.startswith("FAILED: AssertionError")  # the test ran; the code was wrong
    # Between the helper and the fix, exactly the commits that contain the regression fail.
    assert failing == G.commit_range(graph, helper, fix) - {fix} - {
        c for c in G.commit_range(graph, helper, fix) if bad not in G.ancestry(graph, c)}
    assert len(failing) >= 6


def test_every_test_passes_at_the_last_release(repo):
    head = repo.revparse_single("v1.0").peel(pygit2.Commit)
    for entry in head.tree["tests"]:
        source = repo[entry.id].data
        for name in G.python_symbols(source):
            test_id = f"tests/{entry.name}::{name}"
            result = synth_repo.run_test(repo, str(head.id), test_id, source.decode())
            assert result == (True, "PASSED"), test_id


def test_a_runaway_test_is_stopped(repo, monkeypatch):
    monkeypatch.setattr(synth_repo, "TEST_CPU_SECONDS", 1)
    spin = "def test_spin():\n    while True:\n        pass\n"
    passed, line = synth_repo.run_test(repo, G.resolve(repo, "v1.0"), "tests/test_spin.py::test_spin", spin)
    assert not passed and line.startswith("FAILED")


def test_a_test_that_hoards_memory_is_stopped(repo):
    hoard = "def test_hoard():\n    blocks = [bytearray(2**28) for _ in range(8)]\n"
    passed, line = synth_repo.run_test(repo, G.resolve(repo, "v1.0"), "tests/test_h.py::test_hoard", hoard)
    assert not passed and line.startswith("FAILED: MemoryError")
