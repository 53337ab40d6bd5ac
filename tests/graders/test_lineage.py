import itertools

import networkx as nx
import pytest

from generators import lineage
from graders import grade
from graphs.papers import env_graph


def _task(kind, seed=0, index=0, **knobs):
    return lineage.generate(lineage.Config(kind=kind, **knobs), seed, index)


@pytest.mark.parametrize("seed", range(4))
def test_path_grader_accepts_exactly_networkx_all_shortest_paths(seed):
    task = _task("path", seed=seed, hops=3, distractors=13)
    graph = env_graph(task.env)
    source, target = task.truth["source"], task.truth["target"]
    shortest = {tuple(p) for p in nx.all_shortest_paths(graph, source, target)}
    candidates = {tuple(p) for p in nx.all_simple_paths(graph, source, target, cutoff=5)}
    candidates |= {tuple(p[::-1]) for p in shortest} | {(source, target)}
    assert shortest
    for path in candidates:
        assert grade(task, {"path": list(path)}).passed == (path in shortest), path


def test_path_failures_name_their_reason():
    task = _task("path", hops=2)
    path = task.truth["reference"]["path"]
    assert grade(task, {"path": path[::-1]}).reasons == ("path_wrong_endpoints",)
    assert grade(task, {"path": [path[0], path[-1]]}).reasons == ("not_a_citation",)
    assert grade(task, {"path": [path[0], "1710.0229", path[-1]]}).reasons == ("unknown_node",)


def test_a_path_may_spell_each_paper_its_own_way():
    task = _task("path", hops=2)
    spelled = [
        f"arXiv:{p}v1" if p[0].isdigit() and not p.startswith("10.") else p.upper()
        for p in task.truth["reference"]["path"]
    ]
    assert grade(task, {"path": spelled}).passed


def test_components_pass_only_the_exact_set_in_any_spelling():
    task = next(t for i in range(40) if (t := _task("components", index=i, anonymize=False, decoys=1)).truth["target"]
                == "1710.02298")
    six = [
        "10.48550/arXiv.1509.06461",
        "arXiv:1511.05952",
        "1511.06581v2",
        "asynchronous methods for deep reinforcement learning",
        "C51",
        "Noisy Networks for Exploration",
    ]
    assert grade(task, {"papers": six}).passed
    assert grade(task, {"papers": six[:5]}).reasons == ("missing_paper",)
    assert grade(task, {"papers": six + ["10.1038/NATURE14236"]}).reasons == ("extra_paper",)
    assert grade(task, {"papers": six + ["1509.06461"]}).reasons == ("duplicate_item",)  # Double DQN twice
    assert grade(task, {"papers": six[:5] + ["https://arxiv.org/abs/1706.10295"]}).reasons == (
        "unknown_node",
    )


def test_chronology_accepts_every_order_consistent_with_the_dates_including_ties():
    task = _task("chronology", items=4)
    tie = ["2104.06294", "2104.06303"]  # MuZero Unplugged and Sampled MuZero share a first-version date
    papers = sorted(task.truth["dates"])[:2] + tie
    dates = {p["id"]: p["date"] for p in task.env["papers"]}
    task.truth["dates"] = {k: dates[k] for k in papers}
    passing = 0
    for order in itertools.permutations(papers):
        consistent = all(dates[a] <= dates[b] for a, b in itertools.combinations(order, 2))
        g = grade(task, {"order": list(order)})
        assert g.passed == consistent and (g.passed or g.reasons == ("out_of_order",))
        passing += consistent
    assert passing == 2


def test_chronology_needs_every_paper_once():
    task = _task("chronology", items=5)
    order = task.truth["reference"]["order"]
    assert grade(task, {"order": order[1:]}).reasons == ("missing_paper",)
    assert grade(task, {"order": order + order[:1]}).reasons == ("duplicate_item",)


def test_latest_common_ancestor_accepts_exactly_the_latest_of_the_brute_force_common_ancestors():
    tasks = [
        t for i in range(30) if (t := _task("common", index=i, distractors=13)).truth["mode"] == "latest"
    ]
    assert tasks
    for task in tasks:
        graph = env_graph(task.env)
        a, b = task.truth["a"], task.truth["b"]
        common = {n for n in graph if n in nx.descendants(graph, a) and n in nx.descendants(graph, b)}
        dates = {p["id"]: p["date"] for p in task.env["papers"]}
        latest = {n for n in common if dates[n] == max(dates[c] for c in common)}
        for paper in graph:
            g = grade(task, {"paper": paper})
            assert g.passed == (paper in latest)
            assert g.passed or g.reasons == (("not_latest",) if paper in common else ("not_common_ancestor",))


def test_shared_citations_accept_exactly_the_intersection():
    task = next(t for i in range(30) if (t := _task("common", index=i)).truth["mode"] == "shared")
    graph = env_graph(task.env)
    shared = sorted(set(graph[task.truth["a"]]) & set(graph[task.truth["b"]]))
    assert grade(task, {"papers": shared[::-1]}).passed
    assert not grade(task, {"papers": shared + [task.truth["a"]]}).passed


@pytest.mark.parametrize(
    "answer",
    [
        {"papers": [None]},
        {"papers": "1710.02298"},
        {"papers": [["x"]]},
        {"papers": ["x" * 5000]},
        {"papers": []},
        "[",
        {"path": []},
    ],
)
def test_malformed_answers_fail_without_raising(answer):
    g = grade(_task("components"), answer)
    assert not g.passed and "grader_error" not in g.reasons
