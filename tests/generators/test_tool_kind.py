"""generators/tool_kind.py and its contracts: tasks, hidden instances, edge cases and judges, checked
against independent truths: a brute force over every subset with graphs.causal.blocks_backdoor_paths
(path by path) for cheapest_backdoor_set, and `git merge-base --all` on real repositories for merge_bases."""
import itertools
import json
import os
import subprocess
import sys

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
from graphs import causal as cg
from graphs.wikidata import haversine_km
from tests.gitcli import ENV

CONTRACT = cc.CONTRACTS["cheapest_backdoor_set"]


def _brute_force(args):
    """Every valid set of minimum cost, or None when none exists: subsets of the observed variables,
    each checked path by path (independently of the flow and d-separation code)."""
    edges, x, y, cost = args
    dag = cg.dag_from(sorted({x, y, *cost, *(v for e in edges for v in e)}), edges)
    observed = sorted(v for v in cost if v not in (x, y))
    valid = [set(z) for k in range(len(observed) + 1) for z in itertools.combinations(observed, k)
             if cg.blocks_backdoor_paths(dag, x, y, z)]
    if not valid:
        return None
    least = min(sum(cost[v] for v in z) for z in valid)
    return [sorted(z) for z in valid if sum(cost[v] for v in z) == least], least


def _in_process(fn, name=CONTRACT.name):
    namespace = {}
    exec(tool_kind.source(fn, name), namespace)  # trusted code of the project, not a submission
    return namespace[name]


def _instances(n=12, size=8):
    for seed in range(n):
        for kind in [None, *sorted(CONTRACT.edge_cases)]:
            yield kind, CONTRACT.draw(np.random.default_rng([seed, 7]), size, kind)


def test_each_edge_case_is_what_its_name_says_by_brute_force():
    for kind, args in _instances():
        edges, x, y, cost = args
        found = _brute_force(args)
        if kind is None:  # a random instance may be anything
            continue
        if kind == "no_valid_set":
            assert found is None
            continue
        assert found is not None, (kind, args)
        minimum, least = found
        if kind == "empty_set":
            assert minimum == [[]]
        if kind == "costs_matter":
            fewest = min(map(len, (s for s in _all_valid(args))))
            assert all(sum(cost[v] for v in z) > least for z in _all_valid(args) if len(z) == fewest)
        if kind == "descendant_trap":  # a cheaper set would block, were descendants allowed
            dag = cg.dag_from(sorted({x, y, *cost, *(v for e in edges for v in e)}), edges)
            unruled = cg.cheapest_backdoor_set(cg.backdoor_graph(dag, x), x, y, cost)
            assert sum(cost[v] for v in unruled) < least and not cg.is_valid_backdoor_set(dag, x, y, unruled)
        if kind == "isolated":
            assert set(cost) - {v for e in edges for v in e}


def _all_valid(args):
    edges, x, y, cost = args
    dag = cg.dag_from(sorted({x, y, *cost, *(v for e in edges for v in e)}), edges)
    observed = sorted(v for v in cost if v not in (x, y))
    return [z for k in range(len(observed) + 1) for z in itertools.combinations(observed, k)
            if cg.blocks_backdoor_paths(dag, x, y, z)]


def test_the_judge_accepts_every_minimum_set_and_rejects_the_rest():
    for _, args in _instances(n=4, size=7):
        found = _brute_force(args)
        if found is None:
            assert CONTRACT.judge(args, None) is None and CONTRACT.judge(args, []) == "wrong"
            continue
        minimum, _ = found
        assert all(CONTRACT.judge(args, z) is None for z in minimum)
        assert CONTRACT.judge(args, None) == "wrong"
        for z in _all_valid(args):
            if sorted(z) not in minimum:
                assert CONTRACT.judge(args, list(z)) == "wrong"
        assert CONTRACT.judge(args, {"A"}) == "wrong_type" and CONTRACT.judge(args, [1]) == "wrong_type"


