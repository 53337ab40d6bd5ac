"""Benchmark: the wikidata snapshot's load time and the family's SPARQL latency, rdflib against oxigraph.

Prints rdflib's times and oxigraph's (through oxrdflib, given query strings) as ratios measured in the
same run. graphs.wikidata.DEFAULT_ENGINE should be oxigraph only while it is at least 5x faster.
Run: `python bench/wikidata.py`.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphs.wikidata import ALL_TRIPLES, DEFAULT_ENGINE, Snapshot, snapshot_text  # noqa: E402

QUERIES = {  # the shapes the family and its tools run
    "chain, 2 hops from a bound start": "SELECT ?end WHERE { wd:Q556 wdt:P61 ?who . ?who wdt:P19 ?end }",
    "set, 3 hops over a class": "SELECT DISTINCT ?x WHERE { ?x wdt:P31 wd:Q11344 . ?x wdt:P61 ?w . "
                                "?w wdt:P19 ?p . ?p wdt:P17 wd:Q142 }",
    "linked_fact pairs with coordinates": "SELECT * WHERE { ?d wdt:P61 ?a . ?d wdt:P31 wd:Q11344 . "
                                          "?b wdt:P106 wd:Q36834 . ?a wdt:P19 ?pa . ?b wdt:P19 ?pb . "
                                          "?pa wdt:P625 ?ca . ?pb wdt:P625 ?cb FILTER(?a != ?b) }",
    "all 2-hop paths, counted": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?b ?q ?c }",
    "every statement (graph building)": ALL_TRIPLES,
}
RUNS = 15


def _median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> int:
    text = snapshot_text()
    stores, loads = {}, {}
    for engine in ("rdflib", "oxigraph"):
        loads[engine] = _median_ms(lambda engine=engine: Snapshot(text, engine=engine), runs=5)
        stores[engine] = Snapshot(text, engine=engine)
        stores[engine].select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")  # one-time warm-up, not measured
    print(f"snapshot: {len(stores['rdflib'].graph)} statements; medians of {RUNS} runs")
    print(f"{'':40} {'rdflib ms':>10} {'oxigraph ms':>12} {'speed-up':>9}")
    print(f"{'load the snapshot':40} {loads['rdflib']:10.1f} {loads['oxigraph']:12.1f} "
          f"{loads['rdflib'] / loads['oxigraph']:8.1f}x")
    ratios = []
    for name, query in QUERIES.items():
        ms = {e: _median_ms(lambda e=e, q=query: stores[e].select(q)) for e in stores}
        rows = {e: len(stores[e].select(query)) for e in stores}
        assert rows["rdflib"] == rows["oxigraph"], f"{name}: the engines disagree ({rows})"
        ratios.append(ms["rdflib"] / ms["oxigraph"])
        print(f"{name:40} {ms['rdflib']:10.2f} {ms['oxigraph']:12.2f} {ratios[-1]:8.1f}x")
    typical = statistics.median(ratios)
    faster = "oxigraph" if typical >= 5 else "rdflib"
    print(f"median speed-up {typical:.1f}x: the default should be {faster}; it is {DEFAULT_ENGINE}")
    return 0 if faster == DEFAULT_ENGINE else 1


if __name__ == "__main__":
    raise SystemExit(main())
