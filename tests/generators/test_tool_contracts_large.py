"""The tool kind's contracts on large instances (generators/*_tools_contracts.py): each is checked
against an answer found independently (the git command line, every simple path or walk, a second
distance formula), and its brute force is right but too slow for the default sizes."""
import itertools
import math
import subprocess

import networkx as nx
import numpy as np
import pytest

from generators import causal as gc
from generators import causal_tools_contracts as cc
from generators import git_history as gh
from generators import git_tools_contracts as gt
from generators import lineage, tool_kind, wikidata
from generators import lineage_tools_contracts as lt
from generators import wikidata_tools_contracts as wt
from generators.base import config_from
from graders import grade
from tests.gitcli import ENV

_NAMES = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
          "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
          "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}


def _in_process(fn, name):
    namespace = {}
    exec(tool_kind.source(fn, name), namespace)  # trusted code of the project, not a submission
    return namespace[name]


def _cases(contract, seeds, size):
    for seed in range(seeds):
        for kind in [None, *sorted(contract.edge_cases)]:
            yield kind, contract.draw(np.random.default_rng([seed, 77]), size, kind)


# --- every family offers at least three contracts, and a default sample holds three ---------------------

@pytest.mark.parametrize("module", [gc, gh, lineage, wikidata], ids=lambda m: m.__name__)
def test_a_default_sample_of_eight_holds_three_contracts_at_large_sizes(module):
    tasks = [module.generate(config_from(module, {"kind": "tool"}), 1, i) for i in range(8)]
    assert len({t.truth["contract"] for t in tasks}) >= 3
    assert len({t.prompt for t in tasks}) == 8
    for t in tasks:  # edge cases unnamed by default; sizes are each contract's own
        contract = tool_kind.contract_of(t.truth["family"], t.truth["contract"])
        assert t.truth["sizes"][1] == contract.large_size
        assert not any(text in t.prompt for text in contract.edge_cases.values())


# --- git: reachable_count and independent, against the git command line ----------------------------------

def _repository(tmp_path, parents):
    """The history made into a real repository with `git commit-tree`: (run git, commit -> sha)."""
    repo = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    env = {**ENV, **_NAMES}

    def git(*argv):
        return subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True,
                              env=env).stdout.strip()

    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    tree, made = git("mktree"), {}
    for commit in reversed(list(nx.topological_sort(gt._graph(parents)))):  # parents first
        made[commit] = git("commit-tree", tree, *[a for p in parents[commit] for a in ("-p", made[p])],
                           "-m", commit)
    return git, made


def test_reachable_count_agrees_with_git_rev_list_count(tmp_path):
    contract = gt.CONTRACTS["reachable_count"]
    for kind, args in _cases(contract, 3, 40):
        parents, include, exclude = args
        git, made = _repository(tmp_path, parents)
        expected = int(git("rev-list", "--count", *[made[c] for c in include], "--not",
                           *[made[c] for c in exclude]))
        assert contract.judge(args, expected) is None, (kind, args)
        assert contract.judge(args, expected + 1) == "wrong" and contract.judge(args, True) == "wrong_type"
        if kind == "excluded_tips":
            assert expected == 0


def test_independent_agrees_with_git_merge_base_independent(tmp_path):
    contract = gt.CONTRACTS["independent"]
    for kind, args in _cases(contract, 3, 40):
        parents, commits = args
        git, made = _repository(tmp_path, parents)
        back = {sha: c for c, sha in made.items()}
        printed = git("merge-base", "--independent", *[made[c] for c in commits]).split()
        expected = sorted(back[sha] for sha in printed)
        assert contract.judge(args, expected) is None, (kind, args)
        if kind in ("one_commit", "one_line"):
            assert len(expected) == 1
        if kind == "second_parent":  # the first-parent walk keeps a commit git drops
            first_parents = _in_process(gt.independent_first_parents, "independent")
            assert contract.judge(args, first_parents(*args)) == "wrong"