@pytest.mark.parametrize("fn", [CONTRACT.reference, *CONTRACT.alternatives], ids=lambda f: f.__name__)
def test_the_reference_and_the_alternatives_agree_with_brute_force(fn):
    solve = _in_process(fn)
    for _, args in _instances(size=9):
        found = _brute_force(args)
        value = solve(*json.loads(json.dumps(args)))
        assert (value is None) if found is None else sorted(value) in found[0], args


@pytest.mark.parametrize("fn, edge_case", [(cc.ignores_costs, "costs_matter"),
                                           (cc.allows_descendants, "descendant_trap"),
                                           (cc.never_none, "no_valid_set")],
                         ids=lambda v: getattr(v, "__name__", v))
def test_each_mutant_is_wrong_on_its_edge_case(fn, edge_case):
    solve = _in_process(fn)
    for seed in range(8):
        args = CONTRACT.draw(np.random.default_rng([seed, 3]), 8, edge_case)
        assert CONTRACT.judge(args, solve(*args)) == "wrong", args


def _task(index=0, **knobs):
    return gc.generate(config_from(gc, {"kind": "tool", **knobs}), 2, index)


def test_the_prompt_states_the_contract_the_cases_the_sizes_and_the_pass_rule():
    task = _task(tool_cases=7, tool_size=11, tool_name_edge_cases=True)
    assert "def cheapest_backdoor_set(edges, x, y, cost)" in task.prompt
    assert "7 hidden instances of 5 to 11 variables" in task.prompt and "Passed only if all 7" in task.prompt
    assert all(text in task.prompt for text in CONTRACT.edge_cases.values())
    assert task.tools == ["python"] and task.grader == "tool.code" and '"code"' in task.prompt
    unnamed = _task()  # the default: the contract defines every behaviour, without a checklist
    assert not any(text in unnamed.prompt for text in CONTRACT.edge_cases.values())


def test_the_worked_sample_is_correct_and_in_the_python_tools_folder():
    task = _task()
    sample = json.loads(task.env["files"]["sample.json"])
    assert CONTRACT.judge(sample["args"], sample["output"]) is None
    assert json.dumps(sample["args"]) in task.prompt


def test_hidden_cases_come_from_the_task_seed_and_are_nowhere_in_the_task():
    task, other = _task(0), _task(1, tool_contract="cheapest_backdoor_set")
    cases = tool_kind.hidden_cases(CONTRACT, task.truth)
    assert cases == tool_kind.hidden_cases(CONTRACT, json.loads(json.dumps(task.truth)))
    assert [c.args for c in cases] != [c.args for c in tool_kind.hidden_cases(CONTRACT, other.truth)]
    assert sorted(c.edge_case for c in cases if c.edge_case) == sorted(CONTRACT.edge_cases)
    text = task.to_json()
    assert not any(json.dumps(c.args[0]) in text for c in cases)  # no hidden edge list, in any field


def test_without_edge_cases_every_hidden_case_is_random():
    task = _task(tool_edge_cases=False, tool_cases=3)
    assert [c.edge_case for c in tool_kind.hidden_cases(CONTRACT, task.truth)] == [None] * 3


@pytest.mark.parametrize("knobs, message", [
    ({"tool_cases": 0}, "--tool-cases must be in 1..16, got 0"),
    ({"tool_cases": 3}, "--tool-cases must be at least 5"),
    ({"tool_size": 2}, "--tool-size must be 0 or in 5..20"),
    ({"tool_contract": "nope"}, "--tool-contract must be one of cheapest_backdoor_set"),
])
def test_bad_tool_knobs_name_the_flag_and_the_range(knobs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        config_from(gc, {"kind": "tool", **knobs})


def test_mixed_leaves_the_tool_kind_out():
    assert "tool" in gc.KINDS and "tool" not in gc.Config().mixed_kinds()


def test_the_cli_makes_tool_tasks_with_the_same_bytes_under_any_hash_seed():
    def run(hash_seed):
        return subprocess.run([sys.executable, "-m", "generators.causal", "--kind", "tool", "--n", "3"],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed}).stdout
    first = run("1")
    assert first == run("99") and len(first.splitlines()) == 3


