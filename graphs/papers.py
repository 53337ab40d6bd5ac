"""Paper-lineage graphs: the embedded snapshot, the id spellings a paper answers to, and pseudonyms.

A graph is a networkx DiGraph: nodes are papers keyed by arXiv id, else DOI, else OpenReview id; every
edge is a citation (citing -> cited), and an edge whose `builds_on` attribute is set also records what
the citing paper took from the cited one. Building a graph from the live sources, and checking the
snapshot against them, is `graphs.papers_live`: `python -m graphs.papers build|verify-snapshot`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx

SNAPSHOT = Path(__file__).parent / "data" / "papers.json"
LINEAGES = ("dqn-rainbow", "alphago-muzero")
CHECK_COMMAND = "python -m graphs.papers verify-snapshot"

_ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
ARXIV_DOI_PREFIX = "10.48550/arxiv."


# --- the snapshot and the graph -------------------------------------------------------------------


def load_snapshot(path: str | os.PathLike[str] = SNAPSHOT) -> dict[str, Any]:
    """The papers and citations of a snapshot file (the embedded one by default)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def to_graph(data: dict[str, Any]) -> nx.DiGraph:
    """The paper graph of a snapshot; ValueError on a duplicate paper or an edge to an unknown one."""
    graph = nx.DiGraph()
    for paper in data["papers"]:
        if paper["id"] in graph:
            raise ValueError(f"duplicate paper {paper['id']}")
        graph.add_node(paper["id"], **{k: v for k, v in paper.items() if k != "id"})
    for edge in data["citations"]:
        citing, cited = edge["citing"], edge["cited"]
        if citing not in graph or cited not in graph:
            raise ValueError(f"citation {citing} -> {cited} names a paper not in the snapshot")
        graph.add_edge(citing, cited, builds_on=edge.get("builds_on"))
    return graph


def env_graph(env: dict[str, Any]) -> nx.DiGraph:
    """The citation graph of a task's env: `papers` records and `citations` as [citing, cited] pairs."""
    graph = nx.DiGraph()
    graph.add_nodes_from(p["id"] for p in env["papers"])
    graph.add_edges_from(map(tuple, env["citations"]))
    return graph


def to_env(data: dict[str, Any]) -> dict[str, Any]:
    """A task's env (what env_graph reads): the papers' public fields and the citations as pairs."""
    public = ("id", "name", "title", "authors", "date", "venue", "doi", "summary")
    return {
        "papers": [{k: p[k] for k in public} for p in data["papers"]],
        "citations": [[e["citing"], e["cited"]] for e in data["citations"]],
    }


def lineage_members(data: dict[str, Any], lineage: str) -> list[str]:
    """The lineage's papers; with `all`, every tagged paper, or every paper of an untagged (built) graph."""
    tagged = any(p["lineages"] for p in data["papers"])
    return sorted(
        p["id"]
        for p in data["papers"]
        if (lineage == "all" and (p["lineages"] or not tagged)) or lineage in p["lineages"]
    )


