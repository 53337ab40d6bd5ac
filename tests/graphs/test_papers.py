import calendar
import json
import re
from datetime import date, timedelta
from pathlib import Path

import networkx as nx
import pytest

from graphs.papers import PaperIndex, anonymize, arxiv_id, load_snapshot, to_graph

ROOT = Path(__file__).resolve().parents[2]

DATA = load_snapshot()
GRAPH = to_graph(DATA)
BY_NAME = {p["name"]: p["id"] for p in DATA["papers"]}


def test_the_snapshot_has_both_lineages_and_every_paper_the_issue_names():
    assert len(DATA["papers"]) >= 40
    named = [
        "DQN (2013)",
        "Nature DQN",
        "Double DQN",
        "Prioritized Replay",
        "Dueling DQN",
        "A3C",
        "C51",
        "NoisyNet",
        "Rainbow",
        "QR-DQN",
        "IQN",
        "Ape-X",
        "R2D2",
        "Agent57",
        "AlphaGo",
        "AlphaGo Zero",
        "AlphaZero",
        "MuZero",
        "MuZero Unplugged",
        "Sampled MuZero",
        "Gumbel MuZero",
        "EfficientZero",
    ]
    assert not [n for n in named if n not in BY_NAME]


def test_every_fact_carries_its_provenance_and_is_marked_unverified():
    for record in DATA["papers"] + DATA["citations"]:
        assert record["provenance"]["verified"] is False and "memory" in record["provenance"]["source"]
    for p in DATA["papers"]:
        assert p["title"] and p["authors"] and p["venue"] and len(p["summary"]) > 80
        date.fromisoformat(p["date"])


def test_every_citation_goes_from_a_later_paper_to_an_earlier_one():
    assert nx.is_directed_acyclic_graph(GRAPH)
    late = [(a, b) for a, b in GRAPH.edges if GRAPH.nodes[a]["date"] < GRAPH.nodes[b]["date"]]
    assert late == []


def test_arxiv_dates_agree_with_the_month_and_order_the_ids_encode():
    papers = sorted((p for p in DATA["papers"] if arxiv_id(p["id"])), key=lambda p: p["id"])
    for p in papers:
        year, month = 2000 + int(p["id"][:2]), int(p["id"][2:4])
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        # a paper submitted in the last days of a month may be numbered in the next
        assert first - timedelta(days=7) <= date.fromisoformat(p["date"]) <= last, p["id"]
    for a, b in zip(papers, papers[1:], strict=False):
        if a["id"][:4] == b["id"][:4]:
            assert a["date"] <= b["date"], (a["id"], b["id"])


def test_rainbow_builds_on_the_six_papers_that_introduced_its_components():
    taken = {
        b: d["builds_on"] for _, b, d in GRAPH.out_edges(BY_NAME["Rainbow"], data=True) if d["builds_on"]
    }
    names = {n for n, i in BY_NAME.items() if i in taken}
    assert names == {"Double DQN", "Prioritized Replay", "Dueling DQN", "A3C", "C51", "NoisyNet"}


def test_what_a_paper_took_names_no_other_paper_once_anonymized():
    # a components prompt shows these texts; a name in one must stay the paper it points to under
    # --anonymize ("the AlphaZero search" taken from the preprint would name the Science paper)
    anon = anonymize(DATA)
    name = {p["id"]: p["name"] for p in anon["papers"]}
    for e in anon["citations"]:
        if e.get("builds_on"):
            named = {n for n in name.values() if re.search(rf"\b{n}\b", e["builds_on"])}
            assert named <= {name[e["cited"]]}, (e["citing"], e["cited"], e["builds_on"])


INDEX = PaperIndex(DATA["papers"])


@pytest.mark.parametrize(
    "spelling, key",
    [
        ("1710.02298", "1710.02298"),
        ("arXiv:1710.02298", "1710.02298"),
        ("ARXIV:1710.02298", "1710.02298"),
        ("1710.02298v2", "1710.02298"),
        ("arXiv:1710.02298v12", "1710.02298"),
        (" 1710.02298 ", "1710.02298"),
        ("10.48550/arXiv.1710.02298", "1710.02298"),
        ("10.1038/NATURE14236", "10.1038/nature14236"),
        ("10.1038/nature14236", "10.1038/nature14236"),
        ("openreview:r1lyTjAqYX", "openreview:r1lyTjAqYX"),
        ("Rainbow", "1710.02298"),
        ("rainbow:  combining improvements in deep reinforcement learning.", "1710.02298"),
        ("Mastering the game of Go without human knowledge", "10.1038/nature24270"),
    ],
)
def test_every_accepted_spelling_resolves(spelling, key):
    assert INDEX.resolve(spelling) == key


@pytest.mark.parametrize(
    "spelling",
    [
        "1710.0229",
        "1710.022980",
        "arXiv 1710.02298",
        "1710.02298v",
        "https://arxiv.org/abs/1710.02298",
        "doi:10.1038/nature14236",
        "10.1038/nature1423",
        "Rainbow DQN",
        "",
        None,
        1710.02298,
        ["1710.02298"],
    ],
)
def test_anything_else_resolves_to_nothing(spelling):
    assert INDEX.resolve(spelling) is None


def test_pseudonyms_stay_distinct_in_a_graph_large_enough_for_collisions():
    papers = [
        {"id": f"2001.{i:05d}", "name": f"P{i}", "title": f"T{i}", "authors": [], "summary": ""}
        for i in range(3000)
    ]
    anon = anonymize({"papers": papers, "citations": []})
    assert len({p["name"] for p in anon["papers"]}) == len({p["id"] for p in anon["papers"]}) == 3000


def test_a_spelling_naming_two_papers_names_neither():
    papers = [
        {"id": "1", "title": "Same", "name": "A", "doi": "10.1/x"},
        {"id": "2", "title": "same", "name": "B", "doi": "10.1/X"},
    ]
    index = PaperIndex(papers)
    assert index.ambiguous == ["10.1/x", "same"]
    assert [index.resolve(s) for s in ("Same", "10.1/x", "1", "A")] == [None, None, "1", "1"]


def test_no_spelling_of_the_snapshot_is_ambiguous():
    assert INDEX.ambiguous == []


def test_anonymize_keeps_the_structure_and_hides_every_name():
    anon = anonymize(DATA)
    mapping = {a["id"]: b["id"] for a, b in zip(DATA["papers"], anon["papers"], strict=True)}
    assert nx.is_isomorphic(GRAPH, to_graph(anon))
    assert nx.utils.graphs_equal(
        nx.relabel_nodes(nx.DiGraph(GRAPH.edges), mapping), nx.DiGraph(to_graph(anon).edges)
    )
    text = json.dumps(anon)
    leaked = [s for p in DATA["papers"] for s in (p["id"], p["name"], p["title"], *p["authors"]) if s in text]
    assert leaked == []
    assert [p["date"] for p in anon["papers"]] == [p["date"] for p in DATA["papers"]]
    assert anonymize(DATA) == anon  # stable
