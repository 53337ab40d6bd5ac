import socket
import threading
import time

import pytest

from graphs.wikidata import IsolatedStore, env_for_snapshot
from tools.registry import build_tool, call_tool
from tools.wikidata import ROW_LIMIT, distance_km, get_entity, search_entities, sparql


@pytest.fixture
def env():
    return env_for_snapshot()


def run(env, name, **args):
    result = call_tool(name, args, env)
    assert not result.is_error, result.text
    return result.text


def error(env, name, **args):
    result = call_tool(name, args, env)
    assert result.is_error, result.text
    return result.text


def test_every_tool_has_a_schema_from_its_docstring():
    for fn in (sparql, search_entities, get_entity, distance_km):
        t = build_tool(fn)
        assert t.parameters["required"] and all(p["description"] for p in t.parameters["properties"].values())


def test_sparql_select_shows_entities_with_their_labels(env):
    text = run(env, "sparql", query="SELECT ?who WHERE { wd:Q556 wdt:P61 ?who }")
    assert text.splitlines() == ["?who", "wd:Q131733 (Henry Cavendish)"]


def test_sparql_ask_and_literals(env):
    assert run(env, "sparql", query="ASK { wd:Q7186 wdt:P26 wd:Q37463 }") == "true"
    assert run(env, "sparql", query="ASK { wd:Q37463 wdt:P19 wd:Q270 }") == "false"
    text = run(env, "sparql", query='SELECT ?d WHERE { ?x rdfs:label "Albert Einstein"@en ; wdt:P569 ?d }')
    assert "1879-03-14T00:00:00" in text


def test_sparql_stops_at_the_row_limit_and_says_so(env):
    lines = run(env, "sparql", query="SELECT ?s ?p ?o WHERE { ?s ?p ?o }").splitlines()
    assert len(lines) == 1 + ROW_LIMIT + 1 and "more than 50 rows" in lines[-1]
    assert run(env, "sparql", query="SELECT ?x WHERE { ?x wdt:P19 wd:Q1 }") == "No rows."


@pytest.mark.parametrize("query, fragment", [
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "only SELECT and ASK queries are allowed, not CONSTRUCT"),
    ("DESCRIBE wd:Q937", "not DESCRIBE"),
    ("INSERT DATA { wd:Q937 wdt:P19 wd:Q90 }", "not UPDATE"),
    ("DELETE WHERE { ?s ?p ?o }", "not UPDATE"),
    ("SELECT ?x WHERE { ?x wdt:P19 }", "SPARQL syntax error"),
    ("SELECT ?x WHERE { ?x foo:bar ?y }", "query failed"),  # an undeclared prefix fails when it runs
    ("SELECT ?x WHERE { SERVICE <http://127.0.0.1:9/x> { ?x ?p ?o } }", "SERVICE clauses are not allowed"),
    ("ASK { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/x> { ?x ?p ?o } } }", "SERVICE clauses"),
])
def test_sparql_refuses_other_forms_and_bad_syntax_with_a_reason(env, query, fragment):
    assert fragment in error(env, "sparql", query=query)


def test_sparql_times_out_a_runaway_query_and_keeps_working(env, monkeypatch):
    monkeypatch.setattr("tools.wikidata.TIMEOUT_S", 0.3)
    runaway = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
               "FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), '!')) }")
    start = time.monotonic()
    assert "timed out after 0.3 s" in error(env, "sparql", query=runaway)
    assert time.monotonic() - start < 2
    assert run(env, "sparql", query="ASK { wd:Q937 wdt:P31 wd:Q5 }") == "true"


def test_search_finds_names_and_aliases_exact_first(env):
    lines = run(env, "search_entities", text="curie").splitlines()
    assert lines[0].startswith("Q37463: Pierre Curie (also: Curie)")  # "Curie" is his alias: an exact match
    assert any(line.startswith("Q7186: Marie Curie") and "instance of: human" in line for line in lines)
    assert run(env, "search_entities", text="Q90").startswith("Q90: Paris")
    assert run(env, "search_entities", text="zzzz") == "No matches found."
    assert "at least 2 characters" in error(env, "search_entities", text=" x ")


def test_get_entity_shows_statements_dates_coordinates_and_what_names_it(env):
    text = run(env, "get_entity", entity_id="wd:Q131733")
    assert text.startswith("Q131733: Henry Cavendish\nalso known as: Cavendish")
    assert "P19 place of birth: Q33959 (Nice)" in text and "P569 date of birth: 1731-10-10" in text
    assert "Q556 (hydrogen) P61 discoverer or inventor" in text
    assert "latitude 43.7034, longitude 7.2663" in run(env, "get_entity", entity_id="Q33959")
    assert "unknown entity 'Q1'" in error(env, "get_entity", entity_id="Q1")


def test_get_entity_lists_at_most_40_statements_that_name_it(env):
    text = run(env, "get_entity", entity_id="Q5")
    assert "more; call get_entity again with inbound_from=40" in text
    assert sum(line.endswith("P31 instance of") for line in text.splitlines()) == 40


