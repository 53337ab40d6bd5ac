"""Paper-lineage tasks over the DQN->Rainbow and AlphaGo->MuZero lines of the embedded snapshot.

Kinds: which papers introduced a paper's components, a shortest citation chain between two papers,
the chronology of a set of papers, and what two papers have in common (the papers both cite, or
their latest common ancestor). `--anonymize` asks the same questions under stable pseudonyms.

    python -m generators.lineage --lineage dqn-rainbow --kind path --hops 3 --n 20
"""

from __future__ import annotations

import itertools
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from generators.base import MIXED, knobs_of, main, task_id
from graphs.papers import (
    CHECK_COMMAND,
    LINEAGES,
    SNAPSHOT,
    PaperIndex,
    anonymize,
    env_graph,
    load_snapshot,
    to_graph,
)
from tasks.task import Task

FAMILY = "lineage"
KINDS = ("components", "path", "chronology", "common")
VERSION = 1
MAX_HOPS = 6

INTRO = """\
A collection of {count} research papers is available through tools: \
search_papers (search titles and summaries), get_paper (a paper's record, with its first-version date), \
references (the papers of the collection it cites) and citations (the papers of the collection citing \
it). Only citations between papers of the collection count.{budget}
Name a paper by its id as the tools list it ({spellings}) or by its exact title.
"""
ASKS = {
    "components": """\
{paper} combines these components, each introduced by an earlier paper of the collection: {components}.
Submit {{"papers": [...]}}: the papers that introduced them. Graded correct if it is exactly that set \
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
TOOLS = ["search_papers", "get_paper", "references", "citations"]
# The tools list papers one a line, never an answer's list; a latest common ancestor is one id that
# any listing may show, so for `common` only the `papers` field must stay hidden.
REVEALS = {
    "components": {"kind": "answer_hidden"},
    "path": {"kind": "answer_hidden"},
    "chronology": {"kind": "answer_hidden"},
    "common": {"kind": "answer_hidden", "fields": ["papers"]},
}
LADDERS = {
    "components": [
        {"distractors": 0},
        {"distractors": 6},
        {"distractors": 13},
        {"distractors": 13, "budget": 8},
        {"distractors": 13, "budget": 8, "anonymize": True},
    ],
    "path": [
        {"hops": 2},
        {"hops": 2, "distractors": 6},
        {"hops": 3, "distractors": 6},
        {"hops": 3, "distractors": 13, "budget": 10},
        {"hops": 3, "distractors": 13, "budget": 10, "anonymize": True},
    ],
    "chronology": [
        {"items": 3},
        {"items": 5},
        {"items": 8},
        {"items": 8, "budget": 4},
        {"items": 10, "budget": 4, "anonymize": True},
    ],
    "common": [
        {"distractors": 0},
        {"distractors": 6},
        {"distractors": 13},
        {"distractors": 13, "budget": 6},
        {"distractors": 13, "budget": 6, "anonymize": True},
    ],
}


def _load(graph: str) -> dict[str, Any]:
    """The embedded snapshot, or a graph file written by `python -m graphs.papers build`."""
    try:
        data = load_snapshot(graph or SNAPSHOT)
        to_graph(data)  # a malformed file fails here, with the CLI's one-line error
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"--graph {graph}: not a readable paper graph ({type(e).__name__}: {e})") from None
    return data


def _members(data: dict[str, Any], lineage: str) -> list[str]:
    """The lineage's papers; with `all`, every tagged paper, or every paper of an untagged (built) graph."""
    tagged = any(p["lineages"] for p in data["papers"])
    return sorted(
        p["id"]
        for p in data["papers"]
        if (lineage == "all" and (p["lineages"] or not tagged)) or lineage in p["lineages"]
    )


@dataclass(frozen=True)
class Config:
    """Difficulty knobs of the lineage family."""

    kind: str = MIXED
    lineage: str = field(default="all", metadata={"help": "dqn-rainbow, alphago-muzero or all"})
    distractors: int = field(
        default=4, metadata={"help": "papers from outside the lineage added to the collection"}
    )
    hops: int = field(
        default=2, metadata={"help": "path: citation steps on a shortest chain (from 2: one step is a given)"}
    )
    items: int = field(default=5, metadata={"help": "chronology: papers to order"})
    budget: int = field(default=0, metadata={"help": "tool calls allowed per episode (0: no limit)"})
    anonymize: bool = field(default=False, metadata={"help": "stable pseudonyms for ids, titles and authors"})
    graph: str = field(
        default="",
        metadata={"help": "a graph file from `python -m graphs.papers build` (default: the snapshot)"},
    )

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        if self.lineage not in (*LINEAGES, "all"):
            raise ValueError(
                f"--lineage must be one of {', '.join((*LINEAGES, 'all'))}, got {self.lineage!r}"
            )
        data = _load(self.graph)
        members = len(_members(data, self.lineage))
        outside = len(data["papers"]) - members
        if not members:
            raise ValueError(f"--lineage {self.lineage}: no paper of the graph is tagged with it; use all")
        for name, value, low, high in [
            ("distractors", self.distractors, 0, outside),
            ("hops", self.hops, 2, MAX_HOPS),
            ("items", self.items, 2, members),
            ("budget", self.budget, 0, 10_000),
        ]:
            if not low <= value <= high:
                raise ValueError(
                    f"--{name} must be in {low}..{high} for --lineage {self.lineage}, got {value}"
                )


# --- the questions: each returns (ask template key, ask fields, truth) or None when none exists --------


def _components(graph: nx.DiGraph, config: Config, rng: random.Random):
    taken = {
        n: {v: d["builds_on"] for _, v, d in graph.out_edges(n, data=True) if d["builds_on"]} for n in graph
    }
    # two or more components, each described in its own words (a built graph's are all alike), and
    # some other reference, so that listing everything the paper cites is not the answer
    targets = sorted(
        n
        for n, parts in taken.items()
        if 2 <= len(parts) == len(set(parts.values())) and len(parts) < len(graph[n])
    )
    if not targets:
        return None
    target = rng.choice(targets)
    expected = sorted(taken[target])
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


def _dated(graph: nx.DiGraph) -> list[str]:
    """Papers whose first-version day is known (a built graph may know only a year, or nothing)."""
    return sorted(n for n in graph if len(graph.nodes[n]["date"] or "") == 10)


def _chronology(graph: nx.DiGraph, config: Config, rng: random.Random):
    # the prompt names these papers by title (an arXiv id gives away its month): the title must name one
    index = PaperIndex({"id": n, **graph.nodes[n]} for n in graph)
    dated = [n for n in _dated(graph) if index.resolve(graph.nodes[n]["title"]) == n]
    if config.items > len(dated):
        return None
    chosen = rng.sample(dated, config.items)
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
    """(a, b, answer set) for every pair: the papers both cite (`shared`), or the dated papers both
    reach through citations when neither reaches the other (`latest`)."""
    below, dated = {n: nx.descendants(graph, n) for n in sorted(graph)}, set(_dated(graph))
    if mode == "shared":
        options = [(a, b, sorted(set(graph[a]) & set(graph[b]))) for a in below for b in below if a < b]
    else:
        options = [
            (a, b, sorted(below[a] & below[b]))
            for a in below
            for b in below
            if a < b and b not in below[a] and a not in below[b] and below[a] & below[b] <= dated
        ]
    # pairs sharing two or more papers when there are any: one shared paper is mostly the Nature DQN
    return [o for o in options if len(o[2]) >= 2] or [o for o in options if o[2]]


def _common(graph: nx.DiGraph, config: Config, rng: random.Random):
    modes = ["shared", "latest"] if rng.random() < 0.5 else ["latest", "shared"]
    mode, options = next(((m, o) for m in modes if (o := _common_options(graph, m))), (None, []))
    if not options:
        return None
    a, b, found = rng.choice(options)
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


def _subset(data: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The papers whose keys are kept, in snapshot order, and the citations among them."""
    return {
        **data,
        "papers": [p for p in data["papers"] if p["id"] in keep],
        "citations": [e for e in data["citations"] if e["citing"] in keep and e["cited"] in keep],
    }


def _collection(data: dict[str, Any], config: Config, rng: random.Random) -> set[str]:
    """The lineage's papers plus `distractors` drawn from the rest."""
    members = _members(data, config.lineage)
    outside = sorted(p["id"] for p in data["papers"] if p["id"] not in members)
    return set(members) | set(rng.sample(outside, config.distractors))


def _relabel(value: Any, ids: dict[str, str]) -> Any:
    """The value with every paper key replaced by its pseudonym (dict keys and list items too)."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_relabel(v, ids) for v in value]
    if isinstance(value, dict):
        return {_relabel(k, ids): _relabel(v, ids) for k, v in value.items()}
    return value


def _mention(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """Papers as the prompt names them, `Name (id)`; anything else as it is."""
    if isinstance(value, list):
        return ", ".join(_mention(v, by_id) for v in value)
    return f"{by_id[value]['name']} ({value})" if value in by_id else value


def generate(config: Config, seed: int, index: int) -> Task:
    """One task; the question is drawn on the real graph, then relabelled when anonymized, so the
    same seed asks the same question either way."""
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    snapshot = _load(config.graph)
    keep = _collection(snapshot, config, rng)
    data = _subset(snapshot, keep)
    question = QUESTIONS[config.kind](to_graph(data), config, rng)
    if question is None:
        raise ValueError(
            f"no {config.kind} question exists for --lineage {config.lineage} with these knobs "
            f"(hops={config.hops}, distractors={config.distractors}); try other values"
        )
    ask, fields, truth = question
    # pseudonyms over the whole snapshot, so a summary naming a paper left out of the collection is covered
    renamed = anonymize(snapshot) if config.anonymize else snapshot
    ids = {real["id"]: fake["id"] for real, fake in zip(snapshot["papers"], renamed["papers"], strict=True)}
    shown = _subset(renamed, {ids[k] for k in keep})
    fields, truth = _relabel(fields, ids), _relabel(truth, ids)
    by_id = {p["id"]: p for p in shown["papers"]}
    if ask == "components":  # described from the shown graph, whose texts name papers by their pseudonyms
        fields["components"] = "; ".join(
            sorted(
                e["builds_on"]
                for e in shown["citations"]
                if e["citing"] == fields["paper"] and e.get("builds_on")
            )
        )
    named = {k: _mention(v, by_id) for k, v in fields.items()}
    if ask == "chronology":  # titles only, one a line: ids would leak the order, titles hold commas
        named["papers"] = "\n".join(f"- {by_id[k]['title']}" for k in fields["papers"])
    spellings = (
        "pseudonymous ids such as " + shown["papers"][0]["id"]
        if config.anonymize
        else "e.g. 1710.02298, arXiv:1710.02298, 1710.02298v2, or a DOI"
    )
    budget = f" You may make at most {config.budget} tool calls." if config.budget else ""
    prompt = INTRO.format(count=len(shown["papers"]), budget=budget, spellings=spellings) + ASKS[ask].format(
        **named
    )
    schema = {
        "type": "object",
        "properties": SCHEMAS[ask],
        "required": sorted(SCHEMAS[ask]),
        "additionalProperties": False,
    }
    public = ("id", "name", "title", "authors", "date", "venue", "doi", "summary")
    env: dict[str, Any] = {
        "papers": [{k: p[k] for k in public} for p in shown["papers"]],
        "citations": [[e["citing"], e["cited"]] for e in shown["citations"]],
    }
    if config.budget:
        env["calls_left"] = config.budget
    return Task(
        id=task_id(FAMILY, config, seed, index),
        family=f"{FAMILY}.{config.kind}",
        prompt=prompt,
        tools=TOOLS,
        answer_schema=schema,
        env=env,
        truth=truth,
        grader=f"{FAMILY}.{config.kind}",
        meta={
            "seed": seed,
            "index": index,
            "version": VERSION,
            "knobs": knobs_of(config),
            "provenance": _provenance(config.graph),
        },
    )


def _provenance(graph: str) -> dict[str, Any]:
    if graph:  # the knobs hold the path; the provenance says what the file is
        return {
            "source": f"{os.path.basename(graph)}, built by graphs.papers from arXiv, Semantic Scholar "
            "and OpenAlex",
            "verified": True,
        }
    return {
        "source": "graphs/data/papers.json, curated from memory",
        "verified": False,
        "check": CHECK_COMMAND,
    }


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
    papers = task.env["papers"]
    keys = [p["id"] for p in papers]
    mentioned = [k for k in keys if k in task.prompt]
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
    kind, truth = _kind(task), task.truth
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
    if kind == "path":
        paths = list(
            nx.all_simple_paths(nx.DiGraph(adjacency), truth["source"], truth["target"], cutoff=MAX_HOPS + 2)
        )
        shortest = min(map(len, paths))
        return [{"path": p} for p in sorted(paths) if len(p) == shortest]
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
    kind, truth, ref = _kind(task), task.truth, task.truth["reference"]
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


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