# --- git: merge_bases, cross-checked against the git command line -------------------------------------------

MERGE_BASES = gt.CONTRACTS["merge_bases"]
_NAMES = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
          "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
          "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}


def _git_merge_base_all(tmp_path, args):
    """The instance made into a real repository with `git commit-tree`, then `git merge-base --all`."""
    parents, a, b = args
    repo = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    env = {**ENV, **_NAMES}

    def git(*argv, stdin=""):
        return subprocess.run(["git", "-C", str(repo), *argv], input=stdin, capture_output=True, text=True,
                              env=env).stdout.strip()

    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    tree = git("mktree")
    made = {}
    for commit in _parents_first(parents):
        flags = [arg for p in parents[commit] for arg in ("-p", made[p])]
        made[commit] = git("commit-tree", tree, *flags, "-m", commit)
    back = {sha: commit for commit, sha in made.items()}
    return sorted(back[sha] for sha in git("merge-base", "--all", made[a], made[b]).split())


def _parents_first(parents):
    return list(nx.topological_sort(gt._graph(parents).reverse()))


def test_merge_bases_edge_cases_and_judge_agree_with_git_merge_base_all(tmp_path):
    for seed in range(3):
        for kind in [None, *sorted(MERGE_BASES.edge_cases)]:
            args = MERGE_BASES.draw(np.random.default_rng([seed, 11]), 12, kind)
            expected = _git_merge_base_all(tmp_path, args)
            assert MERGE_BASES.judge(args, expected) is None, (kind, args)
            assert MERGE_BASES.judge(args, expected + expected[:1]) == ("wrong" if expected else None)
            if kind == "criss_cross":
                assert len(expected) >= 2
            if kind in ("ancestor", "same_commit"):
                assert expected == [args[1]]
            if kind == "unrelated":
                assert expected == []


@pytest.mark.parametrize("fn", [MERGE_BASES.reference, *MERGE_BASES.alternatives], ids=lambda f: f.__name__)
def test_merge_bases_implementations_are_right_on_every_kind_of_instance(fn):
    solve = _in_process(fn, "merge_bases")
    for seed in range(10):
        for kind in [None, *sorted(MERGE_BASES.edge_cases)]:
            args = MERGE_BASES.draw(np.random.default_rng([seed, 12]), 16, kind)
            assert MERGE_BASES.judge(args, solve(*args)) is None, (kind, args)


@pytest.mark.parametrize("fn, edge_case", [(gt.one_base, "criss_cross"),
                                           (gt.first_parents_only, "criss_cross"),
                                           (gt.proper_ancestors_only, "same_commit")],
                         ids=lambda v: getattr(v, "__name__", v))
def test_merge_bases_mutants_are_wrong_on_their_edge_case(fn, edge_case):
    solve = _in_process(fn, "merge_bases")
    for seed in range(6):
        args = MERGE_BASES.draw(np.random.default_rng([seed, 13]), 10, edge_case)
        assert MERGE_BASES.judge(args, solve(*args)) == "wrong", args


def test_git_tool_tasks_grade_the_reference_alternatives_and_mutants_in_the_sandbox():
    task = gh.generate(config_from(gh, {"kind": "tool", "tool_contract": "merge_bases", "tool_cases": 6,
                                        "tool_size": 12}), 4, 0)
    assert task.family == "git.tool" and "6 hidden instances of 6 to 12 commits" in task.prompt
    assert all(grade(task, a).passed for a in [task.truth["reference"], *gh.enumerate_answers(task)])
    assert all(grade(task, m).reasons == ("wrong_on_edge_case",) for m in gh.mutants(task)[:-1])


# --- lineage: bottleneck_papers, against every simple chain -------------------------------------------------

BOTTLENECKS = lt.CONTRACTS["bottleneck_papers"]


def _on_every_chain(args):
    """The papers common to every simple citation chain from p to q (networkx's all_simple_paths), or None."""
    citations, p, q = args
    g = nx.DiGraph([tuple(c) for c in citations])
    g.add_nodes_from([p, q])
    chains = [set(path[1:-1]) for path in nx.all_simple_paths(g, p, q)]
    return sorted(set.intersection(*chains)) if chains else None


