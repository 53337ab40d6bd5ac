"""The wikidata kinds that memory of the real world does not answer: `superlative` (the pair of people
with given roles, or linked by a relation, that optimises a measure), `premise` (a multi-hop question whose premise may be false
in the snapshot), `count` (entities meeting a condition with a negation) and `fact` (two people from
two domains, linked by several independent conditions and by no statement). generators.wikidata calls
these builders; each returns the prompt's fields and the truth, and guarantees a witness.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from graphs.wikidata import WikidataGraph, first_with_roles, link_holds, roles_shown
from graphs.wikidata_queries import MEASURES, count_traps, count_without, measure, reverse_links, solve

ASKS = {
    "superlative": """Find two different people a and b such that:
- a {text_a};
- b {text_b};
- {what} is as {extreme} as possible among all such pairs (people without that value do not count).

Submit {{"a": "...", "b": "..."}}: ids (e.g. {example}) or unambiguous English names. Graded: a and b must \
meet the conditions in the snapshot and their {short} must equal the {most} over all such pairs, within \
{tolerance} (when a person has several values, the closest pair of values counts).""",
    "premise": """Question: what is {chain}?

Each step reads a property of the entity reached so far: "the P of X" is the object of a statement \
X P ... whose subject is X. Reverse links are never followed: another entity's statement that names X \
(Y P X, or Y P' X with a property P' that means the converse, such as Y's doctoral advisor (P184) being X \
for "the doctoral student (P185) of X") does not give X a value of P. The question presumes that each \
step leads to exactly one entity. If in the snapshot some step leads to no entity at all, or to more \
than one, its premise is false.

