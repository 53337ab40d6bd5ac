"""The wikidata family's hooks for scripted agents and `tasks.check` (see generators.base): the naive and
random guesses, valid calls of every tool, every correct answer found again with SPARQL on rdflib (apart
from the generator's graph walks), and near misses that must fail.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

from generators import tool_kind
from graphs.wikidata import (
    DATES,
    QUANTITIES,
    Snapshot,
    env_text,
    first_with_roles,
    haversine_km,
    instantiate,
    load_env,
    parse_point,
    roles_shown,
    short,
    witness,
)
from generators import wikidata_puzzles_checks as puzzles
from tasks.task import Task

PUZZLES = ("superlative", "premise", "count")  # their hooks are in generators.wikidata_puzzles_checks


def _kind(task: Task) -> str:
    return task.family.split(".", 1)[1]


def _pick(items: list[Any], rng: Any) -> Any:
    return items[int(rng.random() * len(items))]


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: one hop instead of the whole chain, every instance having the first property,
    or the first people with each role, whatever their distance."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.baseline(task, rng)
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind in PUZZLES:
        return puzzles.baseline(kg, kind, truth)
    if kind == "chain":
        return {"answer": truth["nodes"][1]}
    if kind == "set":
        first = truth["path"][0]
        return {"entities": [x for x in kg.subjects("P31", truth["class"]) if kg.objects(x, first)]}
    spec = truth["spec"]
    a, b = first_with_roles(kg, spec)
    births = [[x, "P19", o] for x in (a, b) for o in kg.objects(x, "P19")]
    return {"a": a, "b": b, "triples": roles_shown(kg, spec, a, b) + births}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: a random entity, a random subset of the class, two random people."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.random_answer(task, rng)
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind in PUZZLES:
        return puzzles.random_answer(kg, kind, truth, lambda items: _pick(items, rng))
    if kind == "chain":
        return {"answer": _pick(sorted(kg.graph), rng)}
    if kind == "set":
        return {"entities": [x for x in kg.subjects("P31", truth["class"]) if rng.random() < 0.2]}
    people = kg.subjects("P31", "Q5")
    a, b = _pick(people, rng), _pick(people, rng)
    return {"a": a, "b": b, "triples": [[x, "P19", o] for x in (a, b) for o in kg.objects(x, "P19")]}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every tool on the entities the question names and on random ones."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.probe_calls(task, rng)
    kg, truth = load_env(task.env)[1], task.truth
    named = sorted({e for e in kg.labels if f"({e})" in task.prompt})
    places = sorted(kg.coords)
    calls: list[tuple[str, dict[str, Any]]] = [("search_entities", {"text": "Curie"})]
    for entity in named[:3] + [_pick(sorted(kg.graph), rng)]:
        calls += [("search_entities", {"text": kg.labels[entity]}), ("get_entity", {"entity_id": entity}),
                  ("sparql", {"query": f"SELECT ?p ?o WHERE {{ wd:{entity} ?p ?o }} LIMIT 20"})]
    calls += [("sparql", {"query": f"ASK {{ wd:{truth.get('start', 'Q937')} wdt:P31 wd:Q5 }}"}),
              ("distance_km", {"pairs": [[_pick(places, rng), _pick(places, rng)] for _ in range(3)]})]
    return [call for call in calls if call[0] in task.tools]  # no sparql under --no-sparql


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
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.enumerate_answers(task)
    store, truth, kind = _second_engine(task.env), task.truth, _kind(task)
    names = _unique_names(store)
    if kind == "superlative":
        return puzzles.enumerate_superlative(store, truth)
    if kind == "premise":
        return puzzles.enumerate_premise(store, truth, names)
    if kind == "count":
        return puzzles.enumerate_count(store, truth)
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
    direct = "FILTER NOT EXISTS { { ?a ?q ?b } UNION { ?b ?q ?a } }" if kind == "fact" else ""
    rows = store.select(f"SELECT DISTINCT * WHERE {{ {_where(patterns)} {coords} FILTER(?a != ?b) {direct} }}")
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
    if link["kind"] == "same":
        return binding[link["between"][0]] == binding[link["between"][1]]
    if link["kind"] == "within":
        first, second = (datetime.date.fromisoformat(binding[v]) for v in link["between"])
        return abs((first - second).days) <= link["max_days"]
    if link["kind"] == "number_day":
        number, day = (binding[v] for v in link["between"])
        return float(number) == int(day[8:10])
    return binding[link["earlier"]] < binding[link["later"]]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Corruptions that must fail: a node short of the end or a sibling; a member dropped, added or
    doubled; a triple reversed or on the wrong property, a support dropped, a partner too far away."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.mutants(task)
    kg, truth, kind = load_env(task.env)[1], task.truth, _kind(task)
    if kind in PUZZLES:
        return puzzles.mutants(kg, kind, truth)
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
        if p not in (*DATES, *QUANTITIES) and not kg.holds(o, p, s):
            out.append({**ref, "triples": [*others, [o, p, s]]})
        if p == "P19" and not kg.holds(s, "P20", o):
            out.append({**ref, "triples": [*others, [s, "P20", o]]})
        if p == "P19" and s == ref["b"]:
            out.append({**ref, "triples": others})
    far = [b for b in kg.subjects(*spec["roles"]["b"][-1][1:]) if b != ref["a"] and kg.objects(b, "P19")
           and not witness(kg, spec["links"], ref["a"], b)] if len(spec["roles"]["b"]) == 1 else []
    for b in far[:1]:
        role = instantiate(kg, spec["roles"]["b"], {"?b": b})
        mine = [t for t in triples if t[0] != ref["b"]]
        out.append({"a": ref["a"], "b": b, "triples": mine + role + [[b, "P19", kg.objects(b, "P19")[0]]]})
    return out
