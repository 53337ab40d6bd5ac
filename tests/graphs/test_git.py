import itertools
import os
import re
import subprocess

import pygit2
import pytest
from pygit2.enums import FileMode

from graphs import git as G
from graphs import synth_repo
from tests.gitcli import git


@pytest.fixture(scope="module")
def repo():
    return pygit2.Repository(synth_repo.embedded_path())


@pytest.fixture(scope="module")
def graph(repo):
    return G.commit_graph(repo)


def test_commit_graph_matches_rev_list_with_parent_order(repo, graph):
    expected = {}
    for line in git(repo.path, "rev-list", "--parents", "--all").splitlines():
        child, *parents = line.split()
        expected[child] = parents
    got = {c: [p for _, p, _ in sorted(graph.out_edges(c, data="n"), key=lambda e: e[2])] for c in graph}
    assert got == expected


def test_refs_match_for_each_ref_peeled(repo):
    out = git(repo.path, "for-each-ref", "--format=%(refname) %(objectname) %(*objectname)")
    rows = (f"{line} ".split(" ")[:3] for line in out.splitlines())
    expected = {name: peeled or sha for name, sha, peeled in rows}
    assert G.refs(repo) == expected


def test_commit_range_matches_git_log_for_every_pair_of_tags(repo, graph):
    tags = [r for r in G.refs(repo) if r.startswith("refs/tags/")]
    for a, b in itertools.permutations(tags, 2):
        expected = set(git(repo.path, "log", "--format=%H", f"{a}..{b}").split())
        assert G.commit_range(graph, G.resolve(repo, a), G.resolve(repo, b)) == expected, (a, b)


def test_merge_bases_match_git_merge_base_all_for_every_pair_of_branches(repo, graph):
    branches = [r for r in G.refs(repo) if r.startswith("refs/heads/")]
    for a, b in itertools.combinations(branches, 2):
        expected = set(git(repo.path, "merge-base", "--all", a, b).split())
        assert G.merge_bases_all(graph, G.resolve(repo, a), G.resolve(repo, b)) == expected, (a, b)


def test_branches_tags_and_first_parent_line_match_git(repo, graph):
    heads = git(repo.path, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    assert G.branches(repo) == dict(line.split() for line in heads.splitlines())
    head = G.resolve(repo, "main")
    assert G.first_parent_line(graph, head) == git(repo.path, "rev-list", "--first-parent", "main").split()
    tags = G.tags_in_history(repo, graph, head)
    merged = git(repo.path, "tag", "--merged", "main").split()
    assert sorted(name for name, _ in tags) == sorted(merged)
    assert all(repo.descendant_of(b, a) for (_, a), (_, b) in itertools.pairwise(tags))  # oldest first


def test_branch_pairs_list_every_pair_with_its_merge_bases(repo, graph):
    branches = G.branches(repo)
    pairs = G.branch_pairs_with_bases(graph, branches)
    assert [(x, y) for x, y, _ in pairs] == list(itertools.combinations(sorted(branches), 2))
    for x, y, bases in pairs:
        assert bases == sorted(git(repo.path, "merge-base", "--all", x, y).split()), (x, y)


def _fork_point_by_git(repo_path, a, b):
    """Where a's first-parent log meets b: the first parent of the last first-parent commit b lacks."""
    only_a = git(repo_path, "rev-list", "--first-parent", a, f"^{b}").split()
    return git(repo_path, "rev-parse", f"{only_a[-1]}^" if only_a else a).strip()


def test_fork_points_match_git_rev_list_first_parent_for_every_pair_of_branches(repo, graph):
    branches = G.branches(repo)
    seen_wrong = 0
    for a, b in itertools.permutations(sorted(branches), 2):
        fork = G.fork_point(graph, branches[a], branches[b])
        assert fork == _fork_point_by_git(repo.path, a, b), (a, b)
        bases = set(git(repo.path, "merge-base", "--all", a, b).split())
        seen_wrong += fork not in bases
    assert seen_wrong >= 6  # the embedded repository has branches whose log misleads about their merge base


def test_bisect_pairs_name_the_one_regression_between_good_and_bad(repo, graph):
    head = G.resolve(repo, "main")
    # The atom-spacing regression (made on a feature branch), decided by ancestry instead of a test run.
    regression = G.resolve(repo, ":/Keep the atom spacing")
    fix = G.resolve(repo, ":/Fix the atom spacing")

    def ok(c):
        return regression not in G.ancestry(graph, c) or fix in G.ancestry(graph, c)

    pairs = G.bisect_pairs(graph, head, ok, min_range=3)
    line = G.first_parent_line(graph, head)
    expected = [(g, b) for i, b in enumerate(line) if not ok(b) for g in line[i + 1:]
                if ok(g) and len(G.commit_range(graph, g, b)) >= 3]
    assert [(g, b) for g, b, _ in pairs] == expected and len(pairs) >= 4
    assert {culprit for _, _, culprit in pairs} == {regression} and regression not in line  # a side branch


def _commit(repo, message, files, parents, when):
    sig = pygit2.Signature("T", "t@example.org", when, 0)
    index = pygit2.Index()
    for path, text in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(text.encode()), FileMode.BLOB))
    return str(repo.create_commit(None, sig, sig, message + "\n", index.write_tree(repo), parents))


