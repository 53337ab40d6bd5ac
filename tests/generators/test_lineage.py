import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from generators import lineage
from generators.base import config_from, iter_tasks, main
from graders import grade
from graphs.papers import env_graph
from tasks.check import check_tasks, format_report

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, hash_seed="0"):
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, "-m", "generators.lineage", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_same_flags_and_seed_give_the_same_bytes_under_any_hash_seed():
    args = ("--n", "8", "--seed", "5", "--distractors", "9")
    first, second = _run(*args, hash_seed="1"), _run(*args, hash_seed="2")
    assert first.returncode == 0 and first.stdout == second.stdout and first.stdout.count("\n") == 8


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--lineage", "dqn"], "--lineage must be one of"),
        (["--distractors", "99"], "--distractors must be in 0..13"),
        (["--hops", "1"], "--hops must be in 2..6"),
    ],
)
def test_bad_flags_give_one_error_line_and_exit_2(flags, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(lineage, flags)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and message in err.splitlines()[-1] and out == ""


def test_every_ladder_step_generates_for_every_lineage_and_its_reference_passes():
    for lineage_name in ("dqn-rainbow", "alphago-muzero", "all"):
        for kind, ladder in lineage.LADDERS.items():
            for step in ladder:
                config = config_from(lineage, {**step, "kind": kind, "lineage": lineage_name})
                for index in range(3):
                    task = lineage.generate(config, 7, index)
                    assert grade(task, task.truth["reference"]).passed, task.id


def test_a_lineage_collection_holds_its_papers_and_only_the_asked_for_distractors():
    task = lineage.generate(lineage.Config(kind="path", lineage="dqn-rainbow", distractors=3, hops=2), 0, 0)
    ids = {p["id"] for p in task.env["papers"]}
    data = lineage._load("")
    members = {p["id"] for p in data["papers"] if "dqn-rainbow" in p["lineages"]}
    assert members <= ids and len(ids - members) == 3
    assert all(a in ids and b in ids for a, b in task.env["citations"])


def test_anonymized_tasks_ask_the_same_question_with_no_real_name_left():
    snapshot = lineage._load("")["papers"]
    names = [p["name"] for p in snapshot] + [p["title"] for p in snapshot]
    for kind, index in [(k, i) for k in lineage.Config().mixed_kinds() for i in range(6)]:  # tool: no papers
        knobs = {"lineage": "alphago-muzero", "distractors": 20}  # distractors whose summaries name others
        plain = lineage.generate(lineage.Config(kind=kind, **knobs), 3, index)
        anon = lineage.generate(lineage.Config(kind=kind, anonymize=True, **knobs), 3, index)
        text = anon.prompt + json.dumps(anon.env)
        assert not [n for n in names if n in text]
        assert not [p["id"] for p in snapshot if p["id"] in text]
        assert len(anon.env["citations"]) == len(plain.env["citations"])
        # the same structure: the anonymized reference has the plain reference's shape and dates
        assert json.dumps(anon.truth["reference"]).count('"') == json.dumps(plain.truth["reference"]).count(
            '"'
        )


def _sample(kind, knob_sets, indices=range(4), lineages=("dqn-rainbow", "alphago-muzero", "all")):
    for lineage_name in lineages:
        for knobs in knob_sets:
            config = config_from(lineage, {"kind": kind, "lineage": lineage_name, **knobs})
            yield from (lineage.generate(config, 3, index) for index in indices)


def test_no_path_task_is_answered_by_its_two_endpoints():
    for task in _sample("path", lineage.LADDERS["path"]):
        assert [task.truth["source"], task.truth["target"]] not in task.env["citations"], task.id


def test_chronology_names_its_papers_by_title_not_by_ids_that_give_away_the_month():
    snapshot = {p["id"]: p for p in lineage._load("")["papers"]}
    for task in _sample("chronology", [{"items": 8}, {"items": 5, "distractors": 13}]):
        chosen, question = sorted(task.truth["dates"]), task.prompt.split("Order these papers")[1]
        assert not [k for k in chosen if k in question], task.id  # the intro's example id is no answer
        # answered by title, in the order of the snapshot's own dates: graded correct
        by_date = sorted(chosen, key=lambda k: snapshot[k]["date"])
        assert all(f"- {snapshot[k]['title']}\n" in task.prompt for k in chosen)
        assert grade(task, {"order": [snapshot[k]["title"] for k in by_date]}).passed


def test_a_components_answer_is_never_everything_the_paper_cites():
    for task in _sample("components", [{"distractors": d} for d in (0, 6, 13)]):
        cited = {b for a, b in task.env["citations"] if a == task.truth["target"]}
        assert set(task.truth["expected"]) < cited, task.id


def test_a_common_answer_is_not_given_by_either_paper_s_own_references():
    # the AlphaGo line alone has no such pair, so it is left out here
    knobs = [{"distractors": d} for d in (0, 6, 13)]
    tasks = list(_sample("common", knobs, range(8), lineages=("dqn-rainbow", "all")))
    assert {t.truth["mode"] for t in tasks} == {"shared", "latest"}
    for task in tasks:
        graph, a, b = env_graph(task.env), task.truth["a"], task.truth["b"]
        if task.truth["mode"] == "shared":
            assert set(graph[a]) & set(graph[b]) not in (set(graph[a]), set(graph[b])), task.id
            continue
        date = {p["id"]: p["date"] for p in task.env["papers"]}
        common = nx.descendants(graph, a) & nx.descendants(graph, b)
        latest = {n for n in common if date[n] == max(date[c] for c in common)}
        newest = {max(graph[x], key=lambda n: (date[n], n)) for x in (a, b)}
        assert not newest & latest, task.id


def test_a_generated_sample_passes_tasks_check():
    settings = [
        {"distractors": 6},
        {"lineage": "dqn-rainbow", "budget": 5, "hops": 3},
        {"lineage": "alphago-muzero", "anonymize": True, "items": 7},
    ]
    tasks = [
        task
        for knobs in settings
        for kind in lineage.Config().mixed_kinds()  # the tool kind: tests/generators/test_tool_kind.py
        for task in iter_tasks(lineage, lineage.Config(kind=kind, **knobs), seed=2, n=1)
    ]
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)


