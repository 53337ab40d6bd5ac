"""The superlative, premise, count and fact graders against answers found by brute force over rdflib's
own triples (a second distance formula), never the generator's code path."""
import dataclasses
import datetime
import itertools
import math
import re

import pytest
import rdflib
from rdflib import URIRef

import generators.wikidata as W
from generators.base import config_from
from graders.registry import grade
from tools.registry import call_tool
from graphs.wikidata import WD, WDT, snapshot_text


@pytest.fixture(scope="module")
def rdf():
    graph = rdflib.Graph()
    graph.parse(data=snapshot_text(), format="turtle")
    return graph


def _objects(rdf, s, p):
    return sorted(str(o).removeprefix(WD) for o in rdf.objects(URIRef(WD + s), URIRef(WDT + p)))


def _subjects(rdf, p, o):
    return sorted(str(s).removeprefix(WD) for s in rdf.subjects(URIRef(WDT + p), URIRef(WD + o)))


def _point(rdf, place):
    wkt = [str(o) for o in rdf.objects(URIRef(WD + place), URIRef(WDT + "P625"))]
    if not wkt:
        return None
    lon, lat = map(float, wkt[0].removeprefix("Point(").rstrip(")").split())
    return lat, lon


def _km(a, b):  # the spherical law of cosines: not the graph's haversine
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def _people_with(rdf, patterns, who):
    """People meeting a role's patterns, by brute force: the role is one triple or a discovery's class."""
    if len(patterns) == 1:
        return set(_subjects(rdf, patterns[0][1], patterns[0][2]))
    (_, p, _), (_, q, anchor) = patterns
    if p != "P61":  # two statements away: people with `p y` for some y with `q anchor`
        return {x for y in _subjects(rdf, q, anchor) for x in _subjects(rdf, p, y)}
    return {x for d in _subjects(rdf, "P31", patterns[1][2]) for x in _objects(rdf, d, "P61")}


def _measure(rdf, name, a, b):
    if name == "birthplace_km":
        points = [(_point(rdf, x), _point(rdf, y)) for x in _objects(rdf, a, "P19") for y in _objects(rdf, b, "P19")]
        km = [_km(u, v) for u, v in points if u and v]
        return min(km) if km else None
    days = [abs((datetime.date.fromisoformat(str(x)[:10]) - datetime.date.fromisoformat(str(y)[:10])).days)
            for x in rdf.objects(URIRef(WD + a), URIRef(WDT + "P569"))
            for y in rdf.objects(URIRef(WD + b), URIRef(WDT + "P569"))]
    return min(days) if days else None


def tasks(kind, seeds=range(3), **knobs):
    config = config_from(W, {"kind": kind, **knobs})
    return [W.generate(config, seed, index) for seed in seeds for index in range(3)]


def test_superlative_passes_every_pair_at_the_brute_force_optimum_and_no_other(rdf):
    seen = set()
    for task in tasks("superlative", seeds=range(4)) + tasks("superlative", seeds=range(10), pairs=0):
        spec = task.truth["spec"]
        if "relation" in spec:  # a and their doctoral advisor b
            candidates = [(a, b) for a in _subjects(rdf, "P31", "Q5") for b in _objects(rdf, a, spec["relation"])]
        else:
            xs_a, xs_b = (_people_with(rdf, spec["roles"][r], r) for r in "ab")
            candidates = list(itertools.product(sorted(xs_a), sorted(xs_b)))
        scored = {(a, b): m for a, b in candidates if a != b and (m := _measure(rdf, spec["measure"], a, b)) is not None}
        sign = 1 if spec["direction"] == "min" else -1  # the largest gap: the smallest negated gap
        best, tolerance = sign * min(sign * m for m in scored.values()), task.truth["tolerance"]
        for (a, b), m in scored.items():
            verdict = grade(task, {"a": a, "b": b})
            if sign * (m - best) <= tolerance - 1e-6:
                assert verdict.passed, (task.id, a, b)
            elif sign * (m - best) > tolerance + 1e-6:
                assert verdict.reasons == ("not_optimal",), (task.id, a, b, m, best)
        assert task.meta["passing"] == sum(sign * (m - best) <= tolerance for m in scored.values())
        seen.add((spec["direction"], "relation" in spec))
    assert seen == {("min", False), ("max", False), ("min", True), ("max", True)}


