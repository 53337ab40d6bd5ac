import time
from pathlib import Path

import pytest
import rdflib
from rdflib import URIRef

from cache.store import Cache
from graphs.wikidata import (
    ALL_TRIPLES,
    DATA_DIR,
    WD,
    WDT,
    IsolatedStore,
    QueryError,
    Snapshot,
    WikidataGraph,
    curated_files,
    env_for_ntriples,
    env_for_snapshot,
    haversine_km,
    load_env,
    query_form,
    readonly_form,
    rows_to_ntriples,
    snapshot_text,
)
from graphs.wikidata_live import Endpoint, EndpointError, fetch_subgraph, main, verify
from tests.sparql_server import SparqlServer


@pytest.fixture(scope="module")
def text():
    return snapshot_text()


@pytest.fixture(scope="module")
def snap(text):
    return Snapshot(text, engine="rdflib")


@pytest.fixture(scope="module")
def served(text):
    """The graph the local endpoint serves: oxigraph, since rdflib evaluates VALUES joins slowly."""
    return Snapshot(text, engine="oxigraph").graph


@pytest.fixture(scope="module")
def kg(snap):
    return WikidataGraph.from_rows(snap.select(ALL_TRIPLES))


def endpoint(url, tmp_path, **kw):
    return Endpoint(url, timeout=kw.pop("timeout", 5), cache=Cache(tmp_path / "cache"), **kw)


def test_the_snapshot_has_the_size_the_issue_asks_for(snap, kg):
    subjects = {str(r["s"]) for r in snap.select(ALL_TRIPLES)}
    assert len(subjects) >= 1300  # every curated file, as one graph
    assert len(snap.graph) >= 8000
    assert sum(f.stat().st_size for f in curated_files()) < 5_000_000
    assert all(s.removeprefix(WD) in kg.labels for s in subjects)  # every entity has an English label


def test_every_item_a_statement_reaches_has_a_label(kg):
    assert set(kg.graph.nodes) <= set(kg.labels)
    assert {k for *_, k in kg.graph.edges(keys=True)} <= set(kg.labels)  # properties are labelled too


def test_rdflib_and_oxigraph_agree_on_a_two_hop_query(text, snap):
    query = "SELECT ?e ?c WHERE { ?e wdt:P61 ?who . ?who wdt:P19 ?pl . ?pl wdt:P17 ?c }"
    ox = Snapshot(text, engine="oxigraph")
    key = sorted((str(r["e"]), str(r["c"])) for r in snap.select(query))
    assert key == sorted((str(r["e"]), str(r["c"])) for r in ox.select(query))
    assert (WD + "Q556", WD + "Q142") in key  # hydrogen: Cavendish, born in Nice


def test_the_graph_keeps_statements_names_coordinates_and_dates(kg):
    assert kg.has("Q937", "P19", "Q3012")
    assert not kg.has("Q3012", "P19", "Q937")
    assert kg.objects("Q556", "P61") == ["Q131733"]
    assert kg.subjects("P61", "Q131761") == ["Q618", "Q658", "Q703", "Q706"]
    assert kg.dates[("Q937", "P569")] == "1879-03-14"
    assert kg.coords["Q90"] == pytest.approx((48.8567, 2.3522))
    assert kg.resolve("einstein") == ["Q937"]
    assert kg.resolve(" wd:q937 ") == kg.resolve(WD + "Q937") == ["Q937"]
    assert kg.resolve("Cambridge") == ["Q350", "Q49111"]  # a label two places share


def test_atomic_numbers_are_quantities_the_graph_can_state_and_check(kg):
    elements = kg.subjects("P31", "Q11344")
    assert all(kg.values(e, "P1086") for e in elements)
    assert kg.values("Q556", "P1086") == ["1"] and kg.values("Q677", "P1086") == ["26"]  # hydrogen, iron
    assert kg.holds("Q677", "P1086", "26") and kg.holds("Q677", "P1086", "+26")
    assert not kg.holds("Q677", "P1086", "27") and ("Q677", "P1086", "26") in kg.statements
    assert len({kg.values(e, "P1086")[0] for e in elements}) == len(elements)  # one element per number


def test_haversine_matches_known_distances():
    paris, london = (48.8567, 2.3522), (51.5072, -0.1275)
    assert haversine_km(paris, london) == pytest.approx(343.9, abs=1.5)
    assert haversine_km(paris, paris) == 0
    assert haversine_km((0, 0), (0, 180)) == pytest.approx(20015.1, abs=1)


@pytest.mark.parametrize("query, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("ASK { wd:Q937 wdt:P19 wd:Q3012 }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE wd:Q937", "DESCRIBE"),
    ("INSERT DATA { wd:Q1 wdt:P31 wd:Q5 }", "UPDATE"),
    ("DELETE WHERE { ?s ?p ?o }", "UPDATE"),
])
def test_query_forms_are_told_apart_by_the_parser(query, form):
    assert query_form(query) == form


