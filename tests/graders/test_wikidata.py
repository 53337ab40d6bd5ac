"""The wikidata graders against answers found independently: rdflib's own triples and a brute force,
never the generator's code path."""
import itertools
import math

import pytest
import rdflib
from rdflib import URIRef

from graders.registry import grade
from graphs.wikidata import SNAPSHOT_FILE, WD, WDT, env_for_snapshot, snapshot_text
from tasks.task import Task

GEO = "Point("


@pytest.fixture(scope="module")
def rdf():
    graph = rdflib.Graph()
    graph.parse(data=snapshot_text(SNAPSHOT_FILE), format="turtle")
    return graph


def _objects(rdf, s, p):
    return sorted(str(o).removeprefix(WD) for o in rdf.objects(URIRef(WD + s), URIRef(WDT + p)))


def _subjects(rdf, p, o):
    return sorted(str(s).removeprefix(WD) for s in rdf.subjects(URIRef(WDT + p), URIRef(WD + o)))


def _point(rdf, place):
    (wkt,) = [str(o) for o in rdf.objects(URIRef(WD + place), URIRef(WDT + "P625"))]
    lon, lat = map(float, wkt.removeprefix(GEO).rstrip(")").split())
    return lat, lon


def _km(a, b):  # the spherical law of cosines: a second formula, not the graph's haversine
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def task(kind, truth, schema_props):
    schema = {"type": "object", "properties": schema_props, "required": sorted(schema_props),
              "additionalProperties": False}
    return Task(id=f"t-{kind}", family=f"wikidata.{kind}", prompt="", tools=[], answer_schema=schema,
                env=env_for_snapshot(SNAPSHOT_FILE), truth=truth, grader=f"wikidata.{kind}")


def chain_task(answer):
    return task("chain", {"answer": answer, "reference": {"answer": answer}}, {"answer": {"type": "string"}})


@pytest.mark.parametrize("text", ["Q142", "q142", "wd:Q142", f"{WD}Q142", "France", " FRENCH  republic "])
def test_chain_accepts_the_entity_by_id_label_or_alias(rdf, text):
    # hydrogen -> discoverer -> place of birth -> country, walked on rdflib's triples
    (who,) = _objects(rdf, "Q556", "P61")
    (place,) = _objects(rdf, who, "P19")
    (country,) = _objects(rdf, place, "P17")
    assert grade(chain_task(country), {"answer": text}).passed


@pytest.mark.parametrize("text, reason", [
    ("Q183", "wrong_entity"), ("Nice", "wrong_entity"),  # Nice is one hop short of the country
    ("Atlantis", "unknown_node"), ("Q999999999", "unknown_node"), ("", "unknown_node"),
])
def test_chain_rejects_other_entities_with_a_reason(text, reason):
    result = grade(chain_task("Q142"), {"answer": text})
    assert (result.passed, result.reasons) == (False, (reason,))


def test_chain_accepts_a_label_another_entity_shares():
    # "Cambridge" names both the English and the Massachusetts city; it is still a name of Q49111
    assert grade(chain_task("Q49111"), {"answer": "Cambridge"}).passed


def set_task(members):
    return task("set", {"members": members, "reference": {"entities": members}},
                {"entities": {"type": "array", "items": {"type": "string"}}})


@pytest.fixture(scope="module")
def davy_elements(rdf):
    """Elements whose discoverer died in Geneva: Davy's, by brute force over rdflib's triples."""
    return sorted(e for e in _subjects(rdf, "P31", "Q11344")
                  if any("Q71" in _objects(rdf, who, "P20") for who in _objects(rdf, e, "P61")))


def test_set_accepts_the_exact_set_in_any_order_and_spelling(davy_elements):
    assert davy_elements == ["Q618", "Q658", "Q703", "Q706"]
    t = set_task(davy_elements)
    assert grade(t, {"entities": davy_elements[::-1]}).passed
    assert grade(t, {"entities": ["boron", "Sodium", "wd:Q703", "Ca"]}).passed  # Ca: calcium's alias


