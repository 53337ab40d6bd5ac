"""The lineage kinds that need reading and reasoning over many papers, not one lookup: `bottleneck`
(every paper on every citation chain between two papers) and `claims` (judge K statements about
the collection, graded on the exact set of true ones). Each draw returns (kind, fields, truth) as
generators.lineage_questions' draws do; `render` writes the fields into the prompt once papers carry
the names (real or pseudonyms) the task shows; the check hooks follow generators.base's protocol.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

import networkx as nx

from graphs.papers import between, dated, on_every_chain

if TYPE_CHECKING:
    from generators.lineage import Config
    from tasks.task import Task

KINDS = ("bottleneck", "claims")
_CHAIN = ("a citation chain from one paper back to another starts with the first and ends with the "
          "second, each of its papers citing the next")
ASKS = {
    "bottleneck": f"""\
Which papers lie on every citation chain from {{source}} back to {{target}}? Here {_CHAIN}.
Submit {{{{"papers": [...]}}}}: every paper other than these two that appears on every such chain \
([] if none does). Graded correct if it is exactly that set of papers, each named once, in any order.""",
    "claims": f"""\
Judge these statements about the collection. "Cites" means a citation between papers of the \
collection; "came before" compares the dates of the papers' first public versions (strictly earlier); \
a paper "took" a component from the earlier paper of the collection it credits for it; {_CHAIN}.
{{statements}}
Submit {{{{"true": [...]}}}}: the numbers of the true statements, in any order ([] if none is). Graded \
correct if it is exactly the set of true statements.""",
}
SCHEMAS = {
    "bottleneck": {"papers": {"type": "array", "items": {"type": "string"}, "maxItems": 200}},
    "claims": {"true": {"type": "array", "items": {"type": "integer"}, "maxItems": 200}},
}
REVEALS = {"bottleneck": {"kind": "answer_hidden"}, "claims": {"kind": "answer_hidden"}}


# --- bottleneck ------------------------------------------------------------------------------------


def _bottleneck(graph: nx.DiGraph, config: Config, rng: random.Random):
    options = []
    for source in sorted(graph):
        for target in sorted(nx.descendants(graph, source)):
            nodes = between(graph, source, target)
            sub = graph.subgraph(nodes)
            must = on_every_chain(graph, source, target)
            if must and sub.number_of_edges() > len(nodes) - 1:  # two chains or more: not one path
                naive = nx.shortest_path(sub, source, target)[1:-1]
                options.append((source, target, must, set(naive) != set(must)))
    # pairs a shortest chain does not answer, when there are any; an answer first, then a pair with it
    options = [o for o in options if o[3]] or options
    if not options:
        return None
    by_answer: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for source, target, must, _ in options:
        by_answer.setdefault(tuple(must), []).append((source, target))
    must = rng.choice(sorted(by_answer))
    source, target = rng.choice(by_answer[must])
    return (
        "bottleneck",
        {"source": source, "target": target},
        {"source": source, "target": target, "expected": list(must), "reference": {"papers": list(must)}},
    )


# --- claims ----------------------------------------------------------------------------------------


def _claim_pools(graph: nx.DiGraph) -> dict[str, tuple[list[dict], list[dict]]]:
    """For each kind of statement, (true ones, false ones), the false ones near misses of true ones."""
    below = {n: nx.descendants(graph, n) for n in sorted(graph)}
    cites = sorted(graph.edges)
    pools: dict[str, tuple[list[dict], list[dict]]] = {
        "cites": (
            [{"kind": "cites", "x": x, "y": y} for x, y in cites],
            # cited through a chain, not directly: what a skim of the references gets wrong
            [{"kind": "cites", "x": x, "y": y} for x in below for y in sorted(below[x]) if y not in graph[x]],
        ),
    }
    days = {n: graph.nodes[n]["date"] for n in dated(graph)}
    near = [(x, y) for x, y in cites if x in days and y in days and days[x] != days[y]]
    pools["before"] = (  # the pairs a citation links, so the dates are close and worth checking
        [{"kind": "before", "x": y, "y": x} for x, y in near if days[y] < days[x]],
        [{"kind": "before", "x": x, "y": y} for x, y in near if days[y] < days[x]],
    )
    # components described without naming a paper: "the MuZero model" would say where it came from
    names = re.compile("|".join(rf"(?<!\w){re.escape(graph.nodes[n][f])}(?!\w)" for n in graph
                                for f in ("name", "title")))
    parts = [(x, y) for x, y, d in graph.edges(data=True) if d["builds_on"] and not names.search(d["builds_on"])]
    pools["component"] = (
        [{"kind": "component", "x": x, "y": y, "source": y} for x, y in parts],
        # another paper it cites, not one citing or cited by the true source (which may share the idea)
        [{"kind": "component", "x": x, "y": z, "source": y} for x, y in parts for z in sorted(graph[x])
         if z != y and not graph.has_edge(y, z) and not graph.has_edge(z, y)],
    )
    chains = [(x, y, set(on_every_chain(graph, x, y)), between(graph, x, y)) for x in below for y in sorted(below[x])]
    pools["chain"] = (
        [{"kind": "chain", "x": x, "y": y, "z": z} for x, y, must, _ in chains for z in sorted(must)],
        [{"kind": "chain", "x": x, "y": y, "z": z} for x, y, must, on in chains if must
         for z in sorted(on - must - {x, y})],
    )
    return {kind: pool for kind, pool in pools.items() if pool[0] and pool[1]}


def _claims(graph: nx.DiGraph, config: Config, rng: random.Random):
    pools = _claim_pools(graph)
    if not pools:
        return None
    statements: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    while len(statements) < config.statements:
        kind = rng.choice(sorted(pools))
        truth = rng.random() < 0.5  # each statement true with probability 1/2: a guess passes with 2^-K
        pool = pools[kind][0 if truth else 1]
        statement = {**rng.choice(pool), "true": truth}
        key = (kind, *sorted((statement["x"], statement["y"])), statement.get("z"), statement.get("source"))
        if key not in seen:
            seen.add(key)
            statements.append(statement)
        if len(seen) > 20 * config.statements:  # the collection holds too few statements
            return None
    true = [i for i, s in enumerate(statements, 1) if s["true"]]
    return "claims", {"statements": statements}, {"statements": statements, "reference": {"true": true}}


def _say(statement: dict[str, Any], mention, builds_on: dict[tuple[str, str], str]) -> str:
    x, y = mention(statement["x"]), mention(statement["y"])
    if statement["kind"] == "cites":
        return f"{x} cites {y}."
    if statement["kind"] == "before":
        return f"{x} came before {y}."
    if statement["kind"] == "component":
        return f"{x} took {builds_on[statement['x'], statement['source']]} from {y}."
    return f"{mention(statement['z'])} lies on every citation chain from {x} back to {y}."


def render(kind: str, fields: dict[str, Any], mention, shown: dict[str, Any]) -> dict[str, str]:
    """The prompt's fields, papers named by `mention`; claims' components in the shown graph's words."""
    if kind == "claims":
        builds_on = {(e["citing"], e["cited"]): e["builds_on"] for e in shown["citations"] if e.get("builds_on")}
        lines = [f"{i}. {_say(s, mention, builds_on)}" for i, s in enumerate(fields["statements"], 1)]
        return {"statements": "\n".join(lines)}
    return {k: mention(v) for k, v in fields.items()}