def test_bottleneck_edge_cases_and_judge_agree_with_every_chain():
    for seed in range(8):
        for kind in [None, *sorted(BOTTLENECKS.edge_cases)]:
            args = BOTTLENECKS.draw(np.random.default_rng([seed, 21]), 12, kind)
            expected = _on_every_chain(args)
            assert BOTTLENECKS.judge(args, expected) is None, (kind, args)
            sizes = {"no_chain": None, "direct": 0, "cycle": 2, "diamond": 1, "single_chain": 2}
            if kind is not None:
                assert (None if expected is None else len(expected)) == sizes[kind], (kind, args)
            if expected:
                assert BOTTLENECKS.judge(args, expected[1:]) == "wrong"
                assert BOTTLENECKS.judge(args, None) == "wrong"


@pytest.mark.parametrize("fn", [BOTTLENECKS.reference, *BOTTLENECKS.alternatives], ids=lambda f: f.__name__)
def test_bottleneck_implementations_are_right_on_every_kind_of_instance(fn):
    solve = _in_process(fn, "bottleneck_papers")
    for seed in range(10):
        for kind in [None, *sorted(BOTTLENECKS.edge_cases)]:
            args = BOTTLENECKS.draw(np.random.default_rng([seed, 22]), 16, kind)
            assert BOTTLENECKS.judge(args, solve(*args)) is None, (kind, args)


def test_lineage_tool_tasks_grade_the_reference_alternatives_and_mutants_in_the_sandbox():
    task = lineage.generate(config_from(lineage, {"kind": "tool", "tool_cases": 6, "tool_size": 12}), 4, 0)
    assert task.family == "lineage.tool" and "6 hidden instances of 6 to 12 papers" in task.prompt
    assert all(grade(task, a).passed for a in [task.truth["reference"], *lineage.enumerate_answers(task)])
    reasons = [grade(task, m).reasons[0] for m in lineage.mutants(task)]
    assert reasons[:3] == ["wrong_on_edge_case", "wrong_on_edge_case", "raised"]  # every_chain: a cycle


# --- wikidata: closest_pair, against the family's haversine over every pair ---------------------------------

CLOSEST = wt.CONTRACTS["closest_pair"]


def _closest_by_brute_force(args):
    """Every optimal pair (as frozensets) by graphs.wikidata.haversine_km, or None when no pair qualifies."""
    entities, constraint = args
    (rule, prop), = constraint.items()
    pairs = {frozenset((a["id"], b["id"])): haversine_km(tuple(a["coord"]), tuple(b["coord"]))
             for a, b in itertools.combinations([e for e in entities if "coord" in e], 2)
             if (a[prop] == b[prop]) == (rule == "same")}
    return {p for p, d in pairs.items() if d == min(pairs.values())} if pairs else None


def test_closest_pair_edge_cases_and_judge_agree_with_brute_force():
    for seed in range(8):
        for kind in [None, *sorted(CLOSEST.edge_cases)]:
            args = CLOSEST.draw(np.random.default_rng([seed, 31]), 12, kind)
            best = _closest_by_brute_force(args)
            if kind == "no_pair":
                assert best is None and CLOSEST.judge(args, None) is None
                continue
            assert best and all(CLOSEST.judge(args, sorted(p)) is None for p in best), (kind, args)
            assert all(CLOSEST.judge(args, sorted(p)[::-1]) is None for p in best)  # either order
            if kind == "ties":
                assert len(best) >= 2
            if kind == "missing_coordinates":
                assert any("coord" not in e for e in args[0])
            located = [e["id"] for e in args[0] if "coord" in e]
            worse = [[a, b] for a, b in itertools.combinations(located, 2) if frozenset((a, b)) not in best]
            assert all(CLOSEST.judge(args, pair) == "wrong" for pair in worse[:20])
            assert CLOSEST.judge(args, None) == "wrong" and CLOSEST.judge(args, located[:1]) == "wrong_type"