def test_superlative_draws_roles_two_statements_away_and_grades_them_by_brute_force(rdf):
    two_hop = [t for t in tasks("superlative", seeds=range(6))
               if any(len(r) == 2 and r[0][1] != "P61" for r in t.truth["spec"]["roles"].values())]
    assert two_hop  # the brute force above covers them; here: one is drawn at the default settings
    for task in two_hop:
        for who in "ab":
            people = _people_with(rdf, task.truth["spec"]["roles"][who], who)
            assert task.truth["reference"][who] in people


def test_superlative_rejects_a_person_without_the_role_and_one_person_twice():
    task = tasks("superlative")[0]
    a = task.truth["reference"]["a"]
    assert grade(task, {"a": a, "b": a}).reasons == ("same_entity",)
    assert grade(task, {"a": a, "b": "Q90"}).reasons == ("wrong_entity",)  # Paris has no role
    assert grade(task, {"a": a, "b": "Atlantis"}).reasons == ("unknown_node",)


def test_superlative_names_a_pair_given_in_the_wrong_order(rdf):
    related = [t for t in tasks("superlative", seeds=range(10), pairs=0) if "relation" in t.truth["spec"]]
    assert related
    for task in related:
        a, b = task.truth["reference"]["a"], task.truth["reference"]["b"]
        assert b in _objects(rdf, a, "P184") and a not in _objects(rdf, b, "P184")  # by rdflib, not the graph
        assert grade(task, {"a": b, "b": a}).reasons == ("roles_swapped",)


def _walk(rdf, start, path):
    """(the end, the judgement, the entity a failing step is read from) of a chain, on rdflib's triples."""
    node = start
    for p in path:
        ends = _objects(rdf, node, p)
        if len(ends) != 1:
            return None, "no_such_entity" if not ends else "more_than_one", node
        node = ends[0]
    return node, "holds", None


def test_premise_judges_each_question_as_a_brute_force_walk_does(rdf):
    seen = set()
    for task in tasks("premise", seeds=range(4), branch=0):
        answer, judged, failing = _walk(rdf, task.truth["start"], task.truth["path"])
        seen.add(judged)
        assert grade(task, {"answer": answer, "premise": judged, "failing": failing}).passed, task.id
        for other in {"holds", "no_such_entity", "more_than_one"} - {judged}:
            guess = {"answer": "Q90" if other == "holds" else None, "premise": other, "failing": failing}
            assert not grade(task, guess).passed, (task.id, guess)
        if judged != "holds":  # the break placed at another entity of the chain, or nowhere
            for elsewhere in [None, *(n for n in task.truth["nodes"] if n != failing)]:
                wrong = {"answer": None, "premise": judged, "failing": elsewhere}
                assert grade(task, wrong).reasons == ("wrong_failing_entity",), (task.id, elsewhere)
    assert seen == {"holds", "no_such_entity", "more_than_one"}  # mixed: no constant answer passes all


def test_premise_says_why_an_answer_fails():
    by = {t.truth["premise"]: t for t in tasks("premise", seeds=range(4), branch=0)}
    held, none, several = by["holds"], by["no_such_entity"], by["more_than_one"]
    at = {"failing": None}
    assert grade(held, {"answer": None, "premise": "no_such_entity", **at}).reasons == ("premise_wrongly_rejected",)
    assert grade(none, {"answer": "Q90", "premise": "holds", **at}).reasons == ("false_premise_missed",)
    assert grade(several, {"answer": several.truth["ends"][0], "premise": "holds", **at}).reasons == (
        "picked_one_of_several",)  # one of several values: the premise-blind answer
    misnamed = {"answer": None, "premise": "no_such_entity", "failing": several.truth["nodes"][-1]}
    assert grade(several, misnamed).reasons == ("wrong_premise_reason",)
    assert grade(held, {"answer": held.truth["start"], "premise": "holds", **at}).reasons == ("stopped_short",)