QUESTIONS = {"bottleneck": _bottleneck, "claims": _claims}


# --- the check hooks -------------------------------------------------------------------------------


def _adjacency(task: Task) -> dict[str, list[str]]:
    adjacency: dict[str, list[str]] = {p["id"]: [] for p in task.env["papers"]}
    for citing, cited in task.env["citations"]:
        adjacency[citing].append(cited)
    return adjacency


def _reaches(adjacency: dict[str, list[str]], start: str, end: str, without: str | None = None) -> bool:
    """Whether a chain leads from start to end avoiding `without` (a plain depth-first search)."""
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == end:
            return True
        for nxt in adjacency[node]:
            if nxt not in seen and nxt != without:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _must(adjacency: dict[str, list[str]], start: str, end: str) -> list[str]:
    """The papers whose removal cuts every chain from start to end: found without dominators."""
    if not _reaches(adjacency, start, end):
        return []
    return [k for k in sorted(adjacency) if k not in (start, end) and not _reaches(adjacency, start, end, k)]


def _holds(statement: dict[str, Any], adjacency: dict[str, list[str]], dates: dict[str, str]) -> bool:
    x, y = statement["x"], statement["y"]
    if statement["kind"] == "cites":
        return y in adjacency[x]
    if statement["kind"] == "before":
        return dates[x] < dates[y]
    if statement["kind"] == "component":
        return y == statement["source"]
    return statement["z"] in _must(adjacency, x, y)


def enumerate_answers(task: Task) -> list[dict[str, Any]]:
    """Every correct answer, recomputed from the env's citations and dates: removing each paper in turn
    and testing reachability (not dominators); each statement judged on its own."""
    adjacency, kind = _adjacency(task), task.family.split(".", 1)[1]
    if kind == "bottleneck":
        must = _must(adjacency, task.truth["source"], task.truth["target"])
        return [{"papers": must}, {"papers": must[::-1]}]
    dates = {p["id"]: p["date"] for p in task.env["papers"]}
    true = [i for i, s in enumerate(task.truth["statements"], 1) if _holds(s, adjacency, dates)]
    return [{"true": true}, {"true": true[::-1]}]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses: a dominator dropped, a paper on some chains only (or an endpoint) added; one
    statement flipped each way, a number that names no statement, one named twice."""
    kind, truth = task.family.split(".", 1)[1], task.truth
    if kind == "bottleneck":
        must = truth["expected"]
        adjacency = _adjacency(task)
        some = sorted(k for k in adjacency if k not in must and k not in (truth["source"], truth["target"])
                      and _reaches(adjacency, truth["source"], k) and _reaches(adjacency, k, truth["target"]))
        out = [{"papers": must[1:]}, {"papers": [*must, truth["source"]]}, {"papers": [*must[:-1], "arXiv:99.9"]}]
        return out + [{"papers": [*must, k]} for k in some[:2]]
    true = truth["reference"]["true"]
    false = [i for i in range(1, len(truth["statements"]) + 1) if i not in true]
    out = [{"true": [*true, len(truth["statements"]) + 1]}, {"true": [*true, 0]}]
    out += [{"true": true[1:]}] if true else []
    out += [{"true": sorted([*true, false[0]])}] if false else []
    out += [{"true": [*true, true[0]]}] if true else []
    return out


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: the papers of one shortest chain; every statement taken as true."""
    if task.family.endswith(".claims"):
        return {"true": list(range(1, len(task.truth["statements"]) + 1))}
    graph = nx.DiGraph(_adjacency(task))
    return {"papers": sorted(nx.shortest_path(graph, task.truth["source"], task.truth["target"])[1:-1])}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: each statement true with probability 1/2; random papers of the collection."""
    if task.family.endswith(".claims"):
        return {"true": [i for i in range(1, len(task.truth["statements"]) + 1) if rng.random() < 0.5]}
    return {"papers": [p["id"] for p in task.env["papers"] if rng.random() < 0.1]}
