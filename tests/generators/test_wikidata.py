import dataclasses
import json
import os
import subprocess
import sys

import pytest

import generators.wikidata as W
from generators.base import config_from, iter_tasks, main
from graders.registry import grade
from graphs.wikidata import Snapshot, env_text, load_env, short
from tests.sparql_server import SparqlServer

SEEDS = range(4)


def tasks(kind, seeds=SEEDS, **knobs):
    config = config_from(W, {"kind": kind, **knobs})
    return [W.generate(config, seed, index) for seed in seeds for index in range(2)]


@pytest.mark.parametrize("kind", W.Config().mixed_kinds())  # tool: test_tool_kind.py
def test_references_and_independently_enumerated_answers_pass_and_mutants_fail(kind):
    for task in tasks(kind):
        assert grade(task, task.truth["reference"]).passed, task.id
        answers = W.enumerate_answers(task)
        assert answers, task.id
        assert task.truth["reference"] in answers or kind in ("linked_fact", "fact")
        for answer in answers:
            assert grade(task, answer).passed, (task.id, answer)
        for mutant in W.mutants(task):
            assert not grade(task, mutant).passed, (task.id, mutant)


def test_linked_fact_pairs_match_a_sparql_enumeration():
    for task in tasks("linked_fact", constraints=3):
        found = {(a["a"], a["b"]) for a in W.enumerate_answers(task) if a["a"][0] == "Q"}  # ids, not names
        assert found == {tuple(p) for p in task.truth["pairs"]} or len(found) >= 60, task.id


@pytest.mark.parametrize("kind, knobs", [(k, s) for k, ladder in W.LADDERS.items() for s in ladder])
def test_every_ladder_rung_generates_tasks_whose_reference_passes(kind, knobs):
    for task in tasks(kind, seeds=[0], **knobs):
        assert grade(task, task.truth["reference"]).passed
        assert all(f'"{field}"' in task.prompt for field in task.answer_schema["required"])


def test_chain_hops_and_distractors_shape_the_question():
    task = tasks("chain", seeds=[5], hops=3, distractors=4)[0]
    assert len(task.truth["path"]) == 3 and task.prompt.count(" of ") >= 3
    listed = task.prompt.split("among these candidates: ")[1]
    assert listed.count(";") == 4 and f"({task.truth['answer']})" in listed



def test_chains_go_through_doctoral_advisors_of_discoverers():
    """The issue's example: where did the doctoral advisor of a discovery's discoverer die?"""
    env, kg = W.source(W.origin(W.Config()))
    through = [o for o in W.chains(W.origin(W.Config()), 3) if o[1:] == ("P61", "P184", "P20")]
    assert through, "no chain discovery -> discoverer -> doctoral advisor -> place of death"
    for start, *path in through:  # the answer by a SPARQL property path, not the generator's walk
        rows = load_env(env)[0].select(f"SELECT ?x WHERE {{ wd:{start} wdt:P61/wdt:P184/wdt:P20 ?x }}")
        assert {short(r["x"]) for r in rows} == W.follow(kg, {start}, tuple(path)) and len(rows) == 1


def test_baseline_and_random_answers_are_well_formed_and_usually_wrong():
    import random
    for kind in W.Config().mixed_kinds():
        for task in tasks(kind, seeds=[1]):
            for guess in (W.baseline(task, random.Random(0)), W.random_answer(task, random.Random(0))):
                assert grade(task, guess).reasons != ("schema_mismatch",)
    assert not any(grade(t, W.baseline(t, random.Random(0))).passed for t in tasks("linked_fact", seeds=[1]))


def test_probe_calls_use_every_tool_without_errors():
    from tools.registry import call_tool
    task = tasks("chain", seeds=[2])[0]
    calls = W.probe_calls(task, __import__("random").Random(0))
    assert {name for name, _ in calls} == set(task.tools)
    for name, args in calls:
        assert not call_tool(name, args, dict(task.env)).is_error, (name, args)


def test_the_budget_reaches_the_env_and_the_prompt():
    task = tasks("set", seeds=[0], tool_budget=7)[0]
    assert task.env["calls_left"] == 7 and "at most 7 tool calls" in task.prompt


def test_output_is_byte_identical_under_any_hash_seed(tmp_path):
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"{hash_seed}.jsonl"
        command = [sys.executable, "-m", "generators.wikidata", "--n", "6", "--seed", "3", "--out", str(out)]
        subprocess.run(command,
                       check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0].splitlines()) == 6


