"""Questions answered on the Wikidata graph itself: pattern bindings found through its index (not by
scanning every statement), counts with a negated condition, and the measures a superlative optimises
(the distance between two people's places of birth, the days between their dates of birth).
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator

from graphs.wikidata import DATES, QUANTITIES, WikidataGraph, haversine_km, is_var

MEASURES = {  # name -> (what it measures, in short, the tolerance within which an answer is optimal)
    "birthplace_km": ("the great-circle (haversine) distance between their places of birth (P19), as "
                      "distance_km computes it", "distance", "0.5 km", 0.5),
    "birthday_days": ("the number of days between their dates of birth (P569)", "number of days",
                      "one day", 1.0),
}


def solve(kg: WikidataGraph, patterns: list[list[str]], binding: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every extension of binding under which each (s, p, o) pattern is a statement of the graph.

    Patterns are solved in order; give each a bound subject or object (or a constant) where possible.
    """
    if not patterns:
        yield dict(binding)
        return
    (s, p, o), rest = patterns[0], patterns[1:]
    s, o = binding.get(s, s), binding.get(o, o)
    if not is_var(s):
        pairs = [(s, v) for v in kg.values(s, p)]
    elif not is_var(o) and p not in (*DATES, *QUANTITIES):
        pairs = [(x, o) for x in kg.subjects(p, o)]
    elif p in (*DATES, *QUANTITIES):
        pairs = sorted((x, v) for (x, q), v in (*kg.dates.items(), *kg.quantities.items()) if q == p)
    else:
        pairs = sorted((x, y) for x, y, k in kg.graph.edges(keys=True) if k == p)
    for x, y in pairs:
        if (is_var(o) or y == o) and (not is_var(s) or s != o or x == y):
            yield from solve(kg, rest, {**binding, **({s: x} if is_var(s) else {}),
                                        **({o: y} if is_var(o) else {})})


# p -> the properties whose statements, read backwards, a hasty reader takes for p's (Y P184 X for X's P185)
CONVERSE = {"P184": ("P185",), "P185": ("P184",), "P26": ("P26",), "P50": ("P800",), "P170": ("P800",),
            "P800": ("P50", "P170")}


def reverse_links(kg: WikidataGraph, entity: str, p: str) -> list[str]:
    """The entities a reverse reading of "the p of entity" reaches: the subjects of `?y p entity` and of
    `?y p' entity` for p's converse p'. A premise question's prompt says these are not values of p."""
    converse = [y for q in CONVERSE.get(p, ()) for y in kg.subjects(q, entity)]
    return sorted({*kg.subjects(p, entity), *converse} - {entity})


def premise_misreadings(kg: WikidataGraph, nodes: list[str], path: list[str], fails_at: int) -> dict[str, set[str]]:
    """What hasty readings of a premise question answer: `reversed`, the entities reached by following
    the deciding step (path[fails_at], from nodes[-1]) as a reverse link and the rest of the path on
    from there; `short`, the entities the chain passes before its end."""
    reach = set(reverse_links(kg, nodes[-1], path[fails_at]))
    for p in path[fails_at + 1:]:
        reach = {o for x in reach for o in kg.objects(x, p)}
    return {"reversed": reach, "short": set(nodes)}


def has_role(kg: WikidataGraph, patterns: list[list[str]], var: str, entity: str) -> bool:
    """Whether the entity, bound to var, meets every pattern."""
    return next(solve(kg, patterns, {var: entity}), None) is not None


def count_without(kg: WikidataGraph, base: list[list[str]], none: list[list[str]]) -> tuple[int, int]:
    """(how many ?x meet base and no binding of none, how many meet base): a count and its naive twin."""
    xs = sorted({b["?x"] for b in solve(kg, base, {})})
    kept = [x for x in xs if next(solve(kg, none, {"?x": x}), None) is None]
    return len(kept), len(xs)


COUNT_TRAPS = ("negation_ignored", "negation_per_value", "duplicates_counted")  # count_traps' reasons, in order


def count_traps(kg: WikidataGraph, base: list[list[str]], none: list[list[str]]) -> dict[str, int]:
    """What hasty SPARQL renderings of a count with a negation give, by reason code: `negation_ignored`
    (the negated patterns left out), `negation_per_value` (the negation joined per value, `?x P ?y`
    kept and only `?y`'s condition negated: ?x counts when some value fails it, and ?x without a value
    drops out) and `duplicates_counted` (COUNT without DISTINCT: one per binding of base's variables)."""
    bindings = list(solve(kg, base, {}))
    xs = sorted({b["?x"] for b in bindings})
    kept = {x for x in xs if next(solve(kg, none, {"?x": x}), None) is None}
    traps = {"negation_ignored": len(xs),
             "duplicates_counted": len({tuple(sorted(b.items())) for b in bindings if b["?x"] in kept})}
    if len(none) == 2 and none[0][0] == "?x" and none[1][0] == none[0][2]:  # ?x P ?y . ?y Q obj
        (_, p, y), rest = none[0], none[1:]
        traps["negation_per_value"] = sum(
            1 for x in xs if any(next(solve(kg, rest, {y: v}), None) is None for v in kg.objects(x, p)))
    return traps


def measure(kg: WikidataGraph, name: str, a: str, b: str) -> float | None:
    """The measure between a and b (the smallest over their values), None if either lacks the values."""
    if name == "birthplace_km":
        km = [haversine_km(kg.coords[x], kg.coords[y]) for x in kg.objects(a, "P19") for y in kg.objects(b, "P19")
              if x in kg.coords and y in kg.coords]
        return min(km) if km else None
    days = [abs((datetime.date.fromisoformat(x) - datetime.date.fromisoformat(y)).days)
            for x in kg.values(a, "P569") for y in kg.values(b, "P569") if _is_date(x) and _is_date(y)]
    return float(min(days)) if days else None


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True