def subset(data: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The papers whose keys are kept, in snapshot order, and the citations among them."""
    return {
        **data,
        "papers": [p for p in data["papers"] if p["id"] in keep],
        "citations": [e for e in data["citations"] if e["citing"] in keep and e["cited"] in keep],
    }


def dated(graph: nx.DiGraph) -> list[str]:
    """Papers whose first-version day is known (a built graph may know only a year, or nothing)."""
    return sorted(n for n in graph if len(graph.nodes[n]["date"] or "") == 10)


def components(graph: nx.DiGraph) -> dict[str, list[str]]:
    """Each paper that builds on two or more others, each for a component in its own words (a built
    graph's are all alike), mapped to those papers."""
    taken = {
        n: {v: d["builds_on"] for _, v, d in graph.out_edges(n, data=True) if d["builds_on"]} for n in graph
    }
    return {
        n: sorted(parts) for n, parts in sorted(taken.items()) if 2 <= len(parts) == len(set(parts.values()))
    }


def shared_references(graph: nx.DiGraph) -> list[tuple[str, str, list[str]]]:
    """(a, b, the papers both cite) for every pair of papers, a < b."""
    keys = sorted(graph)
    return [(a, b, sorted(set(graph[a]) & set(graph[b]))) for a in keys for b in keys if a < b]


def common_ancestors(graph: nx.DiGraph) -> list[tuple[str, str, list[str]]]:
    """(a, b, the papers both reach through citations) for every pair a < b, neither reaching the other."""
    below = {n: nx.descendants(graph, n) for n in sorted(graph)}
    return [
        (a, b, sorted(below[a] & below[b]))
        for a in below
        for b in below
        if a < b and b not in below[a] and a not in below[b]
    ]


def between(graph: nx.DiGraph, start: str, end: str) -> set[str]:
    """The papers on some citation chain from start back to end, both included (empty if none)."""
    if end != start and end not in nx.descendants(graph, start):
        return set()
    return ({start} | nx.descendants(graph, start)) & ({end} | nx.ancestors(graph, end))


def on_every_chain(graph: nx.DiGraph, start: str, end: str) -> list[str]:
    """The papers other than start and end that lie on every citation chain from start back to end:
    end's dominators in the chains' graph, entered at start (empty when no chain exists)."""
    nodes = between(graph, start, end)
    if end not in nodes or end == start:
        return []
    idom = nx.immediate_dominators(graph.subgraph(nodes), start)
    found, node = [], idom[end]
    while node != start:
        found.append(node)
        node = idom[node]
    return sorted(found)


def arxiv_id(paper_id: str) -> str | None:
    """The bare arXiv id (no prefix, no version) of a spelling, or None if it is not one."""
    m = _ARXIV_ID.match(paper_id.strip())
    return m.group(1) if m else None


def _norm_title(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".")


class PaperIndex:
    """Resolves every accepted spelling of a paper to its key: `1710.02298`, `arXiv:1710.02298`,
    `1710.02298v2`, a DOI in any case (arXiv's own `10.48550/arXiv.<id>` too), its exact key, or its
    title or name (case and spacing ignored). Anything else resolves to None, and so does a spelling
    that would name two papers (a built graph may hold a preprint and its journal version)."""

    def __init__(self, papers: Iterable[dict[str, Any]]):
        self._ids: set[str] = set()
        self._keys: dict[str, str | None] = {}
        self._titles: dict[str, str | None] = {}
        for p in papers:
            self._ids.add(p["id"])
            spellings = [p["id"].casefold()]
            if p.get("doi"):
                spellings.append(p["doi"].casefold())
            if arxiv_id(p["id"]):
                spellings.append(ARXIV_DOI_PREFIX + p["id"])
            for s in spellings:
                self._add(self._keys, s, p["id"])
            for alias in (p["title"], p["name"]):
                self._add(self._titles, _norm_title(alias), p["id"])

    @staticmethod
    def _add(table: dict[str, str | None], spelling: str, key: str) -> None:
        table[spelling] = key if table.get(spelling, key) == key else None

    @property
    def ambiguous(self) -> list[str]:
        """The spellings that would name two papers, and so name none."""
        return sorted(s for table in (self._keys, self._titles) for s, key in table.items() if key is None)

    def resolve(self, spelling: Any) -> str | None:
        """The key of the paper this spelling names, or None."""
        if not isinstance(spelling, str):
            return None
        text = spelling.strip()
        if text in self._ids:
            return text
        bare = arxiv_id(text)
        if bare:
            return self._keys.get(bare)
        return self._keys.get(text.casefold()) or self._titles.get(_norm_title(text))


# --- pseudonyms ------------------------------------------------------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "fe", "go", "hu", "ja", "pe", "ri", "zo"]


def _word(text: str, salt: str, syllables: int = 3) -> str:
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return "".join(_SYLLABLES[b % 16] for b in digest[:syllables]).capitalize()


def _unique(keys: Iterable[str], make: Callable[[str], str]) -> dict[str, str]:
    """A distinct pseudonym per key: make(key), or make(key#1), make(key#2)... on a collision, in
    key order, so a key keeps its pseudonym whatever else the graph holds unless two collide."""
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        attempt = 0
        while (name := make(f"{key}#{attempt}" if attempt else key)) in taken:
            attempt += 1
        chosen[key] = name
        taken.add(name)
    return chosen


def anonymize(data: dict[str, Any]) -> dict[str, Any]:
    """The same graph with stable pseudonyms for ids, names, titles and authors (names in summaries
    and descriptions too); dates, venues, summaries' content and every edge are kept, so only recall
    is taken away."""
    keys = [p["id"] for p in data["papers"]]
    new_id = _unique(keys, lambda key: "anon:" + hashlib.sha256(key.encode()).hexdigest()[:6])
    new_name = _unique(keys, lambda key: _word(key, "name", 4))
    mentions = sorted(
        (
            (text, new_name[p["id"]])
            for p in data["papers"]
            for text in (p["title"], p["name"])
            if text.strip()
        ),
        key=lambda pair: -len(pair[0]),
    )
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(text)}(?!\w)" for text, _ in mentions))
    replacement = dict(mentions)

    def rename(text: str | None) -> str | None:
        return text and pattern.sub(lambda m: replacement[m.group(0)], text)

    def relabel(p: dict[str, Any]) -> dict[str, Any]:
        return {
            **p,
            "id": new_id[p["id"]],
            "doi": None,
            "name": new_name[p["id"]],
            "title": f"The {new_name[p['id']]} study",
            "authors": [f"{_word(a, 'given', 1)[0]}. {_word(a, 'family')}" for a in p["authors"]],
            "summary": rename(p["summary"]),
            **({"description": rename(p["description"])} if "description" in p else {}),
        }

    citations = [
        {
            **e,
            "citing": new_id[e["citing"]],
            "cited": new_id[e["cited"]],
            **({"builds_on": rename(e["builds_on"])} if "builds_on" in e else {}),
        }
        for e in data["citations"]
    ]
    return {
        **data,
        "description": "A pseudonymous paper collection.",
        "papers": [relabel(p) for p in data["papers"]],
        "citations": citations,
    }


def relabel(value: Any, ids: dict[str, str]) -> Any:
    """The value with every paper key replaced by its pseudonym (dict keys and list items too)."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [relabel(v, ids) for v in value]
    if isinstance(value, dict):
        return {relabel(k, ids): relabel(v, ids) for k, v in value.items()}
    return value


if __name__ == "__main__":  # the command the lineage issue names; its code is graphs.papers_live
    from graphs.papers_live import main

    raise SystemExit(main())
