"""The lineage family's answers for `tasks.check` (the check hooks of generators.base's protocol):
naive and random guesses, tool probes, every correct answer found without the generator's code path,
and near misses that must fail. generators.lineage re-exports them.
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

from generators import lineage_reasoning as reasoning
from generators import tool_kind
from graphs.papers import PaperIndex, env_graph
from tasks.task import Task


def _kind(task: Task) -> str:
    return task.family.split(".", 1)[1]


def _spellings(task: Task, key: str) -> list[str]:
    """Other accepted spellings of a paper: prefixed and versioned arXiv ids, an upper-case DOI, the title."""
    paper = next(p for p in task.env["papers"] if p["id"] == key)
    others = [f"arXiv:{key}", f"{key}v2"] if PaperIndex([paper]).resolve(f"{key}v2") else []
    return others + ([paper["doi"].upper()] if paper["doi"] else []) + [paper["title"]]


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: everything the paper cites, the source then the target, the papers sorted by
    title (all the prompt shows of them), everything the first paper cites, or its newest reference."""
    if _kind(task) in reasoning.KINDS:
        return reasoning.baseline(task, rng)
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.baseline(task, rng)
    graph, kind, truth = env_graph(task.env), _kind(task), task.truth
    if kind == "components":
        return {"papers": sorted(graph[truth["target"]])}
    if kind == "path":
        return {"path": [truth["source"], truth["target"]]}
    if kind == "chronology":
        titles = {p["id"]: p["title"] for p in task.env["papers"]}
        return {"order": sorted(truth["dates"], key=lambda k: titles[k])}
    cited = sorted(graph[truth["a"]])
    if truth["mode"] == "shared":
        return {"papers": cited}
    dates = {p["id"]: p["date"] for p in task.env["papers"]}
    return {"paper": max(cited, key=lambda n: (dates[n], n)) if cited else truth["a"]}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: random papers, a random walk along citations, a shuffled order."""
    if _kind(task) in reasoning.KINDS:
        return reasoning.random_answer(task, rng)
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.random_answer(task, rng)
    graph, kind, truth = env_graph(task.env), _kind(task), task.truth
    papers = sorted(graph)
    if kind in ("components", "common") and truth.get("mode") != "latest":
        return {"papers": [p for p in papers if rng.random() < 0.1]}
    if kind == "common":
        return {"paper": papers[int(rng.random() * len(papers))]}
    if kind == "chronology":
        order = sorted(truth["dates"])
        return {"order": [order.pop(int(rng.random() * len(order))) for _ in range(len(order))]}
    walk = [truth["source"]]
    while (nexts := sorted(set(graph[walk[-1]]) - set(walk))) and walk[-1] != truth["target"]:
        walk.append(nexts[int(rng.random() * len(nexts))])
    return {"path": walk}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every tool on the question's papers and on random ones, in several spellings."""
    if _kind(task) in reasoning.NO_TOOLS:
        return []
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.probe_calls(task, rng)
    papers = task.env["papers"]
    keys = [p["id"] for p in papers]
    # the papers the question names, by id or (chronology) by title
    mentioned = [p["id"] for p in papers if p["id"] in task.prompt or f"- {p['title']}\n" in task.prompt]
    picks = mentioned + [keys[int(rng.random() * len(keys))] for _ in range(3)]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search_papers", {"query": papers[0]["title"]}),
        ("search_papers", {"query": "replay exploration tree search"}),
    ]
    for key in picks:
        spelling = _spellings(task, key)[0]
        calls += [
            ("get_paper", {"paper_id": spelling}),
            ("references", {"paper_id": key}),
            ("citations", {"paper_id": key}),
        ]
        if "credits" in task.tools:
            calls.append(("credits", {"paper_id": key}))
    return calls


