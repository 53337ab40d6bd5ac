"""Wikidata family: multi-hop questions over real Wikidata facts, answered with SPARQL and entity tools.

`chain`: follow properties from an entity to the one entity they lead to. `set`: every instance of a
class whose property path reaches an anchor. `linked_fact`: two entities with given roles whose places
lie within a distance (and more conditions), shown by triples of the graph.
`python -m generators.wikidata [--snapshot FILE] [--endpoint URL]` uses another snapshot in graphs/data
(e.g. one `python -m graphs.wikidata build-snapshot` wrote), or refetches its items from a live service.
"""
from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from generators.base import MIXED, knobs_of, main, task_id
from graphs.wikidata import (
    DATA_DIR,
    DATES,
    SNAPSHOT_FILE,
    Endpoint,
    Snapshot,
    WikidataGraph,
    env_for_ntriples,
    env_for_snapshot,
    env_text,
    fetch_subgraph,
    haversine_km,
    link_holds,
    load_env,
    match,
    parse_point,
    rows_to_ntriples,
    short,
)
from tasks.task import Task

FAMILY = "wikidata"
KINDS = ("linked_fact", "chain", "set")
VERSION = 1
TOOLS = ["sparql", "search_entities", "get_entity", "distance_km"]
PROPERTIES = ["P31", "P19", "P20", "P569", "P570", "P61", "P184", "P185", "P108", "P166", "P27", "P17",
              "P131", "P106", "P26"]  # what a live graph is built from
CHAIN_PROPERTIES = ("P61", "P19", "P20", "P108", "P131", "P17", "P26", "P184", "P185", "P27")
SET_PROPERTIES = ("P61", "P19", "P20", "P108", "P131", "P17", "P26", "P27", "P166", "P106", "P184")
SET_CLASSES = ("Q5", "Q11344")  # human, chemical element
SET_SIZES = (2, 15)
DISTANCES_KM = (25, 50, 100, 200, 400, 800)
CHECK_COMMAND = "python -m graphs.wikidata verify-snapshot"

INTRO = """You are answering a question about a knowledge graph: a snapshot of Wikidata with {entities} \
entities (people, places, chemical elements, universities, awards, ...) named by their Wikidata ids \
(Q937 is Albert Einstein, P19 is "place of birth"). Answer according to this snapshot, not to your \
memory: it holds only some of Wikidata's facts. Tools: sparql (SELECT or ASK; the prefixes wd:, wdt:, \
rdfs:, skos: and xsd: are predefined; statements are wd:Q... wdt:P... objects, English names are \
rdfs:label and skos:altLabel, coordinates wdt:P625), search_entities, get_entity and distance_km.{budget}

"""
ASKS = {
    "chain": """Question: what is {chain}? In the snapshot each step has exactly one value.{candidates}

Submit {{"answer": "..."}}: the entity's id (e.g. Q90) or one of its English names. Graded: it must be \
that entity.""",
    "set": """Question: which instances of {cls} can reach {anchor} by following {path}? When a property \
has several values, any of them may continue the path.{candidates}

Submit {{"entities": ["...", ...]}}: ids (e.g. Q90) or unambiguous English names. Graded: exactly the \
set of such entities passes; the score is the F1 of precision and recall.""",
    "linked_fact": """Find two different entities a and b such that:
{conditions}

Submit {{"a": "...", "b": "...", "triples": [["subject", "property", "object"], ...]}}: a and b as ids \
(e.g. Q937) or unambiguous English names, and triples of the snapshot that show every condition: the \
statements that give a and b their roles and the places and dates each condition compares. Write \
entities and properties as ids (Q90, P19) and dates as YYYY-MM-DD. Graded: every claimed triple must \
be a statement of the snapshot, and the triples must show each condition. Distances are great-circle \
(haversine) distances between the places' coordinates in the snapshot, as distance_km computes them.""",
}
LINKS = {  # the conditions a linked_fact can put on its two entities
    "born_near": ({"kind": "distance", "triples": [["?a", "P19", "?pa"], ["?b", "P19", "?pb"]],
                   "between": ["?pa", "?pb"]},
                  "the places of birth (P19) of a and b are at most {km} km apart"),
    "born_first": ({"kind": "before", "triples": [["?a", "P569", "?da"], ["?b", "P569", "?db"]],
                    "earlier": "?da", "later": "?db"}, "a was born (date of birth, P569) before b"),
    "died_near": ({"kind": "distance", "triples": [["?a", "P20", "?qa"], ["?b", "P20", "?qb"]],
                   "between": ["?qa", "?qb"]},
                  "the places of death (P20) of a and b are at most {km} km apart"),
}
ROLES = {  # property -> how a role through it reads; P61 roles go through the discovery's class
    "P166": "received the award {anchor}", "P108": "was employed by {anchor}",
    "P106": "has the occupation {anchor}", "P27": "is a citizen of {anchor}",
    "P61": "discovered or invented an instance of {anchor}",
}