def test_get_entity_pages_through_every_statement_that_names_it(env):
    from graphs.wikidata import load_env
    humans = set(load_env(env)[1].subjects("P31", "Q5"))  # found apart from the tool
    seen, start = set(), 0
    while True:
        text = run(env, "get_entity", entity_id="Q5", inbound_from=start)
        page = {line.split()[0] for line in text.splitlines() if line.endswith("P31 instance of")}
        seen |= page
        if "inbound_from=" not in text:
            break
        start += 40
    assert seen == humans and len(humans) > 40
    assert "none from 100000" in run(env, "get_entity", entity_id="Q5", inbound_from=100000)
    assert "inbound_from must be" in error(env, "get_entity", entity_id="Q5", inbound_from=-1)


def test_distance_km_is_the_great_circle_distance(env):
    assert run(env, "distance_km", pairs=[["Q90", "q84"]]).startswith("343.")
    assert run(env, "distance_km", pairs=[["Q90", "Q90"]]).startswith("0.0 km between Paris (Q90) and Paris (Q90)")


def test_distance_km_answers_each_pair_of_a_list_in_order_and_says_why_one_fails(env):
    lines = run(env, "distance_km", pairs=[["Q90", "Q84"], ["Q937", "Q90"], ["Q90"], ["Atlantis", "Q90"],
                                           ["Q84", "Q90"]]).splitlines()
    assert len(lines) == 5 and lines[0].startswith("343.") and lines[4].startswith("343.")
    assert "has no coordinates (P625)" in lines[1]
    assert "exactly two ids" in lines[2] and "unknown entity 'Atlantis'" in lines[3]


def test_distance_km_refuses_an_empty_or_huge_list(env):
    assert "between 1 and 50 pairs" in error(env, "distance_km", pairs=[])
    assert "between 1 and 50 pairs" in error(env, "distance_km", pairs=[["Q90", "Q84"]] * 51)


def test_the_budget_counts_every_call_and_then_refuses(env):
    env["calls_left"] = 2
    run(env, "search_entities", text="Paris")
    run(env, "distance_km", pairs=[["Q90", "Q84"], ["Q90", "Q64"]])  # one call, however many pairs
    assert "budget is spent" in error(env, "get_entity", entity_id="Q90")
    assert env["calls_left"] == 0


def test_a_task_whose_graph_changed_gets_a_clear_error():
    env = {**env_for_snapshot(), "sha256": "0" * 64}
    assert "does not match" in error(env, "get_entity", entity_id="Q90")


@pytest.fixture
def listener():
    """A loopback server counting the connections made to it: a SERVICE clause that ran would connect."""
    server = socket.create_server(("127.0.0.1", 0))
    hits = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(conn.recv(100))
            conn.close()
    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], hits
    server.close()


@pytest.mark.parametrize("template", [
    "SELECT ?x WHERE {{ #\r SERVICE <http://127.0.0.1:{port}/> {{ ?x ?y ?z }} #\n }}",  # rdflib: a comment
    "SELECT ?x WHERE {{ service <http://127.0.0.1:{port}/> {{ ?x ?y ?z }} }}",
    "SELECT ?x WHERE {{ ?x ?y ?z . SeRvIcE SILENT <http://127.0.0.1:{port}/> {{ ?x ?y ?z }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/> {{ ?x ?y ?z }} }} }}",
])
def test_sparql_refuses_every_spelling_of_service_and_never_connects(env, listener, template):
    port, hits = listener
    assert "SERVICE clauses are not allowed" in error(env, "sparql", query=template.format(port=port))
    time.sleep(0.2)
    assert hits == []


def test_the_sparql_worker_has_no_network_even_for_a_query_past_the_check(env, listener):
    port, hits = listener
    store = IsolatedStore({k: env[k] for k in ("snapshot", "ntriples_gz", "sha256") if k in env})
    try:
        store.run("ASK { ?s ?p ?o }", 1, 60)  # starts the worker
        service = f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?x ?y ?z }} }}"
        store._conn.send(("SELECT", service, 5))
        status, value = store._conn.recv()
    finally:
        store.close()
    assert status == "error" and hits == []


def test_a_query_running_to_its_time_limit_does_not_delay_another_trials_query(env, monkeypatch):
    monkeypatch.setattr("tools.wikidata.TIMEOUT_S", 3.0)
    runaway = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
               "FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), '!')) }")
    warm = [threading.Thread(target=run, args=(env, "sparql"), kwargs={"query": "ASK { ?s ?p ?o }"})
            for _ in range(2)]
    for t in warm:  # two workers started at once (each takes seconds), as two trials of a run do
        t.start()
    for t in warm:
        t.join()
    slow = threading.Thread(target=call_tool, args=("sparql", {"query": runaway}, env))
    slow.start()
    time.sleep(0.3)  # the runaway holds its worker
    start = time.monotonic()
    assert run(env, "sparql", query="ASK { wd:Q937 wdt:P31 wd:Q5 }") == "true"
    took = time.monotonic() - start
    slow.join()
    assert took < 2.5  # a second worker answered; sharing the first would wait out the 3 s limit


@pytest.mark.parametrize("query", ["SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
                                   "ASK FROM NAMED <http://127.0.0.1:9/g> { GRAPH ?g { ?s ?p ?o } }"])
def test_sparql_refuses_dataset_clauses(env, query):
    assert "FROM and FROM NAMED are not allowed" in error(env, "sparql", query=query)