Submit {{"answer": "...", "premise": "holds", "failing": null}} with the entity's id (e.g. {example}) or \
one of its English names when the premise holds; otherwise {{"answer": null, "premise": "no_such_entity", \
"failing": "..."}} (a step leads to nothing) or {{"answer": null, "premise": "more_than_one", "failing": \
"..."}} (a step leads to several), with `failing` the entity that step is read from (its id or English \
name). Graded: the premise must be judged as the snapshot has it, and the answer must be that entity, or \
null with `failing` naming the entity where the chain breaks.""",
    "count": """Question: how many {subject}?{note}

Submit {{"count": N}}: a whole number. Graded: it must equal the number of such entities in the \
snapshot.""",
    "fact": """Find an interesting fact: two different people a and b such that:
{conditions}

Submit {{"a": "...", "b": "...", "triples": [["subject", "property", "object"], ...]}}: a and b as ids \
(e.g. {example}) or unambiguous English names, and triples of the snapshot that show every condition: the \
statements that give a and b their roles and the places, dates and values each condition compares. \
Write entities and properties as ids ({example}, P19) and dates as YYYY-MM-DD. Graded: every claimed triple \
must be a statement of the snapshot, the triples must show each condition, and no statement of the \
snapshot may link a and b directly. Distances are great-circle (haversine) distances between the \
places' coordinates in the snapshot, as distance_km computes them.""",
}
SCHEMAS = {
    "superlative": {"a": {"type": "string"}, "b": {"type": "string"}},
    "premise": {"answer": {"type": ["string", "null"]},
                "premise": {"type": "string", "enum": ["holds", "no_such_entity", "more_than_one"]},
                "failing": {"type": ["string", "null"], "maxLength": 500}},
    "count": {"count": {"type": "integer"}},
    "fact": {"a": {"type": "string"}, "b": {"type": "string"},
             "triples": {"type": "array", "maxItems": 100, "items": {
                 "type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}}},
}
PREMISE_PROPERTIES = ("P61", "P19", "P20", "P108", "P131", "P17", "P26", "P184", "P185", "P27", "P166",
                      "P106", "P69", "P551", "P737", "P138", "P800", "P170", "P50")
PREMISE_OUTCOMES = ("holds", "no_such_entity", "more_than_one")  # equally often: no constant passes most
# count: (the question, the ?x patterns, the patterns none of which may hold, where the anchor ?k sits)
COUNTS = {
    "award_not_advisor": ("people who received {k} none of whose doctoral advisors (P184) received it",
                          " People with no doctoral advisor in the snapshot count.",
                          [["?x", "P166", "?k"]], [["?x", "P184", "?y"], ["?y", "P166", "?k"]]),
    "occupation_no_award": ("people with the occupation {k} who received no award (P166) in the snapshot",
                            "", [["?x", "P106", "?k"]], [["?x", "P166", "?y"]]),
    "employer_born_abroad": ("people employed by {k} (P108) who have a place of birth (P19) in the snapshot, "
                             "none of whose places of birth is in {c} (P17)", "",
                             [["?x", "P108", "?k"], ["?x", "P19", "?p"]], [["?x", "P19", "?q"], ["?q", "P17", "?c"]]),
    "occupation_born_abroad": ("people with the occupation {k} (P106) who have a place of birth (P19) in the "
                               "snapshot, none of whose places of birth has the country (P17) {c}", "",
                               [["?x", "P106", "?k"], ["?x", "P19", "?p"]], [["?x", "P19", "?q"], ["?q", "P17", "?c"]]),
    # joins through properties with several values: a hasty COUNT counts a person once per institution,
    # and a negation joined per value counts those with some institution elsewhere (and drops those with none)
    "schooled_not_employed": ("people educated at (P69) an institution whose country (P17) is {c}, none of "
                              "whose employers (P108) has the country (P17) {c}",
                              " People with no employer in the snapshot count.",
                              [["?x", "P69", "?s"], ["?s", "P17", "?c"]], [["?x", "P108", "?e"], ["?e", "P17", "?c"]]),
    "employed_not_schooled": ("people employed by (P108) an institution whose country (P17) is {c}, none of "
                              "whose places of education (P69) has the country (P17) {c}",
                              " People with no place of education in the snapshot count.",
                              [["?x", "P108", "?e"], ["?e", "P17", "?c"]], [["?x", "P69", "?s"], ["?s", "P17", "?c"]]),
    "citizen_not_schooled": ("people with the country of citizenship (P27) {c}, none of whose places of "
                             "education (P69) has the country (P17) {c}", " People with no place of education in the snapshot count.",
                             [["?x", "P27", "?c"]], [["?x", "P69", "?s"], ["?s", "P17", "?c"]]),
}
# fact: each condition has a type; a fact's conditions are of different types
FACT_LINKS = {
    "born_near": ("distance", {"kind": "distance", "triples": [["?a", "P19", "?pa"], ["?b", "P19", "?pb"]],
                               "between": ["?pa", "?pb"]},
                  "the places of birth (P19) of a and b are at most {km} km apart"),
    "died_near": ("distance", {"kind": "distance", "triples": [["?a", "P20", "?qa"], ["?b", "P20", "?qb"]],
                               "between": ["?qa", "?qb"]},
                  "the places of death (P20) of a and b are at most {km} km apart"),
    "born_within": ("dates", {"kind": "within", "triples": [["?a", "P569", "?da"], ["?b", "P569", "?db"]],
                              "between": ["?da", "?db"]},
                    "a and b were born (P569) at most {days} days apart"),
    "same_country": ("shared", {"kind": "same", "triples": [["?a", "P27", "?ca"], ["?b", "P27", "?cb"]],
                                "between": ["?ca", "?cb"]}, "a and b share a country of citizenship (P27)"),
    "same_employer": ("shared", {"kind": "same", "triples": [["?a", "P108", "?ea"], ["?b", "P108", "?eb"]],
                                 "between": ["?ea", "?eb"]}, "a and b share an employer (P108)"),
    "element_day": ("numeric", {"kind": "number_day", "triples": [
        ["?e_a", "P61", "?a"], ["?e_a", "P1086", "?za"], ["?b", "P569", "?db"]], "between": ["?za", "?db"]},
                    "a discovered something (P61) whose atomic number (P1086) equals the day of the month on "
                    "which b was born (P569)"),
    "same_school": ("shared", {"kind": "same", "triples": [["?a", "P69", "?sa"], ["?b", "P69", "?sb"]],
                               "between": ["?sa", "?sb"]}, "a and b were educated at the same institution (P69)"),
    "died_within": ("dates", {"kind": "within", "triples": [["?a", "P570", "?ta"], ["?b", "P570", "?tb"]],
                              "between": ["?ta", "?tb"]}, "a and b died (P570) at most {days} days apart"),
    "same_award": ("shared", {"kind": "same", "triples": [["?a", "P166", "?wa"], ["?b", "P166", "?wb"]],
                              "between": ["?wa", "?wb"]}, "a and b received the same award (P166)"),
    # two statements away: a value of a value, which no page of a or b shows (their places' countries)
    "born_same_country": ("two_hop", {"kind": "same", "triples": [
        ["?a", "P19", "?ha"], ["?ha", "P17", "?na"], ["?b", "P19", "?hb"], ["?hb", "P17", "?nb"]],
        "between": ["?na", "?nb"]}, "the places of birth (P19) of a and b have the same country (P17)"),
    "born_where_died": ("two_hop", {"kind": "same", "triples": [
        ["?a", "P19", "?ha"], ["?ha", "P17", "?na"], ["?b", "P20", "?hb"], ["?hb", "P17", "?nb"]],
        "between": ["?na", "?nb"]}, "a's place of birth (P19) has the same country (P17) as b's place of death (P20)"),
}
TIGHTNESS = [(50, 3650), (100, 7300), (200, 7300), (400, 10950), (800, 14600)]  # (km, days), tight first

# superlative: roles two statements away, (first property, second property) -> how they read; a role's
# people are then found only by a join (or, without sparql, by following each anchor's inbound pages)
TWO_HOP_ROLES = {
    ("P184", "P108"): "has a doctoral advisor (P184) who was employed (P108) by {anchor}",
    ("P184", "P166"): "has a doctoral advisor (P184) who received (P166) the award {anchor}",
    ("P19", "P17"): "was born (P19) in a place whose country (P17) is {anchor}",
    ("P19", "P131"): "was born (P19) in a place located (P131) in {anchor}",
    ("P108", "P17"): "was employed by (P108) an institution whose country (P17) is {anchor}",
}
EXTREMES = {"min": ("small", "smallest"), "max": ("large", "largest")}
RELATIONS = {"P184": ("is a person whose doctoral advisor (P184) is b", "is a person")}  # a pair's link

Question = tuple[dict[str, Any], dict[str, Any]]
Role = tuple[str, list[list[str]], list[str]]  # (text, patterns on ?x, the people who have it)


# What a model can read within the runner's 100 turns, one get_entity call per entity: larger pools made
# played tasks unsolvable (a count over 108 composers, a superlative over ~130 citizens)
MAX_POOL = 40  # count: entities naming the anchor
MAX_PEOPLE = 60  # superlative: people of the two roles together


def _bind(patterns: list[list[str]], who: str) -> list[list[str]]:
    names = {"?x": f"?{who}", "?d_x": f"?d_{who}"}
    return [[names.get(t, t) for t in triple] for triple in patterns]


def _domain(role: Role) -> str:
    return role[1][0][1]  # the property that gives the role: award, employer, occupation, discovery


def two_hop_roles(kg: WikidataGraph) -> list[Role]:
    """Every role of TWO_HOP_ROLES held by at least two people, as (text, patterns on ?x, people)."""
    found = []
    for (p, q), text in sorted(TWO_HOP_ROLES.items()):
        middles = sorted({o for _, o, k in kg.graph.edges(keys=True) if k == p})
        for anchor in sorted({z for y in middles for z in kg.objects(y, q)}):
            people = sorted({x for y in kg.subjects(q, anchor) for x in kg.subjects(p, y)})
            if len(people) >= 2:
                patterns = [["?x", p, "?d_x"], ["?d_x", q, anchor]]
                found.append((text.format(anchor=kg.describe(anchor)), patterns, people))
    return found


def superlative(kg: WikidataGraph, config: Any, rng: random.Random, menu: list[Role]) -> Question:
    """The pair (a, b) whose measure is smallest (or largest): people with two given roles, or a doctoral
    student and advisor; any pair within tolerance of the optimum passes."""
    for _ in range(300):
        name = sorted(MEASURES)[rng.randrange(len(MEASURES))]
        what, short, tolerance_text, tolerance = MEASURES[name]
        direction = "max" if rng.random() < 0.3 else "min"
        if rng.random() < 0.25:  # pairs linked by a relation
            relation = sorted(RELATIONS)[rng.randrange(len(RELATIONS))]
            (text_a, text_b), human = RELATIONS[relation], [["?x", "P31", "Q5"]]
            spec = {"roles": {"a": _bind(human, "a"), "b": _bind(human, "b")}, "relation": relation}
            candidates = sorted((s, o) for s, o, k in kg.graph.edges(keys=True) if k == relation)
            naive = candidates[0] if candidates else None
        else:
            (text_a, pat_a, xs_a), (text_b, pat_b, xs_b) = rng.sample(menu, 2)
            spec = {"roles": {"a": _bind(pat_a, "a"), "b": _bind(pat_b, "b")}}
            if len(set(xs_a) | set(xs_b)) > MAX_PEOPLE:
                continue
            candidates = [(a, b) for a in xs_a for b in xs_b]
            naive = first_with_roles(kg, spec)
        spec.update(measure=name, direction=direction)
        scored = {(a, b): m for a, b in candidates if a != b and (m := measure(kg, name, a, b)) is not None}
        if len(set(scored.values())) < 2 or len(scored) < config.pairs:
            continue
        sign = 1 if direction == "min" else -1
        best = min(sign * m for m in scored.values()) * sign
        optimal = sorted(p for p, m in scored.items() if sign * (m - best) <= tolerance)
        if naive in optimal or len(optimal) > len(scored) // 2:
            continue  # the naive first pair must not answer it, nor most pairs
        a, b = optimal[rng.randrange(len(optimal))]
        extreme, most = EXTREMES[direction]
        fields = {"text_a": text_a, "text_b": text_b, "what": what, "short": short, "tolerance": tolerance_text,
                  "extreme": extreme, "most": most}
        truth = {"spec": spec, "optimum": best, "tolerance": tolerance, "optimal": [list(p) for p in optimal],
                 "passing": len(optimal), "pairs": len(scored), "reference": {"a": a, "b": b}}
        return fields, truth
    raise ValueError("no superlative question found in this graph")


def premise(kg: WikidataGraph, config: Any, rng: random.Random,
            chains: Callable[[int], list[tuple[str, ...]]], outcome: str) -> Question:
    """A chain of config.hops to config.hops + config.longer properties (at most 5) whose premise holds
    (each step has one value) or fails (`outcome`) at a random step, which has no value or several; the
    steps after a failing one read on naturally."""
    hops = min(5, config.hops + rng.randrange(config.longer + 1))
    # a false premise fails at a middle step (neither the first nor the last, where the chain allows): the
    # early steps look fine and must be followed, and the later ones read on to an entity
    middle = range(1, hops - 1) if hops >= 3 else range(hops // 2, hops)
    drawn = hops - 1 if outcome == "holds" else middle[rng.randrange(len(middle))]
    later = [k for k in middle if k != drawn] + [k for k in reversed(range(hops)) if k not in middle]
    for fails_at in [drawn, *(later if outcome != "holds" else [])]:
        question = _premise_at(kg, hops, rng, outcome, fails_at, chains(fails_at))
        if question:
            return question
    raise ValueError(f"no premise question with --hops {config.hops} found in this graph")


def _premise_at(kg: WikidataGraph, hops: int, rng: random.Random, outcome: str, fails_at: int,
                starts: list[tuple[str, ...]]) -> Question | None:
    """A premise question whose step fails_at decides the outcome (the last step when it holds)."""
    for attempt in range(300 if starts else 0):
        start, *path = starts[rng.randrange(len(starts))]
        nodes = [start]
        for p in path:
            nodes += kg.objects(nodes[-1], p)
        last = nodes[-1]
        classes = set(kg.objects(last, "P31"))
        peers = [x for c in sorted(classes) for x in kg.subjects("P31", c) if x != last]
        options, near_misses = [], []
        for p in PREMISE_PROPERTIES:
            ends = kg.objects(last, p)
            if outcome == "no_such_entity" and not ends and any(kg.objects(x, p) for x in peers):
                options.append(p)  # a property its peers have: the question is not absurd
                if reverse_links(kg, last, p):  # the relation exists, but only reversed: a near miss
                    near_misses.append(p)
            elif (outcome == "holds" and len(ends) == 1 and ends[0] not in nodes) or (
                    outcome == "more_than_one" and len(ends) > 1):
                options.append(p)
                if outcome == "holds" and set(reverse_links(kg, last, p)) - set(ends):
                    near_misses.append(p)  # read backwards, the step gives another entity
        if not options or (outcome != "more_than_one" and not near_misses and attempt < 200):
            continue  # the deciding step is asked where reading it backwards misleads, when the graph allows
        options = near_misses or options
        p = options[rng.randrange(len(options))]
        path.append(p)
        # where the step usually leads (its values, or those of the peers when it has none), to go on from
        reach = kg.objects(last, p) or sorted({o for x in peers for o in kg.objects(x, p)})
        while len(path) < hops:
            onward = [q for q in PREMISE_PROPERTIES if any(kg.objects(x, q) for x in reach)]
            if not onward:
                break
            q = onward[rng.randrange(len(onward))]
            path.append(q)
            reach = sorted({o for x in reach for o in kg.objects(x, q)})
        if len(path) < hops:
            continue
        phrase = kg.describe(start)
        for q in path:
            phrase = f"the {kg.labels.get(q, q)} ({q}) of {phrase}"
        ends = kg.objects(last, p)
        answer = ends[0] if outcome == "holds" else None
        trap = ("reversed" if outcome != "more_than_one" and set(reverse_links(kg, last, p)) - set(ends)
                else outcome)
        failing = None if outcome == "holds" else last  # the entity the deciding step is read from
        truth = {"start": start, "path": path, "nodes": nodes, "premise": outcome, "fails_at": fails_at,
                 "answer": answer, "ends": ends, "trap": trap, "failing": failing,
                 "reference": {"answer": answer, "premise": outcome, "failing": failing}}
        return {"chain": phrase}, truth
    return None


def count_options(kg: WikidataGraph, members: int, calls: int = 0) -> list[tuple]:
    """Every count question the graph holds: (template, anchor, country, patterns, negated patterns,
    count, count before the negation, traps), where the negation removes some of at least `members`
    entities. With a budget of `calls`, a question is kept only where reading every candidate (one
    get_entity each) needs more calls, and where at least two hasty renderings (graphs.wikidata_queries
    count_traps) give counts different from the count and from each other; without one, pools stay
    within what the runner's turns can read."""
    options = []
    # (property, object) -> how many statements name it: the anchors, their pools and the countries
    named_by = Counter((key, o) for _, o, key in kg.graph.edges(keys=True))
    all_countries = sorted(o for key, o in named_by if key == "P17")
    for name in sorted(COUNTS):
        _, _, base, none = COUNTS[name]
        anchors = (sorted(o for (key, o), n in named_by.items() if key == base[0][1] and (calls or n <= MAX_POOL))
                   if "?k" in str(base) else [""])
        countries = all_countries if "?c" in str(none) else [""]
        for k in anchors:
            for c in countries:
                fill = {"?k": k, "?c": c}
                b = [[fill.get(t, t) for t in triple] for triple in base]
                n = [[fill.get(t, t) for t in triple] for triple in none]
                kept, naive = count_without(kg, b, n)
                if not (1 <= kept < naive and naive >= max(3, members)):  # the negation must matter
                    continue
                traps = {r: v for r, v in count_traps(kg, b, n).items() if v != kept} if calls else {}
                if calls and (naive <= calls or len(traps) < 2 or len(set(traps.values())) < len(traps)):
                    continue
                options.append((name, k, c, b, n, kept, naive, traps))
    return options


def count(kg: WikidataGraph, config: Any, rng: random.Random, options: list[tuple]) -> Question:
    """How many ?x meet a template's patterns and none of its negated ones, for an anchor ?k (and ?c)."""
    if not options:
        raise ValueError(f"no count question with --members {config.members} found in this graph")
    # draw the template, then the count: no one template fills a sample, no one number answers most tasks
    templates = sorted({option[0] for option in options})
    template = templates[rng.randrange(len(templates))]
    by_count: dict[int, list] = {}
    for option in options:
        if option[0] == template:
            by_count.setdefault(option[5], []).append(option)
    group = by_count[sorted(by_count)[rng.randrange(len(by_count))]]
    name, k, c, base, none, kept, naive, traps = group[rng.randrange(len(group))]
    text, note, _, _ = COUNTS[name]
    fields = {"subject": text.format(k=kg.describe(k) if k else "", c=kg.describe(c) if c else ""), "note": note}
    truth = {"template": name, "base": base, "none": none, "count": kept, "naive": naive, "traps": traps,
             "reference": {"count": kept}}
    return fields, truth


def _witness(kg: WikidataGraph, links: list[dict[str, Any]], a: str, b: str) -> list[list[str]]:
    """Triples showing every link between a and b (empty when one fails): the first that hold."""
    triples = []
    for link in links:
        shown = next((found for found in solve(kg, link["triples"], {"?a": a, "?b": b})
                      if link_holds(kg, link, found)), None)
        if shown is None:
            return []
        triples += [[shown.get(t, t) for t in triple] for triple in link["triples"]]
    return triples


def fact(kg: WikidataGraph, config: Any, rng: random.Random, menu: list[Role],
         avoid: frozenset[str] = frozenset()) -> Question:
    """Two people from two domains linked by config.links conditions of different types, and by no
    statement; the conditions are as tight as a witness allows, or config.loose levels looser. No
    passing pair names anyone in avoid (the people of a sample's earlier facts)."""
    for _ in range(300):
        role_a, role_b = rng.sample(menu, 2)
        if _domain(role_a) == _domain(role_b):
            continue
        (text_a, pat_a, xs_a), (text_b, pat_b, xs_b) = role_a, role_b
        by_type: dict[str, list[str]] = {}
        for link_name in sorted(FACT_LINKS):
            if FACT_LINKS[link_name][0] != "numeric" or _domain(role_a) == "P61":  # a must be a discoverer
                by_type.setdefault(FACT_LINKS[link_name][0], []).append(link_name)
        types = rng.sample(sorted(by_type), min(config.links, len(by_type)))
        names = sorted({by_type[t][rng.randrange(len(by_type[t]))] for t in types})
        spare = sorted(n for group in by_type.values() for n in group)
        while len(names) < config.links:  # more conditions than types: one type twice, by two properties
            names = sorted({*names, spare[rng.randrange(len(spare))]})
        spec = {"roles": {"a": _bind(pat_a, "a"), "b": _bind(pat_b, "b")}}
        witnessed = 0  # levels of TIGHTNESS with a witness, counted from the tightest
        for km, days in TIGHTNESS:
            links = [{**FACT_LINKS[n][1], **({"max_km": km} if FACT_LINKS[n][0] == "distance" else {}),
                      **({"max_days": days} if FACT_LINKS[n][0] == "dates" else {})} for n in names]
            pairs = [(a, b) for a in xs_a for b in xs_b if a != b and not kg.graph.has_edge(a, b)
                     and not kg.graph.has_edge(b, a) and _witness(kg, links, a, b)]
            witnessed += bool(pairs)
            if witnessed > config.loose:  # the tightest level with a witness, or that many looser
                break
        spec["links"] = links
        if not pairs or first_with_roles(kg, spec) in pairs or avoid.intersection(x for pair in pairs for x in pair):
            continue
        a, b = pairs[rng.randrange(len(pairs))]
        triples = _witness(kg, links, a, b) + roles_shown(kg, spec, a, b)
        conditions = [f"a {text_a};", f"b {text_b};"]
        conditions += [FACT_LINKS[n][2].format(km=km, days=days) + ";" for n in names]
        conditions.append("no statement of the snapshot links a and b directly (neither names the other).")
        reference = {"a": a, "b": b, "triples": sorted(map(list, {tuple(t) for t in triples}))}
        truth = {"spec": spec, "pairs": [list(p) for p in pairs], "passing": len(pairs), "reference": reference}
        return {"conditions": "\n".join("- " + c for c in conditions)}, truth
    raise ValueError(f"no fact with --links {config.links} found in this graph")

