"""What each kind of lineage task asks: the question's text, its answer's schema, and how a question
is drawn from a collection's graph. Each draw returns (ASKS key, the fields the text names, truth), or
None when the graph holds no such question; generators.lineage builds the task around it.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import networkx as nx

from graphs.papers import PaperIndex, common_ancestors, components, dated, shared_references

if TYPE_CHECKING:
    from generators.lineage import Config

ASKS = {
    "components": """\
{paper} combines these components, each taken from an earlier paper of the collection that it cites: \
{components}.
Submit {{"papers": [...]}}: the papers it took them from. Graded correct if it is exactly that set \
of papers, each named once, in any order.""",
    "path": """\
Find a shortest citation chain from {source} to {target}: papers starting with the first and ending \
with the second, in which each paper cites the next one.
Submit {{"path": [...]}}: the papers of the chain in order. Graded correct if every step is a citation \
of the collection and no shorter chain exists; any shortest chain is accepted.""",
    "chronology": """\
Order these papers, given by title, by the date of their first public version, earliest first:
{papers}
Submit {{"order": [...]}}: every one of these papers once. Graded correct if no paper comes before one \
with an earlier date; papers with the same date may come in either order.""",
    "shared": """\
Which papers of the collection do both {a} and {b} cite directly?
Submit {{"papers": [...]}}. Graded correct if it is exactly the set of papers cited by both, in any order.""",
    "latest": """\
Among the papers that both {a} and {b} cite, directly or through a chain of citations, which one's first \
public version is the latest?
Submit {{"paper": "..."}}. Graded correct if the paper is cited (directly or through a chain) by both and \
none of those papers has a later date; any paper tied for the latest date is accepted.""",
}
_IDS = {"type": "array", "items": {"type": "string"}, "maxItems": 200}
SCHEMAS = {
    "components": {"papers": _IDS},
    "path": {"path": _IDS},
    "chronology": {"order": _IDS},
    "shared": {"papers": _IDS},
    "latest": {"paper": {"type": "string"}},
}


def _components(graph: nx.DiGraph, config: Config, rng: random.Random):
    # papers citing `decoys` others or more, so that listing everything the paper cites is not the
    # answer and (with more decoys) several cited papers fit a loose reading of a component
    targets = {
        n: parts for n, parts in components(graph).items() if len(graph[n]) - len(parts) >= config.decoys
    }
    if not targets:
        return None
    target = rng.choice(sorted(targets))
    expected = targets[target]
    return (
        "components",
        {"paper": target},
        {"target": target, "expected": expected, "reference": {"papers": expected}},
    )


def _path(graph: nx.DiGraph, config: Config, rng: random.Random):
    pairs = sorted(
        (s, t)
        for s, lengths in nx.all_pairs_shortest_path_length(graph)
        for t, n in lengths.items()
        if n == config.hops
    )
    if not pairs:
        return None
    source, target = rng.choice(pairs)
    return (
        "path",
        {"source": source, "target": target},
        {
            "source": source,
            "target": target,
            "length": config.hops,
            "reference": {"path": nx.shortest_path(graph, source, target)},
        },
    )


def _chronology(graph: nx.DiGraph, config: Config, rng: random.Random):
    # the prompt names these papers by title (an arXiv id gives away its month): the title must name one
    index = PaperIndex({"id": n, **graph.nodes[n]} for n in graph)
    candidates = [n for n in dated(graph) if index.resolve(graph.nodes[n]["title"]) == n]
    if config.items > len(candidates):
        return None
    chosen = rng.sample(candidates, config.items)
    dates = {n: graph.nodes[n]["date"] for n in chosen}
    return (
        "chronology",
        {"papers": chosen},
        {
            "dates": dict(sorted(dates.items())),
            "reference": {"order": sorted(chosen, key=lambda n: (dates[n], n))},
        },
    )


def _common_options(graph: nx.DiGraph, mode: str) -> list[tuple[str, str, list[str]]]:
    """(a, b, answer set) for every pair: the papers both cite (`shared`), or the papers both reach
    through citations when neither reaches the other and each of them has a known day (`latest`)."""
    if mode == "shared":
        options = shared_references(graph)
    else:
        known = set(dated(graph))
        options = [o for o in common_ancestors(graph) if set(o[2]) <= known]
    # pairs sharing two or more papers when there are any: one shared paper is mostly the Nature DQN
    return [o for o in options if len(o[2]) >= 2] or [o for o in options if o[2]]


def _answer(graph: nx.DiGraph, mode: str, found: list[str]) -> list[str]:
    """The papers a correct answer names: the whole shared set, or any of the latest common ancestors."""
    if mode == "shared":
        return found
    latest = max(graph.nodes[n]["date"] for n in found)
    return [n for n in found if graph.nodes[n]["date"] == latest]


def _given_by_references(graph: nx.DiGraph, mode: str, a: str, b: str, found: list[str]) -> bool:
    """Whether a or b's own references answer: all of them are shared, or the newest is a latest one."""
    if mode == "shared":
        return set(found) in (set(graph[a]), set(graph[b]))
    newest = {max(graph[x], key=lambda n: (graph.nodes[n]["date"] or "", n)) for x in (a, b)}
    return bool(newest & set(_answer(graph, mode, found)))


def _common(graph: nx.DiGraph, config: Config, rng: random.Random):
    options = [(mode, *o) for mode in ("shared", "latest") for o in _common_options(graph, mode)]
    # those whose answer one paper's references do not give away, when there are any (in the AlphaGo
    # line alone the latest common ancestor is mostly a direct reference)
    options = [o for o in options if not _given_by_references(graph, *o)] or options
    if not options:
        return None
    # an answer first, then a pair with it, so that no one answer (Rainbow, say) fits most tasks
    by_answer: dict[tuple[str, ...], list[tuple[str, str, str, list[str]]]] = {}
    for mode, a, b, found in options:
        by_answer.setdefault((mode, *_answer(graph, mode, found)), []).append((mode, a, b, found))
    mode, a, b, found = rng.choice(by_answer[rng.choice(sorted(by_answer))])
    if mode == "shared":
        return (
            "shared",
            {"a": a, "b": b},
            {"mode": mode, "a": a, "b": b, "expected": found, "reference": {"papers": found}},
        )
    dates = {n: graph.nodes[n]["date"] for n in found}
    latest = max(found, key=lambda n: (dates[n], n))
    return (
        "latest",
        {"a": a, "b": b},
        {"mode": mode, "a": a, "b": b, "ancestor_dates": dates, "reference": {"paper": latest}},
    )


QUESTIONS = {"components": _components, "path": _path, "chronology": _chronology, "common": _common}
