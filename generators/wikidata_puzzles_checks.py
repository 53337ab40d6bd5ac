"""tasks.check hooks of the kinds in generators.wikidata_puzzles: naive and random guesses, every correct
answer found again with plain SPARQL on rdflib (apart from the generator's networkx walks, with a second
distance formula), and near misses that must fail.
"""
from __future__ import annotations

import datetime
import math
from typing import Any

from graphs.wikidata import WikidataGraph, first_with_roles, parse_point, short
from graphs.wikidata_queries import has_role, measure, premise_misreadings

Answers = list[dict[str, Any]]


def _term(t: str, position: int) -> str:
    if t.startswith("?"):
        return t
    return f"wdt:{t}" if position == 1 else f"wd:{t}"


def _where(patterns: list[list[str]]) -> str:
    return " ".join(" ".join(_term(t, i) for i, t in enumerate(triple)) + " ." for triple in patterns)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:  # the spherical law of cosines
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def enumerate_superlative(store: Any, truth: dict[str, Any]) -> Answers:
    """Every pair within tolerance of the smallest (largest) measure over all pairs with the roles."""
    spec = truth["spec"]
    roles = _where(spec["roles"]["a"] + spec["roles"]["b"])
    if "relation" in spec:
        roles += f" ?a wdt:{spec['relation']} ?b ."
    if spec["measure"] == "birthplace_km":
        rows = store.select(f"SELECT DISTINCT ?a ?b ?u ?v WHERE {{ {roles} ?a wdt:P19 ?pa . ?pa wdt:P625 ?u . "
                            f"?b wdt:P19 ?pb . ?pb wdt:P625 ?v . FILTER(?a != ?b) }}")
        values = [(short(r["a"]), short(r["b"]), _km(parse_point(str(r["u"])), parse_point(str(r["v"]))))
                  for r in rows]
    else:
        rows = store.select(f"SELECT DISTINCT ?a ?b ?u ?v WHERE {{ {roles} ?a wdt:P569 ?u . ?b wdt:P569 ?v . "
                            "FILTER(?a != ?b) }")
        values = [(short(r["a"]), short(r["b"]), abs((datetime.date.fromisoformat(str(r["u"])[:10])
                                                      - datetime.date.fromisoformat(str(r["v"])[:10])).days))
                  for r in rows]
    best: dict[tuple[str, str], float] = {}
    for a, b, v in values:
        best[a, b] = min(v, best.get((a, b), v))
    if not best:
        return []
    sign = 1 if spec["direction"] == "min" else -1
    extreme = sign * min(sign * v for v in best.values())
    return [{"a": a, "b": b} for (a, b), v in sorted(best.items())
            if sign * (v - extreme) <= truth["tolerance"] - 1e-6]


def _branching_premise(store: Any, truth: dict[str, Any], names: dict[str, str]) -> Answers:
    """Every entity reached read by SPARQL, every value of the `each` step followed: the set of ends when
    each step leads on from every entity (exactly one value at a `the` step), else null and why."""
    frontier, failures = {truth["start"]}, []
    for i, p in enumerate(truth["path"]):
        onward = set()
        for node in sorted(frontier):
            rows = store.select(f"SELECT DISTINCT ?o WHERE {{ wd:{node} wdt:{p} ?o . FILTER(isIRI(?o)) }}")
            values = {short(r["o"]) for r in rows}
            if not values or (i != truth["each_at"] and len(values) > 1):
                failures.append(("no_such_entity" if not values else "more_than_one", node))
            else:
                onward |= values
        frontier = onward
    if failures:  # false: the answer is not read; the failing entity by its id, any spelling, or its name
        (judged, node), = failures
        return [{"answer": None, "premise": judged, "failing": x}
                for x in [node, f"wd:{node.lower()}", *([names[node]] if node in names else [])]] + [
                {"answer": ["anything"], "premise": judged, "failing": node}]
    ends = sorted(frontier)
    spelled = [ends, ends[::-1], [f"wd:{e}" for e in ends], ends + ends[:1],
               *([[names[e] for e in ends]] if all(e in names for e in ends) else [])]
    return [{"answer": a, "premise": "holds", "failing": None} for a in spelled]


def enumerate_premise(store: Any, truth: dict[str, Any], names: dict[str, str]) -> Answers:
    """The end of the chain when exactly one entity is reached at every step, else null and why."""
    if "each_at" in truth:
        return _branching_premise(store, truth, names)
    node, ends = truth["start"], [truth["start"]]
    for p in truth["path"]:
        rows = store.select(f"SELECT DISTINCT ?o WHERE {{ wd:{node} wdt:{p} ?o . FILTER(isIRI(?o)) }}")
        ends = sorted(short(r["o"]) for r in rows)
        if len(ends) != 1:
            return [{"answer": None, "premise": "no_such_entity" if not ends else "more_than_one", "failing": x}
                    for x in [node, f"wd:{node}", *([names[node]] if node in names else [])]]
        node = ends[0]
    return [{"answer": x, "premise": "holds", "failing": None}
            for x in [node, f"wd:{node}", *([names[node]] if node in names else [])]]


def enumerate_count(store: Any, truth: dict[str, Any]) -> Answers:
    """The count from SPARQL's COUNT with FILTER NOT EXISTS."""
    rows = store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {_where(truth['base'])} "
                        f"FILTER NOT EXISTS {{ {_where(truth['none'])} }} }}")
    return [{"count": int(rows[0]["n"])}]