def test_set_scores_partial_answers_by_f1(davy_elements):
    t = set_task(davy_elements)
    missing = grade(t, {"entities": davy_elements[:2]})
    assert missing.reasons == ("missing_members",) and missing.score == pytest.approx(2 * 1 * 0.5 / 1.5)
    extra = grade(t, {"entities": [*davy_elements, "Q556"]})
    assert extra.reasons == ("extra_members",) and extra.score == pytest.approx(2 * 0.8 / 1.8)
    both = grade(t, {"entities": ["Q618", "Q556"]})
    assert set(both.reasons) == {"missing_members", "extra_members"}
    assert both.score == pytest.approx(1 / 3)  # precision 1/2, recall 1/4
    assert grade(t, {"entities": []}).score == 0


def test_set_rejects_duplicates_and_names_it_cannot_pin_down(davy_elements):
    t = set_task(davy_elements)
    assert "duplicate_item" in grade(t, {"entities": [*davy_elements, "sodium"]}).reasons
    assert "unknown_node" in grade(t, {"entities": [*davy_elements, "unobtainium"]}).reasons
    two_members = set_task(["Q350", "Q49111"])
    assert grade(two_members, {"entities": ["Cambridge", "Q49111"]}).reasons[0] == "ambiguous_name"
    assert grade(two_members, {"entities": ["Cambridge, Massachusetts", "Q350"]}).passed


