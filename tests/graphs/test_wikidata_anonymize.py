"""Pseudonyms hide every item's id and name and keep the graph's structure, dates and coordinates."""
import re

import generators.wikidata as W
from generators.base import config_from
from graders.registry import grade
from graphs.wikidata import ALL_TRIPLES, CURATED, env_for_snapshot, load_env
from graphs.wikidata_anonymize import PSEUDO_ID_BASE, anonymize, pseudo_id, pseudonym, pseudonyms
from tasks.check import check_tasks, format_report
from tools.registry import call_tool


def _graphs():
    store, named = load_env(env_for_snapshot())
    hidden = W.source((CURATED, "", True))[1]
    return store, named, hidden


def _mapping():
    store, _ = load_env(env_for_snapshot())
    return {real: fake for real, (fake, _) in pseudonyms(store.select(ALL_TRIPLES)).items()}


def test_pseudonyms_keep_statements_dates_and_coordinates_and_hide_every_item_id_and_name():
    _, named, hidden = _graphs()
    ids = _mapping()
    renamed = sorted((ids.get(s, s), p, ids.get(o, o)) for s, p, o in named.statements)
    assert hidden.statements == renamed
    assert hidden.coords == {ids.get(e, e): c for e, c in named.coords.items()}
    classes = {o for _, o, k in named.graph.edges(keys=True) if k == "P31"}
    for entity, label in named.labels.items():
        if entity.startswith("Q") and entity not in classes:
            fake = ids[entity]
            assert entity not in hidden.labels and int(fake[1:]) >= PSEUDO_ID_BASE, entity
            assert hidden.labels[fake] != label and not hidden.aliases.get(fake), entity
        else:
            assert hidden.labels[entity] == label  # classes and properties keep their ids and names
    kept = {label.casefold() for e, label in hidden.labels.items() if label == named.labels.get(e)}
    assert not [e for e, label in hidden.labels.items() if label != named.labels.get(e) and label.casefold() in kept]


def test_pseudonyms_are_stable_and_unique():
    store, _, hidden = _graphs()
    again = anonymize(store.select(ALL_TRIPLES))
    assert sorted(map(str, (r["o"] for r in again))) == sorted(map(str, (r["o"] for r in anonymize(
        store.select(ALL_TRIPLES)))))
    assert pseudonym("Q937") == pseudonym("Q937") != pseudonym("Q90")
    assert pseudo_id("Q937") == pseudo_id("Q937") != pseudo_id("Q90")
    items = [e for e in hidden.labels if e.startswith("Q")]
    assert len({hidden.labels[e].casefold() for e in items}) == len(items)
    assert len(set(_mapping().values())) == len(_mapping())  # no two items share a made-up id


def _real_items_in(text, named, classes):
    """The real, non-class item ids a text names (a made-up id is never one: they lie above them all)."""
    return sorted({q for q in re.findall(r"Q[1-9][0-9]*", text) if q in named.labels and q not in classes})


def test_no_tool_output_of_an_anonymized_task_names_a_real_item_id():
    _, named, hidden = _graphs()
    classes = {o for _, o, k in named.graph.edges(keys=True) if k == "P31"}
    for kind in ("premise", "count", "fact"):
        task = W.generate(config_from(W, {"kind": kind, "anonymize": True, "calls": 0, "slack": -1}), 1, 0)
        assert not _real_items_in(task.prompt, named, classes), kind
        shown = [e for e in sorted(hidden.labels) if f"({e})" in task.prompt][:3]
        calls = [("sparql", {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50"}),
                 ("sparql", {"query": "SELECT ?s WHERE { ?s wdt:P31 wd:Q5 } LIMIT 50"}),
                 ("search_entities", {"text": "ou"}),
                 *(("get_entity", {"entity_id": e}) for e in shown)]
        for name, args in calls:
            if name in task.tools:
                result = call_tool(name, args, task.env)
                assert not result.is_error, result.text
                assert not _real_items_in(result.text, named, classes), (kind, name, result.text[:300])
    # the real ids mean nothing in an anonymized graph: Einstein's id is not a way in
    task = W.generate(config_from(W, {"kind": "premise", "anonymize": True}), 1, 0)
    assert call_tool("get_entity", {"entity_id": "Q937"}, task.env).is_error
    assert "Q937 is" not in task.prompt


def test_anonymized_prompts_name_no_real_item_and_their_tasks_pass_every_check():
    _, named, _ = _graphs()
    tasks = [W.generate(config_from(W, {"kind": kind, "anonymize": True}), 1, 0)
             for kind in W.Config().mixed_kinds()]  # the tool kind names no entity of the snapshot
    classes = {o for _, o, k in named.graph.edges(keys=True) if k == "P31"}
    for task in tasks:
        for entity, label in named.labels.items():
            if entity.startswith("Q") and entity not in classes:
                assert f"{label} ({entity})" not in task.prompt, (task.id, label)
        assert grade(task, task.truth["reference"]).passed
        assert task.meta["provenance"]["names"].startswith("pseudonyms")
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)
