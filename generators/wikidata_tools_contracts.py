"""The wikidata family's tool contracts: `closest_pair`, the two entities closest to each other by the
great-circle distance the family's linked_fact kind uses (graphs.wikidata.haversine_km), among pairs
that meet a condition on a property; any optimal pair is accepted; `farthest_pair`, its opposite; and
`within_radius`, the entities within a distance of one of them (a center without coordinates to be
rejected with ValueError), on up to 10 000 entities.

The implementations below are self-contained functions whose source becomes submitted code.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from generators.tool_kind import Contract
from graphs.wikidata import haversine_km

TOLERANCE_KM = 1e-3  # a pair this much (1 m) farther than the optimum is still optimal: haversine
# written another way (atan2, another order) differs by up to ~1e-4 km near antipodes
COUNTRIES = ("Q142", "Q183", "Q30", "Q17", "Q155")
TRIES = 30


# --- drawing instances -----------------------------------------------------------------------------------

def _pairs(args: list[Any]) -> list[tuple[float, str, str]]:
    """(distance, a, b) of every pair that meets the constraint, a before b in the list."""
    entities, constraint = args
    (rule, prop), = constraint.items()
    located = [e for e in entities if e.get("coord") is not None]
    return [(haversine_km(tuple(a["coord"]), tuple(b["coord"])), a["id"], b["id"])
            for a, b in itertools.combinations(located, 2)
            if (a.get(prop) == b.get(prop)) == (rule == "same")]


def _solve(args: list[Any]) -> list[str] | None:
    pairs = _pairs(args)
    return list(min(pairs)[1:]) if pairs else None


def _entity(rng: np.random.Generator, number: int, coord: list[float] | None, country: str) -> dict[str, Any]:
    return {"id": f"Q{number}", "coord": coord, "country": country}


def _random_coord(rng: np.random.Generator) -> list[float]:
    return [round(float(rng.uniform(-60, 70)), 4), round(float(rng.uniform(-180, 180)), 4)]


def _constraint(rng: np.random.Generator) -> dict[str, str]:
    return {"different" if rng.random() < 0.5 else "same": "country"}


def draw(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """`size` entities with coordinates (some without) and countries, and a condition on the pairs:
    random, or the named edge case planted among random entities."""
    for _ in range(TRIES):
        numbers = [int(n) for n in rng.choice(np.arange(100, 100_000), size=size, replace=False)]
        constraint = _constraint(rng)
        (rule, _), = constraint.items()
        countries = [COUNTRIES[int(rng.integers(len(COUNTRIES)))] for _ in range(size)]
        coords: list[list[float] | None] = [_random_coord(rng) for _ in range(size)]
        planted: list[tuple[int, int]] = []
        if kind == "antimeridian":  # about 10 km apart across longitude 180
            lat = round(float(rng.uniform(-50, 50)), 4)
            coords[0], coords[1] = [lat, 179.95], [lat, -179.96]
            planted = [(0, 1)]
        elif kind == "high_latitude":  # near the pole a degree of longitude is short: 30 degrees apart...
            coords[0], coords[1] = [85.0, 10.0], [85.0, 40.0]
            polar = haversine_km((85.0, 10.0), (85.0, 40.0))
            gap = round(1.2 * polar / (6371.0 * math.pi / 180), 4)  # ...beat 1.2 times that on the equator
            coords[2], coords[3] = [0.0, 20.0], [0.0, round(20.0 + gap, 4)]
            planted = [(0, 1), (2, 3)]
        elif kind == "ties":  # two pairs at the same place each: distance 0 twice
            coords[1], coords[3] = list(coords[0]), list(coords[2])
            planted = [(0, 1), (2, 3)]
        elif kind == "missing_coordinates":
            for k in range(0, size, 3):
                coords[k] = None
        elif kind == "no_pair":  # one country for all where they must differ, all different otherwise
            unique = [f"Q{9000 + k}" for k in range(size)]
            countries = [COUNTRIES[0]] * size if rule == "different" else unique
        for a, b in planted:  # planted pairs meet the condition
            countries[b] = countries[a] if rule == "same" else next(c for c in COUNTRIES if c != countries[a])
        entities = [_entity(rng, n, c, k) for n, c, k in zip(numbers, coords, countries, strict=True)]
        for e in entities:
            if e["coord"] is None:
                del e["coord"]  # a missing coordinate is a missing key, as in Wikidata
        args = [entities, constraint]
        if _holds(kind, args, [(numbers[a], numbers[b]) for a, b in planted]):
            order = rng.permutation(size)
            return [[entities[int(i)] for i in order], constraint]
    raise AssertionError(f"no {kind} instance in {TRIES} tries")


def _holds(kind: str | None, args: list[Any], planted: list[tuple[int, int]]) -> bool:
    best = _solve(args)
    if kind is None:
        return True
    if kind == "no_pair":
        return best is None
    if kind == "missing_coordinates":
        return best is not None and any("coord" not in e for e in args[0])
    if best is None:
        return False
    names = {frozenset((f"Q{a}", f"Q{b}")) for a, b in planted}
    if kind == "high_latitude":  # the polar pair, not the equatorial one, is the closest
        return frozenset(best) == frozenset((f"Q{planted[0][0]}", f"Q{planted[0][1]}"))
    return frozenset(best) in names


def judge(args: list[Any], value: Any) -> str | None:
    """Two different entities with coordinates that meet the condition, no farther apart than the
    closest such pair (any optimal pair, either order); None exactly when no pair meets it."""
    pairs = _pairs(args)
    if value is None:
        return None if not pairs else "wrong"
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    if not pairs:
        return "wrong"
    distance = {frozenset((a, b)): d for d, a, b in pairs}.get(frozenset(value))
    return None if distance is not None and distance <= min(pairs)[0] + TOLERANCE_KM else "wrong"


# --- implementations: their source is submitted code -----------------------------------------------------

def reference(entities, constraint):
    """Every pair, by the haversine formula."""
    import math
    from itertools import combinations

    (rule, prop), = constraint.items()

    def km(a, b):
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

    located = [e for e in entities if e.get("coord") is not None]
    pairs = [(km(a["coord"], b["coord"]), a["id"], b["id"]) for a, b in combinations(located, 2)
             if (a.get(prop) == b.get(prop)) == (rule == "same")]
    return list(min(pairs)[1:]) if pairs else None


def with_numpy(entities, constraint):
    """numpy: the whole distance matrix at once, pairs that break the condition masked out."""
    import numpy as np

    (rule, prop), = constraint.items()
    located = [e for e in entities if e.get("coord") is not None]
    if len(located) < 2:
        return None
    lat, lon = np.radians(np.array([e["coord"] for e in located], dtype=float)).T
    h = (np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
         + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2)
    d = 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    values = [e.get(prop) for e in located]
    same = np.array([[x == y for y in values] for x in values])
    ok = (same if rule == "same" else ~same) & ~np.eye(len(located), dtype=bool)
    if not ok.any():
        return None
    i, j = np.unravel_index(np.argmin(np.where(ok, d, np.inf)), d.shape)
    return [located[i]["id"], located[j]["id"]]


def by_chords(entities, constraint):
    """By hand, without trigonometry in the comparison: points on the unit sphere, the shortest chord
    (a chord grows with the arc it spans)."""
    import math

    (rule, prop), = constraint.items()
    points = []
    for e in entities:
        if e.get("coord") is not None:
            lat, lon = (math.radians(v) for v in e["coord"])
            points.append((e, (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))))
    best = None
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            (a, p), (b, q) = points[i], points[j]
            if (a.get(prop) == b.get(prop)) != (rule == "same"):
                continue
            chord = sum((u - v) ** 2 for u, v in zip(p, q, strict=True))
            if best is None or chord < best[0]:
                best = (chord, [a["id"], b["id"]])
    return None if best is None else best[1]


def flat_degrees(entities, constraint):
    """Mutant: distance as if latitude and longitude were flat coordinates in degrees."""
    from itertools import combinations

    (rule, prop), = constraint.items()
    located = [e for e in entities if e.get("coord") is not None]
    pairs = [((a["coord"][0] - b["coord"][0]) ** 2 + (a["coord"][1] - b["coord"][1]) ** 2, a["id"], b["id"])
             for a, b in combinations(located, 2) if (a.get(prop) == b.get(prop)) == (rule == "same")]
    return list(min(pairs)[1:]) if pairs else None


def ignores_constraint(entities, constraint):
    """Mutant: the closest pair of all, whatever the condition says."""
    import math
    from itertools import combinations

    def km(a, b):
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

    located = [e for e in entities if e.get("coord") is not None]
    pairs = [(km(a["coord"], b["coord"]), a["id"], b["id"]) for a, b in combinations(located, 2)]
    return list(min(pairs)[1:]) if pairs else None


def assumes_coordinates(entities, constraint):
    """Mutant: the reference, reading every entity's coordinates as if all had them."""
    import math
    from itertools import combinations

    (rule, prop), = constraint.items()

    def km(a, b):
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

    coords = {e["id"]: e["coord"] for e in entities}
    pairs = [(km(coords[a["id"]], coords[b["id"]]), a["id"], b["id"]) for a, b in combinations(entities, 2)
             if (a[prop] == b[prop]) == (rule == "same")]
    return list(min(pairs)[1:]) if pairs else None