def _built_graph(tmp_path):
    """A graph as `graphs.papers build` writes it: untagged, one date known by its year only, one unknown."""

    def paper(key, date):
        return {
            "id": key,
            "name": f"Paper {key}",
            "title": f"Paper {key}",
            "authors": ["A. Author"],
            "date": date,
            "venue": "",
            "doi": None,
            "lineages": [],
            "summary": "",
            "provenance": {"source": "arXiv API", "verified": True},
        }

    papers = [
        paper("2001.00001", "2020-01-02"),
        paper("2002.00002", "2020-02-03"),
        paper("10.1/x", "2015"),
        paper("2003.00003", "2020-03-04"),
        paper("2004.00004", "2020-04-05"),
        paper("2005.00005", "2020-05-06"),
        paper("2006.00006", None),
    ]
    edges = [
        ("2004.00004", "2003.00003"),
        ("2003.00003", "2002.00002"),
        ("2003.00003", "2001.00001"),
        ("2002.00002", "2001.00001"),
        ("2002.00002", "10.1/x"),
        ("2005.00005", "2001.00001"),
        ("2006.00006", "2004.00004"),
    ]
    citations = [
        {
            "citing": a,
            "cited": b,
            "builds_on": "influential citation per Semantic Scholar",
            "provenance": {"source": "Semantic Scholar", "verified": True},
        }
        for a, b in edges
    ]
    path = tmp_path / "built.json"
    path.write_text(json.dumps({"description": "built", "papers": papers, "citations": citations}))
    return str(path)


def test_a_built_graph_feeds_the_generator_with_its_file_name_as_provenance(tmp_path):
    graph = _built_graph(tmp_path)
    for kind, knobs in [("path", {"hops": 2}), ("chronology", {"items": 4}), ("common", {})]:
        for index in range(4):
            task = lineage.generate(lineage.Config(kind=kind, graph=graph, distractors=0, **knobs), 1, index)
            assert grade(task, task.truth["reference"]).passed
            assert task.meta["provenance"]["source"].startswith("built.json,")
            assert task.meta["knobs"]["graph"] == graph  # so tasks.check can regenerate the task
            if kind == "chronology":
                assert not {"10.1/x", "2006.00006"} & set(task.truth["dates"])  # days unknown


def test_a_built_graph_gives_no_components_question_from_alike_descriptions(tmp_path, capsys):
    assert (
        main(lineage, ["--graph", _built_graph(tmp_path), "--kind", "components", "--distractors", "0"]) == 2
    )
    assert "no components question exists" in capsys.readouterr().err


def test_an_unreadable_graph_file_is_one_error_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(lineage, ["--graph", str(tmp_path / "missing.json")])
    assert "--graph" in capsys.readouterr().err.splitlines()[-1]


def test_a_built_graph_asks_bottleneck_and_claims_but_no_reconstruct_without_descriptions(tmp_path, capsys):
    graph = _built_graph(tmp_path)
    claims = lineage.generate(lineage.Config(kind="claims", graph=graph, statements=4, distractors=0), 0, 0)
    assert "component" not in {s["kind"] for s in claims.truth["statements"]}  # no boilerplate
    assert grade(claims, claims.truth["reference"]).passed
    config = lineage.Config(kind="bottleneck", graph=graph, distractors=0, anonymize=False, span=3)
    bottleneck = lineage.generate(config, 0, 0)
    # the pairs joined by two chains that share papers: 2004 or 2006 back to 2001, through 2003 (and 2004)
    assert bottleneck.truth["expected"] in (["2003.00003"], ["2003.00003", "2004.00004"])
    assert "reconstruct" not in lineage.Config(graph=graph).mixed_kinds()
    assert main(lineage, ["--graph", graph, "--kind", "reconstruct", "--distractors", "0"]) == 2
    assert "no reconstruct question exists" in capsys.readouterr().err