def test_criss_cross_merge_has_two_best_common_ancestors_like_git(tmp_path):
    repo = pygit2.init_repository(str(tmp_path / "cc.git"), bare=True, initial_head="main")
    root = _commit(repo, "root", {"f": "0"}, [], 1)
    a1 = _commit(repo, "a1", {"f": "a"}, [root], 2)
    b1 = _commit(repo, "b1", {"f": "b"}, [root], 3)
    a2 = _commit(repo, "a2", {"f": "ab"}, [a1, b1], 4)
    b2 = _commit(repo, "b2", {"f": "ba"}, [b1, a1], 5)
    repo.references.create("refs/heads/a", a2)
    repo.references.create("refs/heads/b", b2)
    expected = set(git(repo.path, "merge-base", "--all", "a", "b").split())
    assert expected == {a1, b1}  # the trap: `git merge-base` without --all names only one of them
    assert G.merge_bases_all(G.commit_graph(repo), a2, b2) == expected


def test_follow_matches_git_log_follow_for_every_file(repo):
    head = G.resolve(repo, "main")
    paths = git(repo.path, "ls-tree", "-r", "--name-only", "main").split()
    for path in paths:
        out = git(repo.path, "log", "--follow", "--name-only", "--format=%H", "main", "--", path).split()
        commits, names = out[0::2], out[1::2]
        history = G.follow(repo, head, path)
        assert history.changed == commits[::-1], path
        assert history.names() == list(dict.fromkeys(names[::-1])), path


def test_follow_sees_every_rename(repo):
    head = G.resolve(repo, "main")
    assert G.follow(repo, head, "agent/q_agent.py").names() == ["agent/dqn.py", "agent/q_agent.py"]
    assert G.follow(repo, head, "agent/layers.py").names() == ["agent/networks.py", "agent/layers.py"]
    assert G.follow(repo, head, "agent/memory.py").names() == ["agent/replay.py", "agent/memory.py"]


def test_blame_matches_git_blame_porcelain_at_every_tag(repo):
    for tag in [r for r in G.refs(repo) if r.startswith("refs/tags/")]:
        commit = G.resolve(repo, tag)
        for path in git(repo.path, "ls-tree", "-r", "--name-only", tag).split():
            porcelain = git(repo.path, "blame", "--porcelain", tag, "--", path)
            expected = re.findall(r"^([0-9a-f]{40}) \d+ \d+", porcelain, flags=re.M)
            assert G.blame(repo, path, commit) == expected, (tag, path)


def _names_by_commit(repo_path, commit):
    """Top-level def/class names in a commit's Python files, found with git grep (a second method)."""
    try:
        out = git(repo_path, "grep", "-h", "-o", "-E", r"^(async )?(def|class) \w+", commit, "--", "*.py")
    except subprocess.CalledProcessError:  # git grep exits 1 when nothing matches
        return set()
    return {line.split()[-1] for line in out.splitlines()}


def test_symbol_introductions_match_git_grep_at_every_commit(repo, graph):
    head = G.resolve(repo, "main")
    names = {c: _names_by_commit(repo.path, c) for c in G.ancestry(graph, head)}
    expected = {}
    for c, defined in names.items():
        for name in defined:
            if not any(name in names[p] for p in graph.successors(c)):
                expected.setdefault(name, set()).add(c)
    got = G.symbol_history(repo, graph, head).introduced
    assert {name: set(commits) for name, commits in got.items()} == expected
    assert len(expected) >= 14


