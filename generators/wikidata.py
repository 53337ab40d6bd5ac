"""Wikidata family: multi-hop questions over real Wikidata facts, answered with SPARQL and entity tools.

`chain`: follow properties from an entity to the one entity they lead to. `set`: every instance of a
class whose property path reaches an anchor. `linked_fact`: two entities with given roles whose places
lie within a distance (and more conditions), shown by triples of the graph. `superlative`, `premise`,
`count` and `fact` (generators.wikidata_puzzles): an optimal pair, a question whose premise may be
false, a count with a negation, two people linked by several conditions and no statement.
`python -m generators.wikidata [--snapshot FILE] [--endpoint URL]` uses another snapshot in graphs/data
(e.g. one `python -m graphs.wikidata build-snapshot` wrote), or refetches its items from a live service.
"""
from __future__ import annotations

import functools
import random
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from generators import tool_kind
from generators import wikidata_premise
from generators import wikidata_puzzles as puzzles
from generators.base import MIXED, knobs_of, main, task_id
from generators.wikidata_checks import baseline, enumerate_answers, mutants, probe_calls, random_answer
from graphs.wikidata import (
    ALL_TRIPLES,
    CURATED,
    DATA_DIR,
    WikidataGraph,
    env_for_ntriples,
    env_for_snapshot,
    first_with_roles,
    load_env,
    roles_shown,
    rows_to_ntriples,
    witness,
)
from graphs.wikidata_anonymize import anonymize
from graphs.wikidata_live import Endpoint, fetch_subgraph
from tasks.task import Task

FAMILY = "wikidata"
KINDS = ("linked_fact", "chain", "set", "superlative", "premise", "count", "fact", tool_kind.KIND)
# 9: a false premise's answer names the entity its failing step is read from; a sample of single chains
# takes the outcomes in turn, as the branching ones do, and neither repeats a reference answer
VERSION = 9  # 8: a branching premise's budget counts every branch to its end (tells no failure); 7: premise branches (an `each` step, judged on every branch, budget = pages + 1); count budget 2;
# made-up ids under --anonymize
# 6: count: a call budget, sparql, hasty queries told apart; premise: 3-5 steps, a budget; fact: two hops
TOOLS = ["sparql", "search_entities", "get_entity", "distance_km"]
PROPERTIES = ["P31", "P19", "P20", "P569", "P570", "P61", "P184", "P185", "P108", "P166", "P27", "P17",
              "P131", "P106", "P26", "P551", "P69", "P737", "P138", "P800", "P170", "P195", "P50", "P571",
              "P575", "P1086", "P84", "P1029"]  # what a live graph is built from
CHAIN_PROPERTIES = ("P61", "P19", "P20", "P108", "P131", "P17", "P26", "P184", "P185", "P27", "P551")
SET_PROPERTIES = ("P61", "P19", "P20", "P108", "P131", "P17", "P26", "P27", "P166", "P106", "P184", "P551")
SET_CLASSES = ("Q5", "Q11344")  # human, chemical element
SET_SIZES = (2, 15)
DISTANCES_KM = (25, 50, 100, 200, 400, 800)
CHECK_COMMAND = "python -m graphs.wikidata verify-snapshot"
SPARQL_TEXT = ("sparql (SELECT or ASK; the prefixes wd:, wdt:, rdfs:, skos: and xsd: are predefined; "
               "statements are wd:Q... wdt:P... objects, English names are rdfs:label and skos:altLabel, "
               "coordinates wdt:P625), ")

