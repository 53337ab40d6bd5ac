"""Tools of the wikidata family over the task's graph: SPARQL (SELECT and ASK only, a row limit and a
time limit), entity search and lookup, and great-circle distances. A tool-call budget
(`env["calls_left"]`) is counted by the registry."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphs.wikidata import (
    DATES,
    QUANTITIES,
    WD,
    WDT,
    IsolatedStore,
    QueryError,
    WikidataGraph,
    as_id,
    haversine_km,
    load_env,
    normalize,
)
from tools.registry import ToolError, tool

ROW_LIMIT = 50
TIMEOUT_S = 5.0
SEARCH_LIMIT = 20
INCOMING_LIMIT = 40
PAIR_LIMIT = 50  # distance_km pairs per call
# Idle SPARQL worker processes per graph, kept for the whole run. A query takes one of its own (starting
# one when none is idle), so a query running to its time limit never delays another trial's.
_IDLE: dict[str, list[IsolatedStore]] = {}
_IDLE_LOCK = threading.Lock()


@contextmanager
def _worker(graph: dict[str, Any]) -> Iterator[IsolatedStore]:
    with _IDLE_LOCK:
        idle = _IDLE.setdefault(graph["sha256"], [])
        store = idle.pop() if idle else IsolatedStore(graph)
    try:
        yield store
    finally:
        with _IDLE_LOCK:
            idle.append(store)


def _graph(env: dict[str, Any]) -> WikidataGraph:
    try:
        return load_env(env)[1]
    except ValueError as e:
        raise ToolError(f"the task's graph cannot be loaded: {e}") from None


def _entity(kg: WikidataGraph, text: str) -> str:
    entity = as_id(text)
    if entity not in kg.labels:
        raise ToolError(f"unknown entity {text!r}; find ids with search_entities")
    return entity


def _show(kg: WikidataGraph, term: Any) -> str:
    text = str(term)
    for prefix, ns in (("wd:", WD), ("wdt:", WDT)):
        if text.startswith(ns):
            entity = text[len(ns):]
            return f"{prefix}{entity}" + (f" ({kg.labels[entity]})" if entity in kg.labels else "")
    return text


@tool
def sparql(env: dict, query: str) -> str:
    """Run a SPARQL SELECT or ASK query on the Wikidata snapshot.

    The prefixes wd:, wdt:, rdfs:, skos: and xsd: are predefined. Statements look like
    `wd:Q937 wdt:P19 wd:Q3012`; English names are rdfs:label and skos:altLabel; coordinates are
    wdt:P625 literals "Point(lon lat)"; dates (wdt:P569, wdt:P570) are xsd:dateTime. At most 50 rows
    come back and a query may run 5 seconds; CONSTRUCT, DESCRIBE and updates are refused.

    Args:
        query: the SPARQL query text.

    Returns:
        For ASK, true or false. For SELECT, a line of variable names, then one line per row with the
        values separated by " | " (entities as wd:Q... with their label).
    """
    kg = _graph(env)
    graph = {k: env[k] for k in ("snapshot", "ntriples_gz", "sha256") if k in env}
    try:
        with _worker(graph) as store:
            result = store.run(query, ROW_LIMIT, TIMEOUT_S)
    except QueryError as e:
        raise ToolError(str(e)) from None
    if isinstance(result, bool):
        return "true" if result else "false"
    if not result:
        return "No rows."
    names = sorted({k for row in result for k in row})
    lines = [" | ".join(f"?{n}" for n in names)]
    lines += [" | ".join(_show(kg, row[n]) if n in row else "" for n in names) for row in result[:ROW_LIMIT]]
    if len(result) > ROW_LIMIT:
        lines.append(f"[more than {ROW_LIMIT} rows; add constraints, LIMIT or OFFSET to see others]")
    return "\n".join(lines)


@tool
def search_entities(env: dict, text: str) -> str:
    """Find entities whose English label or alias contains a text (case-insensitive), or with that id.

    Args:
        text: part of a name, e.g. "curie", or an id such as Q7186.

    Returns:
        Up to 20 lines `Q7186: Marie Curie (also: ...) — instance of: human`, exact names first; pass
        the ids to get_entity.
    """
    kg = _graph(env)
    needle = normalize(text)
    if len(needle) < 2:
        raise ToolError("give at least 2 characters to search for")
    ranked = []
    for entity in kg.labels:
        names = [normalize(n) for n in kg.names(entity)]
        if as_id(text) == entity or needle in names:
            ranked.append((0, entity))
        elif any(n.startswith(needle) for n in names):
            ranked.append((1, entity))
        elif any(needle in n for n in names):
            ranked.append((2, entity))
    ranked.sort(key=lambda r: (r[0], r[1][0], int(r[1][1:])))
    if not ranked:
        return "No matches found."
    lines = []
    for _, entity in ranked[:SEARCH_LIMIT]:
        also = f" (also: {', '.join(kg.aliases[entity])})" if kg.aliases.get(entity) else ""
        kinds = ", ".join(kg.labels.get(c, c) for c in kg.objects(entity, "P31"))
        lines.append(f"{entity}: {kg.labels[entity]}{also}" + (f" — instance of: {kinds}" if kinds else ""))
    if len(ranked) > SEARCH_LIMIT:
        lines.append(f"[{len(ranked) - SEARCH_LIMIT} more; search for a longer text]")
    return "\n".join(lines)


@tool
def get_entity(env: dict, entity_id: str, inbound_from: int = 0) -> str:
    """Show an entity: its names, its statements, and the statements that point to it.

    Args:
        entity_id: a Wikidata id such as Q7186 (or P19 for a property); search_entities finds ids.
        inbound_from: skip this many of the statements that name the entity (they are listed 40 at a
            time, sorted by property and subject); 40 shows the next 40.

    Returns:
        The label and aliases, then one line per statement `P19 place of birth: Q270 (Warsaw)`, dates
        and coordinates included, then up to 40 statements of other entities that name this one.
    """
    kg = _graph(env)
    entity = _entity(kg, entity_id)
    lines = [f"{entity}: {kg.labels[entity]}"]
    if kg.aliases.get(entity):
        lines.append("also known as: " + ", ".join(kg.aliases[entity]))
    known = entity in kg.graph
    out = sorted((k, o) for _, o, k in kg.graph.out_edges(entity, keys=True)) if known else []
    facts = [f"  {p} {kg.labels.get(p, p)}: {o} ({kg.labels.get(o, o)})" for p, o in out]
    facts += [f"  {p} {kg.labels.get(p, p)}: {kg.dates[(entity, p)]}"
              for p in DATES if (entity, p) in kg.dates]
    facts += [f"  {p} {kg.labels.get(p, p)}: {kg.quantities[(entity, p)]}"
              for p in QUANTITIES if (entity, p) in kg.quantities]
    if entity in kg.coords:
        facts.append(f"  P625 {kg.labels.get('P625', 'coordinate location')}: "
                     f"latitude {kg.coords[entity][0]}, longitude {kg.coords[entity][1]}")
    lines += ["statements:", *facts] if facts else ["statements: none"]
    incoming = sorted((k, s) for s, _, k in kg.graph.in_edges(entity, keys=True)) if known else []
    if not isinstance(inbound_from, int) or inbound_from < 0:
        raise ToolError(f"inbound_from must be a whole number >= 0, got {inbound_from!r}")
    if incoming:
        # paged, so that every statement naming an entity can be read without sparql (--no-sparql)
        shown = incoming[inbound_from:inbound_from + INCOMING_LIMIT]
        lines.append(f"named by ({inbound_from + 1}-{inbound_from + len(shown)} of {len(incoming)}):"
                     if shown else f"named by: {len(incoming)} statements, none from {inbound_from}")
        lines += [f"  {s} ({kg.labels.get(s, s)}) {p} {kg.labels.get(p, p)}" for p, s in shown]
        if len(incoming) > inbound_from + INCOMING_LIMIT:
            lines.append(f"  [{len(incoming) - inbound_from - INCOMING_LIMIT} more; call get_entity again "
                         f"with inbound_from={inbound_from + INCOMING_LIMIT}]")
    return "\n".join(lines)


@tool
def distance_km(env: dict, pairs: list[list[str]]) -> str:
    """Great-circle (haversine) distances between pairs of entities that have coordinates (P625).

    Args:
        pairs: up to 50 pairs of ids, e.g. [["Q90", "Q84"], ["Q90", "Q64"]] (places: people have no
            coordinates of their own).

    Returns:
        One line per pair, in the order given: the distance in kilometres, rounded to 0.1 km, with both
        entities named; a pair that cannot be measured gets a line saying why.
    """
    kg = _graph(env)
    if not pairs or len(pairs) > PAIR_LIMIT:
        raise ToolError(f"give between 1 and {PAIR_LIMIT} pairs, got {len(pairs)}")
    return "\n".join(_distance(kg, pair) for pair in pairs)


def _distance(kg: WikidataGraph, pair: list[str]) -> str:
    if len(pair) != 2:
        return f"{pair}: a pair must hold exactly two ids"
    ends = [as_id(x) for x in pair]
    for text, entity in zip(pair, ends, strict=True):
        if entity not in kg.labels:
            return f"unknown entity {text!r}; find ids with search_entities"
        if entity not in kg.coords:
            return (f"{entity} ({kg.labels[entity]}) has no coordinates (P625); places have them, "
                    "e.g. a person's place of birth (P19)")
    km = haversine_km(kg.coords[ends[0]], kg.coords[ends[1]])
    return f"{km:.1f} km between {kg.describe(ends[0])} and {kg.describe(ends[1])}"