def test_second_methods_agree_with_git(repo, graph):
    head = G.resolve(repo, "main")
    main_only = G.materialize(G.pack_history(repo, {"main": head}, "main"))
    introduced = G.symbol_history(repo, graph, head).introduced
    for symbol in ("td_target", "DQNAgent", "QNetwork", "n_step_return", "RainbowAgent"):
        assert G.introductions_by_regex(main_only, symbol) == introduced[symbol], symbol
    for path in ("agent/q_agent.py", "agent/layers.py", "tests/test_layers.py"):
        changed = git(repo.path, "log", "--follow", "--first-parent", "--name-only", "--format=%H",
                      "main", "--", path).split()
        names = G.first_parent_names(repo, head, path)
        assert [names[c] for c in changed[0::2]] == changed[1::2], path
    branches = [r for r in G.refs(repo) if r.startswith("refs/heads/")]
    for a, b in itertools.combinations(branches, 2):
        expected = sorted(git(repo.path, "merge-base", "--all", a, b).split())
        tips = [G.resolve(repo, a), G.resolve(repo, b)]
        assert G.best_common_ancestors_pairwise(repo, tips) == expected, (a, b)


def test_a_moved_function_is_not_introduced_again(repo, graph):
    head = G.resolve(repo, "v1.3")  # before td_target changed again
    history = G.symbol_history(repo, graph, head)
    first = G.resolve(repo, ":/Add DQN agent")
    moved = G.resolve(repo, ":/Move td_target into agent/returns.py")
    assert history.introduced["td_target"] == [first]
    assert history.last_changed["td_target"] == first  # moving it between files did not change its source
    assert moved in G.commit_range(graph, first, head)


def test_n_step_return_last_changed_by_the_fix(repo, graph):
    history = G.symbol_history(repo, graph, G.resolve(repo, "v1.3"))  # before it was rewritten
    assert history.last_changed["n_step_return"] == G.resolve(repo, ":/Fix n-step")


