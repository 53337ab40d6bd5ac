"""The live Wikidata query service: SPARQLWrapper with a User-Agent, a timeout, backing off on 429/503
as Retry-After says, one query at a time and every response cached through `cache/`; growing a graph
from it, and checking a snapshot against it.

`python -m graphs.wikidata verify-snapshot` lists the snapshot's statements the service disagrees with;
`python -m graphs.wikidata build-snapshot --query FILE --out FILE` saves the rows of a SELECT query.
"""
from __future__ import annotations

import argparse
import email.utils
import math
import sys
import threading
import time
import urllib.error
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from cache.store import Cache, CacheMiss, default_cache
from graphs.wikidata import (
    ALL_TRIPLES,
    COORDINATES,
    CURATED,
    PREFIXES,
    RDFS_LABEL,
    SKOS_ALT,
    WD,
    WDT,
    QueryError,
    Row,
    Snapshot,
    haversine_km,
    one_line,
    parse_point,
    readonly_form,
    rows_to_ntriples,
    short,
    snapshot_text,
)
from tasks.task import open_output

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
# The query service refuses clients without a descriptive User-Agent.
USER_AGENT = "kgtasks/0.1 (research task generator for language-model agents; python SPARQLWrapper)"


class EndpointError(ValueError):
    """A SPARQL service that cannot answer: unreachable, timing out, rate-limiting, or failing.

    A ValueError, so the CLIs report it as one line and a non-zero exit.
    """


_ONE_AT_A_TIME = threading.Lock()  # the public service asks clients not to run queries in parallel


class Endpoint:
    """SPARQL over HTTP with SPARQLWrapper: a User-Agent, a timeout, backing off on 429/503, cached."""

    def __init__(self, url: str = WIKIDATA_SPARQL, timeout: float = 60, retries: int = 3,
                 max_wait: float = 120, cache: Cache | None = None, agent: str = USER_AGENT):
        self.url = url
        self.timeout = max(1, math.ceil(timeout))  # SPARQLWrapper int()s it, and 0 would mean "no timeout"
        self.retries = retries
        self.max_wait = max_wait
        self.cache = cache if cache is not None else default_cache()
        self.agent = agent

    def select(self, query: str, limit: int | None = None) -> list[Row]:
        """Rows of a SELECT query, as rdflib terms like the snapshot's."""
        bindings = self._json(query)["results"]["bindings"]
        rows = [{k: _term(v) for k, v in b.items()} for b in bindings]
        return rows if limit is None else rows[: limit + 1]

    def ask(self, query: str) -> bool:
        """The answer to an ASK query."""
        return bool(self._json(query)["boolean"])

    def _json(self, query: str) -> dict[str, Any]:
        try:
            key = {"sparql": self.url, "query": query}
            return self.cache.fetch(key, lambda: self._fetch(PREFIXES + query))
        except CacheMiss as e:
            raise EndpointError(str(e)) from None

    def _fetch(self, query: str) -> dict[str, Any]:
        with _ONE_AT_A_TIME:
            for attempt in range(self.retries + 1):
                client = SPARQLWrapper(self.url, agent=self.agent)
                client.setReturnFormat(JSON)
                client.setMethod(POST)  # long VALUES lists do not fit in a URL
                client.setTimeout(self.timeout)
                client.setQuery(query)
                try:
                    return client.queryAndConvert()
                except urllib.error.HTTPError as e:  # 429, 503 and others arrive raw, not wrapped
                    if e.code in (429, 503) and attempt < self.retries:
                        time.sleep(self._wait(e.headers.get("Retry-After"), attempt))
                        continue
                    raise EndpointError(f"{self.url}: HTTP {e.code} {e.reason}") from None
                except QueryBadFormed as e:
                    raise QueryError(f"{self.url} rejected the query: {one_line(e)}") from None
                except SPARQLWrapperException as e:
                    raise EndpointError(f"{self.url}: {one_line(e)}") from None
                except OSError as e:  # refused, unreachable, or TimeoutError after self.timeout seconds
                    reason = one_line(e) or type(e).__name__
                    raise EndpointError(f"{self.url}: cannot query ({reason})") from None
        raise AssertionError("unreachable: the loop returns or raises")

    def _wait(self, retry_after: str | None, attempt: int) -> float:
        """Seconds to wait before retrying: Retry-After (seconds or an HTTP date), else 2^attempt."""
        wait = float(2**attempt)
        if retry_after:
            try:
                wait = float(retry_after)
            except ValueError:
                when = email.utils.parsedate_to_datetime(retry_after)
                wait = when.timestamp() - time.time() if when else wait
        return min(max(wait, 0.0), self.max_wait)


def _term(binding: dict[str, str]) -> URIRef | Literal:
    """An rdflib term from a SPARQL JSON results binding."""
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    return Literal(binding["value"], lang=binding.get("xml:lang"), datatype=binding.get("datatype"))


# --- growing a graph from a live service -----------------------------------------------------------

def _values(terms: Iterable[str]) -> str:
    return " ".join(f"<{t}>" for t in terms)