REVEALS = {kind: {"kind": "answer_visible"} for kind in KINDS}  # the tools show the whole graph by design
LADDERS = {
    "chain": [{"hops": 1, "distractors": 5}, {"hops": 2}, {"hops": 3}, {"hops": 4},
              {"hops": 4, "tool_budget": 6}],
    "set": [{"hops": 1, "distractors": 6}, {"hops": 1}, {"hops": 2}, {"hops": 3},
            {"hops": 3, "tool_budget": 8}],
    "linked_fact": [{"constraints": 1}, {"constraints": 2}, {"constraints": 3},
                    {"constraints": 3, "tool_budget": 12}],
}


@dataclass(frozen=True)
class Config:
    """Difficulty knobs of the wikidata family."""

    kind: str = MIXED
    hops: int = field(default=2, metadata={"help": "chain and set: properties on the path (1-4)"})
    constraints: int = field(default=1, metadata={"help": "linked_fact: conditions linking a and b (1-3)"})
    distractors: int = field(default=0, metadata={
        "help": "chain and set: wrong candidates listed with the right ones (0: no list; at most 30)"})
    tool_budget: int = field(default=0, metadata={"help": "tool calls allowed per episode (0: no limit)"})
    snapshot: str = field(default=SNAPSHOT_FILE, metadata={
        "help": "snapshot file in graphs/data (Turtle or N-Triples), e.g. one build-snapshot wrote"})
    endpoint: str = field(default="", metadata={
        "help": "SPARQL endpoint to build the graph from, e.g. https://query.wikidata.org/sparql "
                "(default: the embedded snapshot)"})

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        for name, value, low, high in [("hops", self.hops, 1, 4), ("constraints", self.constraints, 1, 3),
                                       ("distractors", self.distractors, 0, 30),
                                       ("tool_budget", self.tool_budget, 0, 10_000)]:
            if not low <= value <= high:
                raise ValueError(f"--{name.replace('_', '-')} must be in {low}..{high}, got {value}")
        if Path(self.snapshot).name != self.snapshot or not (DATA_DIR / self.snapshot).is_file():
            raise ValueError(f"--snapshot must name a file in graphs/data, got {self.snapshot!r}")
        if self.endpoint and not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(f"--endpoint must be an http(s) URL, got {self.endpoint!r}")


Origin = tuple[str, str]  # (snapshot file, endpoint URL or "")


def origin(config: Config) -> Origin:
    """Where a config's graph comes from."""
    return config.snapshot, config.endpoint


@lru_cache(maxsize=4)
def source(where: Origin) -> tuple[dict[str, Any], WikidataGraph]:
    """The task env and graph: a snapshot, or the snapshot's items refetched from an endpoint."""
    snapshot, endpoint = where
    env = env_for_snapshot(snapshot)
    if endpoint:
        seeds = sorted(q for q in load_env(env)[1].labels if q.startswith("Q"))
        env = env_for_ntriples(rows_to_ntriples(fetch_subgraph(Endpoint(endpoint), seeds, PROPERTIES)))
    return env, load_env(env)[1]