CONVERSE = {"P184": ["P185"], "P185": ["P184"], "P26": ["P26"], "P50": ["P800"], "P170": ["P800"],
            "P800": ["P50", "P170"]}


def _reversed_reach(rdf, truth):
    """By brute force on rdflib: the entities a step read backwards reaches, then the rest of the path."""
    last, p = truth["nodes"][-1], truth["path"][truth["fails_at"]]
    reach = set(_subjects(rdf, p, last)) | {y for q in CONVERSE.get(p, []) for y in _subjects(rdf, q, last)}
    for q in truth["path"][truth["fails_at"] + 1:]:
        reach = {o for x in reach for o in _objects(rdf, x, q)}
    return reach - {last}


def test_a_step_that_leads_nowhere_is_mostly_asked_where_it_exists_reversed(rdf):
    none = [t for t in tasks("premise", seeds=range(8), branch=0) if t.truth["premise"] == "no_such_entity"]
    trapped = [t for t in none if _reversed_reach(rdf, {**t.truth, "path": t.truth["path"][:t.truth["fails_at"] + 1]})]
    assert len(trapped) >= len(none) * 3 // 4 and all(t.truth["trap"] == "reversed" for t in trapped)
    for task in trapped:  # every entity the backwards reading gives fails, and says so
        for entity in sorted(_reversed_reach(rdf, task.truth)):
            assert grade(task, {"answer": entity, "premise": "holds", "failing": None}).reasons == (
                "followed_reverse_link",)
        assert grade(task, {"answer": None, "premise": "no_such_entity", "failing": task.truth["nodes"][-1]}).passed


def test_a_true_premise_read_backwards_gives_another_entity_and_fails_saying_so(rdf):
    held = [t for t in tasks("premise", seeds=range(8), branch=0) if t.truth["premise"] == "holds"]
    trapped = [t for t in held if _reversed_reach(rdf, t.truth) - {t.truth["answer"]}]
    assert trapped and all(t.truth["trap"] == "reversed" for t in trapped)
    for task in trapped:
        for entity in sorted(_reversed_reach(rdf, task.truth) - {task.truth["answer"]}):
            assert grade(task, {"answer": entity, "premise": "holds", "failing": None}).reasons == (
                "followed_reverse_link",)


def _one_pass(task):
    """A careful scripted reader of a premise question: one get_entity page per step (through the model's
    tools, spending the task's budget), each step's values read off the page's own statements."""
    env, node = dict(task.env), task.truth["start"]
    for p in task.truth["path"]:
        page = call_tool("get_entity", {"entity_id": node}, env)
        assert not page.is_error, (task.id, page.text)
        own = page.text.split("\nnamed by")[0].splitlines()  # statements naming node come after "named by"
        values = sorted({m[1] for line in own if (m := re.match(rf"  {p} [^:]*: (Q\d+) \(", line))})
        if len(values) != 1:
            return {"answer": None, "premise": "more_than_one" if values else "no_such_entity", "failing": node}, env
        node = values[0]
    return {"answer": node, "premise": "holds", "failing": None}, env


def test_premise_budget_fits_one_pass_along_the_chain_which_answers_every_task():
    sample = tasks("premise", seeds=range(3), branch=0)
    assert {len(t.truth["path"]) for t in sample} == {3, 4, 5}  # chains of 3 to 5 steps at the default
    for task in sample:
        budget = task.env["calls_left"]
        assert budget == len(task.truth["path"]) + 1 and f"at most {budget} tool calls" in task.prompt
        answer, env = _one_pass(task)
        assert env["calls_left"] >= 0 and grade(task, answer).passed, task.id