def test_only_select_and_ask_are_read_only():
    with pytest.raises(QueryError, match="not UPDATE"):
        readonly_form("DROP ALL")
    with pytest.raises(QueryError, match="syntax error"):
        readonly_form("SELEKT ?x WHERE { ?x ?y ?z }")


def test_env_by_snapshot_name_loads_once_and_checks_the_hash():
    env = env_for_snapshot()
    first = load_env(env)
    assert load_env(env) is first
    with pytest.raises(ValueError, match="does not match"):
        load_env({**env, "sha256": "0" * 64})
    with pytest.raises(ValueError, match="not found"):
        load_env({"snapshot": "../../etc/passwd", "sha256": "1" * 64})


def test_env_with_inline_triples_round_trips(snap, kg):
    env = env_for_ntriples(rows_to_ntriples(snap.select(ALL_TRIPLES)))
    _, inline = load_env(env)
    assert sorted(inline.graph.edges(keys=True)) == sorted(kg.graph.edges(keys=True))
    assert inline.labels == kg.labels and inline.coords == kg.coords


def test_isolated_store_stops_a_query_that_outgrows_its_memory_and_recovers():
    # the time limit is tested through the sparql tool (tests/tools/test_wikidata.py)
    store = IsolatedStore(env_for_snapshot(), memory=700 * 2**20)
    try:
        assert store.run("ASK { wd:Q937 wdt:P19 wd:Q3012 }", 10, 5) is True
        sorted_product = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
        with pytest.raises(QueryError, match="out of memory"):
            store.run(sorted_product, 10, 30)
        rows = store.run("SELECT ?s WHERE { ?s wdt:P31 wd:Q5 }", 5, 5)
        assert len(rows) == 6  # limit + 1 tells the caller there were more
        with pytest.raises(QueryError, match="not CONSTRUCT"):
            store.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", 5, 5)
    finally:
        store.close()


def test_sparqlwrapper_reads_the_local_endpoint_like_the_snapshot(snap, tmp_path):
    query = "SELECT ?p ?o WHERE { wd:Q7186 ?p ?o }"
    with SparqlServer(snap.graph) as srv:
        ep = endpoint(srv.url, tmp_path)
        rows = ep.select(query)
        assert ep.ask("ASK { wd:Q7186 wdt:P26 wd:Q37463 }") is True
        assert ep.select(query) == rows  # served from the cache
        assert len(srv.requests) == 2
        assert srv.requests[0][2]["user-agent"].startswith("kgtasks/")
    key = lambda r: (str(r["p"]), str(r["o"]))  # noqa: E731
    assert sorted(rows, key=key) == sorted(snap.select(query), key=key)  # same terms, languages and types