def _name(kg: WikidataGraph, entity: str) -> str:
    return f"{kg.labels.get(entity, entity)} ({entity})"


@lru_cache(maxsize=16)
def chains(where: Origin, hops: int) -> list[tuple[str, ...]]:
    """Every (start, p1, ..., pn) whose steps each have exactly one value, visiting no entity twice."""
    kg = source(where)[1]
    found: list[tuple[str, ...]] = []

    def walk(node: str, path: tuple[str, ...], seen: tuple[str, ...]) -> None:
        if len(path) == hops:
            found.append((seen[0], *path))
            return
        for p in CHAIN_PROPERTIES:
            values = kg.objects(node, p)
            if len(values) == 1 and values[0] not in seen:
                walk(values[0], (*path, p), (*seen, values[0]))

    for start in sorted(n for n in kg.graph if n.startswith("Q")):
        walk(start, (), (start,))
    return found


def follow(kg: WikidataGraph, starts: set[str], path: tuple[str, ...]) -> set[str]:
    """Everything reachable from starts along the path's properties."""
    for p in path:
        starts = {o for s in starts for o in kg.objects(s, p)}
    return starts


@lru_cache(maxsize=16)
def set_questions(where: Origin, hops: int) -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    """Every (class, path, anchor, members) with a size in SET_SIZES, leaving out some of the instances
    that have the path's first property."""
    kg = source(where)[1]
    found = []
    for cls in SET_CLASSES:
        instances = kg.subjects("P31", cls)
        reach: dict[tuple[tuple[str, ...], str], set[str]] = {}
        for x in instances:
            frontier: dict[tuple[str, ...], set[str]] = {(): {x}}
            for _ in range(hops):
                frontier = {(*path, p): ends for path, nodes in frontier.items() for p in SET_PROPERTIES
                            if (ends := follow(kg, nodes, (p,)))}
            for path, ends in frontier.items():
                for end in ends:
                    reach.setdefault((path, end), set()).add(x)
        for (path, anchor), members in sorted(reach.items()):
            starters = [x for x in instances if kg.objects(x, path[0])]  # the anchor must rule some out
            if SET_SIZES[0] <= len(members) <= min(SET_SIZES[1], len(starters) - 1):
                found.append((cls, path, anchor, tuple(sorted(members))))
    return found


Question = tuple[dict[str, str], dict[str, Any]]  # the prompt's fields, and the truth


def _candidates(kg: WikidataGraph, right: list[str], pool: list[str], count: int, rng: random.Random) -> str:
    if not count:
        return ""
    wrong = sorted(set(pool) - set(right))
    listed = sorted(right + rng.sample(wrong, min(count, len(wrong))))
    rng.shuffle(listed)
    return " The answer is among these candidates: " + "; ".join(_name(kg, e) for e in listed) + "."


def _chain(kg: WikidataGraph, config: Config, rng: random.Random) -> Question:
    options = chains(origin(config), config.hops)
    if not options:
        raise ValueError(f"no chain of --hops {config.hops} exists in this graph")
    start, *path = options[rng.randrange(len(options))]
    nodes = [start]
    for p in path:
        nodes += kg.objects(nodes[-1], p)
    phrase = _name(kg, start)
    for p in path:
        phrase = f"the {kg.labels.get(p, p)} ({p}) of {phrase}"
    pool = [o for _, o, k in kg.graph.edges(keys=True) if k == path[-1]]
    fields = {"chain": phrase, "candidates": _candidates(kg, [nodes[-1]], pool, config.distractors, rng)}
    truth = {"start": start, "path": path, "nodes": nodes, "answer": nodes[-1],
             "reference": {"answer": nodes[-1]}}
    return fields, truth