def test_a_default_false_premise_fails_at_a_middle_step():
    false = [t.truth for t in tasks("premise", seeds=range(4), branch=0) if t.truth["premise"] != "holds"]
    assert false and all(0 < truth["fails_at"] < len(truth["path"]) - 1 for truth in false)


def test_the_premise_prompt_states_that_reverse_links_are_not_followed():
    task = tasks("premise", seeds=[0])[0]
    assert "Reverse links are never followed" in task.prompt and "(P185)" in task.prompt


def _solutions(rdf, patterns, binding):
    """Every binding of the patterns, by brute force over rdflib's triples: each pattern's subject is ?x
    or already bound, its object a constant or a new variable."""
    if not patterns:
        yield dict(binding)
        return
    (s, p, o), rest = patterns[0], patterns[1:]
    subjects = [binding[s]] if s in binding else sorted({str(x).removeprefix(WD) for x, _, _ in
                                                         rdf.triples((None, URIRef(WDT + p), None))})
    for x in subjects:
        for y in _objects(rdf, x, p):
            if o.startswith("?") and binding.get(o, y) == y:
                yield from _solutions(rdf, rest, {**binding, s: x, o: y})
            elif y == o:
                yield from _solutions(rdf, rest, {**binding, s: x})


def _brute_count(rdf, truth):
    xs = sorted({b["?x"] for b in _solutions(rdf, truth["base"], {})})
    return [x for x in xs if next(_solutions(rdf, truth["none"], {"?x": x}), None) is None], xs


def test_count_equals_a_brute_force_count_with_the_negation(rdf):
    for task in tasks("count", seeds=range(4)) + tasks("count", seeds=range(2), calls=0):
        kept, xs = _brute_count(rdf, task.truth)
        assert grade(task, {"count": len(kept)}).passed, task.id
        hasty = set(task.truth["traps"].values()) | {len(xs)}
        off = next(n for n in (len(kept) + 1, len(kept) - 1, len(kept) + 2) if n not in hasty)
        assert grade(task, {"count": off}).reasons == ("wrong_count",)
        assert grade(task, {"count": len(xs)}).reasons == ("negation_ignored",)


def _sparql_count(env, query):
    """A count through the model's sparql tool (which spends a call of env's budget): the engine the
    model queries, not the generator's walk."""
    row = call_tool("sparql", {"query": query}, env).text.splitlines()[1]
    return int(row.split('"')[1] if '"' in row else row)


def _rendered(patterns):
    return " ".join(" ".join(t if t.startswith("?") else (f"wdt:{t}" if i == 1 else f"wd:{t}")
                             for i, t in enumerate(triple)) + " ." for triple in patterns)


def test_count_hasty_sparql_renderings_fail_each_with_its_own_reason():
    seen = set()
    for task in tasks("count", seeds=range(3)):
        base, none = _rendered(task.truth["base"]), task.truth["none"]
        hasty = {"negation_ignored": f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {base} }}",
                 "duplicates_counted": f"SELECT (COUNT(?x) AS ?n) WHERE {{ {base} "
                                       f"FILTER NOT EXISTS {{ {_rendered(none)} }} }}"}
        if len(none) == 2:  # the negation joined per value: ?x P ?y kept, only ?y's condition negated
            hasty["negation_per_value"] = (f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {base} "
                                           f"{_rendered(none[:1])} FILTER NOT EXISTS {{ {_rendered(none[1:])} }} }}")
        for reason, query in hasty.items():
            n = _sparql_count(dict(task.env), query)
            if n != task.truth["count"]:
                assert grade(task, {"count": n}).reasons == (reason,), (task.id, reason)
                seen.add(reason)
    assert seen == {"negation_ignored", "negation_per_value", "duplicates_counted"}