def fetch_subgraph(endpoint: Endpoint | Snapshot, seeds: list[str], properties: list[str],
                   batch: int = 100) -> list[Row]:
    """The statements of the seed items for the given properties, with the English labels, aliases and
    coordinates of every item they reach, as `?s ?p ?o` rows."""
    props = _values(WDT + p for p in properties)
    rows: list[Row] = []
    for i in range(0, len(seeds), batch):
        subjects = _values(WD + s for s in seeds[i:i + batch])
        rows += endpoint.select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {subjects} }} "
                                f"VALUES ?p {{ {props} }} ?s ?p ?o }}")
    items = {short(r["o"]) for r in rows if isinstance(r["o"], URIRef) and str(r["o"]).startswith(WD)}
    reached = sorted({short(r["s"]) for r in rows} | items)
    reached += sorted({short(WDT + p) for p in properties} - set(reached))
    names = f"<{RDFS_LABEL}> <{SKOS_ALT}> <{WDT}{COORDINATES}>"
    for i in range(0, len(reached), batch):
        subjects = _values(WD + s for s in reached[i:i + batch])
        rows += endpoint.select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {subjects} }} "
                                f"VALUES ?p {{ {names} }} ?s ?p ?o "
                                "FILTER(!isLiteral(?o) || LANG(?o) IN ('en', '')) }")
    return rows


def verify(snapshot: Snapshot, endpoint: Endpoint, batch: int = 50, tolerance_km: float = 10.0) -> list[str]:
    """Every statement of the snapshot that the endpoint disagrees with, one line each.

    Coordinates count as agreeing within tolerance_km; everything else must match exactly.
    """
    rows = snapshot.select(ALL_TRIPLES)
    exact = sorted((r for r in rows if str(r["p"]) != WDT + COORDINATES),
                   key=lambda r: (str(r["s"]), str(r["p"]), str(r["o"])))
    problems: list[str] = []
    for i in range(0, len(exact), batch):
        chunk = exact[i:i + batch]
        values = " ".join(f"({n} {r['s'].n3()} {r['p'].n3()} {r['o'].n3()})" for n, r in enumerate(chunk))
        found = {int(r["i"]) for r in endpoint.select(
            f"SELECT ?i WHERE {{ VALUES (?i ?s ?p ?o) {{ {values} }} ?s ?p ?o }}")}
        problems += [f"not on the service: {r['s'].n3()} {r['p'].n3()} {r['o'].n3()}"
                     for n, r in enumerate(chunk) if n not in found]
    points = {short(r["s"]): parse_point(str(r["o"])) for r in rows if str(r["p"]) == WDT + COORDINATES}
    ids = sorted(points)
    for i in range(0, len(ids), batch):
        live: dict[str, list[tuple[float, float]]] = {}
        subjects = _values(WD + s for s in ids[i:i + batch])
        query = f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {subjects} }} ?s wdt:{COORDINATES} ?o }}"
        for r in endpoint.select(query):
            point = parse_point(str(r["o"]))
            if point:
                live.setdefault(short(r["s"]), []).append(point)
        for s in ids[i:i + batch]:
            near = [haversine_km(points[s], p) for p in live.get(s, [])]
            if points[s] is None or not near or min(near) > tolerance_km:
                problems.append(f"coordinates of wd:{s} differ: snapshot {points[s]}, "
                                f"service {live.get(s, [])}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`verify-snapshot` lists the statements the live service disagrees with (exit 1 if any);
    `build-snapshot` writes the `?s ?p ?o` rows of a SELECT query as N-Triples."""
    parser = argparse.ArgumentParser(prog="python -m graphs.wikidata", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify-snapshot", help="check every statement of a snapshot against the service")
    check.add_argument("--snapshot", default="",
                       help=f"snapshot file (Turtle; default: every graphs/data/{CURATED} file, as one graph)")
    build = sub.add_parser("build-snapshot", help="run a SELECT ?s ?p ?o query and save its rows")
    build.add_argument("--query", required=True, help="file holding a SELECT query that binds ?s ?p ?o")
    build.add_argument("--out", required=True, help="N-Triples file to write")
    for p in (check, build):
        p.add_argument("--endpoint", default=WIKIDATA_SPARQL,
                       help=f"SPARQL endpoint (default {WIKIDATA_SPARQL})")
        p.add_argument("--timeout", type=float, default=60, help="seconds per query (default 60)")
    args = parser.parse_args(argv)
    endpoint = Endpoint(args.endpoint, timeout=args.timeout)
    try:
        if args.command == "verify-snapshot":
            snapshot = Snapshot(Path(args.snapshot).read_text(encoding="utf-8") if args.snapshot
                                else snapshot_text())
            problems = verify(snapshot, endpoint)
            for line in problems:
                print(line)
            print(f"{len(problems)} disagreement(s) with {args.endpoint}", file=sys.stderr)
            return 1 if problems else 0
        query = Path(args.query).read_text(encoding="utf-8")
        if readonly_form(query) != "SELECT":
            raise QueryError("build-snapshot needs a SELECT query binding ?s ?p ?o")
        rows = endpoint.select(query)
        if rows and not {"s", "p", "o"} <= rows[0].keys():
            raise QueryError(f"the query must bind ?s ?p ?o; it binds {sorted(rows[0])}")
        with open_output(args.out) as fh:
            fh.write(rows_to_ntriples(rows))
        print(f"wrote {len(rows)} statements to {args.out}", file=sys.stderr)
        return 0
    except (ValueError, OSError) as e:
        print(f"{parser.prog}: error: {one_line(e)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
