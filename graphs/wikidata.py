"""The Wikidata graph: one SPARQL interface over the embedded snapshot or a live query service.

`Snapshot` runs SPARQL on an RDF text (the curated file in graphs/data/, or triples fetched live) with
rdflib or oxigraph, and `IsolatedStore` runs it in a process that a time or memory limit can stop.
`WikidataGraph.from_rows` turns `?s ?p ?o` rows into a networkx MultiDiGraph with
labels, aliases, coordinates and dates. The live service (SPARQLWrapper, verify-snapshot, build-snapshot)
is in graphs.wikidata_live; `python -m graphs.wikidata verify-snapshot | build-snapshot` runs it.
"""
from __future__ import annotations

import base64
import ctypes
import datetime
import gzip
import hashlib
import math
import multiprocessing
import os
import re
import resource
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import rdflib
from rdflib import URIRef
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
PREFIXES = (
    f"PREFIX wd: <{WD}>\nPREFIX wdt: <{WDT}>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
DATA_DIR = Path(__file__).parent / "data"
SNAPSHOT_FILE = "wikidata_snapshot.ttl"  # the first curated file; the others add domains to it
CURATED = "wikidata_*.ttl"  # every curated Turtle file in graphs/data, read as one graph (the default)
# Measured in bench/wikidata.py: oxigraph answers the family's queries >= 5x faster than rdflib.
DEFAULT_ENGINE = "oxigraph"
ENGINES = ("oxigraph", "rdflib")
WORKER_MEMORY = 2 * 1024**3  # bytes of address space a SPARQL worker process may use
COORDINATES = "P625"
DATES = ("P569", "P570", "P571", "P575", "P1191")  # birth, death, inception, discovery, first performance
QUANTITIES = ("P1086",)  # atomic number: whole numbers, written as Wikidata's xsd:decimal lexical form

Row = dict[str, Any]  # variable name -> rdflib term (URIRef or Literal); unbound variables are absent


class QueryError(ValueError):
    """A query that is malformed, or of a form that is not allowed (only SELECT and ASK are)."""


class QueryTimeout(QueryError):
    """A query that ran longer than its time limit."""


# rdflib's SPARQL parser (pyparsing) is not thread-safe: trials' tool calls run in threads, and two
# queries parsed at once failed with spurious syntax errors
_PARSER_LOCK = threading.Lock()


def query_form(query: str, allow_service: bool = True) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE, decided by rdflib's parser; QueryError if none parses.

    With allow_service=False a query holding the word SERVICE anywhere, in any case, is refused: a
    SERVICE clause makes the engine fetch a URL. The check reads the text, not a parse, because parsers
    disagree (rdflib ends a `#` comment at a newline, oxigraph, which runs the query, at a carriage
    return too), and a text without the word holds no SERVICE clause under any parser. A literal
    containing it can be built with CONCAT."""
    if not allow_service and "SERVICE" in query.upper():
        raise QueryError("SERVICE clauses are not allowed: queries run on the snapshot only (the word "
                         "'service' may not appear anywhere in a query, literals and comments included)")
    try:
        with _PARSER_LOCK:
            parsed = parseQuery(query)
        if not allow_service and "datasetClause" in parsed[1]:  # harmless (no fetch), and never needed
            raise QueryError("FROM and FROM NAMED are not allowed: queries run on the snapshot's graph")
        return parsed[1].name.removesuffix("Query").upper()  # prefixes resolve later, not here
    except QueryError:
        raise
    except Exception as e:  # the parser raises pyparsing's exceptions and others; all mean "not a query"
        try:
            with _PARSER_LOCK:
                parseUpdate(query)
        except Exception:
            raise QueryError(f"SPARQL syntax error: {one_line(e)}") from None
        return "UPDATE"


def readonly_form(query: str, allow_service: bool = True) -> str:
    """The form of a SELECT or ASK query; QueryError naming the refused form (or SERVICE) otherwise."""
    form = query_form(query, allow_service)
    if form not in ("SELECT", "ASK"):
        raise QueryError(f"only SELECT and ASK queries are allowed, not {form}")
    return form


def one_line(e: BaseException) -> str:
    """An error message on one line, at most 300 characters."""
    return " ".join(str(e).split())[:300]


class Snapshot:
    """SPARQL over an RDF text (Turtle or N-Triples) held in memory."""

    def __init__(self, text: str, fmt: str = "turtle", engine: str = DEFAULT_ENGINE):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.graph = rdflib.Graph(store="Oxigraph" if engine == "oxigraph" else "default")
        # oxigraph's own parsers load ~10x faster than rdflib's adding one triple at a time
        self.graph.parse(data=text, format=f"ox-{fmt}" if engine == "oxigraph" else fmt)

    def select(self, query: str, limit: int | None = None) -> list[Row]:
        """Rows of a SELECT query (at most limit + 1, so callers can tell there were more)."""
        rows: list[Row] = []
        for r in self.graph.query(PREFIXES + query):  # a string, not a prepared query (see bench)
            if limit is not None and len(rows) > limit:
                break
            rows.append({k: v for k, v in r.asdict().items() if v is not None})
        return rows

    def ask(self, query: str) -> bool:
        """The answer to an ASK query."""
        return bool(self.graph.query(PREFIXES + query).askAnswer)


class IsolatedStore:
    """SPARQL over a task's graph in a child process, so that a runaway query can be killed at its limit.

    Neither rdflib nor oxigraph can interrupt a query, and a thread cannot be stopped; a process can.
    The child loads the graph once and then answers queries until it is killed or the parent exits.
    """

    def __init__(self, env: dict[str, Any], engine: str = DEFAULT_ENGINE, memory: int = WORKER_MEMORY):
        self.env = env
        self.engine = engine
        self.memory = memory
        self._proc: Any = None
        self._conn: Any = None
        self._lock = threading.Lock()

    def run(self, query: str, limit: int, timeout: float) -> list[Row] | bool:
        """Rows of a SELECT (at most limit + 1) or the answer of an ASK; QueryTimeout after timeout s."""
        form = readonly_form(query, allow_service=False)  # the model's queries never leave the snapshot
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            try:
                self._conn.send((form, query, limit))
                if not self._conn.poll(timeout):
                    self._stop()
                    raise QueryTimeout(f"query timed out after {timeout:g} s; bind variables or LIMIT it")
                status, value = self._conn.recv()
            except (EOFError, OSError):  # the worker died (out of memory): the next query starts another
                self._stop()
                raise QueryError("the query stopped the SPARQL worker (out of memory?); narrow it") from None
        if status == "error":
            raise QueryError(value)
        return value

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # fork would copy the parent's threads and locks
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.env, self.engine, self.memory), daemon=True)
        self._proc.start()
        child.close()
        if not self._conn.poll(120) or self._conn.recv() != "ready":
            self._stop()
            raise QueryError("the SPARQL worker could not load the graph")

    def _stop(self) -> None:
        self._proc.kill()
        self._proc.join()
        self._proc = None

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            if self._proc is not None:
                self._stop()


_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000


def _leave_the_network() -> bool:
    """Move this process into an empty network namespace (as root, or in a user namespace of its own),
    so that no query can reach a server whatever a parser lets through; False where neither works."""
    libc = ctypes.CDLL(None, use_errno=True)
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _serve(conn: Any, env: dict[str, Any], engine: str, memory: int) -> None:
    _leave_the_network()
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))  # a huge join fails, not the host
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # an engine dying of it writes to stderr; the pipe tells why
    store = Snapshot(*env_text(env), engine=engine)  # SPARQL only: no need for the networkx graph
    conn.send("ready")
    while True:
        try:
            form, query, limit = conn.recv()
        except EOFError:
            return
        try:
            value = store.ask(query) if form == "ASK" else store.select(query, limit)
            conn.send(("ok", value))
        except Exception as e:  # the model's query failed to run: tell it why
            conn.send(("error", f"query failed: {one_line(e)}"))


# --- the graph the generators, tools and graders walk -------------------------------------------

def short(term: Any) -> str:
    """Q937 for wd:Q937, P19 for wdt:P19 or wd:P19; the lexical form for literals."""
    text = str(term)
    for ns in (WD, WDT):
        if text.startswith(ns):
            return text[len(ns):]
    return text


def as_id(text: str) -> str:
    """An id as the graph writes it (Q90, P19) from Q90, q90, wd:Q90, wdt:P19 or a full IRI; else text."""
    candidate = short(text.strip()).removeprefix("wd:").removeprefix("wdt:").upper()
    return candidate if re.fullmatch(r"[QP][1-9][0-9]*", candidate) else text


def parse_point(wkt: str) -> tuple[float, float] | None:
    """(lat, lon) from Wikidata's `Point(lon lat)`; None if it is not one."""
    m = re.fullmatch(r"\s*Point\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)\s*", wkt)
    return (float(m.group(2)), float(m.group(1))) if m else None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points, on a sphere of radius 6371 km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def normalize(name: str) -> str:
    """How names are compared: case-folded, inner whitespace collapsed."""
    return " ".join(name.casefold().split())


@dataclass
class WikidataGraph:
    """Entity-to-entity statements as a MultiDiGraph (edge key: property id), plus names and values."""

    graph: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    """Nodes are ids (Q937); an edge s -> o with key P19 is the statement `s P19 o`."""
    labels: dict[str, str] = field(default_factory=dict)
    """Id -> English label (items and properties)."""
    aliases: dict[str, list[str]] = field(default_factory=dict)
    """Id -> sorted English aliases."""
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Id -> (lat, lon) from P625."""
    dates: dict[tuple[str, str], str] = field(default_factory=dict)
    """(id, P569 or P570) -> YYYY-MM-DD."""
    quantities: dict[tuple[str, str], str] = field(default_factory=dict)
    """(id, a QUANTITIES property) -> the number as written, e.g. "26"."""

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> WikidataGraph:
        """Build from `?s ?p ?o` rows (both backends give them as rdflib terms)."""
        kg = cls()
        for row in rows:
            s, p, o = short(row["s"]), str(row["p"]), row["o"]
            if p == RDFS_LABEL:
                kg.labels[s] = str(o)
            elif p == SKOS_ALT:
                kg.aliases.setdefault(s, []).append(str(o))
            elif p == WDT + COORDINATES:
                point = parse_point(str(o))
                if point:
                    kg.coords[s] = point
            elif p.startswith(WDT) and short(p) in DATES:
                kg.dates[(s, short(p))] = str(o)[:10]
            elif p.startswith(WDT) and short(p) in QUANTITIES:
                kg.quantities[(s, short(p))] = str(o).removeprefix("+")
            elif p.startswith(WDT) and isinstance(o, URIRef) and str(o).startswith(WD):
                kg.graph.add_edge(s, short(o), key=short(p))
        for names in kg.aliases.values():
            names.sort()
        kg.graph.add_nodes_from(sorted(e for e in kg.labels if e.startswith("Q")))
        return kg

    def has(self, s: str, p: str, o: str) -> bool:
        """Whether the statement `s p o` is in the graph."""
        return self.graph.has_edge(s, o, key=p)

    @cached_property
    def statements(self) -> list[tuple[str, str, str]]:
        """Every statement as a sorted list of triples: entity edges, dates and quantities (what answers
        may claim)."""
        edges = [(s, p, o) for s, o, p in self.graph.edges(keys=True)]
        values = [(s, p, v) for (s, p), v in (*self.dates.items(), *self.quantities.items())]
        return sorted(edges + values)

    def holds(self, s: str, p: str, o: str) -> bool:
        """Whether `s p o` is a statement: an edge, a date property with that YYYY-MM-DD value, or the
        entity's coordinates as `Point(lon lat)` or `lat, lon` (to 1e-4 degrees, ~10 m)."""
        if p in DATES:
            return self.dates.get((s, p)) == o
        if p in QUANTITIES:
            return self.quantities.get((s, p)) == o.strip().removeprefix("+")
        if p == COORDINATES:
            m = re.fullmatch(r"\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*", o)
            point = (float(m.group(1)), float(m.group(2))) if m else parse_point(o)
            here = self.coords.get(s)
            if point is None or here is None:
                return False
            return max(abs(x - y) for x, y in zip(point, here, strict=True)) < 1e-4
        return self.has(s, p, o)

    def values(self, s: str, p: str) -> list[str]:
        """Sorted objects of `s p ?o`, the YYYY-MM-DD date of a date property, or a quantity."""
        if p in DATES:
            return [self.dates[(s, p)]] if (s, p) in self.dates else []
        if p in QUANTITIES:
            return [self.quantities[(s, p)]] if (s, p) in self.quantities else []
        return self.objects(s, p)

    def objects(self, s: str, p: str) -> list[str]:
        """Sorted objects of `s p ?o`."""
        if s not in self.graph:
            return []
        return sorted(o for _, o, k in self.graph.out_edges(s, keys=True) if k == p)

    def subjects(self, p: str, o: str) -> list[str]:
        """Sorted subjects of `?s p o`."""
        if o not in self.graph:
            return []
        return sorted(s for s, _, k in self.graph.in_edges(o, keys=True) if k == p)

    def names(self, entity: str) -> list[str]:
        """The entity's label followed by its aliases."""
        return ([self.labels[entity]] if entity in self.labels else []) + self.aliases.get(entity, [])

    def resolve(self, text: str) -> list[str]:
        """Sorted ids that `text` names: an id (any case, `wd:` prefix or full IRI) or a label or alias."""
        if as_id(text) in self.labels:
            return [as_id(text)]
        return self.named.get(normalize(text), [])

    @cached_property
    def named(self) -> dict[str, list[str]]:
        """Normalized label or alias -> the sorted ids it names."""
        index: dict[str, list[str]] = {}
        for entity in sorted(self.labels):
            for name in dict.fromkeys(map(normalize, self.names(entity))):
                index.setdefault(name, []).append(entity)
        return index

    def describe(self, entity: str) -> str:
        """`Label (Q123)`."""
        return f"{self.labels.get(entity, entity)} ({entity})"


Triple = tuple[str, str, str]  # (subject id, property id, object id or YYYY-MM-DD date)


def is_var(term: str) -> bool:
    """Pattern variables are written ?name."""
    return term.startswith("?")


def match(patterns: list[list[str]], statements: Sequence[Triple],
          binding: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every extension of binding under which each pattern (s, p, o, with ?variables) is one of statements.

    A plain backtracking search: patterns are a handful of triples and statements an answer's claims.
    """
    if not patterns:
        yield dict(binding)
        return
    first, rest = patterns[0], patterns[1:]
    for triple in statements:
        extended = dict(binding)
        if all(_unify(term, value, extended) for term, value in zip(first, triple, strict=True)):
            yield from match(rest, statements, extended)


def _unify(term: str, value: str, binding: dict[str, str]) -> bool:
    if not is_var(term):
        return term == value
    if binding.setdefault(term, value) != value:
        return False
    return True


def link_holds(kg: WikidataGraph, link: dict[str, Any], binding: dict[str, str]) -> bool:
    """Whether a bound link condition holds: two places within max_km, one date before another, two
    dates at most max_days apart, one value shared, or a number equal to a date's day of the month."""
    if link["kind"] == "distance":
        here, there = (kg.coords.get(binding[v]) for v in link["between"])
        return here is not None and there is not None and haversine_km(here, there) <= link["max_km"]
    if link["kind"] == "same":
        return binding[link["between"][0]] == binding[link["between"][1]]
    if link["kind"] == "within":
        first, second = (_day(binding[v]) for v in link["between"])
        return first is not None and second is not None and abs((first - second).days) <= link["max_days"]
    if link["kind"] == "number_day":  # a quantity equal to the day of the month of a date
        number, date = binding[link["between"][0]], _day(binding[link["between"][1]])
        return date is not None and re.fullmatch(r"\d+", number) is not None and int(number) == date.day
    return binding[link["earlier"]] < binding[link["later"]]  # ISO dates with four-digit years sort as text


def _day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def instantiate(kg: WikidataGraph, patterns: list[list[str]], binding: dict[str, str]) -> list[list[str]]:
    """The patterns with the variables of their first match in the graph filled in (StopIteration if none)."""
    found = next(match(patterns, kg.statements, binding))
    return [[found.get(t, t) for t in triple] for triple in patterns]


def roles_shown(kg: WikidataGraph, spec: dict[str, Any], a: str, b: str) -> list[list[str]]:
    """Triples showing that a and b have the roles a linked-fact spec gives them."""
    return [t for r, who in (("a", a), ("b", b)) for t in instantiate(kg, spec["roles"][r], {f"?{r}": who})]


def first_with_roles(kg: WikidataGraph, spec: dict[str, Any]) -> tuple[str, str]:
    """The first entities, in statement order, with the roles a linked-fact spec gives a and b: the naive
    answer that ignores the links between them."""
    a, b = (next(match(spec["roles"][r], kg.statements, {}))[f"?{r}"] for r in ("a", "b"))
    return a, b


def witness(kg: WikidataGraph, links: list[dict[str, Any]], a: str, b: str) -> list[list[str]]:
    """Triples showing every link between a and b, e.g. both places of birth (empty when a link fails)."""
    triples = []
    for link in links:
        if len(link["triples"]) != 2:  # a condition two statements away (a fact's): match every pattern
            found = next((f for f in match(link["triples"], kg.statements, {"?a": a, "?b": b})
                          if link_holds(kg, link, f)), None)
            if found is None:
                return []
            triples += [[found.get(t, t) for t in triple] for triple in link["triples"]]
            continue
        (_, p, va), (_, _, vb) = link["triples"]
        shown = next(([[a, p, x], [b, p, y]] for x in kg.values(a, p) for y in kg.values(b, p)
                      if link_holds(kg, link, {va: x, vb: y})), None)
        if shown is None:
            return []
        triples += shown
    return triples


ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def curated_files() -> list[Path]:
    """The curated Turtle files that make up the default snapshot, sorted by name."""
    return sorted(DATA_DIR.glob(CURATED))


def snapshot_text(name: str = CURATED) -> str:
    """The text of an embedded snapshot in graphs/data/: one file, or for CURATED every curated file
    joined (Turtle allows a prefix to be declared again, so the joined text is one Turtle document)."""
    if name == CURATED:
        return "\n".join(path.read_text(encoding="utf-8") for path in curated_files())
    return (DATA_DIR / name).read_text(encoding="utf-8")


FUNCTIONAL = (COORDINATES, "P569", "P570", "P1086")  # one value per entity: a second is a conflict
PLACE_PROPERTIES = ("P19", "P20", "P551", "P131")  # their objects are places
COUNTRY_CLASSES = ("Q6256", "Q3624078")  # country, sovereign state: places that need no P17 of their own


def snapshot_problems(rows: Iterable[Row]) -> list[str]:
    """What makes `?s ?p ?o` rows an unsound snapshot, one sorted line each: an entity with two English
    labels or two values of a FUNCTIONAL property, an object entity without a label, a place (the object
    of a PLACE_PROPERTIES statement) with neither coordinates nor a country (P17) nor being one."""
    values: dict[tuple[str, str], set[str]] = {}
    objects: set[str] = set()
    places: set[str] = set()
    for row in rows:
        s, p, o = short(row["s"]), str(row["p"]), row["o"]
        if p == RDFS_LABEL and getattr(o, "language", None) == "en":
            values.setdefault((s, "label"), set()).add(str(o))
        elif p.startswith(WDT) and short(p) in FUNCTIONAL:
            values.setdefault((s, short(p)), set()).add(str(o))
        if p.startswith(WDT) and isinstance(o, URIRef) and str(o).startswith(WD):
            objects.add(short(o))
            if short(p) in PLACE_PROPERTIES:
                places.add(short(o))
        if p == WDT + "P17" or (p == WDT + "P31" and short(o) in COUNTRY_CLASSES):
            values.setdefault((s, "P17"), set()).add(short(o))
    problems = [f"{s} has {len(v)} values of {p}: {sorted(v)}" for (s, p), v in sorted(values.items())
                if len(v) > 1 and p != "P17"]
    problems += [f"{o} is named by a statement but has no English label" for o in sorted(objects)
                 if (o, "label") not in values]
    problems += [f"{o} is a place (object of {'/'.join(PLACE_PROPERTIES)}) with neither coordinates nor a "
                 "country (P17)" for o in sorted(places) if (o, COORDINATES) not in values and (o, "P17") not in values]
    return problems


def env_for_snapshot(name: str = CURATED) -> dict[str, str]:
    """A task env naming an embedded snapshot by file name and content hash."""
    return {"snapshot": name, "sha256": hashlib.sha256(snapshot_text(name).encode()).hexdigest()}


def env_for_ntriples(text: str) -> dict[str, str]:
    """A task env carrying its triples inline (gzip + base64 N-Triples), for graphs fetched live."""
    packed = base64.b64encode(gzip.compress(text.encode(), mtime=0)).decode()
    return {"ntriples_gz": packed, "sha256": hashlib.sha256(text.encode()).hexdigest()}


_LOADED: dict[tuple[str, str], tuple[Snapshot, WikidataGraph]] = {}
_LOAD_LOCK = threading.Lock()


def load_env(env: dict[str, Any], engine: str = DEFAULT_ENGINE) -> tuple[Snapshot, WikidataGraph]:
    """The SPARQL store and the graph a task's env names, loaded once per process (cached by hash).

    Raises ValueError if the env names no graph or its content no longer matches the recorded sha256.
    """
    key = (env.get("sha256"), engine)
    with _LOAD_LOCK:
        if key not in _LOADED:
            store = Snapshot(*env_text(env), engine=engine)
            _LOADED[key] = store, WikidataGraph.from_rows(store.select(ALL_TRIPLES))
        return _LOADED[key]


def env_text(env: dict[str, Any]) -> tuple[str, str]:
    """The RDF text a task's env names and its format; ValueError if missing or changed (sha256)."""
    if "snapshot" in env:
        name = Path(str(env["snapshot"])).name  # a bare file name: never a path out of graphs/data
        try:
            text, fmt = snapshot_text(name), "turtle"
        except OSError:
            raise ValueError(f"snapshot {name!r} not found in graphs/data") from None
    elif "ntriples_gz" in env:
        text, fmt = gzip.decompress(base64.b64decode(env["ntriples_gz"])).decode(), "nt"
    else:
        raise ValueError("the task env names no graph (expected 'snapshot' or 'ntriples_gz')")
    if hashlib.sha256(text.encode()).hexdigest() != env.get("sha256"):
        raise ValueError("the graph does not match the task's sha256: it changed since generation")
    return text, fmt


def rows_to_ntriples(rows: Iterable[Row]) -> str:
    """Sorted, deduplicated N-Triples lines for `?s ?p ?o` rows (same rows, same bytes)."""
    lines = {f"{row['s'].n3()} {row['p'].n3()} {row['o'].n3()} ." for row in rows}
    return "".join(line + "\n" for line in sorted(lines))


if __name__ == "__main__":
    from graphs.wikidata_live import main  # the live service's commands, kept apart from the graph

    sys.exit(main())
