"""Pseudonyms hide every item's name and keep the graph's structure, dates and coordinates."""
import generators.wikidata as W
from generators.base import config_from
from graders.registry import grade
from graphs.wikidata import ALL_TRIPLES, CURATED, env_for_snapshot, load_env
from graphs.wikidata_anonymize import anonymize, pseudonym
from tasks.check import check_tasks, format_report


def _graphs():
    store, named = load_env(env_for_snapshot())
    hidden = W.source((CURATED, "", True))[1]
    return store, named, hidden


def test_pseudonyms_keep_statements_dates_and_coordinates_and_hide_every_item_name():
    _, named, hidden = _graphs()
    assert hidden.statements == named.statements and hidden.coords == named.coords
    classes = {o for _, o, k in named.graph.edges(keys=True) if k == "P31"}
    for entity, label in named.labels.items():
        if entity.startswith("Q") and entity not in classes:
            assert hidden.labels[entity] != label and not hidden.aliases.get(entity), entity
        else:
            assert hidden.labels[entity] == label  # classes and properties keep their names
    kept = {label.casefold() for e, label in hidden.labels.items() if label == named.labels[e]}
    assert not [e for e, label in hidden.labels.items() if label != named.labels[e] and label.casefold() in kept]


def test_pseudonyms_are_stable_and_unique():
    store, _, hidden = _graphs()
    again = anonymize(store.select(ALL_TRIPLES))
    assert sorted(map(str, (r["o"] for r in again))) == sorted(map(str, (r["o"] for r in anonymize(
        store.select(ALL_TRIPLES)))))
    assert pseudonym("Q937") == pseudonym("Q937") != pseudonym("Q90")
    items = [e for e in hidden.labels if e.startswith("Q")]
    assert len({hidden.labels[e].casefold() for e in items}) == len(items)


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
