"""wikidata.premise with a branching step (generator v7's default): "the country of the place of birth of
each doctoral student of Z" is read along every value of its `each` step, and its premise is judged on
every branch, so a reader who follows one student only misses a step that fails on another. The budget
is a page per entity a step is read from, counted as if every branch ran to its end through entities of
its own: enough for the careful reader, and the same whether the premise holds or fails.
"""
from __future__ import annotations

import random
from typing import Any

from graphs.wikidata import WikidataGraph
from graphs.wikidata_queries import CONVERSE

ASK = """Question: which entities are {chain}?

Each step reads a property of every entity reached so far: "the P of X" is the object of a statement \
X P ... whose subject is X. Reverse links are never followed: another entity's statement that names X \
(Y P X, or Y P' X with a property P' that means the converse, such as Y's doctoral advisor (P184) being X \
for "the doctoral student (P185) of X") does not give X a value of P.
- The step written "each P of X" may lead to one entity or to several, and the question goes on from \
every one of them (each is a branch); it presumes at least one.
- Every step written "the P of ..." presumes exactly one value for each entity it is read from, on every \
branch.
The premise is false if some step, read from some entity reached on some branch, leads to no entity, or \
if a "the" step leads to several (in these questions that happens at one step read from one entity at \
most, so the two reasons never meet). Otherwise the answer is the set of entities the last step reaches, over \
all branches (an entity reached on several branches counts once).

Submit {{"answer": ["...", ...], "premise": "holds", "failing": null}} with the entities' ids (e.g. \
{example}) or English names when the premise holds; otherwise {{"answer": null, "premise": \
"no_such_entity", "failing": "..."}} (a step leads to nothing) or {{"answer": null, "premise": \
"more_than_one", "failing": "..."}} (a "the" step leads to several), with `failing` the entity that step \
is read from (its id or English name). Graded: the premise must be judged as the snapshot has it; when it \
holds, the answer must be exactly that set; when it is false, `failing` must name that entity (the answer \
is not read)."""
SCHEMA = {"answer": {"type": ["array", "null"], "maxItems": 200, "items": {"type": "string"}},
          "premise": {"type": "string", "enum": ["holds", "no_such_entity", "more_than_one"]},
          "failing": {"type": ["string", "null"], "maxLength": 500}}
# the `each` step: properties with several values for many subjects, whose values have pages to read on
BRANCHING = ("P185", "P184", "P108", "P69", "P800", "P166", "P737", "P26")
THE = ("P19", "P20", "P108", "P131", "P17", "P26", "P184", "P27", "P69", "P551", "P106", "P166", "P61",
       "P138", "P170", "P50")  # the `the` steps: properties that usually have one value
BRANCHES = (2, 6)  # values of the `each` step: several, and few enough to read within the turns


def walk(kg: WikidataGraph, start: str, path: list[str], each_at: int) -> dict[str, Any]:
    """The careful reading: every step read from every entity reached (one page each), a branch stopped
    where its step fails. Returns the entities read, the failures (step, entity, no_such_entity or
    more_than_one), the branch each end belongs to, and the ends."""
    frontier = {start: start}  # entity reached -> the `each` value whose branch reached it first
    read, failures = [], []
    for i, p in enumerate(path):
        onward: dict[str, str] = {}
        for x in sorted(frontier):
            read.append(x)
            values = kg.objects(x, p)
            if not values or (i != each_at and len(values) > 1):
                failures.append((i, x, "no_such_entity" if not values else "more_than_one"))
                continue
            for v in values:
                onward.setdefault(v, v if i == each_at else frontier[x])
        frontier = onward
    return {"read": read, "failures": failures, "ends": sorted(frontier), "branch_of": frontier}


def _steps(kg: WikidataGraph, frontier: list[str], previous: str | None,
           avoid: set[str]) -> dict[str, list[str]]:
    """The properties a `the` step may read from the frontier, by what they do there: `one` (exactly one
    value from each), `no_such_entity` / `more_than_one` (so from exactly one entity, one from the rest)."""
    found: dict[str, list[str]] = {"one": [], "no_such_entity": [], "more_than_one": []}
    for p in THE:
        if previous and p in CONVERSE.get(previous, ()):
            continue  # "the advisor of each student of Z" leads back to Z: no question at all
        counts = [len(kg.objects(x, p)) for x in frontier]
        if any(o in avoid for x in frontier for o in kg.objects(x, p)):
            continue
        odd = [c for c in counts if c != 1]
        if not odd:
            found["one"].append(p)
        elif len(odd) == 1 and len(frontier) > 1:
            found["no_such_entity" if odd[0] == 0 else "more_than_one"].append(p)
    return found


