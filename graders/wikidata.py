"""Graders of the wikidata family, against the task's graph: one entity by id or any of its names, an
exact set scored by F1, and two entities whose claimed triples must be statements of the graph that
show every condition of the question (distances by haversine on the graph's coordinates); the same with
no statement linking the two (`fact`); an optimal pair; a premise judged true or false; an exact count."""
from __future__ import annotations

import re
from typing import Any

from graders.registry import Grade, failed, grader, passed
from graphs.wikidata import COORDINATES, DATES, QUANTITIES, WikidataGraph, as_id, link_holds, load_env, match, normalize
from graphs.wikidata_queries import COUNT_TRAPS, count_traps, count_without, has_role, measure, premise_misreadings
from tasks.task import Task


def _graph(task: Task) -> WikidataGraph:
    return load_env(task.env)[1]


def names(kg: WikidataGraph, text: str, entity: str) -> bool:
    """Whether text is the entity's id (in any spelling) or one of its labels and aliases."""
    return as_id(text) == entity or normalize(text) in {normalize(n) for n in kg.names(entity)}


def _one(kg: WikidataGraph, text: str, among: set[str] | None = None) -> tuple[str | None, str | None]:
    """The single entity text names (preferring those in `among`), or None and the reason it names none."""
    found = kg.resolve(text)
    preferred = [e for e in found if among is not None and e in among]
    if len(preferred) == 1:
        return preferred[0], None
    if len(found) == 1 and not preferred:
        return found[0], None
    return None, "ambiguous_name" if found else "unknown_node"