@pytest.mark.parametrize("name", ["reachable_count", "independent"])
def test_git_implementations_are_right_and_the_mutants_wrong_on_long_histories(name):
    contract = gt.CONTRACTS[name]
    right = [_in_process(f, name) for f in [contract.reference, *contract.alternatives]]
    wrong = {f.__name__: _in_process(f, name) for f in contract.mutants}
    caught = dict.fromkeys(wrong, 0)
    for _, args in _cases(contract, 2, 5000):
        assert all(contract.judge(args, f(*args)) is None for f in right)
        for n, f in wrong.items():
            try:
                caught[n] += contract.judge(args, f(*args)) is not None
            except RecursionError:  # what the sandbox reports as raised
                caught[n] += 1
    assert all(caught.values()), caught


# --- lineage: longest_chain and reach_within, against every simple path and every walk -------------------

def _longest_by_every_path(citations):
    g = nx.DiGraph([tuple(c) for c in citations])
    if list(nx.simple_cycles(g)):
        return None
    return max((len(p) for a, b in itertools.permutations(g, 2) for p in nx.all_simple_paths(g, a, b)),
               default=1)


def test_longest_chain_agrees_with_every_simple_path_and_rejects_cycles():
    contract = lt.CONTRACTS["longest_chain"]
    solve = _in_process(contract.reference, "longest_chain")
    for kind, args in _cases(contract, 4, 14):
        expected = _longest_by_every_path(args[0])
        assert (expected is None) == contract.must_raise(args), (kind, args)
        if expected is None:
            with pytest.raises(ValueError):
                solve(*args)
            continue
        assert solve(*args) == expected and contract.judge(args, expected) is None
        assert contract.judge(args, expected - 1) == "wrong"  # the citations, not the papers
        assert contract.judge(args, float(expected)) == "wrong_type"


def _reach_by_every_walk(citations, p, k):
    cites = {}
    for a, b in citations:
        cites.setdefault(a, []).append(b)
    found, walks = set(), [[p]]
    for _ in range(k):
        walks = [w + [c] for w in walks for c in cites.get(w[-1], [])]
        found.update(w[-1] for w in walks)
    return sorted(found - {p})


def test_reach_within_agrees_with_every_walk():
    contract = lt.CONTRACTS["reach_within"]
    for kind, args in _cases(contract, 4, 30):
        citations, p, k = args
        args = [citations, p, min(k, 5)]  # every walk: keep it small
        expected = _reach_by_every_walk(*args)
        assert contract.judge(args, len(expected)) is None, (kind, args)
        assert contract.judge(args, len(expected) + 1) == "wrong"
        assert contract.judge(args, expected) == "wrong_type"  # the papers themselves: a count is asked for
        if kind in ("zero_steps", "cites_nothing"):
            assert expected == []


@pytest.mark.parametrize("name", ["longest_chain", "reach_within"])
def test_lineage_implementations_are_right_at_the_large_size(name):
    contract = lt.CONTRACTS[name]
    for fn in [contract.reference, *contract.alternatives]:
        solve = _in_process(fn, name)
        for _, args in _cases(contract, 1, contract.large_size):
            if contract.must_raise and contract.must_raise(args):
                with pytest.raises(ValueError):
                    solve(*args)
            else:
                assert contract.judge(args, solve(*args)) is None


# --- wikidata: farthest_pair and within_radius, against the spherical law of cosines ---------------------

def _km(a, b):
    """Great-circle distance by the spherical law of cosines: another formula than the haversine."""
    (la1, lo1), (la2, lo2) = map(math.radians, a), map(math.radians, b)
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def test_farthest_pair_accepts_the_farthest_pair_found_another_way():
    contract = wt.CONTRACTS["farthest_pair"]
    for kind, args in _cases(contract, 4, 40):
        entities, constraint = args
        (rule, prop), = constraint.items()
        pairs = [(_km(a["coord"], b["coord"]), [a["id"], b["id"]])
                 for a, b in itertools.combinations([e for e in entities if "coord" in e], 2)
                 if (a[prop] == b[prop]) == (rule == "same")]
        if not pairs:
            assert contract.judge(args, None) is None and kind != "antimeridian"
            continue
        best = max(pairs)
        assert contract.judge(args, best[1]) is None, (kind, args)
        assert all(contract.judge(args, pair) == "wrong" for d, pair in pairs if d < best[0] - 1)