def _set(kg: WikidataGraph, config: Config, rng: random.Random) -> Question:
    options = set_questions(origin(config), config.hops)
    if not options:
        raise ValueError(f"no set question of --hops {config.hops} exists in this graph")
    cls, path, anchor, members = options[rng.randrange(len(options))]
    fields = {"cls": _name(kg, cls), "anchor": _name(kg, anchor),
              "path": ", then ".join(f"{kg.labels.get(p, p)} ({p})" for p in path),
              "candidates": _candidates(kg, list(members), kg.subjects("P31", cls), config.distractors, rng)}
    truth = {"class": cls, "path": list(path), "anchor": anchor, "members": list(members),
             "reference": {"entities": list(members)}}
    return fields, truth


def roles(kg: WikidataGraph) -> list[tuple[str, list[list[str]], list[str]]]:
    """Every role a linked_fact can ask for: (text, patterns on ?x, sorted people who have it)."""
    found = []
    for p in sorted(ROLES):
        anchors = sorted({o for _, o, k in kg.graph.edges(keys=True) if k == p})
        if p == "P61":  # "discovered an element": the role is the class of the discovery
            anchors = sorted({c for d in kg.graph for c in kg.objects(d, "P31") if kg.objects(d, "P61")})
        for anchor in anchors:
            if p == "P61":
                patterns = [["?d_x", "P61", "?x"], ["?d_x", "P31", anchor]]
                people = {x for d in kg.subjects("P31", anchor) for x in kg.objects(d, "P61")}
            else:
                patterns, people = [["?x", p, anchor]], set(kg.subjects(p, anchor))
            if len(people) >= 2:
                found.append((ROLES[p].format(anchor=_name(kg, anchor)), patterns, sorted(people)))
    return found


def _bind(patterns: list[list[str]], who: str) -> list[list[str]]:
    """A role's patterns for a or b: ?x becomes ?a, and its helper ?d_x becomes ?d_a."""
    names = {"?x": f"?{who}", "?d_x": f"?d_{who}"}
    return [[names.get(t, t) for t in triple] for triple in patterns]


def _linked_fact(kg: WikidataGraph, config: Config, rng: random.Random) -> Question:
    menu = roles(kg)
    for _ in range(300):
        (text_a, pat_a, xs_a), (text_b, pat_b, xs_b) = rng.sample(menu, 2)
        names = ["born_near", *sorted(rng.sample(["born_first", "died_near"], config.constraints - 1))]
        for km in DISTANCES_KM:
            links = [{**LINKS[n][0], "max_km": km} if LINKS[n][0]["kind"] == "distance" else LINKS[n][0]
                     for n in names]
            pairs = [(a, b) for a in xs_a for b in xs_b if a != b and _witness(kg, links, a, b)]
            if pairs:
                break
        if not pairs:
            continue
        a, b = pairs[rng.randrange(len(pairs))]
        spec = {"roles": {"a": _bind(pat_a, "a"), "b": _bind(pat_b, "b")}, "links": links}
        triples = _witness(kg, links, a, b) + _roles_shown(kg, spec, a, b)
        conditions = [f"a {text_a};", f"b {text_b};"] + [LINKS[n][1].format(km=km) + ";" for n in names]
        fields = {"conditions": "\n".join("- " + c for c in conditions)[:-1] + "."}
        reference = {"a": a, "b": b, "triples": sorted(triples)}
        return fields, {"spec": spec, "pairs": [list(p) for p in pairs], "reference": reference}
    raise ValueError(f"no linked_fact question with --constraints {config.constraints} found in this graph")


def _roles_shown(kg: WikidataGraph, spec: dict[str, Any], a: str, b: str) -> list[list[str]]:
    """Triples showing that a and b have their roles."""
    return [t for r, who in (("a", a), ("b", b)) for t in _instantiate(kg, spec["roles"][r], {f"?{r}": who})]


