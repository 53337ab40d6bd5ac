"""Branching premise questions (wikidata v7's default) against a brute-force walk over rdflib's own
triples and a scripted careful reader that uses only the model's get_entity tool."""
import collections
import re

import pytest
import rdflib
from rdflib import RDFS, URIRef

import generators.wikidata as W
from generators.base import config_from, iter_tasks
from graders.registry import grade
from graphs.wikidata import WD, WDT, snapshot_text
from tools.registry import call_tool


@pytest.fixture(scope="module")
def rdf():
    graph = rdflib.Graph()
    graph.parse(data=snapshot_text(), format="turtle")
    return graph


@pytest.fixture(scope="module")
def sample():
    config = config_from(W, {"kind": "premise"})
    return [W.generate(config, seed, index) for seed in (1, 2) for index in range(8)]


def _objects(rdf, s, p):
    return sorted({str(o).removeprefix(WD) for o in rdf.objects(URIRef(WD + s), URIRef(WDT + p))
                   if isinstance(o, URIRef)})


def _brute(rdf, truth):
    """The judgement and the ends, by walking rdflib's triples along every value of the `each` step;
    also where each failure is: (step, entity, the `each` value whose branch it is on)."""
    frontier, failures = {truth["start"]: None}, []
    for i, p in enumerate(truth["path"]):
        onward = {}
        for x, branch in sorted(frontier.items()):
            values = _objects(rdf, x, p)
            if not values or (i != truth["each_at"] and len(values) > 1):
                failures.append((i, x, branch, "no_such_entity" if not values else "more_than_one"))
                continue
            for v in values:
                onward.setdefault(v, v if i == truth["each_at"] else branch)
        frontier = onward
    return failures, sorted(frontier)


def test_every_branching_question_is_judged_as_a_brute_force_walk_does(rdf, sample):
    for task in sample:
        assert "each_at" in task.truth and " each " in task.prompt, task.id
        failures, ends = _brute(rdf, task.truth)
        assert len(failures) <= 1, task.id  # at most one branch fails: one judgement
        judged = failures[0][3] if failures else "holds"
        assert judged == task.truth["premise"], task.id
        failing = failures[0][1] if failures else None
        right = {"answer": ends if judged == "holds" else None, "premise": judged, "failing": failing}
        assert grade(task, right).passed, task.id
        for other in {"holds", "no_such_entity", "more_than_one"} - {judged}:
            wrong = {"answer": ends or ["Q90"], "premise": other, "failing": failing}
            assert not grade(task, wrong).passed, (task.id, other)


def test_a_false_premise_must_name_the_entity_its_failing_step_is_read_from(rdf, sample):
    false = [t for t in sample if t.truth["premise"] != "holds"]
    for task in false:
        (_, failing, _, judged), = _brute(rdf, task.truth)[0]
        label = next((str(o) for o in rdf.objects(URIRef(WD + failing), RDFS.label) if o.language == "en"), None)
        for spelled in [f"wd:{failing.lower()}", *([label] if label else [])]:  # any spelling, or its name
            assert grade(task, {"answer": None, "premise": judged, "failing": spelled}).passed, (task.id, spelled)
        elsewhere = {task.truth["start"], *task.truth["branches"]} - {failing}
        for other in [None, "", "x" * 400, *sorted(elsewhere)]:
            got = grade(task, {"answer": None, "premise": judged, "failing": other}).reasons
            assert got == ("wrong_failing_entity",), (task.id, other)
    # a constant answer passes at most one task of a seed's 8: no two references alike
    for seed in (1, 2):
        references = [repr(sorted(t.truth["reference"].items())) for t in sample if t.meta["seed"] == seed]
        assert len(set(references)) == len(references) == 8, seed


def test_a_false_premise_fails_at_a_middle_step_of_a_branch_other_than_the_first(rdf, sample):
    false = [t for t in sample if t.truth["premise"] != "holds"]
    assert false
    for task in false:
        (step, _, branch, _), = _brute(rdf, task.truth)[0]
        truth = task.truth
        assert truth["each_at"] < step < len(truth["path"]) - 1, task.id
        assert branch != min(truth["branches"]), task.id  # the first value listed leads on fine


def _careful_reader(task):
    """Read every entity a step is read from, once, through get_entity (spending the task's budget), each
    step's values off the page's own statements; every branch is followed to its end or its failure."""
    env, truth = dict(task.env), task.truth
    frontier, failures, pages = [truth["start"]], [], {}  # failures: (reason, entity read from)
    for i, p in enumerate(truth["path"]):
        onward = set()
        for x in sorted(set(frontier)):
            if x not in pages:
                page = call_tool("get_entity", {"entity_id": x}, env)
                assert not page.is_error, (task.id, page.text)
                pages[x] = page.text.split("\nnamed by")[0]  # statements naming x come after "named by"
            values = sorted({m[1] for line in pages[x].splitlines()
                             if (m := re.match(rf"  {p} [^:]*: (Q\d+) \(", line))})
            if not values or (i != truth["each_at"] and len(values) > 1):
                failures.append(("no_such_entity" if not values else "more_than_one", x))
            else:
                onward |= set(values)
        frontier = sorted(onward)
    judged, failing = failures[0] if failures else ("holds", None)
    return ({"answer": frontier if judged == "holds" else None, "premise": judged, "failing": failing},
            len(pages), env)