@pytest.mark.parametrize("fn", [CLOSEST.reference, *CLOSEST.alternatives], ids=lambda f: f.__name__)
def test_closest_pair_implementations_are_right_on_every_kind_of_instance(fn):
    solve = _in_process(fn, "closest_pair")
    for seed in range(10):
        for kind in [None, *sorted(CLOSEST.edge_cases)]:
            args = CLOSEST.draw(np.random.default_rng([seed, 32]), 20, kind)
            assert CLOSEST.judge(args, solve(*args)) is None, (kind, args)


@pytest.mark.parametrize("fn, edge_case", [(wt.flat_degrees, "antimeridian"),
                                           (wt.flat_degrees, "high_latitude"),
                                           (wt.ignores_constraint, "no_pair"),
                                           (wt.assumes_coordinates, "missing_coordinates")],
                         ids=lambda v: getattr(v, "__name__", v))
def test_closest_pair_mutants_are_wrong_on_their_edge_case(fn, edge_case):
    solve = _in_process(fn, "closest_pair")
    for seed in range(6):
        args = CLOSEST.draw(np.random.default_rng([seed, 33]), 10, edge_case)
        try:
            verdict = CLOSEST.judge(args, solve(*args))
        except KeyError:  # assumes_coordinates: what the sandbox reports as raised
            verdict = "raised"
        assert verdict in ("wrong", "raised"), args


def test_wikidata_tool_tasks_grade_the_reference_alternatives_and_mutants_in_the_sandbox():
    task = wikidata.generate(config_from(wikidata, {"kind": "tool", "tool_cases": 6, "tool_size": 12}), 4, 0)
    assert task.family == "wikidata.tool" and "6 hidden instances of 6 to 12 entities" in task.prompt
    assert all(grade(task, a).passed for a in [task.truth["reference"], *wikidata.enumerate_answers(task)])
    assert all(not grade(task, m).passed for m in wikidata.mutants(task))


# --- causal: cpdag, against orienting the skeleton every way (graphs.causal.cpdag_by_enumeration) -----------

CPDAG = cc.CONTRACTS["cpdag"]


def _cpdag_by_brute_force(args):
    dag = cg.dag_from(sorted({v for e in args[0] for v in e}), args[0])
    directed, undirected = cg.cpdag_by_enumeration(dag)
    return {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}


def test_cpdag_edge_cases_and_judge_agree_with_brute_force():
    for seed in range(6):
        for kind in [None, *sorted(CPDAG.edge_cases)]:
            args = CPDAG.draw(np.random.default_rng([seed, 41]), 7, kind)
            truth = _cpdag_by_brute_force(args)
            assert CPDAG.judge(args, truth) is None, (kind, args)
            flipped = {"directed": truth["directed"], "undirected": [p[::-1] for p in truth["undirected"]]}
            assert CPDAG.judge(args, flipped) is None  # an undirected pair either way round
            if kind in ("tree", "complete"):
                assert truth["directed"] == []
            if kind == "meek_rules":  # something is directed that no v-structure explains
                dag = cg.dag_from(sorted({v for e in args[0] for v in e}), args[0])
                vs = {e for a, c, b in cg.v_structures(dag) for e in ((a, c), (b, c))}
                assert {tuple(e) for e in truth["directed"]} - vs
            if truth["undirected"]:
                moved = {"directed": truth["directed"] + truth["undirected"][:1],
                         "undirected": truth["undirected"][1:]}
                assert CPDAG.judge(args, moved) == "wrong"
            assert CPDAG.judge(args, {"directed": truth["directed"]}) == "wrong_type"


@pytest.mark.parametrize("fn", [CPDAG.reference, *CPDAG.alternatives], ids=lambda f: f.__name__)
def test_cpdag_implementations_are_right_on_every_kind_of_instance(fn):
    solve = _in_process(fn, "cpdag")
    for seed in range(8):
        for kind in [None, *sorted(CPDAG.edge_cases)]:
            args = CPDAG.draw(np.random.default_rng([seed, 42]), 10, kind)
            assert CPDAG.judge(args, solve(*args)) is None, (kind, args)