def first_two(entities, constraint):
    """The naive answer: the first two entities listed."""
    return [entities[0]["id"], entities[1]["id"]]


# --- farthest_pair and within_radius ----------------------------------------------------------------------

MANY = 10_000  # entities of the largest within_radius instance
MARGIN_KM = 0.01  # no entity lies this close to the radius, so rounding never decides membership


def _solve_farthest(args: list[Any]) -> list[str] | None:
    pairs = _pairs(args)
    return list(max(pairs)[1:]) if pairs else None


def draw_farthest(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """Entities and a condition: random, or the edge case planted among random entities."""
    entities, constraint = draw(rng, size, "missing_coordinates" if kind == "missing_coordinates" else None)
    (rule, _), = constraint.items()
    if kind == "antimeridian":  # far apart on the map, close on the globe; the true farthest elsewhere
        for e, lon in zip(entities[:2], (179.5, -179.5), strict=True):
            e["coord"], e["country"] = [0.0, lon], entities[0]["country"]
        if rule == "different":
            entities[1]["country"] = next(c for c in COUNTRIES if c != entities[0]["country"])
    elif kind == "no_pair":
        entities, constraint = draw(rng, size, "no_pair")
    return [entities, constraint]


def judge_farthest(args: list[Any], value: Any) -> str | None:
    """Two entities with coordinates that meet the condition, no nearer than the farthest such pair."""
    pairs = _pairs(args)
    if value is None:
        return None if not pairs else "wrong"
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return "wrong_type"
    distance = {frozenset((a, b)): d for d, a, b in pairs}.get(frozenset(value))
    return None if distance is not None and distance >= max(pairs)[0] - TOLERANCE_KM else "wrong"


def farthest_reference(entities, constraint):
    """Every pair, by the haversine formula."""
    import math
    from itertools import combinations

    (rule, prop), = constraint.items()

    def km(a, b):
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

    located = [e for e in entities if e.get("coord") is not None]
    pairs = [(km(a["coord"], b["coord"]), a["id"], b["id"]) for a, b in combinations(located, 2)
             if (a.get(prop) == b.get(prop)) == (rule == "same")]
    return list(max(pairs)[1:]) if pairs else None


def farthest_with_numpy(entities, constraint):
    """numpy: the longest chord between unit vectors, pairs that break the condition masked out."""
    import numpy as np

    (rule, prop), = constraint.items()
    located = [e for e in entities if e.get("coord") is not None]
    if len(located) < 2:
        return None
    lat, lon = np.radians(np.array([e["coord"] for e in located], dtype=float)).T
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
    chord = ((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(axis=2)
    values = [e.get(prop) for e in located]
    same = np.array([[x == y for y in values] for x in values])
    ok = (same if rule == "same" else ~same) & ~np.eye(len(located), dtype=bool)
    if not ok.any():
        return None
    i, j = np.unravel_index(np.argmax(np.where(ok, chord, -1.0)), chord.shape)
    return [located[i]["id"], located[j]["id"]]


def farthest_by_angles(entities, constraint):
    """By hand: the central angle of every pair from unit vectors, atan2(|u x v|, u . v), not haversine."""
    import math

    (rule, prop), = constraint.items()
    located = []
    for e in entities:
        if e.get("coord") is not None:
            lat, lon = map(math.radians, e["coord"])
            unit = (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))
            located.append((e["id"], e.get(prop), unit))
    best = None
    for i, (a, va, u) in enumerate(located):
        for b, vb, v in located[i + 1:]:
            if (va == vb) != (rule == "same"):
                continue
            cross = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
            dot = sum(p * q for p, q in zip(u, v, strict=True))
            angle = math.atan2(math.sqrt(sum(c * c for c in cross)), dot)
            if best is None or angle > best[0]:
                best = (angle, a, b)
    return None if best is None else [best[1], best[2]]


def farthest_flat(entities, constraint):
    """Mutant: distance as if latitude and longitude were flat coordinates in degrees."""
    from itertools import combinations

    (rule, prop), = constraint.items()
    located = [e for e in entities if e.get("coord") is not None]
    pairs = [((a["coord"][0] - b["coord"][0]) ** 2 + (a["coord"][1] - b["coord"][1]) ** 2, a["id"], b["id"])
             for a, b in combinations(located, 2) if (a.get(prop) == b.get(prop)) == (rule == "same")]
    return list(max(pairs)[1:]) if pairs else None


def farthest_first_two(entities, constraint):
    """The naive answer: the first two entities listed."""
    return [entities[0]["id"], entities[1]["id"]]


def _km(a: list[float], b: list[float]) -> float:
    return haversine_km(tuple(a), tuple(b))


def _solve_radius(args: list[Any]) -> int:
    entities, center, radius = args
    at = next(e.get("coord") for e in entities if e["id"] == center)
    return sum(1 for e in entities if e["id"] != center and e.get("coord") is not None
               and _km(at, e["coord"]) <= radius)


def _center_unlocated(args: list[Any]) -> bool:
    entities, center, _ = args
    return next(e for e in entities if e["id"] == center).get("coord") is None


def draw_radius(rng: np.random.Generator, size: int, kind: str | None) -> list[Any]:
    """`size` entities (some without coordinates), a center among them and a radius: random, or the edge
    case; no entity lies within MARGIN_KM of the radius."""
    numbers = [int(n) for n in rng.choice(np.arange(100, 10 * size + 1000), size=size, replace=False)]
    entities = [{"id": f"Q{n}", "coord": _random_coord(rng)} for n in numbers]
    for e in entities[2:]:
        if rng.random() < 0.1:
            del e["coord"]
    center = entities[0]
    if kind == "antimeridian":
        center["coord"] = [round(float(rng.uniform(-60, 60)), 4), round(float(rng.uniform(178, 180)), 4)]
    elif kind == "high_latitude":
        center["coord"] = [round(float(rng.uniform(80, 89)), 4), round(float(rng.uniform(-180, 180)), 4)]
    elif kind == "center_unlocated":
        del center["coord"]
    radius = round(float(rng.uniform(300, 1500)), 1)
    if "coord" in center:  # crowd the center's neighbourhood, the far side of the map included
        lat, lon = center["coord"]
        for e in entities[1:1 + max(5, size // 50)]:
            e["coord"] = [round(min(89.9, max(-89.9, lat + float(rng.normal(0, 8)))), 4),
                          round((lon + float(rng.normal(0, 25)) + 180) % 360 - 180, 4)]
        for e in entities[1:]:
            if e.get("coord") is not None and abs(_km(center["coord"], e["coord"]) - radius) < MARGIN_KM:
                del e["coord"]
    order = rng.permutation(size)
    return [[entities[int(i)] for i in order], center["id"], radius]


def judge_radius(args: list[Any], value: Any) -> str | None:
    """The number of entities within the radius, the center excluded."""
    if type(value) is not int:  # noqa: E721 (a bool is no count)
        return "wrong_type"
    return None if value == _solve_radius(args) else "wrong"


def radius_reference(entities, center, radius_km):
    """The haversine distance of every located entity to the center."""
    import math

    at = next(e for e in entities if e["id"] == center).get("coord")
    if at is None:
        raise ValueError("the center has no coordinates")
    lat1, lon1 = map(math.radians, at)
    found = []
    for e in entities:
        if e["id"] == center or e.get("coord") is None:
            continue
        lat2, lon2 = map(math.radians, e["coord"])
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        if 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h))) <= radius_km:
            found.append(e["id"])
    return len(found)


def radius_with_numpy(entities, center, radius_km):
    """numpy: chords between unit vectors, against the chord of the radius's arc."""
    import numpy as np

    at = next(e for e in entities if e["id"] == center).get("coord")
    if at is None:
        raise ValueError("the center has no coordinates")
    others = [e for e in entities if e["id"] != center and e.get("coord") is not None]
    if not others:
        return 0
    lat, lon = np.radians(np.array([e["coord"] for e in others] + [at], dtype=float)).T
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
    chord = np.sqrt(((xyz[:-1] - xyz[-1]) ** 2).sum(axis=1))
    limit = 2 * np.sin(min(np.pi, radius_km / 6371.0) / 2)
    return int((chord <= limit).sum())


def radius_by_angles(entities, center, radius_km):
    """By hand: the central angle to the center from unit vectors, atan2(|u x v|, u . v), against the
    radius's angle."""
    import math

    def unit(coord):
        lat, lon = map(math.radians, coord)
        return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)

    at = next(e for e in entities if e["id"] == center).get("coord")
    if at is None:
        raise ValueError("the center has no coordinates")
    u, count = unit(at), 0
    for e in entities:
        if e["id"] == center or e.get("coord") is None:
            continue
        v = unit(e["coord"])
        cross = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
        dot = sum(p * q for p, q in zip(u, v, strict=True))
        angle = math.atan2(math.sqrt(sum(c * c for c in cross)), dot)
        count += angle * 6371.0 <= radius_km
    return count