def test_the_budget_fits_a_careful_reader_of_every_branch_and_tells_nothing_of_the_premise(sample):
    for task in sample:
        budget, truth = task.env["calls_left"], task.truth
        assert f"at most {budget} tool calls" in task.prompt, task.id
        answer, used, env = _careful_reader(task)
        assert grade(task, answer).passed, task.id
        assert used == truth["read"] <= truth["pages"] == budget - 1 and env["calls_left"] >= 1, task.id
        # the pages follow from the question's shape and the `each` step's values alone
        after = len(truth["path"]) - truth["each_at"] - 1
        assert truth["pages"] == truth["each_at"] + 1 + len(truth["branches"]) * after, task.id


def test_each_wrong_reading_fails_with_its_own_reason(rdf, sample):
    seen = collections.Counter()
    for task in sample:
        truth = task.truth
        failures, ends = _brute(rdf, truth)
        first = _brute(rdf, {**truth, "start": min(truth["branches"]),
                             "path": truth["path"][truth["each_at"] + 1:], "each_at": -1})
        first_ends = first[1] if not first[0] else None  # one branch read as if it were the only one
        if truth["premise"] != "holds":
            other = "more_than_one" if truth["premise"] == "no_such_entity" else "no_such_entity"
            got = grade(task, {"answer": first_ends, "premise": "holds", "failing": None}).reasons
            assert got == ("false_premise_missed",), task.id  # answered despite the failing branch
            misnamed = grade(task, {"answer": None, "premise": other, "failing": failures[0][1]}).reasons
            assert misnamed == ("wrong_premise_reason",), task.id
            seen.update(["false_premise_missed", "wrong_premise_reason"])
            continue
        # several values of the `each` step taken for a false premise: a misread of the rule
        rejected = grade(task, {"answer": None, "premise": "more_than_one", "failing": truth["start"]}).reasons
        assert rejected == ("premise_wrongly_rejected",), task.id
        seen["premise_wrongly_rejected"] += 1
        if first_ends != ends:
            assert grade(task, {"answer": first_ends, "premise": "holds", "failing": None}).reasons == (
                "missing_members",)
            seen["missing_members"] += 1
        outsider = truth["start"]  # where the question starts is never where a branch ends
        extra = grade(task, {"answer": [*ends, outsider], "premise": "holds", "failing": None}).reasons
        assert extra == ("extra_members",), task.id
        assert grade(task, {"answer": ends + ends, "premise": "holds", "failing": None}).passed  # reached twice
    assert set(seen) == {"false_premise_missed", "wrong_premise_reason", "premise_wrongly_rejected",
                         "missing_members"}


def test_a_true_premise_mostly_has_branches_that_end_apart(rdf, sample):
    held = [t for t in sample if t.truth["premise"] == "holds"]
    apart = [t for t in held if t.truth["first_branch"] != t.truth["answer"]]
    assert held and len(apart) * 3 >= len(held) * 2  # reading one branch gives too few ends


def test_the_answers_names_and_any_spelling_of_ids_pass_and_junk_fails_without_raising(sample):
    held = next(t for t in sample if t.truth["premise"] == "holds")
    ends = held.truth["answer"]
    assert grade(held, {"answer": [f"wd:{e.lower()}" for e in ends], "premise": "holds", "failing": None}).passed
    for junk in ({"answer": None, "premise": "holds", "failing": None},
                 {"answer": ["x" * 5000] * 200, "premise": "holds", "failing": None},
                 {"answer": [""], "premise": "holds", "failing": None},
                 {"answer": "Q90", "premise": "holds", "failing": None}, {"premise": "holds"},
                 {"answer": ends, "premise": "holds"}, {"answer": ends, "premise": "holds", "failing": 7}):
        assert not grade(held, junk).passed, junk


def test_a_default_sample_of_8_asks_8_questions_balancing_the_judgements():
    for seed in (1, 2, 3):
        sample = list(iter_tasks(W, config_from(W, {"kind": "premise"}), seed=seed, n=8))
        assert len({t.prompt for t in sample}) == 8, seed
        judged = collections.Counter(t.truth["premise"] for t in sample)
        assert max(judged.values()) <= 3 and len(judged) == 3, (seed, judged)