def test_within_radius_agrees_with_another_formula_and_rejects_an_unlocated_center():
    contract = wt.CONTRACTS["within_radius"]
    for kind, args in _cases(contract, 4, 300):
        entities, center, radius = args
        at = next(e for e in entities if e["id"] == center).get("coord")
        assert (at is None) == contract.must_raise(args) == (kind == "center_unlocated")
        if at is None:
            continue
        expected = sorted(e["id"] for e in entities
                          if e["id"] != center and "coord" in e and _km(at, e["coord"]) <= radius)
        assert contract.judge(args, len(expected)) is None, (kind, args)
        assert contract.judge(args, len(expected) + 1) == "wrong"
        if kind in ("antimeridian", "high_latitude"):  # the trap is there: flat degrees give another set
            assert contract.judge(args, _in_process(wt.radius_flat, "within_radius")(*args)) == "wrong"


# --- causal: d_separated, against every path of the skeleton ---------------------------------------------

def _separated_by_every_path(args):
    edges, x, y, z = args
    dag = nx.DiGraph([tuple(e) for e in edges])
    dag.add_nodes_from([*x, *y, *z])
    given = set(z)
    for a, b in itertools.product(x, y):
        for path in nx.all_simple_paths(dag.to_undirected(), a, b):
            blocked = False
            for u, v, w in zip(path, path[1:], path[2:], strict=False):
                if dag.has_edge(u, v) and dag.has_edge(w, v):  # a collider
                    blocked |= not ({v} | nx.descendants(dag, v)) & given
                else:
                    blocked |= v in given
            if not blocked:
                return False
    return True


def test_d_separated_agrees_with_every_path():
    contract = cc.CONTRACTS["d_separated"]
    brute = _in_process(cc.dsep_all_paths, "d_separated")
    for kind, args in _cases(contract, 6, 12):
        expected = _separated_by_every_path(args)
        assert contract.judge(args, expected) is None and contract.judge(args, not expected) == "wrong"
        dag = nx.DiGraph([tuple(e) for e in args[0]])
        dag.add_nodes_from([*args[1], *args[2], *args[3]])
        assert nx.is_d_separator(dag, set(args[1]), set(args[2]), set(args[3])) == expected
        assert brute(*args) == expected, (kind, args)  # the brute force is right, only slow
        assert contract.judge(args, 1) == "wrong_type"
        if kind in ("adjacent", "collider_descendant"):
            assert expected is False


def test_d_separated_implementations_are_right_and_mutants_caught_at_the_large_size():
    contract = cc.CONTRACTS["d_separated"]
    right = [_in_process(f, "d_separated") for f in [contract.reference, *contract.alternatives]]
    mutant = _in_process(cc.dsep_forgets_z_ancestors, "d_separated")
    for kind, args in _cases(contract, 1, contract.large_size):
        truth = contract.solve(args)
        assert all(f(*args) is truth for f in right), kind
        if kind == "collider_descendant":
            assert mutant(*args) is not truth


# --- in the sandbox: what the grader says of each trap ---------------------------------------------------

def test_a_contract_asking_for_value_error_passes_it_and_fails_a_returned_value_or_another_exception():
    task = lineage.generate(config_from(lineage, {"kind": "tool", "tool_contract": "longest_chain",
                                                  "tool_cases": 4, "tool_size": 30}), 3, 0)
    assert grade(task, task.truth["reference"]).passed
    assert grade(task, tool_kind.mutants(task)[1]).reasons == ("not_raised",)  # ignores cycles
    always = "def longest_chain(citations):\n    raise ValueError('no')\n"
    other = "def longest_chain(citations):\n    raise KeyError('no')\n"
    assert grade(task, {"code": always}).reasons == ("raised",)  # on a graph without a cycle
    assert grade(task, {"code": other}).reasons == ("raised",)


def test_the_brute_force_runs_out_of_time_at_the_default_size():
    config = config_from(gh, {"kind": "tool", "tool_contract": "reachable_count", "tool_cases": 3,
                              "tool_edge_cases": False})
    task = gh.generate(config, 2, 0)
    brute = tool_kind.mutants(task)[-2]
    assert "is_ancestor" in brute["code"]
    assert grade(task, brute).reasons == ("timeout",)
    assert grade(task, task.truth["reference"]).passed