def radius_flat(entities, center, radius_km):
    """Mutant: degrees as flat coordinates, 111.195 km a degree."""
    at = next(e for e in entities if e["id"] == center).get("coord")
    if at is None:
        raise ValueError("the center has no coordinates")
    def flat_km(c):
        return ((c[0] - at[0]) ** 2 + (c[1] - at[1]) ** 2) ** 0.5 * 111.195

    return sum(1 for e in entities if e["id"] != center and e.get("coord") is not None
               and flat_km(e["coord"]) <= radius_km)


def radius_keeps_center(entities, center, radius_km):
    """Mutant: the reference, but the center counted too, and 0 when it has no coordinates."""
    import math

    at = next(e for e in entities if e["id"] == center).get("coord")
    if at is None:
        return 0
    lat1, lon1 = map(math.radians, at)
    found = []
    for e in entities:
        if e.get("coord") is None:
            continue
        lat2, lon2 = map(math.radians, e["coord"])
        h = (math.sin((lat2 - lat1) / 2) ** 2
             + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
        if 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h))) <= radius_km:
            found.append(e["id"])
    return len(found)


def radius_nobody(entities, center, radius_km):
    """The naive answer: nobody."""
    return 0


CONTRACTS = {
    "closest_pair": Contract(
        name="closest_pair",
        signature="closest_pair(entities, constraint) -> list[str] | None",
        summary="Given Wikidata-style entities with coordinates and a condition on pairs, return the ids of "
                "the two different entities, both with coordinates, that meet the condition and are the "
                "closest to each other by great-circle distance (the haversine formula on a sphere of "
                "radius 6371 km). Return None if no pair meets the condition.",
        input_format="entities: a list of dicts {\"id\": \"Q90\", \"coord\": [latitude, longitude] in "
                     "degrees, \"country\": \"Q142\"}; an entity without coordinates has no \"coord\" key. "
                     "constraint: {\"same\": \"country\"} (the two share the value of that key) or "
                     "{\"different\": \"country\"} (their values differ).",
        returns="[a, b], two entity ids in either order, or None.",
        judged_by=f"correct if the two entities meet the condition and are no farther apart than the closest "
                  f"pair that does (within {TOLERANCE_KM} km, for rounding); any closest pair is accepted. "
                  f"None is correct exactly when no pair meets the condition.",
        unit="entities",
        min_size=6,
        edge_cases={
            "antimeridian": "the closest pair lies on both sides of longitude 180",
            "high_latitude": "near a pole, where a degree of longitude spans few kilometres",
            "missing_coordinates": "entities without coordinates (no \"coord\" key): they are in no pair",
            "no_pair": "no pair meets the condition: the answer is None",
            "ties": "two pairs at the same distance (entities at one place): either is accepted",
        },
        draw=draw, judge=judge, solve=_solve, reference=reference,
        alternatives=(with_numpy, by_chords),
        mutants=(flat_degrees, ignores_constraint, assumes_coordinates),
        baseline=first_two,
    ),
    "farthest_pair": Contract(
        name="farthest_pair",
        signature="farthest_pair(entities, constraint) -> list[str] | None",
        summary="Given Wikidata-style entities with coordinates and a condition on pairs, return the ids of "
                "the two different entities, both with coordinates, that meet the condition and are the "
                "farthest from each other by great-circle distance (the haversine formula on a sphere of "
                "radius 6371 km). Return None if no pair meets the condition.",
        input_format="entities: a list of dicts {\"id\": \"Q90\", \"coord\": [latitude, longitude] in "
                     "degrees, \"country\": \"Q142\"}; an entity without coordinates has no \"coord\" "
                     "key. constraint: {\"same\": \"country\"} (the two share the value of that key) or "
                     "{\"different\": \"country\"} (their values differ).",
        returns="[a, b], two entity ids in either order, or None.",
        judged_by=f"correct if the two entities meet the condition and are no nearer than the farthest "
                  f"pair that does (within {TOLERANCE_KM} km, for rounding); any farthest pair is accepted. "
                  f"None is correct exactly when no pair meets the condition.",
        unit="entities",
        min_size=6,
        edge_cases={
            "antimeridian": "two entities on both sides of longitude 180, far apart on a flat map",
            "missing_coordinates": "entities without coordinates (no \"coord\" key): they are in no pair",
            "no_pair": "no pair meets the condition: the answer is None",
        },
        draw=draw_farthest, judge=judge_farthest, solve=_solve_farthest, reference=farthest_reference,
        alternatives=(farthest_with_numpy, farthest_by_angles), mutants=(farthest_flat,),
        baseline=farthest_first_two,
        large_size=200, max_size=400,
    ),
    "within_radius": Contract(
        name="within_radius",
        signature="within_radius(entities, center, radius_km) -> int",
        summary="Given Wikidata-style entities and the id of one of them, the center, count the other "
                "entities with coordinates whose great-circle distance from the center (the haversine "
                "formula on a sphere of radius 6371 km) is at most radius_km. If the center has no "
                "coordinates, raise ValueError.",
        input_format="entities: a list of dicts {\"id\": \"Q90\", \"coord\": [latitude, longitude] in "
                     "degrees}; an entity without coordinates has no \"coord\" key. center: the id of one "
                     "of them; radius_km: a positive number.",
        returns="an int, how many entities.",
        judged_by=f"correct if it is exactly the number of those entities (no entity lies within "
                  f"{MARGIN_KM} km of the radius). Where the center has no coordinates only raising "
                  f"ValueError is correct.",
        unit="entities",
        min_size=6,
        edge_cases={
            "antimeridian": "a center near longitude 180, with entities on the other side of it",
            "center_unlocated": "the center has no coordinates: raise ValueError",
            "high_latitude": "a center near a pole, where a degree of longitude spans few kilometres",
        },
        draw=draw_radius, judge=judge_radius, solve=_solve_radius, reference=radius_reference,
        alternatives=(radius_with_numpy, radius_by_angles), mutants=(radius_flat, radius_keeps_center),
        baseline=radius_nobody, large_size=MANY, max_size=40_000, must_raise=_center_unlocated,
    ),
}