def test_429_is_retried_after_the_time_retry_after_gives(snap, tmp_path):
    with SparqlServer(snap.graph, fail=[(429, {"Retry-After": "0.2"}), (503, {"Retry-After": "0.1"})]) as srv:
        assert endpoint(srv.url, tmp_path).ask("ASK { wd:Q937 wdt:P31 wd:Q5 }") is True
        times = [t for t, *_ in srv.requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.2 and times[2] - times[1] >= 0.1


def test_a_service_that_keeps_refusing_is_one_clear_error(snap, tmp_path):
    with SparqlServer(snap.graph, fail=[(429, {"Retry-After": "0"})] * 3) as srv:
        with pytest.raises(EndpointError, match="HTTP 429"):
            endpoint(srv.url, tmp_path, retries=2).ask("ASK { ?s ?p ?o }")
        assert len(srv.requests) == 3


def test_a_bad_query_is_a_query_error_and_a_dead_endpoint_an_endpoint_error(snap, tmp_path):
    with SparqlServer(snap.graph) as srv:
        with pytest.raises(QueryError, match="rejected"):
            endpoint(srv.url, tmp_path).select("SELECT ?x WHERE { ?x ?y }")
        url = srv.url
    with pytest.raises(EndpointError, match="cannot query"):
        endpoint(url, tmp_path).select("SELECT ?x WHERE { ?x ?y ?z }")


def test_a_hanging_endpoint_times_out(snap, tmp_path):
    with SparqlServer(snap.graph, delay=3) as srv:
        start = time.monotonic()
        with pytest.raises(EndpointError):
            endpoint(srv.url, tmp_path, timeout=1).ask("ASK { ?s ?p ?o }")
        assert time.monotonic() - start < 2.5


def test_verify_finds_exactly_the_statements_the_service_lacks(text, snap, served, tmp_path):
    assert verify(snap, endpoint_for(served, tmp_path, "same")) == []
    changed = rdflib.Graph(store="Oxigraph")
    changed.parse(data=text, format="turtle")
    changed.remove((URIRef(WD + "Q937"), URIRef(WDT + "P19"), None))
    changed.remove((URIRef(WD + "Q90"), URIRef(WDT + "P625"), None))
    wkt = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    changed.add((URIRef(WD + "Q90"), URIRef(WDT + "P625"), rdflib.Literal("Point(2.4 48.87)", datatype=wkt)))
    problems = verify(snap, endpoint_for(changed, tmp_path, "changed"))
    # Paris moved ~4 km: within tolerance
    assert len(problems) == 1 and "Q937" in problems[0] and "P19" in problems[0]
    changed.remove((URIRef(WD + "Q64"), URIRef(WDT + "P625"), None))
    problems = verify(snap, endpoint_for(changed, tmp_path, "changed-more"))
    assert len(problems) == 2 and any("coordinates of wd:Q64" in p for p in problems)


_servers: list[SparqlServer] = []


def endpoint_for(graph, tmp_path, name):
    srv = SparqlServer(graph).__enter__()
    _servers.append(srv)
    return Endpoint(srv.url, cache=Cache(tmp_path / name))


@pytest.fixture(autouse=True, scope="module")
def _stop_servers():
    yield
    for srv in _servers:
        srv.__exit__()


def test_fetch_subgraph_brings_statements_and_the_names_they_reach(served, tmp_path):
    ep = endpoint_for(served, tmp_path, "fetch")
    kg = WikidataGraph.from_rows(fetch_subgraph(ep, ["Q7186", "Q556"], ["P19", "P61", "P26"], batch=1))
    assert kg.has("Q7186", "P19", "Q270") and kg.has("Q556", "P61", "Q131733")
    assert kg.labels["Q270"] == "Warsaw" and kg.labels["Q131733"] == "Henry Cavendish"
    assert kg.coords["Q270"] == pytest.approx((52.23, 21.0111))
    assert not kg.has("Q7186", "P106", "Q169470")  # a property not asked for


def test_build_snapshot_writes_ntriples_and_verify_snapshot_exits_by_result(snap, served, tmp_path, capsys):
    ep = endpoint_for(served, tmp_path, "cli")
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(?s = wd:Q7186) }")
    out = tmp_path / "out.nt"
    assert main(["build-snapshot", "--query", str(query), "--out", str(out), "--endpoint", ep.url]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == len(snap.select("SELECT ?p ?o WHERE { wd:Q7186 ?p ?o }")) and lines == sorted(lines)
    turtle = tmp_path / "one.ttl"
    rdflib.Graph().parse(str(out), format="nt").serialize(str(turtle), format="turtle")
    assert main(["verify-snapshot", "--snapshot", str(turtle), "--endpoint", ep.url]) == 0
    turtle.write_text(turtle.read_text() + '\n<http://www.wikidata.org/entity/Q1> '
                      '<http://www.w3.org/2000/01/rdf-schema#label> "universe"@en .\n')
    assert main(["verify-snapshot", "--snapshot", str(turtle), "--endpoint", ep.url]) == 1
    assert '"universe"@en' in capsys.readouterr().out


def test_the_cli_reports_a_bad_query_file_in_one_line(tmp_path, capsys):
    query = tmp_path / "q.rq"
    query.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert main(["build-snapshot", "--query", str(query), "--out", str(tmp_path / "x"),
                 "--endpoint", "http://127.0.0.1:9/sparql"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not CONSTRUCT" in err
    assert not Path(tmp_path / "x").exists()


def test_the_example_grow_query_builds_a_graph_of_laureates_and_their_places(text):
    query = (DATA_DIR / "wikidata_grow.rq").read_text()
    assert readonly_form(query) == "SELECT"
    grown = WikidataGraph.from_rows(Snapshot(text, engine="oxigraph").select(query))  # rdflib takes seconds
    assert grown.has("Q937", "P19", "Q3012") and grown.has("Q3012", "P17", "Q183")
    assert "Q3012" in grown.coords and grown.labels["Q3012"] == "Ulm"
    assert "Q9061" not in grown.labels  # Marx won no physics prize


def test_the_local_endpoint_answers_every_form_of_the_protocol(snap):
    import json
    import urllib.parse
    import urllib.request

    query = "ASK { <http://www.wikidata.org/entity/Q937> ?p ?o }"
    with SparqlServer(snap.graph) as srv:
        get = urllib.request.urlopen(srv.url + "?" + urllib.parse.urlencode({"query": query}), timeout=5)
        direct = urllib.request.urlopen(urllib.request.Request(
            srv.url, data=query.encode(), headers={"Content-Type": "application/sparql-query"}), timeout=5)
        for response in (get, direct):
            assert response.headers["Content-Type"] == "application/sparql-results+json"
            assert json.loads(response.read())["boolean"] is True
        assert [r[1] for r in srv.requests] == ["GET", "POST"]


def test_queries_parsed_from_many_threads_at_once_all_parse():
    from concurrent.futures import ThreadPoolExecutor

    from graphs.wikidata import query_form
    queries = ['SELECT ?x WHERE { ?x ?p ?l FILTER(REGEX(STR(?l), "^a+$")) }', "ASK { ?s ?p ?o }",
               "INSERT DATA { <x:a> <x:b> <x:c> }",
               "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s"] * 50
    with ThreadPoolExecutor(8) as pool:
        forms = list(pool.map(query_form, queries))
    assert forms == ["SELECT", "ASK", "UPDATE", "SELECT"] * 50  # pyparsing alone gave spurious syntax errors
