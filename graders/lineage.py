"""Graders of the paper-lineage family. Every paper in an answer may be given in any spelling the
task's collection accepts (see `graphs.papers.PaperIndex`); citations are checked against the
collection's citation graph, dates against the truth's first-version dates."""

from __future__ import annotations

from typing import Any

from graders.registry import Grade, failed, grader, passed
from graphs.papers import PaperIndex, env_graph
from tasks.task import Task


def _resolve(task: Task, spellings: list[Any]) -> list[str] | Grade:
    """The papers' keys, or a failed Grade for an unknown spelling or a paper named twice."""
    index = PaperIndex(task.env["papers"])
    keys = [index.resolve(s) for s in spellings]
    if None in keys:
        return failed("unknown_node")
    if len(set(keys)) < len(keys):
        return failed("duplicate_item")
    return keys


def _exact_set(got: list[str], expected: list[str]) -> Grade:
    """Pass only the exact set; partial credit is the F1 score."""
    hits = len(set(got) & set(expected))
    if hits == len(got) == len(expected):
        return passed()
    reasons = (["missing_paper"] if hits < len(expected) else []) + (
        ["extra_paper"] if hits < len(got) else []
    )
    score = 2 * hits / (len(got) + len(expected)) if got or expected else 0.0
    return failed(*reasons, score=score)


@grader("lineage.components")
def grade_components(task: Task, answer: dict[str, Any]) -> Grade:
    """The exact set of papers that introduced the target paper's components."""
    keys = _resolve(task, answer["papers"])
    return keys if isinstance(keys, Grade) else _exact_set(keys, task.truth["expected"])


@grader("lineage.path")
def grade_path(task: Task, answer: dict[str, Any]) -> Grade:
    """Any chain from source to target whose every step is a citation and whose length is minimal."""
    keys = _resolve(task, answer["path"])
    if isinstance(keys, Grade):
        return keys
    if len(keys) < 2 or keys[0] != task.truth["source"] or keys[-1] != task.truth["target"]:
        return failed("path_wrong_endpoints")
    graph = env_graph(task.env)
    if not all(graph.has_edge(a, b) for a, b in zip(keys, keys[1:], strict=False)):
        return failed("not_a_citation")
    if len(keys) - 1 > task.truth["length"]:
        return failed("path_not_shortest")
    return passed()


@grader("lineage.chronology")
def grade_chronology(task: Task, answer: dict[str, Any]) -> Grade:
    """Every paper of the set once, in an order consistent with the first-version dates (ties either way)."""
    keys = _resolve(task, answer["order"])
    if isinstance(keys, Grade):
        return keys
    dates = task.truth["dates"]
    membership = _exact_set(keys, sorted(dates))
    if not membership.passed:
        return failed(*membership.reasons)
    if any(dates[a] > dates[b] for a, b in zip(keys, keys[1:], strict=False)):
        return failed("out_of_order")
    return passed()


@grader("lineage.common")
def grade_common(task: Task, answer: dict[str, Any]) -> Grade:
    """`shared`: the exact set both papers cite. `latest`: any common ancestor tied for the latest date."""
    if task.truth["mode"] == "shared":
        keys = _resolve(task, answer["papers"])
        return keys if isinstance(keys, Grade) else _exact_set(keys, task.truth["expected"])
    keys = _resolve(task, [answer["paper"]])
    if isinstance(keys, Grade):
        return keys
    dates = task.truth["ancestor_dates"]
    if keys[0] not in dates:
        return failed("not_common_ancestor")
    if dates[keys[0]] < max(dates.values()):
        return failed("not_latest")
    return passed()


@grader("lineage.bottleneck")
def grade_bottleneck(task: Task, answer: dict[str, Any]) -> Grade:
    """The exact set of papers on every citation chain from the source back to the target."""
    keys = _resolve(task, answer["papers"])
    if isinstance(keys, Grade):
        return keys
    if not task.truth["expected"] and keys:  # the trap of a chain's papers when parallel chains exist
        return failed("no_paper_on_every_chain", score=0.0)
    return _exact_set(keys, task.truth["expected"])


@grader("lineage.claims")
def grade_claims(task: Task, answer: dict[str, Any]) -> Grade:
    """The exact set of true statements, by number; partial credit is the share judged right."""
    count = len(task.truth["statements"])
    # JSON Schema counts 3.0 as an integer; inf and nan are not
    numbers = [int(n) if isinstance(n, float) and n.is_integer() else n for n in answer["true"]]
    if any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= count for n in numbers):
        return failed("unknown_statement")
    got = {int(n) for n in numbers}
    if len(got) < len(numbers):
        return failed("duplicate_item")
    true = set(task.truth["reference"]["true"])
    if got == true:
        return passed()
    reasons = (["true_statement_rejected"] if true - got else []) + (
        ["false_statement_accepted"] if got - true else []
    )
    # which kinds of statement were misjudged, so a report tells the traps apart
    kinds = {task.truth["statements"][i - 1].get("kind") for i in got ^ true}
    reasons += [code for kind, code in _MISJUDGED.items() if kind in kinds]
    return failed(*reasons, score=1 - len(got ^ true) / count)


_MISJUDGED = {"cites": "misjudged_citation", "before": "misjudged_date", "component": "misjudged_component",
              "chain": "misjudged_every_chain", "reach": "misjudged_reach",
              "first_citer": "misjudged_first_citer", "count": "misjudged_count",
              "no_chain": "misjudged_no_chain"}


@grader("lineage.reconstruct")
def grade_reconstruct(task: Task, answer: dict[str, Any]) -> Grade:
    """Every listed paper once, each with a listed paper it directly builds on, or null when none is."""
    expected = task.truth["expected"]
    index = PaperIndex(p for p in task.env["papers"] if p["id"] in expected)  # only the list's papers
    got: dict[str, str | None] = {}
    for spelling, named in answer["predecessors"].items():
        paper = index.resolve(spelling)
        parent = None if named is None else index.resolve(named)
        if paper is None or (named is not None and parent is None):
            return failed("unknown_node")
        if paper in got:
            return failed("duplicate_item")
        got[paper] = parent
    wrong = [k for k, v in got.items() if v is not None and v not in expected[k]]
    missed = [k for k, v in got.items() if v is None and expected[k]]
    reasons = (["missing_paper"] if len(got) < len(expected) else []) + (
        ["wrong_predecessor"] if wrong else []) + (["missed_predecessor"] if missed else [])
    if not reasons:
        return passed()
    return failed(*reasons, score=(len(got) - len(wrong) - len(missed)) / len(expected))