SPEC = {  # a discovered a chemical element, b is a composer, born at most 1000 km apart, a born first
    "roles": {"a": [["?d_a", "P61", "?a"], ["?d_a", "P31", "Q11344"]], "b": [["?b", "P106", "Q36834"]]},
    "links": [{"kind": "distance", "triples": [["?a", "P19", "?pa"], ["?b", "P19", "?pb"]],
               "between": ["?pa", "?pb"], "max_km": 1000},
              {"kind": "before", "triples": [["?a", "P569", "?da"], ["?b", "P569", "?db"]],
               "earlier": "?da", "later": "?db"}],
}
LINKED_SCHEMA = {"a": {"type": "string"}, "b": {"type": "string"}, "triples": {
    "type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}}}


def linked_task():
    return task("linked_fact", {"spec": SPEC, "reference": {}}, LINKED_SCHEMA)


def _born(rdf, x):
    return [str(d)[:10] for d in rdf.objects(URIRef(WD + x), URIRef(WDT + "P569"))]


@pytest.fixture(scope="module")
def pairs(rdf):
    """Every (a, b, claims) meeting SPEC, and those missing only the distance, by brute force."""
    discoverers = {w: e for e in _subjects(rdf, "P31", "Q11344") for w in _objects(rdf, e, "P61")}
    composers = _subjects(rdf, "P106", "Q36834")
    good, too_far = [], []
    for a, b in itertools.product(sorted(discoverers), composers):
        for pa, pb in itertools.product(_objects(rdf, a, "P19"), _objects(rdf, b, "P19")):
            for da, db in itertools.product(_born(rdf, a), _born(rdf, b)):
                found = discoverers[a]
                claims = [[found, "P61", a], [found, "P31", "Q11344"], [b, "P106", "Q36834"],
                          [a, "P19", pa], [b, "P19", pb], [a, "P569", da], [b, "P569", db]]
                if da < db:
                    near = _km(_point(rdf, pa), _point(rdf, pb)) <= 1000
                    (good if near else too_far).append((a, b, claims))
    return good, too_far


def test_linked_fact_accepts_every_pair_a_brute_force_finds(pairs):
    good, too_far = pairs
    # Cavendish (Nice, 1731) and Mozart (Salzburg, 1756) or Wagner (Leipzig, 1813); Vivaldi was born first
    assert {("Q131733", "Q254"), ("Q131733", "Q1511")} <= {(a, b) for a, b, _ in good}
    assert ("Q131733", "Q1340") not in {(a, b) for a, b, _ in good + too_far}
    for a, b, claims in good:
        assert grade(linked_task(), {"a": a, "b": b, "triples": claims}).passed, (a, b)
    assert too_far
    for a, b, claims in too_far:
        assert grade(linked_task(), {"a": a, "b": b, "triples": claims}).reasons == ("constraint_violated",)


def test_linked_fact_accepts_names_and_wikidata_spellings(pairs):
    a, b, claims = pairs[0][0]
    spelled = [[f"wd:{s}", f"wdt:{p}", o if p == "P569" else f"{WD}{o}"] for s, p, o in claims]
    spelled = [[s, p, o + "T00:00:00Z" if p == "wdt:P569" else o] for s, p, o in spelled]
    assert grade(linked_task(), {"a": "Henry Cavendish", "b": b, "triples": spelled}).passed


@pytest.mark.parametrize("change, reason", [
    (lambda c: c[:2] + [["Q36834", "P106", c[2][0]]] + c[3:], "wrong_direction"),   # composer P106 Mozart
    (lambda c: c[:3] + [[c[3][0], "P20", c[3][2]]] + c[4:], "wrong_property"),  # died, not born, in Nice
    (lambda c: c[:3] + [[c[3][0], "P19", "Q90"]] + c[4:], "false_triple"),            # born in Paris
    (lambda c: c[:5] + [[c[5][0], "P569", "1731-10-11"]] + c[6:], "false_triple"),    # a day off
    (lambda c: c[:4] + c[5:], "unsupported_constraint"),  # b's birthplace left out
    (lambda c: c[2:], "unsupported_constraint"),                                      # a's discovery left out
])
def test_linked_fact_rejects_false_or_missing_support(pairs, change, reason):
    good = {(a, b): claims for a, b, claims in pairs[0]}
    claims = good[("Q131733", "Q254")]
    assert grade(linked_task(), {"a": "Q131733", "b": "Q254", "triples": claims}).passed
    result = grade(linked_task(), {"a": "Q131733", "b": "Q254", "triples": change(claims)})
    assert (result.passed, result.reasons) == (False, (reason,))


def test_linked_fact_rejects_wrong_roles_order_and_one_entity_twice(pairs):
    a, b, claims = pairs[0][0]
    swapped = grade(linked_task(), {"a": b, "b": a, "triples": claims})
    assert not swapped.passed and "wrong_entity" in swapped.reasons
    assert grade(linked_task(), {"a": a, "b": a, "triples": claims}).reasons == ("same_entity",)
    assert grade(linked_task(), {"a": "Cambridge", "b": b, "triples": claims}).reasons == ("ambiguous_name",)
    assert grade(linked_task(), {"a": "nobody", "b": b, "triples": claims}).reasons == ("unknown_node",)


@pytest.mark.parametrize("answer", [
    "not json", "[]", {"a": 1, "b": "Q1", "triples": []}, {"a": "Q1", "b": "Q2", "triples": [["Q1", "P19"]]},
    {"a": "Q1", "b": "Q2", "triples": [["", "", ""]]},
    {"a": "Q1", "b": "Q2", "triples": [[" ", "P569", "x"]]},
    {"a": "x" * 5000, "b": "Q2", "triples": []},
])
def test_malformed_answers_fail_and_never_raise(answer):
    result = grade(linked_task(), answer)
    assert not result.passed and "grader_error" not in result.reasons


def test_linked_fact_accepts_true_extra_claims_about_coordinates_and_dates(rdf, pairs):
    good = {(a, b): claims for a, b, claims in pairs[0]}
    claims = good[("Q131733", "Q254")]
    lat, lon = _point(rdf, "Q33959")
    extra = [["Q33959", "P625", f"Point({lon} {lat})"], ["Q33959", "P625", f"{lat}, {lon}"],
             ["Q131733", "P570", "+1810-02-24T00:00:00Z"], ["Q33959", "P17", "Q142"]]
    assert grade(linked_task(), {"a": "Q131733", "b": "Q254", "triples": claims + extra}).passed
    moved = ["Q33959", "P625", f"{lat + 0.01}, {lon}"]
    assert grade(linked_task(), {"a": "Q131733", "b": "Q254", "triples": [*claims, moved]}).reasons == (
        "false_triple",)