def _all_objects(repo_path):
    out = git(repo_path, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    return set(out.split())


def test_cut_off_copy_holds_no_object_or_ref_past_the_cut(repo):
    cut = G.resolve(repo, "v0.5")
    copy = G.materialize(G.pack_history(repo, {"main": cut}, "main", ("v0.5",)))
    expected_objects = {line.split()[0] for line in git(repo.path, "rev-list", "--objects", cut).splitlines()}
    assert _all_objects(copy.path) == expected_objects
    copy_refs = G.refs(copy)
    assert copy_refs["refs/heads/main"] == cut
    # Branches other than the task's record no creation time, so they may be younger than the cut: left out.
    assert set(copy_refs) == {"refs/heads/main", *(f"refs/tags/v0.{i}" for i in range(1, 6))}
    assert git(copy.path, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert not os.path.exists(os.path.join(copy.path, "logs"))
    git(copy.path, "fsck", "--strict", "--no-dangling")


def _pack_objects(packed, folder):
    """The ids of the objects a copy's pack holds, as git's own verify-pack lists them."""
    import base64
    for ext in ("pack", "idx"):
        (folder / f"p.{ext}").write_bytes(base64.b64decode(packed[ext]))
    rows = git(str(folder), "verify-pack", "-v", str(folder / "p.idx")).splitlines()
    return {row.split()[0] for row in rows if re.fullmatch(r"[0-9a-f]{40} (commit|tree|blob|tag) .*", row)}


def test_a_delta_copy_leaves_out_its_base_and_is_the_whole_copy_elsewhere(repo, tmp_path, monkeypatch):
    cut = G.resolve(repo, "v0.5")
    # a commit on top of the base, objects only, as the generators add theirs
    builder = repo.TreeBuilder(repo[cut].peel(pygit2.Commit).tree)
    builder.insert("NEW.md", repo.create_blob(b"a file the base never had\n"), FileMode.BLOB)
    sig = pygit2.Signature("T", "t@example.org", 2_000_000_000, 0)
    new = str(repo.create_commit(None, sig, sig, "Add NEW.md", builder.write(), [pygit2.Oid(hex=cut)]))
    whole = G.pack_history(repo, {"main": new}, "main", ("v0.5",))
    delta = G.pack_history(repo, {"main": new}, "main", ("v0.5",), {"module": "graphs.synth_repo"})
    assert delta["refs"] == whole["refs"] and delta["head"] == whole["head"]
    assert delta["base"]["tips"] == sorted(set(G.refs(repo).values()))
    (tmp_path / "delta").mkdir()
    added = {new, str(repo[new].tree_id), str(repo[new].tree["NEW.md"].id)}
    assert _pack_objects(delta, tmp_path / "delta") == added
    expected = {line.split()[0] for line in git(repo.path, "rev-list", "--objects", new).splitlines()}
    monkeypatch.setenv("KGTASKS_CACHE", str(tmp_path / "elsewhere"))  # the base is rebuilt there
    copy = G.materialize(delta)
    assert copy.path.startswith(str(tmp_path / "elsewhere"))
    assert _all_objects(copy.path) == expected  # nothing of the base's later history
    assert not os.path.exists(os.path.join(copy.path, "objects", "info", "alternates"))
    assert G.refs(copy) == G.refs(G.materialize(whole))
    git(copy.path, "fsck", "--strict", "--no-dangling")


def test_a_delta_against_another_build_of_its_base_or_an_unknown_base_is_refused(repo):
    cut = G.resolve(repo, "v0.3")
    delta = G.pack_history(repo, {"main": cut}, "main", base={"module": "graphs.synth_repo"})
    other = {**delta, "base": {**delta["base"], "tips": ["0" * 40]}}
    with pytest.raises(ValueError, match="another version of kgtasks built it"):
        G.materialize(other)
    with pytest.raises(ValueError, match="unknown base 'os'"):
        G.materialize({**delta, "base": {"module": "os", "args": {}}})
    with pytest.raises(ValueError, match="unknown base"):
        G.pack_history(repo, {"main": cut}, "main", base={"module": "shutil"})


def test_the_copy_keeps_the_tags_made_by_the_cut_off_and_the_named_ones_made_later(tmp_path):
    repo = pygit2.init_repository(str(tmp_path / "late.git"), bare=True, initial_head="main")
    c0 = _commit(repo, "c0", {"f": "0"}, [], 1_000)
    c1 = _commit(repo, "c1", {"f": "1"}, [c0], 2_000)
    repo.references.create("refs/heads/main", c1)
    repo.references.create("refs/heads/later", c0)  # a branch made any time: no record says when
    repo.references.create("refs/tags/light", c0)  # a lightweight tag: neither
    for name, when in (("early", 1_500), ("release", 5_000), ("after", 9_000)):
        tagger = pygit2.Signature("T", "t@example.org", when, 0)
        repo.create_tag(name, pygit2.Oid(hex=c0), pygit2.enums.ObjectType.COMMIT, tagger, f"{name}\n")
    assert set(G.pack_history(repo, {"main": c1}, "main")["refs"]) == {"refs/heads/main", "refs/tags/early"}
    assert set(G.pack_history(repo, {"main": c0}, "main")["refs"]) == {"refs/heads/main"}  # early came later
    # A release tagged days after its commit, that the prompt names: the cut-off is when it was made.
    named = G.pack_history(repo, {"main": c1}, "main", ("release",))["refs"]
    assert set(named) == {"refs/heads/main", "refs/tags/early", "refs/tags/release"}
    with pytest.raises(ValueError, match="names no commit"):
        G.pack_history(repo, {"main": c0}, "main", ("missing",))


def test_cut_off_copy_is_the_same_bytes_every_time(repo):
    cut = G.resolve(repo, "v0.7")
    assert G.pack_history(repo, {"main": cut}, "main") == G.pack_history(repo, {"main": cut}, "main")


def test_open_repo_names_a_missing_repository(tmp_path):
    with pytest.raises(ValueError, match="not a git repository"):
        G.open_repo(str(tmp_path))


def test_resolve_rejects_a_name_of_no_commit(repo):
    with pytest.raises(ValueError, match="names no commit"):
        G.resolve(repo, "v9.9")


def test_unpacked_copies_are_private_read_only_and_unpacked_again_when_touched(repo):
    packed = G.pack_history(repo, {"main": G.resolve(repo, "v0.4")}, "main", ("v0.4",))
    copy = G.materialize(packed)
    cache = os.path.dirname(os.path.normpath(copy.path))
    assert cache.startswith(os.environ["KGTASKS_CACHE"]) and os.stat(cache).st_mode & 0o777 == 0o700
    assert not os.stat(copy.path).st_mode & 0o222  # read-only: the tools never write there
    tip = G.resolve(copy, "HEAD")
    # What other processes did to cached copies: a ref planted, an empty folder added.
    for touch in (lambda p: open(os.path.join(p, "refs", "heads", "planted"), "w").write(tip + "\n"),
                  lambda p: os.mkdir(os.path.join(p, "logs"))):
        os.chmod(copy.path, 0o700)
        os.chmod(os.path.join(copy.path, "refs", "heads"), 0o700)
        touch(copy.path)
        again = G.materialize(packed)
        assert set(G.refs(again)) == set(packed["refs"])
        assert not os.path.exists(os.path.join(again.path, "logs"))
    git(again.path, "fsck", "--strict", "--no-dangling")


def test_a_cache_folder_of_another_user_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KGTASKS_CACHE", str(tmp_path))
    os.makedirs(tmp_path / "git")
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    with pytest.raises(ValueError, match="not a folder of this user's"):
        G.private_cache("git")