@grader("wikidata.chain")
def grade_chain(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff the answer names the entity at the end of the chain."""
    kg, target = _graph(task), task.truth["answer"]
    if names(kg, answer["answer"], target):
        return passed()
    return failed("wrong_entity" if kg.resolve(answer["answer"]) else "unknown_node")


@grader("wikidata.set")
def grade_set(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff the answer names exactly the members; the score is the F1 of precision and recall."""
    kg, members = _graph(task), set(task.truth["members"])
    chosen: list[str | None] = []
    reasons: list[str] = []
    for text in answer["entities"]:
        entity, problem = _one(kg, text, members)
        chosen.append(entity)
        if problem:
            reasons.append(problem)
    named = [e for e in chosen if e is not None]
    if len(set(named)) < len(named):
        reasons.append("duplicate_item")
    hits = len(set(named) & members)
    if members - set(named):
        reasons.append("missing_members")
    if set(named) - members:
        reasons.append("extra_members")
    if not reasons:
        return passed()
    listed = len(set(named)) + chosen.count(None)
    precision, recall = (hits / listed if listed else 0.0), hits / len(members)
    return failed(*reasons, score=2 * precision * recall / (precision + recall) if hits else 0.0)


def _claim(triple: list[str]) -> tuple[str, str, str]:
    s, p, o = (x.strip() for x in triple)
    p = as_id(p)
    if p in DATES:  # a date as 1879-03-14, or as Wikidata writes it: 1879-03-14T00:00:00Z, +1879-...
        o = o.removeprefix("+")
        return as_id(s), p, o[:10] if re.match(r"\d{4}-\d\d-\d\d(T|$)", o) else o
    if p in QUANTITIES:
        return as_id(s), p, o.removeprefix("+")
    if p == COORDINATES:
        return as_id(s), p, o
    return as_id(s), p, as_id(o)


def _why_false(kg: WikidataGraph, s: str, p: str, o: str) -> str:
    if p not in (*DATES, *QUANTITIES, COORDINATES) and kg.has(o, p, s):
        return "wrong_direction"
    if s in kg.graph and o in kg.graph and (kg.graph.has_edge(s, o) or kg.graph.has_edge(o, s)):
        return "wrong_property"
    return "false_triple"


@grader("wikidata.linked_fact")
def grade_linked_fact(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff a and b are two entities, every claimed triple is a statement of the graph, and the
    claims show each role and each link of the question, whose distances and dates hold."""
    kg, spec = _graph(task), task.truth["spec"]
    (a, why_a), (b, why_b) = _one(kg, answer["a"]), _one(kg, answer["b"])
    if a is None or b is None:
        return failed(*(r for r in (why_a, why_b) if r))
    if a == b:
        return failed("same_entity")
    claims = [_claim(t) for t in answer["triples"]]
    false = [_why_false(kg, *c) for c in claims if not kg.holds(*c)]
    if false:
        return failed(*false)
    binding = {"?a": a, "?b": b}
    reasons = []
    for role in ("a", "b"):
        if not any(True for _ in match(spec["roles"][role], claims, binding)):
            shown_elsewhere = any(True for _ in match(spec["roles"][role], kg.statements, binding))
            reasons.append("unsupported_constraint" if shown_elsewhere else "wrong_entity")
    for link in spec["links"]:
        found = list(match(link["triples"], claims, binding))
        if not found:
            reasons.append("unsupported_constraint")
        elif not any(link_holds(kg, link, found_binding) for found_binding in found):
            reasons.append("constraint_violated")
    return failed(*reasons) if reasons else passed()



@grader("wikidata.fact")
def grade_fact(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff the answer passes as a linked fact and no statement of the graph links a and b directly."""
    verdict = grade_linked_fact(task, answer)
    if not verdict.passed:
        return verdict
    kg = _graph(task)
    a, b = _one(kg, answer["a"])[0], _one(kg, answer["b"])[0]
    return failed("directly_linked") if kg.graph.has_edge(a, b) or kg.graph.has_edge(b, a) else verdict


def _roles_hold(kg: WikidataGraph, spec: dict[str, Any], a: str, b: str) -> bool:
    return (has_role(kg, spec["roles"]["a"], "?a", a) and has_role(kg, spec["roles"]["b"], "?b", b)
            and ("relation" not in spec or kg.has(a, spec["relation"], b)))


@grader("wikidata.superlative")
def grade_superlative(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff a and b are two entities with their roles (and relation) whose measure is within tolerance
    of the optimum."""
    kg, truth = _graph(task), task.truth
    spec = truth["spec"]
    found = [_one(kg, answer[who], {p[i] for p in truth["optimal"]}) for i, who in enumerate("ab")]
    if any(entity is None for entity, _ in found):
        return failed(*(why for _, why in found if why))
    a, b = (entity for entity, _ in found)
    if a == b:
        return failed("same_entity")
    if not _roles_hold(kg, spec, a, b):
        return failed("roles_swapped" if _roles_hold(kg, spec, b, a) else "wrong_entity")
    value = measure(kg, spec["measure"], a, b)
    if value is None:
        return failed("unsupported_constraint")
    gap = value - truth["optimum"] if spec["direction"] == "min" else truth["optimum"] - value
    return passed() if gap <= truth["tolerance"] else failed("not_optimal")


@grader("wikidata.premise")
def grade_premise(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff the premise is judged as the graph has it and the answer is the entity, or null; a wrong
    entity says which hasty reading gives it (a reverse link followed, a step left out, one of several
    values taken)."""
    kg, truth = _graph(task), task.truth
    if "each_at" in truth:
        return _grade_branching(kg, truth, answer)
    if truth["premise"] == "holds" and answer["premise"] != "holds":
        return failed("premise_wrongly_rejected")
    if truth["premise"] == "holds" and answer["answer"] is not None and names(kg, answer["answer"], truth["answer"]):
        return passed()
    if answer["answer"] is None:
        return failed("unknown_node") if truth["premise"] == "holds" else _judged_false(kg, truth, answer)
    entity = _one(kg, answer["answer"])[0]
    misread = premise_misreadings(kg, truth["nodes"], truth["path"], truth["fails_at"])
    several = set(truth["ends"]) if truth["premise"] == "more_than_one" else set()
    for p in truth["path"][truth["fails_at"] + 1:]:
        several |= {o for x in several for o in kg.objects(x, p)}
    # a forward reading first: an entity both one of several values and named by a reverse link took the former
    for reason, reached in (("picked_one_of_several", several), ("followed_reverse_link", misread["reversed"]),
                            ("stopped_short", misread["short"])):
        if entity in reached:
            return failed(reason)
    if truth["premise"] != "holds":
        return failed("false_premise_missed")
    return failed("wrong_entity" if kg.resolve(answer["answer"]) else "unknown_node")


def _judged_false(kg: WikidataGraph, truth: dict[str, Any], answer: dict[str, Any]) -> Grade:
    """The answer to a false premise: judged false, for its reason, at the entity its failing step is read
    from (tasks made before wikidata v9 name none)."""
    if answer["premise"] == "holds":
        return failed("false_premise_missed")
    if answer["premise"] != truth["premise"]:
        return failed("wrong_premise_reason")
    failing = answer.get("failing")
    if "failing" in truth and not (isinstance(failing, str) and names(kg, failing, truth["failing"])):
        return failed("wrong_failing_entity")
    return passed()


def _grade_branching(kg: WikidataGraph, truth: dict[str, Any], answer: dict[str, Any]) -> Grade:
    """A premise judged on every branch: a true one must be kept and its whole set of ends given (a branch
    left out, or an entity no branch reaches, each says so); a false one must be judged so, for its reason,
    at the entity its failing step is read from."""
    if truth["premise"] != "holds":
        return _judged_false(kg, truth, answer)
    if answer["premise"] != "holds":
        return failed("premise_wrongly_rejected")
    if answer["answer"] is None:
        return failed("missing_members")
    ends = set(truth["answer"])
    chosen = [_one(kg, text, ends) for text in answer["answer"]]
    reasons = [why for entity, why in chosen if why]
    named = {entity for entity, _ in chosen if entity}
    reasons += ["missing_members"] * bool(ends - named) + ["extra_members"] * bool(named - ends)
    return failed(*reasons) if reasons else passed()


@grader("wikidata.count")
def grade_count(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass iff the count equals the number of entities meeting the conditions, counted on the graph; the
    counts of hasty renderings (the negation left out or joined per value, duplicates counted) are told
    apart, in that order where two coincide."""
    kg, truth = _graph(task), task.truth
    kept, _ = count_without(kg, truth["base"], truth["none"])
    if answer["count"] == kept:
        return passed()
    traps = count_traps(kg, truth["base"], truth["none"])
    return failed(next((r for r in COUNT_TRAPS if traps.get(r) == answer["count"]), "wrong_count"))