@pytest.mark.parametrize("fn, edge_case", [(cc.cpdag_without_meek, "meek_rules"),
                                           (cc.cpdag_every_collider, "shielded_collider"),
                                           (cc.cpdag_as_given, "tree")],
                         ids=lambda v: getattr(v, "__name__", v))
def test_cpdag_mutants_are_wrong_on_their_edge_case(fn, edge_case):
    solve = _in_process(fn, "cpdag")
    for seed in range(6):
        args = CPDAG.draw(np.random.default_rng([seed, 43]), 8, edge_case)
        assert CPDAG.judge(args, solve(*args)) == "wrong", args


def test_causal_tool_tasks_take_turns_between_the_contracts():
    names = [gc.generate(gc.Config(kind="tool"), 0, i).truth["contract"] for i in range(6)]
    assert names == ["cheapest_backdoor_set", "cpdag", "d_separated"] * 2
    task = gc.generate(config_from(gc, {"kind": "tool", "tool_contract": "cpdag", "tool_cases": 5}), 1, 0)
    assert all(grade(task, a).passed for a in [task.truth["reference"], *gc.enumerate_answers(task)])
    assert all(not grade(task, m).passed for m in gc.mutants(task))


# --- every contract of every family: the reference and two alternatives right on every kind of instance --

_EVERY_CONTRACT = [(family, name) for family in sorted(tool_kind.CONTRACT_MODULES)
                   for name in sorted(tool_kind.contracts(family))]


@pytest.mark.parametrize("family, name", _EVERY_CONTRACT, ids=lambda v: v)
def test_every_contract_has_two_independent_alternatives_right_on_every_kind_of_instance(family, name):
    contract = tool_kind.contract_of(family, name)
    assert len(contract.alternatives) >= 2 and contract.mutants
    size = max(contract.min_size, min(contract.large_size, 40))
    for fn in [contract.reference, *contract.alternatives]:
        solve = _in_process(fn, name)
        for seed in range(3):
            for kind in [None, *sorted(contract.edge_cases)]:
                args = contract.draw(np.random.default_rng([seed, 51]), size, kind)
                if contract.must_raise and contract.must_raise(args):
                    with pytest.raises(ValueError):
                        solve(*json.loads(json.dumps(args)))
                    continue
                value = json.loads(json.dumps(solve(*json.loads(json.dumps(args)))))  # as from the sandbox
                assert contract.judge(args, value) is None, (fn.__name__, kind, args)


def _size(family, name, args):
    """An instance's size in the contract's unit, counted from the arguments themselves."""
    if family in ("git", "wikidata"):  # commits of the history, entities of the list
        return len(args[0])
    names = {v for pair in args[0] for v in pair}
    extra = {"cheapest_backdoor_set": lambda: {args[1], args[2], *args[3]},
             "d_separated": lambda: {*args[1], *args[2], *args[3]},
             "bottleneck_papers": lambda: {args[1], args[2]}, "reach_within": lambda: {args[1]}}
    return len(names | extra.get(name, set)())


_FAMILIES = {"causal": gc, "git": gh, "lineage": lineage, "wikidata": wikidata}


@pytest.mark.parametrize("family, name", _EVERY_CONTRACT, ids=lambda v: v)
def test_every_hidden_instance_has_a_size_in_the_range_the_prompt_states(family, name):
    module, contract = _FAMILIES[family], tool_kind.contract_of(family, name)
    for level in tool_kind.LADDER[:3]:
        for seed in range(3):
            config = config_from(module, {"kind": "tool", "tool_contract": name, **level})
            task = module.generate(config, seed, 0)
            low, high = task.truth["sizes"]
            assert f"hidden instances of {low} to {high} {contract.unit}" in task.prompt
            for case in tool_kind.hidden_cases(contract, task.truth):
                assert low <= _size(family, name, case.args) <= high, (level, seed, case.edge_case)