def baseline(kg: WikidataGraph, kind: str, truth: dict[str, Any]) -> dict[str, Any]:
    """The naive guesses: the first pair with the roles; the premise taken for granted (the first value of
    the deciding step, or where it has none the first entity a backwards reading reaches, or the entity
    before it); the count without its negation; the first pair and its roles."""
    if kind == "superlative":
        a, b = first_with_roles(kg, truth["spec"])
        return {"a": a, "b": b}
    if kind == "premise" and "each_at" in truth:  # one branch read, as if the `each` step had one value
        return {"answer": truth["first_branch"], "premise": "holds", "failing": None}
    if kind == "premise":  # where the step leads nowhere, the hasty reader follows it backwards
        backwards = sorted(premise_misreadings(kg, truth["nodes"], truth["path"], truth["fails_at"])["reversed"])
        return {"answer": (truth["ends"] or backwards or truth["nodes"])[0], "premise": "holds", "failing": None}
    return {"count": truth["naive"]}


def random_answer(kg: WikidataGraph, kind: str, truth: dict[str, Any], pick: Any) -> dict[str, Any]:
    """A well-formed guess: two random people, a random entity or premise, a count up to the naive one."""
    if kind == "superlative":
        people = kg.subjects("P31", "Q5")
        return {"a": pick(people), "b": pick(people)}
    if kind == "premise" and "each_at" in truth:
        judged = pick(["holds", "no_such_entity", "more_than_one"])
        guess = pick(sorted(kg.graph))
        return {"answer": [guess] if judged == "holds" else None, "premise": judged,
                "failing": None if judged == "holds" else guess}
    if kind == "premise":
        judged, guess = pick(["holds", "no_such_entity", "more_than_one"]), pick(sorted(kg.graph))
        return {"answer": guess if judged == "holds" else None, "premise": judged,
                "failing": None if judged == "holds" else guess}
    return {"count": pick(list(range(truth["naive"] + 1)))}


def mutants(kg: WikidataGraph, kind: str, truth: dict[str, Any]) -> Answers:
    """Near misses: a pair a km or more (a day or more) further than the optimum, one person twice, the pair
    swapped, a person without the role; the premise-blind answers (one of several values, a step read
    backwards); the count one off, without its negation, and as each hasty rendering of it counts."""
    ref = truth["reference"]
    if kind == "superlative":
        spec = truth["spec"]
        sign = 1 if spec["direction"] == "min" else -1
        out = [{"a": ref["a"], "b": ref["a"]}]
        swapped_holds = (has_role(kg, spec["roles"]["a"], "?a", ref["b"])
                         and has_role(kg, spec["roles"]["b"], "?b", ref["a"])
                         and ("relation" not in spec or kg.has(ref["b"], spec["relation"], ref["a"])))
        out += [] if swapped_holds else [{"a": ref["b"], "b": ref["a"]}]  # the pair in the wrong order
        pairs = ([(s, o) for s, o, k in kg.graph.edges(keys=True) if k == spec["relation"]] if "relation" in spec
                 else [(ref["a"], b) for b in kg.subjects("P31", "Q5") if has_role(kg, spec["roles"]["b"], "?b", b)])
        worse = sorted((sign * m, a, b) for a, b in pairs if a != b
                       and (m := measure(kg, spec["measure"], a, b)) is not None
                       and sign * (m - truth["optimum"]) >= 2 * truth["tolerance"])
        out += [{"a": a, "b": b} for _, a, b in worse[:1]]  # the best pair of those a step too far
        outsider = next((x for x in kg.subjects("P31", "Q5") if not has_role(kg, spec["roles"]["b"], "?b", x)), None)
        return out + ([{"a": ref["a"], "b": outsider}] if outsider and outsider != ref["a"] else [])
    if kind == "premise" and "each_at" in truth:
        if truth["premise"] != "holds":  # the failing branch missed, its failure misnamed or misplaced
            other = "more_than_one" if truth["premise"] == "no_such_entity" else "no_such_entity"
            failing = truth["failing"]
            return [{"answer": truth["first_branch"], "premise": "holds", "failing": None},
                    {"answer": None, "premise": other, "failing": failing},
                    {"answer": None, "premise": truth["premise"], "failing": None},
                    *({"answer": None, "premise": truth["premise"], "failing": x}
                      for x in (truth["start"], min(truth["branches"])) if x != failing)]
        ends, first = truth["answer"], truth["first_branch"]
        return [*({"answer": None, "premise": p, "failing": truth["start"]} for p in ("more_than_one", "no_such_entity")),
                *({"answer": a, "premise": "holds", "failing": None}
                  for a in [*([first] if first != ends else []), ends[1:], [*ends, truth["start"]], None])]
    if kind == "premise":
        last = truth["nodes"][-1]
        if truth["premise"] == "holds":
            return [{"answer": None, "premise": "no_such_entity", "failing": last},
                    {"answer": None, "premise": "more_than_one", "failing": last},
                    {"answer": last, "premise": "holds", "failing": None}]
        other = "more_than_one" if truth["premise"] == "no_such_entity" else "no_such_entity"
        backwards = sorted(premise_misreadings(kg, truth["nodes"], truth["path"], truth["fails_at"])["reversed"])
        return [{"answer": (truth["ends"] or truth["nodes"])[0], "premise": "holds", "failing": None},
                {"answer": None, "premise": other, "failing": last},
                {"answer": None, "premise": "holds", "failing": None},
                *({"answer": None, "premise": truth["premise"], "failing": x}  # the break placed elsewhere
                  for x in [None, truth["start"]] if x != last),
                *({"answer": x, "premise": "holds", "failing": None} for x in backwards[:1])]  # read backwards
    traps = [{"count": v} for _, v in sorted(truth.get("traps", {}).items())]  # the hasty SPARQL renderings
    return [{"count": truth["count"] + 1}, {"count": truth["count"] - 1}, {"count": truth["naive"]}, *traps]