def _below(adjacency: dict[str, list[str]], start: str) -> set[str]:
    """Every paper reachable from start along citations (a plain depth-first search)."""
    seen: set[str] = set()
    stack = list(adjacency[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(adjacency[node])
    return seen


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer, recomputed from the env's citation list without networkx's shortest paths:
    the expected set in other spellings, every minimal simple path, every order within date ties."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.enumerate_answers(task)
    kind, truth = _kind(task), task.truth
    if kind in reasoning.KINDS:
        return reasoning.enumerate_answers(task)
    adjacency: dict[str, list[str]] = {p["id"]: [] for p in task.env["papers"]}
    for citing, cited in task.env["citations"]:
        adjacency[citing].append(cited)
    if kind == "components":
        expected = truth["expected"]
        return [
            {"papers": expected},
            {"papers": [_spellings(task, k)[-1] for k in reversed(expected)]},
            {"papers": [_spellings(task, k)[0] for k in expected]},
        ]
    if kind == "path":  # the simple paths of one step, then two..., until some reach the target
        graph = nx.DiGraph(adjacency)
        for steps in range(1, len(adjacency)):
            paths = nx.all_simple_paths(graph, truth["source"], truth["target"], cutoff=steps)
            if shortest := sorted(p for p in paths if len(p) == steps + 1):
                return [{"path": p} for p in shortest]
        return []
    if kind == "chronology":
        dates = {p["id"]: p["date"] for p in task.env["papers"] if p["id"] in truth["dates"]}
        groups = [sorted(k for k in dates if dates[k] == d) for d in sorted(set(dates.values()))]
        orders = [[]]
        for group in groups:
            orders = [o + list(g) for o in orders for g in itertools.permutations(group)]
            if len(orders) > 200:
                return None
        return [{"order": o} for o in orders]
    shared = [k for k in sorted(adjacency) if k in adjacency[truth["a"]] and k in adjacency[truth["b"]]]
    if truth["mode"] == "shared":
        return [{"papers": shared}, {"papers": shared[::-1]}]
    common = _below(adjacency, truth["a"]) & _below(adjacency, truth["b"])
    dates = {p["id"]: p["date"] for p in task.env["papers"] if p["id"] in common}
    return [{"paper": k} for k in sorted(common) if dates[k] == max(dates.values())]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses that must fail: a paper dropped or added, a spelling that names no paper, a chain
    reversed, cut short or lengthened, two papers of different dates swapped, an older ancestor."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.mutants(task)
    kind, truth, ref = _kind(task), task.truth, task.truth["reference"]
    if kind in reasoning.KINDS:
        return reasoning.mutants(task)
    keys = sorted(p["id"] for p in task.env["papers"])
    graph = env_graph(task.env)
    if kind == "path":
        path = ref["path"]
        longer = next(
            (
                p
                for p in nx.all_simple_paths(graph, path[0], path[-1], cutoff=len(path))
                if len(p) == len(path) + 1
            ),
            None,
        )
        out = [
            {"path": path[::-1]},
            {"path": path[:-1]},
            {"path": [path[0], path[-1]]} if len(path) > 2 else None,
            {"path": longer} if longer else None,
            {"path": [path[0] + "9"] + path[1:]},
        ]
        return [m for m in out if m]
    if kind == "chronology":
        order, dates = ref["order"], truth["dates"]
        i = next((i for i in range(len(order) - 1) if dates[order[i]] < dates[order[i + 1]]), None)
        swapped = order[:i] + [order[i + 1], order[i]] + order[i + 2 :] if i is not None else None
        return [
            m
            for m in (
                {"order": swapped} if swapped else None,
                {"order": order[1:]},
                {"order": order + [next(k for k in keys if k not in dates)]}
                if len(keys) > len(dates)
                else None,
            )
            if m
        ]
    if kind == "common" and truth["mode"] == "latest":
        dates = truth["ancestor_dates"]
        older = sorted(k for k in dates if dates[k] < max(dates.values()))
        return [{"paper": truth["a"]}, {"paper": "0000.00000"}] + [{"paper": k} for k in older[:1]]
    expected = ref["papers"]
    outsider = next((k for k in sorted(graph[truth.get("target") or truth["a"]]) if k not in expected), None)
    outsider = outsider or next(k for k in keys if k not in expected)
    return [
        {"papers": expected[1:]},
        {"papers": expected + [outsider]},
        {"papers": expected + _spellings(task, expected[0])[:1]},
        {"papers": expected[:-1] + ["arXiv:99.9"]},
    ]
