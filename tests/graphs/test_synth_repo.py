import json
import os
import subprocess
import sys

import pygit2
import pytest

from graphs import git as G
from graphs import synth_repo

HEAD_ID = "b064f759f36f3118f814d575ed61bc3e4fdc7a42"
PICKS_ID = "0fb1dafe440b0c9e9ed507975facfa84acfc085d"  # main's tip before the advantage estimates were added
V1_3_ID = "49d276ec9b2fe74d845d08ff9727b831cdd66797"  # main's tip before the behaviour story was added
V1_1_ID = "f47827264e9d4a7e0e3b9d878cc1d7b097be1e10"  # main's tip before the work after v1.1 was added

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
    assert G.resolve(repo, "v1.1") == V1_1_ID  # history is only ever appended to
    assert G.resolve(repo, "v1.3") == V1_3_ID
    assert G.resolve(repo, "v1.7~30") == PICKS_ID
    assert plain["head_ref"] == "refs/heads/main"
    assert plain["names"] == ["agent/dqn.py", "agent/q_agent.py"]


def test_history_has_branches_merges_tags_and_several_authors(repo):
    graph = G.commit_graph(repo)
    merges = [c for c in graph if graph.out_degree(c) == 2]
    tags = [r for r in G.refs(repo) if r.startswith("refs/tags/")]
    authors = {repo[c].author.email for c in graph}
    offsets = {repo[c].author.offset for c in graph}
    assert len(merges) == 17 and len(tags) == 16 and len(authors) == 4
    assert len(offsets) == 4 and min(offsets) < 0
    assert all(isinstance(repo[repo.references[t].target], pygit2.Tag) for t in tags)


def test_the_experiments_cross_merge_into_two_best_common_ancestors(repo):
    graph = G.commit_graph(repo)
    huber, adam = G.resolve(repo, "experiment/huber"), G.resolve(repo, "experiment/adam")
    first_commits = {G.resolve(repo, "experiment/huber^1"), G.resolve(repo, "experiment/adam^1")}
    assert G.merge_bases_all(graph, huber, adam) == first_commits


# Each regression: the test that catches it, the commit that introduces it and the one that fixes it.
REGRESSIONS = [
    ("tests/test_q_agent.py::test_double_dqn_when_the_networks_disagree",
     "Factor an argmax helper out of double_td_target", "Let the online network pick the action"),
    ("tests/test_returns.py::test_n_step_return_stops_at_episode_end",
     "Compute n-step returns backwards", "Fix n-step returns at episode ends"),
    ("tests/test_layers.py::test_atoms_span_v_min_to_v_max",  # introduced on a feature branch
     "Keep the atom spacing on DistributionalHead", "Fix the atom spacing of DistributionalHead"),
]


def test_the_regression_tests_are_the_three_of_the_story():
    assert synth_repo.REGRESSION_TESTS == tuple(test for test, _, _ in REGRESSIONS)


@pytest.mark.parametrize("test_id, introduced, fixed", REGRESSIONS)
def test_a_regression_fails_exactly_from_its_commit_until_the_fix(repo, test_id, introduced, fixed):
    graph = G.commit_graph(repo)
    bad, fix = G.resolve(repo, f":/{introduced}"), G.resolve(repo, f":/{fixed}")
    before = G.resolve(repo, f"{bad}^")
    source = repo.revparse_single(f"main:{test_id.split('::')[0]}").data.decode()
    window = G.commit_range(graph, before, fix) | {before}  # side branches merged meanwhile included
    failing = set()
    for c in window:
        passed, line = synth_repo.run_test(repo, c, test_id, source)
        if not passed:
            failing.add(c)
            assert line.startswith("FAILED: AssertionError")  # the test ran; the code was wrong
    # In the window, exactly the commits that contain the regression and not yet its fix fail.
    assert failing == {c for c in window if bad in G.ancestry(graph, c)} - {fix}
    assert len(failing) >= 4


def test_every_test_passes_at_the_last_release(repo):
    head = repo.revparse_single("v1.3").peel(pygit2.Commit)
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