def _instantiate(kg: WikidataGraph, patterns: list[list[str]], binding: dict[str, str]) -> list[list[str]]:
    found = next(match(patterns, kg.statements, binding))
    return [[found.get(t, t) for t in triple] for triple in patterns]


def _values(kg: WikidataGraph, entity: str, p: str) -> list[str]:
    if p in DATES:
        return [kg.dates[(entity, p)]] if (entity, p) in kg.dates else []
    return kg.objects(entity, p)


def _witness(kg: WikidataGraph, links: list[dict[str, Any]], a: str, b: str) -> list[list[str]]:
    """Triples showing every link between a and b (empty when some link fails)."""
    triples = []
    for link in links:
        (_, p, va), (_, _, vb) = link["triples"]
        shown = next(([[a, p, x], [b, p, y]] for x in _values(kg, a, p) for y in _values(kg, b, p)
                      if link_holds(kg, link, {va: x, vb: y})), None)
        if shown is None:
            return []
        triples += shown
    return triples


BUILDERS = {"chain": _chain, "set": _set, "linked_fact": _linked_fact}
SCHEMAS = {
    "chain": {"answer": {"type": "string"}},
    "set": {"entities": {"type": "array", "items": {"type": "string"}, "maxItems": 500}},
    "linked_fact": {"a": {"type": "string"}, "b": {"type": "string"},
                    "triples": {"type": "array", "maxItems": 100, "items": {
                        "type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}}},
}


def generate(config: Config, seed: int, index: int) -> Task:
    """One task of config.kind; the same arguments give the same task under any PYTHONHASHSEED."""
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    env, kg = source(origin(config))
    fields, truth = BUILDERS[config.kind](kg, config, rng)
    budget = f" You may make at most {config.tool_budget} tool calls." if config.tool_budget else ""
    prompt = INTRO.format(entities=len(kg.labels), budget=budget) + ASKS[config.kind].format(**fields)
    env = {**env, **({"calls_left": config.tool_budget} if config.tool_budget else {})}
    curated = config.snapshot == SNAPSHOT_FILE
    provenance = {"source": f"graphs/data/{config.snapshot}" + (", curated from memory" if curated else ""),
                  "verified": False, "check": f"{CHECK_COMMAND} --snapshot graphs/data/{config.snapshot}"}
    if config.endpoint:
        provenance = {"source": f"live SPARQL endpoint {config.endpoint}", "verified": True}
    return Task(
        id=task_id(FAMILY, config, seed, index), family=f"{FAMILY}.{config.kind}", prompt=prompt, tools=TOOLS,
        answer_schema={"type": "object", "properties": SCHEMAS[config.kind],
                       "required": sorted(SCHEMAS[config.kind]), "additionalProperties": False},
        env=env, truth=truth, grader=f"{FAMILY}.{config.kind}",
        meta={"seed": seed, "index": index, "version": VERSION, "knobs": knobs_of(config),
              "provenance": {**provenance, "licence": "CC0 (Wikidata)"}},
    )


def _kind(task: Task) -> str:
    return task.family.split(".", 1)[1]


def _pick(items: list[Any], rng: Any) -> Any:
    return items[int(rng.random() * len(items))]


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: one hop instead of the whole chain, every instance having the first property,
    or the first people with each role, whatever their distance."""
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind == "chain":
        return {"answer": truth["nodes"][1]}
    if kind == "set":
        first = truth["path"][0]
        return {"entities": [x for x in kg.subjects("P31", truth["class"]) if kg.objects(x, first)]}
    spec = truth["spec"]
    a, b = (next(match(spec["roles"][r], kg.statements, {}))[f"?{r}"] for r in ("a", "b"))
    births = [[x, "P19", o] for x in (a, b) for o in kg.objects(x, "P19")]
    return {"a": a, "b": b, "triples": _roles_shown(kg, spec, a, b) + births}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: a random entity, a random subset of the class, two random people."""
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind == "chain":
        return {"answer": _pick(sorted(kg.graph), rng)}
    if kind == "set":
        return {"entities": [x for x in kg.subjects("P31", truth["class"]) if rng.random() < 0.2]}
    people = kg.subjects("P31", "Q5")
    a, b = _pick(people, rng), _pick(people, rng)
    return {"a": a, "b": b, "triples": [[x, "P19", o] for x in (a, b) for o in kg.objects(x, "P19")]}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every tool on the entities the question names and on random ones."""
    kg, truth = load_env(task.env)[1], task.truth
    named = sorted({e for e in kg.labels if f"({e})" in task.prompt})
    places = sorted(kg.coords)
    calls: list[tuple[str, dict[str, Any]]] = [("search_entities", {"text": "Curie"})]
    for entity in named[:3] + [_pick(sorted(kg.graph), rng)]:
        calls += [("search_entities", {"text": kg.labels[entity]}), ("get_entity", {"entity_id": entity}),
                  ("sparql", {"query": f"SELECT ?p ?o WHERE {{ wd:{entity} ?p ?o }} LIMIT 20"})]
    calls += [("sparql", {"query": f"ASK {{ wd:{truth.get('start', 'Q937')} wdt:P31 wd:Q5 }}"}),
              ("distance_km", {"a": _pick(places, rng), "b": _pick(places, rng)})]
    return calls


_SECOND: dict[str, Snapshot] = {}


def _second_engine(env: dict[str, Any]) -> Snapshot:
    """rdflib over the task's graph: answers found by SPARQL, apart from the generator's graph walks."""
    if env["sha256"] not in _SECOND:
        _SECOND[env["sha256"]] = Snapshot(*env_text(env), engine="rdflib")
    return _SECOND[env["sha256"]]


def _sparql_term(term: str, position: int) -> str:
    if term.startswith("?"):
        return term
    return f"wdt:{term}" if position == 1 else f"wd:{term}"


def _where(patterns: list[list[str]]) -> str:
    return " ".join(" ".join(_sparql_term(t, i) for i, t in enumerate(triple)) + " ." for triple in patterns)


def _unique_names(store: Snapshot) -> dict[str, str]:
    """Entity -> its label, for labels that name no other entity (as label or alias)."""
    rows = store.select("SELECT ?e ?n WHERE { { ?e rdfs:label ?n } UNION { ?e skos:altLabel ?n } }")
    owners: dict[str, set[str]] = {}
    for r in rows:
        owners.setdefault(" ".join(str(r["n"]).casefold().split()), set()).add(short(r["e"]))
    labels = store.select("SELECT ?e ?n WHERE { ?e rdfs:label ?n }")
    return {short(r["e"]): str(r["n"]) for r in labels
            if owners[" ".join(str(r["n"]).casefold().split())] == {short(r["e"])}}


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer (up to 60 for linked_fact), found with SPARQL on rdflib, in several spellings."""
    store, truth, kind = _second_engine(task.env), task.truth, _kind(task)
    names = _unique_names(store)
    if kind == "chain":
        path = [[f"?v{i}", p, f"?v{i + 1}"] for i, p in enumerate(truth["path"])]
        rows = store.select(f"SELECT DISTINCT ?end WHERE {{ VALUES ?v0 {{ wd:{truth['start']} }} "
                            f"{_where(path)} BIND(?v{len(path)} AS ?end) }}")
        ends = sorted({short(r["end"]) for r in rows})
        answers = []
        for e in ends:
            rows = store.select(f"SELECT ?n WHERE {{ {{ wd:{e} rdfs:label ?n }} UNION "
                                f"{{ wd:{e} skos:altLabel ?n }} }}")
            own = [str(r["n"]) for r in rows]
            answers += [{"answer": x} for x in [e, f"wd:{e}", e.lower(), *own, *map(str.upper, own)]]
        return answers
    if kind == "set":
        path = [[f"?v{i}", p, f"?v{i + 1}"] for i, p in enumerate(truth["path"])]
        path[-1][2] = truth["anchor"]
        rows = store.select(f"SELECT DISTINCT ?v0 WHERE {{ ?v0 wdt:P31 wd:{truth['class']} . "
                            f"{_where(path)} }}")
        members = sorted(short(r["v0"]) for r in rows)
        answers = [{"entities": members}, {"entities": members[::-1]}]
        if all(m in names for m in members):
            answers.append({"entities": [names[m] for m in members]})
        return answers
    spec = truth["spec"]
    patterns = spec["roles"]["a"] + spec["roles"]["b"]
    patterns += [t for link in spec["links"] for t in link["triples"]]
    places = sorted({v for link in spec["links"] if link["kind"] == "distance" for v in link["between"]})
    coords = " ".join(f"{v} wdt:P625 ?c_{v[1:]} ." for v in places)
    rows = store.select(f"SELECT DISTINCT * WHERE {{ {_where(patterns)} {coords} FILTER(?a != ?b) }}")
    answers = []
    for r in rows:
        binding = {f"?{k}": short(v)[:10] if "T00:00:00" in str(v) else short(v) for k, v in r.items()}
        if all(_second_check(link, binding) for link in spec["links"]):
            triples = sorted({tuple(binding.get(t, t) for t in triple) for triple in patterns})
            answers.append({"a": binding["?a"], "b": binding["?b"], "triples": [list(t) for t in triples]})
    answers = sorted(answers, key=lambda x: json.dumps(x))[:60]
    first = answers[0] if answers else None
    if first and first["a"] in names and first["b"] in names:
        answers.append({**first, "a": names[first["a"]], "b": names[first["b"]]})
    return answers


def _second_check(link: dict[str, Any], binding: dict[str, str]) -> bool:
    if link["kind"] == "distance":
        here, there = (parse_point(binding[f"?c_{v[1:]}"]) for v in link["between"])
        return here is not None and there is not None and haversine_km(here, there) <= link["max_km"]
    return binding[link["earlier"]] < binding[link["later"]]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Corruptions that must fail: a node short of the end or a sibling; a member dropped, added or
    doubled; a triple reversed or on the wrong property, a support dropped, a partner too far away."""
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind == "chain":
        siblings = [o for _, o, k in kg.graph.edges(keys=True)
                    if k == truth["path"][-1] and o != truth["answer"]]
        return [{"answer": n} for n in truth["nodes"][:-1] + sorted(set(siblings))[:1]]
    if kind == "set":
        members = truth["members"]
        outsider = next(x for x in kg.subjects("P31", truth["class"]) if x not in members)
        return [{"entities": members[:-1]}, {"entities": [*members, outsider]},
                {"entities": [*members, members[0]]}, {"entities": []}]
    ref, spec = truth["reference"], truth["spec"]
    out = [{**ref, "b": ref["a"]}]
    triples = ref["triples"]
    for i, (s, p, o) in enumerate(triples):
        others = triples[:i] + triples[i + 1:]
        if p not in DATES and not kg.holds(o, p, s):
            out.append({**ref, "triples": [*others, [o, p, s]]})
        if p == "P19" and not kg.holds(s, "P20", o):
            out.append({**ref, "triples": [*others, [s, "P20", o]]})
        if p == "P19" and s == ref["b"]:
            out.append({**ref, "triples": others})
    far = [b for b in kg.subjects(*spec["roles"]["b"][-1][1:]) if b != ref["a"] and kg.objects(b, "P19")
           and not _witness(kg, spec["links"], ref["a"], b)] if len(spec["roles"]["b"]) == 1 else []
    for b in far[:1]:
        role = _instantiate(kg, spec["roles"]["b"], {"?b": b})
        mine = [t for t in triples if t[0] != ref["b"]]
        out.append({"a": ref["a"], "b": b, "triples": mine + role + [[b, "P19", kg.objects(b, "P19")[0]]]})
    return out


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
