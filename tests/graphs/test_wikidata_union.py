"""The default snapshot is every curated graphs/data/wikidata_*.ttl file read as one graph, and that
union is sound: labels and functional values unique, object entities labelled, places located."""
import pytest
from rdflib import Literal, URIRef

import graphs.wikidata as G
from graphs.wikidata import (
    ALL_TRIPLES,
    CURATED,
    RDFS_LABEL,
    WD,
    WDT,
    Snapshot,
    curated_files,
    env_for_snapshot,
    env_text,
    snapshot_problems,
    snapshot_text,
)

HEADER = """@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
"""


def test_the_curated_union_is_sound():
    assert "wikidata_snapshot.ttl" in [f.name for f in curated_files()]
    assert snapshot_problems(Snapshot(snapshot_text()).select(ALL_TRIPLES)) == []


def test_the_union_reads_every_curated_file_but_not_the_grow_query(tmp_path, monkeypatch):
    monkeypatch.setattr(G, "DATA_DIR", tmp_path)
    (tmp_path / "wikidata_a.ttl").write_text(HEADER + 'wd:Q1 rdfs:label "One"@en ; wdt:P19 wd:Q2 .\n')
    (tmp_path / "wikidata_b.ttl").write_text(HEADER + 'wd:Q2 rdfs:label "Two"@en ; '
                                             'wdt:P625 "Point(1 2)"^^geo:wktLiteral .\n')
    (tmp_path / "wikidata_grow.rq").write_text("SELECT * WHERE { ?s ?p ?o }")
    (tmp_path / "other.ttl").write_text(HEADER + 'wd:Q3 rdfs:label "Three"@en .\n')
    rows = Snapshot(snapshot_text()).select(ALL_TRIPLES)
    assert {str(r["s"]) for r in rows} == {WD + "Q1", WD + "Q2"}
    assert snapshot_problems(rows) == []
    env = env_for_snapshot()
    assert env["snapshot"] == CURATED and env_text(env)[0] == snapshot_text()
    (tmp_path / "wikidata_b.ttl").write_text(HEADER)  # a file changed: the task's graph is not the same
    with pytest.raises(ValueError, match="sha256"):
        env_text(env)


def _row(s, p, o):
    return {"s": URIRef(WD + s), "p": URIRef(p), "o": o}


@pytest.mark.parametrize("rows, problem", [
    ([_row("Q1", RDFS_LABEL, Literal("A", lang="en")), _row("Q1", RDFS_LABEL, Literal("B", lang="en"))],
     "Q1 has 2 values of label"),
    ([_row("Q1", RDFS_LABEL, Literal("A", lang="en")),
      _row("Q1", WDT + "P569", Literal("1813-10-09T00:00:00Z")),
      _row("Q1", WDT + "P569", Literal("1813-10-10T00:00:00Z"))], "Q1 has 2 values of P569"),
    ([_row("Q1", RDFS_LABEL, Literal("A", lang="en")), _row("Q1", WDT + "P26", URIRef(WD + "Q2"))],
     "Q2 is named by a statement but has no English label"),
    ([_row("Q1", RDFS_LABEL, Literal("A", lang="en")), _row("Q2", RDFS_LABEL, Literal("B", lang="en")),
      _row("Q1", WDT + "P551", URIRef(WD + "Q2"))], "Q2 is a place"),
])
def test_each_flaw_of_a_union_is_found(rows, problem):
    assert [line for line in snapshot_problems(rows) if line.startswith(problem)]


def test_a_place_with_a_country_or_that_is_one_is_sound():
    rows = [_row(q, RDFS_LABEL, Literal(q, lang="en")) for q in ("Q1", "Q2", "Q3")]
    rows += [_row("Q1", WDT + "P19", URIRef(WD + "Q2")), _row("Q2", WDT + "P17", URIRef(WD + "Q3")),
             _row("Q1", WDT + "P20", URIRef(WD + "Q3")), _row("Q3", WDT + "P31", URIRef(WD + "Q6256"))]
    assert snapshot_problems(rows) == ["Q6256 is named by a statement but has no English label"]
