import json

import pytest

from generators import lineage
from tools.registry import build_tool, call_tool, get_tool

TOOLS = ("search_papers", "get_paper", "references", "citations")


def _env(**knobs):
    task = lineage.generate(lineage.Config(kind="path", **knobs), seed=0, index=0)
    return task.env


def test_every_lineage_tool_has_a_schema_from_its_docstring():
    for name in TOOLS:
        tool = build_tool(get_tool(name).fn)
        assert "paper_id" in tool.parameters["properties"] or "query" in tool.parameters["properties"]


def test_search_ranks_the_paper_named_by_the_query_first():
    result = call_tool("search_papers", {"query": "prioritized experience replay"}, _env())
    assert result.text.splitlines()[0].startswith("1511.05952 |")


def test_search_with_no_match_says_so():
    assert call_tool("search_papers", {"query": "zebra"}, _env()).text == "No matches."


@pytest.mark.parametrize(
    "spelling",
    [
        "1710.02298",
        "arXiv:1710.02298",
        "1710.02298v3",
        "10.48550/ARXIV.1710.02298",
        "rainbow: combining improvements in deep reinforcement learning",
    ],
)
def test_get_paper_accepts_every_spelling(spelling):
    result = call_tool("get_paper", {"paper_id": spelling}, _env())
    assert not result.is_error
    assert json.loads(result.text)["id"] == "1710.02298"


def test_an_unknown_paper_is_an_error_result_pointing_to_search():
    result = call_tool("references", {"paper_id": "1710.0229"}, _env())
    assert result.is_error and "search_papers" in result.text


def test_references_and_citations_list_exactly_the_env_citations():
    env = _env(distractors=13)
    for paper in env["papers"]:
        refs = call_tool("references", {"paper_id": paper["id"]}, env).text
        cits = call_tool("citations", {"paper_id": paper["id"]}, env).text
        listed = {line.split(" | ")[0] for line in refs.splitlines() if " | " in line}
        citing = {line.split(" | ")[0] for line in cits.splitlines() if " | " in line}
        assert listed == {b for a, b in env["citations"] if a == paper["id"]}
        assert citing == {a for a, b in env["citations"] if b == paper["id"]}


def test_the_budget_counts_down_then_every_tool_refuses():
    env = _env(budget=2)
    assert not call_tool("get_paper", {"paper_id": "1710.02298"}, env).is_error
    assert not call_tool("citations", {"paper_id": "1710.02298"}, env).is_error
    spent = call_tool("search_papers", {"query": "rainbow"}, env)
    assert spent.is_error and "budget is spent" in spent.text


def test_anonymized_tools_accept_pseudonyms_and_refuse_real_ids():
    env = _env(anonymize=True)
    pseudonym = env["papers"][0]["id"]
    assert not call_tool("get_paper", {"paper_id": pseudonym}, env).is_error
    assert call_tool("get_paper", {"paper_id": "1710.02298"}, env).is_error
    assert "Rainbow" not in json.dumps(env)


@pytest.mark.parametrize("kind, undated", [("claims", True), ("bottleneck", True), ("path", False)])
def test_a_task_is_shown_the_listings_it_gets_dated_or_not(kind, undated):
    from tools.registry import anthropic_tools

    task = lineage.generate(lineage.Config(kind=kind), 1, 0)
    shown = {t["name"]: t["description"] for t in anthropic_tools(task.tools, task.env)}
    listings = [name for name in ("search_papers", "references", "citations", "credits") if name in shown]
    assert "references" in listings
    for name in listings:
        said = shown[name]
        assert ("first-version date" in said, "no date" in said) == (not undated, undated), (name, said)
    cites = next(citing for citing, _ in task.env["citations"])
    lines = call_tool("references", {"paper_id": cites}, dict(task.env)).text.splitlines()
    assert lines and {line.count(" | ") for line in lines} == {2 if undated else 3}  # and runs its form
