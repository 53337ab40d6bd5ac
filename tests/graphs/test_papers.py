import calendar
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import networkx as nx
import pytest

from cache.store import Cache
from generators import lineage
from graphs.papers import (
    LiveSources,
    PaperIndex,
    SourceError,
    anonymize,
    arxiv_id,
    build,
    load_snapshot,
    to_graph,
    verify,
)
from tests.fakes import FakeServer

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


# --- live sources, against recorded responses served on 127.0.0.1 ---------------------------------

RECORDED = Path(__file__).resolve().parents[1] / "data"


def _recorded(name):
    return (RECORDED / name).read_bytes()


def _arxiv_feed(request):
    """The recorded feed cut to the entries the query's id_list asks for, as arXiv answers."""
    ids = parse_qs(urlsplit(request.path).query)["id_list"][0].split(",")
    head, *entries = _recorded("arxiv_feed.xml").decode().split("<entry>")
    entries = [e.split("</entry>")[0] for e in entries]
    kept = [e for e in entries if any(f"/abs/{i}v" in e for i in ids)]
    head = re.sub(r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{len(kept)}", head)
    body = head + "".join(f"<entry>{e}</entry>" for e in kept) + "</feed>"
    return 200, {"content-type": "application/atom+xml"}, body.encode()


def _routes(request, overrides=()):
    """The recorded answer to a request, or 404; `overrides` maps a path prefix to a response."""
    for prefix, response in dict(overrides).items():
        if request.path.startswith(prefix):
            return response() if callable(response) else response
    path = urllib.parse.unquote(request.path).split("&api_key=")[0].split("?api_key=")[0]
    if path.startswith("/api/query?"):
        return _arxiv_feed(request)
    table = {
        "/s2/paper/arXiv:1710.02298/references": "s2_rainbow_references.json",
        "/s2/paper/arXiv:1710.02298/citations": "s2_rainbow_citations.json",
        "/oa/works/doi:10.48550/arxiv.1710.02298": "openalex_rainbow.json",
        "/oa/works?filter=openalex:W2145339207|W2201581102": "openalex_rainbow_references.json",
        "/oa/works?filter=cites:W2963389226": "openalex_rainbow_citations.json",
    }
    for prefix, name in table.items():
        if path.startswith(prefix):
            return 200, {}, _recorded(name)
    return 404, {}, {"error": "not found"}


def _sources(srv, tmp_path, **kw):
    settings = dict(
        arxiv_url=srv.url + "/api/query?{}",
        s2_url=srv.url + "/s2",
        openalex_url=srv.url + "/oa",
        delay=0,
        retries=1,
        timeout=2.0,
        sleep=lambda s: None,
    )
    return LiveSources(Cache(tmp_path / "cache"), **{**settings, **kw})


def test_arxiv_client_reads_the_recorded_feed_and_caches_it(tmp_path):
    with FakeServer(_routes) as srv:
        sources = _sources(srv, tmp_path)
        meta = sources.arxiv_metadata(["1710.02298", "1509.06461"])
        again = sources.arxiv_metadata(["1509.06461", "1710.02298"])
    assert meta == again and len(srv.requests) == 1
    assert "id_list=1509.06461%2C1710.02298" in srv.requests[0].path
    rainbow = meta["1710.02298"]
    assert rainbow["title"] == "Rainbow: Combining Improvements in Deep Reinforcement Learning"
    assert rainbow["date"] == "2017-10-06" and rainbow["authors"][0] == "Matteo Hessel"
    assert meta["1509.06461"]["date"] == "2015-09-22"  # the first version's date, not the last update's


def test_arxiv_errors_are_retried_by_the_client_and_a_hung_server_times_out(tmp_path):
    answers = [(503, {}, b"busy")]
    with FakeServer(lambda r: answers.pop() if answers else _routes(r)) as srv:
        meta = _sources(srv, tmp_path).arxiv_metadata(["1806.06923"])
    assert list(meta) == ["1806.06923"] and len(srv.requests) == 2

    def hang(request):
        time.sleep(1.0)
        return _routes(request)

    with FakeServer(hang) as srv:
        started = time.monotonic()
        with pytest.raises(SourceError, match="arXiv query"):
            _sources(srv, tmp_path / "fresh", timeout=0.2).arxiv_metadata(["1806.06923"])  # not cached
    assert time.monotonic() - started < 0.9


def test_semantic_scholar_429_is_retried_after_the_time_the_server_asks(tmp_path):
    waits, answers = [], [(429, {"Retry-After": "7"}, {"message": "Too Many Requests"})]
    overrides = {"/s2/paper/arXiv:1710.02298/references": lambda: answers.pop() if answers else None}
    with FakeServer(lambda r: _routes(r, overrides) or _routes(r)) as srv:
        source, links = _sources(srv, tmp_path, sleep=waits.append).links("1710.02298")
    assert source == "Semantic Scholar" and waits == [7.0]
    assert [r["id"] for r in links["references"]] == ["1509.06461", "1511.05952", "10.1038/nature14236"]
    assert [r["id"] for r in links["citations"]] == ["1806.06923"]
    assert srv.requests[0].headers.get("x-api-key") is None


def test_the_api_key_is_sent_when_given(tmp_path):
    with FakeServer(_routes) as srv:
        _sources(srv, tmp_path, s2_key="secret").links("1710.02298")
    assert srv.requests[0].headers["x-api-key"] == "secret"


def test_openalex_gets_its_key_as_a_query_parameter_that_is_never_cached_nor_shown(tmp_path):
    with FakeServer(lambda r: _routes(r, {"/s2/": (503, {}, {})})) as srv:
        sources = _sources(srv, tmp_path, retries=0, openalex_key="s3cret")
        source, _ = sources.links("1710.02298")
        with pytest.raises(SourceError) as error:
            sources.openalex_work("10.1000/unknown")
    assert source == "OpenAlex"
    assert all("api_key=s3cret" in r.path for r in srv.requests if r.path.startswith("/oa/"))
    cached = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert "/oa/works" in cached and "s3cret" not in cached and "s3cret" not in str(error.value)


def test_semantic_scholar_timeouts_fall_back_to_openalex(tmp_path):
    def slow():
        time.sleep(0.5)
        return 200, {}, {"data": []}

    with FakeServer(lambda r: _routes(r, {"/s2/": slow})) as srv:
        source, links = _sources(srv, tmp_path, timeout=0.2).links("1710.02298")
    assert source == "OpenAlex"
    assert sum(r.path.startswith("/s2/") for r in srv.requests) == 2  # one try and one retry
    assert sorted(r["id"] for r in links["references"]) == ["10.1038/nature14236", "1511.05952"]
    assert [r["id"] for r in links["citations"]] == ["1806.06923"]


def test_when_every_source_fails_the_error_names_both(tmp_path):
    with FakeServer(lambda r: (503, {}, {"error": "down"})) as srv:
        with pytest.raises(SourceError, match="Semantic Scholar: .*503.*OpenAlex: .*503"):
            _sources(srv, tmp_path).links("1710.02298")


def test_build_follows_one_hop_with_arxiv_metadata_and_influence_as_builds_on(tmp_path):
    with FakeServer(_routes) as srv:
        data = build(["arXiv:1710.02298v1"], hops=1, sources=_sources(srv, tmp_path))
    graph = to_graph(data)
    assert sorted(graph) == ["10.1038/nature14236", "1509.06461", "1511.05952", "1710.02298", "1806.06923"]
    assert sorted(graph.edges) == [
        ("1710.02298", "10.1038/nature14236"),
        ("1710.02298", "1509.06461"),
        ("1710.02298", "1511.05952"),
        ("1806.06923", "1710.02298"),
    ]
    assert graph.edges["1710.02298", "1509.06461"]["builds_on"]
    assert not graph.edges["1710.02298", "10.1038/nature14236"]["builds_on"]
    assert graph.nodes["1509.06461"]["provenance"]["source"] == "arXiv API"
    assert (
        graph.nodes["10.1038/nature14236"]["title"]
        == "Human-level control through deep reinforcement learning"
    )


def test_build_caps_the_number_of_papers(tmp_path):
    with FakeServer(_routes) as srv:
        data = build(["1710.02298"], hops=1, sources=_sources(srv, tmp_path), max_papers=3)
    assert len(data["papers"]) == 3 and all(e["citing"] == "1710.02298" for e in data["citations"])


def test_verify_reports_each_contradicted_fact_and_what_it_could_not_check(tmp_path):
    keep = {"1710.02298", "1509.06461", "1511.05952", "10.1038/nature14236", "openreview:r1lyTjAqYX"}
    data = {
        "papers": [dict(p) for p in DATA["papers"] if p["id"] in keep],
        "citations": [e for e in DATA["citations"] if e["citing"] in keep and e["cited"] in keep],
    }
    next(p for p in data["papers"] if p["id"] == "1509.06461")["date"] = "2015-09-23"
    data["citations"].append({"citing": "1710.02298", "cited": "openreview:r1lyTjAqYX"})  # planted: not cited
    nature = next(p for p in data["papers"] if p["id"] == "10.1038/nature14236")
    work = {
        "id": "https://openalex.org/W2145339207",
        "doi": "https://doi.org/10.1038/nature14236",
        "title": nature["title"],
        "publication_date": "2015-02-26",
        "authorships": [{"author": {"display_name": a}} for a in nature["authors"]],
    }
    overrides = {"/oa/works/doi:10.1038/nature14236": (200, {}, work)}
    with FakeServer(lambda r: _routes(r, overrides)) as srv:
        contradictions, unchecked = verify(data, _sources(srv, tmp_path))
    assert contradictions == [
        "10.1038/nature14236: first version 2015-02-25; OpenAlex says 2015-02-26",
        "1509.06461: first version 2015-09-23; arXiv says 2015-09-22",
        "1710.02298 -> openreview:r1lyTjAqYX: not among the references Semantic Scholar lists",
    ]
    assert any(line.startswith("openreview:r1lyTjAqYX: metadata") for line in unchecked)
    assert any(line.startswith("1509.06461: citations") for line in unchecked)  # no recorded references


def _cli(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "graphs.papers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_the_build_command_writes_a_graph_the_generator_format_reads(tmp_path):
    out = tmp_path / "rainbow.json"
    with FakeServer(_routes) as srv:
        result = _cli(
            "build",
            "--seed",
            "1710.02298",
            "--hops",
            "1",
            "--out",
            str(out),
            "--delay",
            "0",
            "--arxiv-url",
            srv.url + "/api/query?{}",
            "--s2-url",
            srv.url + "/s2",
            "--openalex-url",
            srv.url + "/oa",
            KGTASKS_CACHE=str(tmp_path / "cache"),
        )
    assert result.returncode == 0, result.stderr
    assert len(to_graph(load_snapshot(out))) == 5
    config = lineage.Config(kind="chronology", graph=str(out), items=5, distractors=0)
    order = ["10.1038/nature14236", "1509.06461", "1511.05952", "1710.02298", "1806.06923"]
    assert lineage.generate(config, 0, 0).truth["reference"]["order"] == order


def test_unreachable_sources_and_offline_misses_give_one_error_line(tmp_path):
    closed = "http://127.0.0.1:9"
    urls = ["--arxiv-url", closed + "/q?{}", "--s2-url", closed, "--openalex-url", closed, "--retries", "0"]
    unreachable = _cli(
        "build",
        "--seed",
        "1710.02298",
        "--out",
        str(tmp_path / "g.json"),
        *urls,
        KGTASKS_CACHE=str(tmp_path / "cache"),
    )
    offline = _cli("verify-snapshot", *urls, KGTASKS_CACHE=str(tmp_path / "cache"), KGTASKS_OFFLINE="1")
    for result in (unreachable, offline):
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and "error:" in result.stderr
    assert not (tmp_path / "g.json").exists()