Question = tuple[dict[str, str], dict[str, Any]]  # the prompt's fields, and the truth


def branching(kg: WikidataGraph, config: Any, rng: random.Random, outcome: str) -> Question:
    """A question of config.hops to config.hops + config.longer steps (at least 3, at most 5) with one
    `each` step; a false premise fails at a middle step of one branch that is not the first listed."""
    drawn = max(3, min(5, config.hops + rng.randrange(config.longer + 1)))
    for hops in range(drawn, 2, -1):  # where the graph holds no such question of that length, a shorter one
        question = _branching(kg, rng, outcome, hops)
        if question:
            return question
    raise ValueError(f"no branching premise question with --hops {config.hops} found in this graph")


def _branching(kg: WikidataGraph, rng: random.Random, outcome: str, hops: int) -> Question | None:
    forks = sorted((x, p) for x in kg.graph for p in BRANCHING
                   if BRANCHES[0] <= len(kg.objects(x, p)) <= BRANCHES[1])
    for attempt in range(1500):
        each_at = rng.randrange(hops - 2)  # at least two `the` steps follow it
        fails_at = rng.randrange(each_at + 1, hops - 1) if outcome != "holds" else -1
        node, fork = forks[rng.randrange(len(forks))]
        start, path = node, []
        while len(path) < each_at:  # `the` steps before the branch, found backwards: one value each
            back = sorted((y, q) for y, _, q in kg.graph.in_edges(start, keys=True)
                          if q in THE and kg.objects(y, q) == [start] and y != node and y.startswith("Q"))
            if not back:
                break
            start, q = back[rng.randrange(len(back))]
            path.insert(0, q)
        if len(path) < each_at:
            continue
        nodes = [start]
        for q in path:
            nodes.append(kg.objects(nodes[-1], q)[0])
        seen = set(nodes)
        if set(kg.objects(node, fork)) & seen:
            continue
        path.append(fork)
        frontier = sorted(set(kg.objects(node, path[-1])))
        first = frontier[0]  # the branch a hasty reader follows: the first value listed
        owner = {v: v for v in frontier}
        while len(path) < hops:
            wanted = outcome if len(path) == fails_at else "one"
            options = _steps(kg, frontier, path[-1], seen)[wanted]
            if wanted != "one":  # the failing entity must sit on a branch other than the first
                options = [p for p in options
                           if owner[next(x for x in frontier if len(kg.objects(x, p)) != 1)] != first]
            if not options:
                break
            p = options[rng.randrange(len(options))]
            path.append(p)
            seen |= set(frontier)
            nxt: dict[str, str] = {}
            for x in frontier:
                values = kg.objects(x, p)
                if len(values) == 1:
                    nxt.setdefault(values[0], owner[x])
            owner, frontier = nxt, sorted(nxt)
        if len(path) < hops:
            continue
        reading = walk(kg, start, path, each_at)
        judged = reading["failures"][0][2] if reading["failures"] else "holds"
        if judged != outcome or len(reading["failures"]) > 1:
            continue
        first_only = walk(kg, first, path[each_at + 1:], -1)  # the first branch read as if the only one
        if outcome == "holds" and first_only["ends"] == reading["ends"] and attempt < 1000:
            continue  # a true premise whose branches end apart: reading one branch gives too few
        phrase = kg.describe(start)
        for i, p in enumerate(path):
            phrase = f"the {kg.labels.get(p, p)} ({p}) of {phrase}" if i != each_at else \
                f"each {kg.labels.get(p, p)} ({p}) of {phrase}"
        answer = reading["ends"] if outcome == "holds" else None
        failing = reading["failures"][0][1] if reading["failures"] else None  # the entity the step fails at
        truth = {"start": start, "path": path, "each_at": each_at, "premise": outcome,
                 "fails_at": reading["failures"][0][0] if reading["failures"] else -1, "failing": failing,
                 "branches": sorted(set(kg.objects(node, path[each_at]))), "read": len(set(reading["read"])),
                 # the budget's pages: every branch read to its end through entities of its own, so the
                 # number tells nothing of where (or whether) a branch fails or meets another
                 "pages": each_at + 1 + len(set(kg.objects(node, path[each_at]))) * (hops - each_at - 1),
                 "first_branch": first_only["ends"] if not first_only["failures"] else None,
                 "answer": answer, "reference": {"answer": answer, "premise": outcome, "failing": failing}}
        return {"chain": phrase}, truth
    return None