@pytest.mark.parametrize("flags, fragment", [
    (["--hops", "9"], "--hops must be in 1..5, got 9"),
    (["--constraints", "0"], "--constraints must be in 1..3, got 0"),
    (["--endpoint", "ftp://example.org"], "--endpoint must be an http(s) URL"),
])
def test_bad_flags_are_one_line_and_exit_2(flags, fragment, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(W, flags)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and fragment in err and err.strip().splitlines()[-1].count(fragment) == 1


def test_an_unreachable_endpoint_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KGTASKS_CACHE", str(tmp_path))
    assert main(W, ["--endpoint", "http://127.0.0.1:9/sparql", "--n", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "http://127.0.0.1:9/sparql: cannot query" in err


def test_a_live_endpoint_builds_a_self_contained_graph(tmp_path, monkeypatch):
    monkeypatch.setenv("KGTASKS_CACHE", str(tmp_path))
    served = Snapshot(*env_text(W.source(W.origin(W.Config()))[0]), engine="oxigraph").graph
    with SparqlServer(served) as srv:
        config = dataclasses.replace(W.Config(), endpoint=srv.url)
        made = list(iter_tasks(W, config, seed=0, n=3))
        asked = len(srv.requests)
    assert asked > 0
    for task in made:
        assert "ntriples_gz" in task.env and task.meta["provenance"]["source"].endswith(srv.url)
        assert grade(task, task.truth["reference"]).passed
    live, snapshot = load_env(made[0].env)[1], W.source(W.origin(W.Config()))[1]
    assert sorted(live.graph.edges(keys=True)) == sorted(snapshot.graph.edges(keys=True))
    assert json.loads(made[0].to_json())["env"]["sha256"] == made[0].env["sha256"]


def test_a_snapshot_of_ones_own_in_graphs_data_can_be_used(tmp_path, monkeypatch):
    import graphs.wikidata as G
    curated = G.snapshot_text()  # read before DATA_DIR moves
    for module in (G, W):
        monkeypatch.setattr(module, "DATA_DIR", tmp_path)
    rows = Snapshot(curated).select(G.ALL_TRIPLES)
    mine = [r for r in rows if not str(r["s"]).endswith("/Q937")]  # a snapshot without Einstein
    (tmp_path / "mine.nt").write_text(G.rows_to_ntriples(mine))
    made = list(iter_tasks(W, W.Config(snapshot="mine.nt"), seed=0, n=3))
    for task in made:
        assert task.env["snapshot"] == "mine.nt"
        assert task.meta["provenance"]["check"].endswith("--snapshot graphs/data/mine.nt")
        assert grade(task, task.truth["reference"]).passed and "Q937" not in json.dumps(task.truth)
    for bad in ("../mine.nt", "absent.ttl"):
        with pytest.raises(ValueError, match="--snapshot must name a file in graphs/data"):
            config_from(W, {"snapshot": bad})


@pytest.mark.parametrize("kind", ["superlative", "premise", "count", "fact"])
def test_without_sparql_the_tool_leaves_the_task_and_its_prompt(kind):
    from tasks.run import call_offered_tool
    unbudgeted = {"calls": 0} if kind == "count" else {}  # a budgeted count offers sparql: its route is a query
    for task in tasks(kind, seeds=[1], sparql=False, **unbudgeted):
        assert task.tools == ["search_entities", "get_entity", "distance_km"]
        assert "sparql" not in task.prompt and "wdt:" not in task.prompt
        calls = W.probe_calls(task, __import__("random").Random(0))
        assert {name for name, _ in calls} == set(task.tools)
        refused = call_offered_tool(task, "sparql", {"query": "ASK { ?s ?p ?o }"}, dict(task.env))
        assert refused.is_error and "unknown tool 'sparql'" in refused.text  # the runner refuses it
    offered = tasks(kind, seeds=[1], sparql=True)[0]
    assert offered.tools[0] == "sparql" and "wdt:P625" in offered.prompt
    assert tasks(kind, seeds=[1], **unbudgeted)[0].tools == task.tools  # no sparql is the default


def _holders_by_pages(env, anchor, prop):
    """Who has `prop anchor`, read off get_entity's pages of inbound statements as a model would."""
    from tools.registry import call_tool
    found, start = set(), 0
    while True:
        text = call_tool("get_entity", {"entity_id": anchor, "inbound_from": start}, dict(env)).text
        found |= {line.split()[0] for line in text.splitlines() if line.startswith("  Q")
                  and line.rstrip().split(")")[-1].split()[:1] == [prop]}
        if f"inbound_from={start + 40}" not in text:
            return found
        start += 40


def test_without_sparql_every_superlative_candidate_is_reachable_through_get_entity_pages():
    for task in tasks("superlative", sparql=False):
        kg = load_env(task.env)[1]
        for who in ("a", "b"):
            role = task.truth["spec"]["roles"][who]
            if len(role) == 1:  # a person with `P anchor`: the anchor's inbound pages list them all
                (_, prop, anchor), = role
                assert _holders_by_pages(task.env, anchor, prop) == set(kg.subjects(prop, anchor)), task.id
            else:  # a discoverer of an instance of a class: the class's pages list the discoveries
                (_, _, _), (_, _, cls) = role
                assert _holders_by_pages(task.env, cls, "P31") == set(kg.subjects("P31", cls)), task.id


def test_a_false_premise_of_a_chain_of_two_fails_at_its_second_step():
    found = [t.truth for t in tasks("premise", seeds=range(8), hops=2, longer=0, branch=0) if t.truth["premise"] != "holds"]
    assert found and all(truth["fails_at"] == 1 for truth in found)


def test_a_superlative_optimum_is_taken_over_at_least_the_pairs_asked_for():
    for task in tasks("superlative", pairs=80):
        assert task.truth["pairs"] >= 80 and task.truth["passing"] <= task.truth["pairs"] // 2


@pytest.mark.parametrize("kind", ["superlative", "premise", "count", "fact"])
def test_the_hasty_shortcut_fails_on_most_of_the_default_sample(kind):
    # premise: the first value, or a reverse link followed; count: the negation ignored; superlative and
    # fact: the first people with the roles
    sample = list(iter_tasks(W, config_from(W, {"kind": kind}), seed=1, n=8))
    assert len(sample) == 8
    passed = sum(grade(t, W.baseline(t, __import__("random").Random(0))).passed for t in sample)
    assert passed <= (3 if kind == "premise" else 2)  # a true premise taken for granted passes


def test_the_facts_of_a_default_sample_are_about_different_people():
    for seed in (1, 2):
        sample = [W.generate(config_from(W, {"kind": "fact"}), seed, i) for i in range(5)]
        people = [{x for pair in t.truth["pairs"] for x in pair} for t in sample]
        assert all(people[i].isdisjoint(people[j]) for i in range(5) for j in range(i)), seed