def test_count_budget_is_met_by_one_correct_query_and_is_below_reading_every_candidate(rdf):
    for task in tasks("count", seeds=range(3)):
        budget = task.env["calls_left"]
        assert f"You may make at most {budget} tool calls." in task.prompt and "sparql" in task.tools
        env = dict(task.env)
        query = (f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {_rendered(task.truth['base'])} "
                 f"FILTER NOT EXISTS {{ {_rendered(task.truth['none'])} }} }}")
        n = _sparql_count(env, query)
        assert env["calls_left"] == budget - 1 == 1 and grade(task, {"count": n}).passed, task.id  # tight: +1
        # reading every candidate takes one get_entity call each, more than the budget
        assert len(_brute_count(rdf, task.truth)[1]) > budget, task.id


def test_fact_refuses_a_pair_that_a_statement_links_directly(rdf):
    # spouses both born somewhere: every condition holds, but P26 links them
    a, b = next((s, o) for s in _subjects(rdf, "P31", "Q5") for o in _objects(rdf, s, "P26")
                if _objects(rdf, s, "P27") and set(_objects(rdf, s, "P27")) & set(_objects(rdf, o, "P27")))
    country = sorted(set(_objects(rdf, a, "P27")) & set(_objects(rdf, b, "P27")))[0]
    task = tasks("fact", seeds=[0])[0]
    spec = {"roles": {"a": [["?a", "P31", "Q5"]], "b": [["?b", "P31", "Q5"]]},
            "links": [{"kind": "same", "triples": [["?a", "P27", "?ca"], ["?b", "P27", "?cb"]],
                       "between": ["?ca", "?cb"]}]}
    task = dataclasses.replace(task, truth={**task.truth, "spec": spec})
    claims = [[a, "P31", "Q5"], [b, "P31", "Q5"], [a, "P27", country], [b, "P27", country]]
    assert grade(task, {"a": a, "b": b, "triples": claims}).reasons == ("directly_linked",)


def test_fact_passes_every_pair_the_sparql_enumeration_finds_and_needs_every_condition():
    for task in tasks("fact", seeds=range(2)):
        answers = W.enumerate_answers(task)
        assert answers and all(grade(task, x).passed for x in answers), task.id
        ref = task.truth["reference"]
        for i in range(len(ref["triples"])):  # drop any one support and a condition is unshown
            dropped = {**ref, "triples": ref["triples"][:i] + ref["triples"][i + 1:]}
            assert not grade(task, dropped).passed, (task.id, i)


def test_fact_checks_a_numeric_coincidence_against_a_brute_force_over_atomic_numbers(rdf):
    # a discovered an element whose atomic number is the day of the month b was born
    spec = {"roles": {"a": [["?d_a", "P61", "?a"], ["?d_a", "P31", "Q11344"]], "b": [["?b", "P31", "Q5"]]},
            "links": [{"kind": "number_day", "triples": [["?e_a", "P61", "?a"], ["?e_a", "P1086", "?za"],
                                                         ["?b", "P569", "?db"]], "between": ["?za", "?db"]}]}
    task = dataclasses.replace(tasks("fact", seeds=[0])[0], truth={"spec": spec, "reference": {}})
    found = 0
    for element in _subjects(rdf, "P31", "Q11344"):
        numbers = [str(z) for z in rdf.objects(URIRef(WD + element), URIRef(WDT + "P1086"))]
        for a in _objects(rdf, element, "P61"):
            for b in _subjects(rdf, "P31", "Q5"):
                for born in (str(d)[:10] for d in rdf.objects(URIRef(WD + b), URIRef(WDT + "P569"))):
                    claims = [[element, "P61", a], [element, "P31", "Q11344"], [b, "P31", "Q5"],
                              [element, "P1086", numbers[0]], [b, "P569", born]]
                    verdict = grade(task, {"a": a, "b": b, "triples": claims})
                    if a != b and int(numbers[0]) == int(born[8:10]):
                        found += 1
                        assert verdict.passed or verdict.reasons == ("directly_linked",), (a, b)
                    elif a != b:
                        assert verdict.reasons == ("constraint_violated",), (a, b, verdict)
    assert found >= 3