INTRO = """You are answering a question about a knowledge graph: a snapshot of Wikidata with {entities} \
entities (people, places, chemical elements, universities, awards, ...) named by their Wikidata ids \
({example}, P19 is "place of birth"). Answer according to this snapshot, not to your \
memory: it holds only some of Wikidata's facts.{pseudonyms} Tools: {tools}.{budget}

"""
ASKS = {
    "chain": """Question: what is {chain}? In the snapshot each step has exactly one value.{candidates}

Submit {{"answer": "..."}}: the entity's id (e.g. {example}) or one of its English names. Graded: it must be \
that entity.""",
    "set": """Question: which instances of {cls} can reach {anchor} by following {path}? When a property \
has several values, any of them may continue the path.{candidates}

Submit {{"entities": ["...", ...]}}: ids (e.g. {example}) or unambiguous English names. Graded: exactly the \
set of such entities passes; the score is the F1 of precision and recall.""",
    "linked_fact": """Find two different entities a and b such that:
{conditions}

Submit {{"a": "...", "b": "...", "triples": [["subject", "property", "object"], ...]}}: a and b as ids \
(e.g. {example}) or unambiguous English names, and triples of the snapshot that show every condition: the \
statements that give a and b their roles and the places and dates each condition compares. Write \
entities and properties as ids ({example}, P19) and dates as YYYY-MM-DD. Graded: every claimed triple must \
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
    "P61": "discovered or invented an instance of {anchor}", "P69": "was educated at {anchor}",
}

# The family protocol (generators.base); the hooks for scripted agents and tasks.check are in wikidata_checks.
__all__ = ["FAMILY", "KINDS", "Config", "generate", "LADDERS", "REVEALS", "baseline", "random_answer",
           "probe_calls", "enumerate_answers", "mutants"]
REVEALS = {kind: {"kind": "answer_visible"} for kind in KINDS}  # the tools show the whole graph by design
_SPARQL = {"sparql": True}
LADDERS = {  # easy to hard; the rungs without sparql hold the defaults (no sparql: every join is the model's)
    "chain": [{"hops": 1, "distractors": 5, **_SPARQL}, {"hops": 2, **_SPARQL}, {"hops": 3, **_SPARQL},
              {"hops": 4, **_SPARQL}, {"hops": 4, "tool_budget": 6, **_SPARQL}, {"hops": 3}, {"hops": 4}],
    "set": [{"hops": 1, "distractors": 6, **_SPARQL}, {"hops": 1, **_SPARQL}, {"hops": 2, **_SPARQL},
            {"hops": 3, **_SPARQL}, {"hops": 3, "tool_budget": 8, **_SPARQL}, {"hops": 3}],
    "linked_fact": [{"constraints": 1, **_SPARQL}, {"constraints": 2, **_SPARQL},
                    {"constraints": 3, **_SPARQL}, {"constraints": 3, "tool_budget": 12, **_SPARQL},
                    {"constraints": 1}, {"constraints": 3}],
    "superlative": [{"pairs": 0, **_SPARQL}, {"pairs": 20, **_SPARQL}, {"pairs": 40, **_SPARQL},
                    {"pairs": 80, **_SPARQL}, {"pairs": 40}, {"pairs": 80}, {"pairs": 120},
                    {"pairs": 120, "tool_budget": 40}, {"pairs": 160, "tool_budget": 30}],
    "premise": [{"hops": 1, "longer": 0, "slack": -1, "branch": 0, **_SPARQL},
                {"hops": 2, "longer": 0, "slack": -1, "branch": 0, **_SPARQL},
                {"hops": 3, "longer": 0, "slack": -1, "branch": 0, **_SPARQL},
                {"hops": 3, "longer": 0, "slack": -1, "branch": 0}, {"hops": 3, "branch": 0},
                {"hops": 3, "longer": 0, "slack": -1}, {}, {"hops": 4, "longer": 1, "slack": 0}],
    "count": [{"members": 3, "calls": 0, **_SPARQL}, {"members": 8, "calls": 0, **_SPARQL}, {"members": 3, "calls": 0},
              {"members": 8, "calls": 0}, {"members": 8, "calls": 10}, {"members": 8}, {"members": 15, "calls": 4}],
    "fact": [{"links": 1, "loose": 4, **_SPARQL}, {"links": 2, "loose": 2, **_SPARQL},
             {"links": 3, "loose": 1, **_SPARQL}, {"links": 3, **_SPARQL}, {"links": 4, **_SPARQL},
             {"links": 4, "tool_budget": 20, **_SPARQL}, {"links": 4}],
    tool_kind.KIND: tool_kind.LADDER,
}


@dataclass(frozen=True)
class Config(tool_kind.ToolKnobs):
    """Difficulty knobs of the wikidata family."""

    kind: str = MIXED
    hops: int = field(default=3, metadata={
        "help": "chain, set and premise: properties on the path (1-5; premise: the fewest)"})
    longer: int = field(default=2, metadata={
        "help": "premise: a task's chain has hops to hops+longer properties, at most 5 (0-4)"})
    branch: int = field(default=1, metadata={
        "help": "premise: 1: one step reads every value (\"each P of\") and the premise is judged on every "
                "branch; 0: every step must have one value (0-1)"})
    slack: int = field(default=1, metadata={
        "help": "premise: tool calls allowed beyond one get_entity per step of the chain (-1: no limit)"})
    constraints: int = field(default=1, metadata={"help": "linked_fact: conditions linking a and b (1-3)"})
    links: int = field(default=4, metadata={
        "help": "fact: conditions of different types linking a and b (1-4)"})
    loose: int = field(default=0, metadata={
        "help": "fact: distance and date limits this many levels looser than the tightest with a witness (0-4)"})
    pairs: int = field(default=120, metadata={
        "help": "superlative: fewest candidate pairs with a value the optimum is taken over (0-200)"})
    members: int = field(default=8, metadata={
        "help": "count: fewest entities meeting the condition before its negation removes some (3-50)"})
    distractors: int = field(default=0, metadata={
        "help": "chain and set: wrong candidates listed with the right ones (0: no list; at most 30)"})
    calls: int = field(default=2, metadata={  # 2: the one right query, and one more (round 3: 5 never bound)
        "help": "count: tool calls allowed, with sparql offered; questions whose candidates need more get_entity "
                "calls than that and whose hasty SPARQL renderings differ (0: no limit, sparql as --sparql says)"})
    tool_budget: int = field(default=0, metadata={"help": "tool calls allowed per episode (0: no limit)"})
    snapshot: str = field(default=CURATED, metadata={
        "help": f"snapshot file in graphs/data (Turtle or N-Triples), e.g. one build-snapshot wrote "
                f"(default {CURATED}: every curated file, as one graph)"})
    sparql: bool = field(default=False, metadata={
        "help": "offer the sparql tool (--sparql); without it (the default) every join, count and comparison "
                "is the model's own work over get_entity's pages (default False)"})
    anonymize: bool = field(default=False, metadata={
        "help": "replace every item's name by a stable pseudonym (classes and properties keep theirs), so "
                "that memory of the real world cannot answer"})
    endpoint: str = field(default="", metadata={
        "help": "SPARQL endpoint to build the graph from, e.g. https://query.wikidata.org/sparql "
                "(default: the embedded snapshot)"})

    def mixed_kinds(self) -> tuple[str, ...]:
        """Every kind but tool, whose grading runs code on hidden instances: mixed files stay as they were."""
        return tuple(k for k in KINDS if k != tool_kind.KIND)

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        tool_kind.validate_knobs(self, FAMILY)
        for name, value, low, high in [("hops", self.hops, 1, 5), ("longer", self.longer, 0, 4), ("branch", self.branch, 0, 1),
                                       ("slack", self.slack, -1, 20), ("constraints", self.constraints, 1, 3),
                                       ("links", self.links, 1, 4), ("loose", self.loose, 0, 4),
                                       ("pairs", self.pairs, 0, 200), ("members", self.members, 3, 50),
                                       ("distractors", self.distractors, 0, 30), ("calls", self.calls, 0, 50),
                                       ("tool_budget", self.tool_budget, 0, 10_000)]:
            if not low <= value <= high:
                raise ValueError(f"--{name.replace('_', '-')} must be in {low}..{high}, got {value}")
        if self.snapshot != CURATED and (Path(self.snapshot).name != self.snapshot
                                         or not (DATA_DIR / self.snapshot).is_file()):
            raise ValueError(f"--snapshot must name a file in graphs/data, got {self.snapshot!r}")
        if self.endpoint and not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(f"--endpoint must be an http(s) URL, got {self.endpoint!r}")


Origin = tuple[str, str, bool]  # (snapshot file, endpoint URL or "", anonymized)


def origin(config: Config) -> Origin:
    """Where a config's graph comes from."""
    return config.snapshot, config.endpoint, config.anonymize


@lru_cache(maxsize=4)
def source(where: Origin) -> tuple[dict[str, Any], WikidataGraph]:
    """The task env and graph: a snapshot, or the snapshot's items refetched from an endpoint; with
    pseudonyms for names when anonymized (the triples then travel inline)."""
    snapshot, endpoint, anonymized = where
    env = env_for_snapshot(snapshot)
    if endpoint:
        seeds = sorted(q for q in load_env(env)[1].labels if q.startswith("Q"))
        env = env_for_ntriples(rows_to_ntriples(fetch_subgraph(Endpoint(endpoint), seeds, PROPERTIES)))
    if anonymized:
        env = env_for_ntriples(rows_to_ntriples(anonymize(load_env(env)[0].select(ALL_TRIPLES))))
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


@lru_cache(maxsize=16)
def count_options(where: Origin, members: int, calls: int) -> list[tuple]:
    """Every count question of a graph (puzzles.count_options), found once per process."""
    return puzzles.count_options(source(where)[1], members, calls)


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
    by_answer: dict[str, list[tuple[str, ...]]] = {}  # draw an answer first: no one place answers most tasks
    for option in options:
        by_answer.setdefault(min(follow(kg, {option[0]}, option[1:])), []).append(option)
    group = by_answer[sorted(by_answer)[rng.randrange(len(by_answer))]]
    start, *path = group[rng.randrange(len(group))]
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
    by_answer: dict[tuple[str, ...], list] = {}  # draw an answer first, so that no one set answers most tasks
    for option in options:
        by_answer.setdefault(option[3], []).append(option)
    group = by_answer[sorted(by_answer)[rng.randrange(len(by_answer))]]
    cls, path, anchor, members = group[rng.randrange(len(group))]
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
            pairs = [(a, b) for a in xs_a for b in xs_b if a != b and witness(kg, links, a, b)]
            if pairs:
                break
        spec = {"roles": {"a": _bind(pat_a, "a"), "b": _bind(pat_b, "b")}, "links": links}
        if not pairs or first_with_roles(kg, spec) in pairs:  # the naive first pair must not answer it
            continue
        a, b = pairs[rng.randrange(len(pairs))]
        triples = witness(kg, links, a, b) + roles_shown(kg, spec, a, b)
        conditions = [f"a {text_a};", f"b {text_b};"] + [LINKS[n][1].format(km=km) + ";" for n in names]
        fields = {"conditions": "\n".join("- " + c for c in conditions)[:-1] + "."}
        reference = {"a": a, "b": b, "triples": sorted(triples)}
        return fields, {"spec": spec, "pairs": [list(p) for p in pairs], "reference": reference}
    raise ValueError(f"no linked_fact question with --constraints {config.constraints} found in this graph")


_FACTS: dict[tuple[Config, int], list[Question]] = {}  # (config, seed) -> the facts of indices 0, 1, ...


def _fact(kg: WikidataGraph, config: Config, seed: int, index: int) -> Question:
    """The fact of an index, none of whose passing pairs names a person of an earlier index's fact, so
    that a sample's tasks are about different people (where the graph runs out of such facts, earlier
    people may come back). Earlier indices are drawn first, in order, and kept."""
    facts = _FACTS.setdefault((config, seed), [])
    while len(facts) <= index:
        key, menu = f"{FAMILY}:{config.kind}:{seed}:{len(facts)}", roles(kg)
        seen = frozenset(x for _, truth in facts for pair in truth["pairs"] for x in pair)
        for attempt, avoid in [*((k, seen) for k in range(4)), (0, frozenset())]:  # 4 draws of 300 tries
            try:
                facts.append(puzzles.fact(kg, config, random.Random(f"{key}:{attempt}"), menu, avoid=avoid))
                break
            except ValueError:
                if not avoid:
                    raise
    return facts[index]


_PREMISES: dict[tuple[Config, int], list[Question]] = {}  # (config, seed) -> premise questions 0, 1, ...


def _premise(kg: WikidataGraph, config: Config, seed: int, index: int) -> Question:
    """The premise question of an index (branching, or a single chain): the outcomes taken in turn from a
    rotation drawn per seed (so a sample of 8 holds each at most 3 times: no constant judgement passes
    most), and no question asked, nor reference answer given, twice in a sample (no constant answer
    passes two). Earlier indices are drawn first, in order, and kept."""
    questions = _PREMISES.setdefault((config, seed), [])
    turn = random.Random(f"{FAMILY}:premise-outcomes:{seed}").randrange(3)
    starts = functools.partial(chains, origin(config))  # hops -> the chains a single-chain question may take
    while len(questions) <= index:
        key = f"{FAMILY}:{config.kind}:{seed}:{len(questions)}"
        outcome = puzzles.PREMISE_OUTCOMES[(len(questions) + turn) % 3]
        asked = {q[0]["chain"] for q in questions} | {repr(q[1]["reference"]) for q in questions}
        for attempt in range(20):
            rng = random.Random(f"{key}:{attempt}")
            if config.branch:
                question = wikidata_premise.branching(kg, config, rng, outcome)
            else:
                question = puzzles.premise(kg, config, rng, starts, outcome)
            if not {question[0]["chain"], repr(question[1]["reference"])} & asked:
                break
        questions.append(question)
    return questions[index]


BUILDERS = {"chain": _chain, "set": _set, "linked_fact": _linked_fact,
            "superlative": lambda kg, config, rng: puzzles.superlative(
                kg, config, rng, roles(kg) + puzzles.two_hop_roles(kg)),
            "count": lambda kg, config, rng: puzzles.count(
                kg, config, rng, count_options(origin(config), config.members, config.calls))}
ASKS.update(puzzles.ASKS)
SCHEMAS = {
    "chain": {"answer": {"type": "string"}},
    "set": {"entities": {"type": "array", "items": {"type": "string"}, "maxItems": 500}},
    "linked_fact": {"a": {"type": "string"}, "b": {"type": "string"},
                    "triples": {"type": "array", "maxItems": 100, "items": {
                        "type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}}},
    **puzzles.SCHEMAS,
}


def generate(config: Config, seed: int, index: int) -> Task:
    """One task of config.kind; the same arguments give the same task under any PYTHONHASHSEED."""
    if config.kind == tool_kind.KIND:
        return tool_kind.generate(FAMILY, config, seed, index)
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    env, kg = source(origin(config))
    if config.kind == "fact":
        fields, truth = _fact(kg, config, seed, index)
    elif config.kind == "premise":
        fields, truth = _premise(kg, config, seed, index)
    else:
        fields, truth = BUILDERS[config.kind](kg, config, rng)
    calls = config.tool_budget
    if config.kind == "count" and config.calls:
        calls = config.calls
    elif config.kind == "premise" and config.slack >= 0:  # one pass along the chain, a page per step
        calls = truth.get("pages", len(truth["path"])) + config.slack  # branching: a page per entity
    budget = f" You may make at most {calls} tool calls." if calls else ""
    branching = config.kind == "premise" and bool(config.branch)
    if config.kind == "premise" and calls and config.slack >= 0:  # why the budget is enough
        budget = budget[:-1] + (f": one get_entity call for each entity a step of the question is read from, "
                                f"counted as if every branch ran to its end through entities of its own "
                                f"({truth['pages']}), and {config.slack} more." if branching else
                                f": one get_entity call per step of the question's chain, and {config.slack} more.")
    pseudonyms = (" Every person, place and other item has a made-up id and name, not its real Wikidata id "
                  "and name; classes (the objects of P31, such as Q5 human) and properties keep theirs."
                  ) if config.anonymize else ""
    # the example entity is one of this graph's: under pseudonyms Einstein's Q937 names nothing
    example = "Q937" if "Q937" in kg.labels else min(kg.subjects("P31", "Q5"), key=lambda e: (len(e), e))
    sparql = config.sparql or (config.kind == "count" and config.calls > 0)  # a budgeted count needs aggregates
    tools = TOOLS if sparql else [t for t in TOOLS if t != "sparql"]
    offered = (SPARQL_TEXT if sparql else "") + "search_entities, get_entity and distance_km"
    prompt = INTRO.format(entities=len(kg.labels), budget=budget, tools=offered,
                          example=f"{example} is {kg.labels[example]}",
                          pseudonyms=pseudonyms) + (wikidata_premise.ASK if branching else ASKS[config.kind]).format(
        **fields, example=example)
    env = {**env, **({"calls_left": calls} if calls else {})}
    curated = config.snapshot == CURATED
    provenance = {"source": f"graphs/data/{config.snapshot}" + (", curated from memory" if curated else ""),
                  "verified": False,
                  "check": CHECK_COMMAND if curated else f"{CHECK_COMMAND} --snapshot graphs/data/{config.snapshot}"}
    if config.endpoint:
        provenance = {"source": f"live SPARQL endpoint {config.endpoint}", "verified": True}
    schema = wikidata_premise.SCHEMA if branching else SCHEMAS[config.kind]
    return Task(
        id=task_id(FAMILY, config, seed, index), family=f"{FAMILY}.{config.kind}", prompt=prompt, tools=tools,
        answer_schema={"type": "object", "properties": schema, "required": sorted(schema),
                       "additionalProperties": False},
        env=env, truth=truth, grader=f"{FAMILY}.{config.kind}",
        meta={"seed": seed, "index": index, "version": VERSION, "knobs": knobs_of(config),
              **({"passing": truth["passing"]} if "passing" in truth else {}),  # how many answers pass
              "provenance": {**provenance, "licence": "CC0 (Wikidata)",
                             **({"names": "pseudonyms (graphs.wikidata_anonymize)"} if config.anonymize else {})}},
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
