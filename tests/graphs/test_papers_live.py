import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cache.store import Cache
from generators import lineage
from graphs.papers import load_snapshot, to_graph
from graphs.papers_live import build, verify
from graphs.papers_sources import LiveSources, SourceError
from tests.fakes import FakeServer

ROOT = Path(__file__).resolve().parents[2]
DATA = load_snapshot()

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
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "error:" in result.stderr
    assert not (tmp_path / "g.json").exists()
