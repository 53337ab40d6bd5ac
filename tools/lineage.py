"""Tools of the paper-lineage family: search a task's paper collection and follow its citations.

They read the collection from the task's env (`papers`, `citations` as [citing, cited] pairs); a
tool-call budget (`env["calls_left"]`) is counted by the registry. With `env["undated_listings"]` the
listings name papers without dates, in id order (an order by date would tell the dates), so a date costs
a get_paper call; each listing then has a form of its own whose description says so.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from graphs.papers import PaperIndex, env_graph
from tools.registry import ToolError, tool

_WORD = re.compile(r"[a-z0-9]+")



def _paper(env: dict[str, Any], paper_id: str) -> str:
    key = PaperIndex(env["papers"]).resolve(paper_id)
    if key is None:
        raise ToolError(f"no paper {paper_id!r} in the collection; find ids with search_papers")
    return key


def _line(env: dict[str, Any], p: dict[str, Any]) -> str:
    if env.get("undated_listings"):
        return f"{p['id']} | {p['name']} | {p['title']}"
    return f"{p['id']} | {p['date']} | {p['name']} | {p['title']}"


def _listing(env: dict[str, Any], keys: list[str], empty: str) -> str:
    by_id = {p["id"]: p for p in env["papers"]}
    undated = env.get("undated_listings")
    papers = sorted((by_id[k] for k in keys), key=lambda p: (p["id"],) if undated else (p["date"], p["id"]))
    return "\n".join(_line(env, p) for p in papers) if papers else empty


@tool
def search_papers(env: dict, query: str, limit: int = 8) -> str:
    """Search the collection's titles, names and summaries; best matches first.

    Args:
        query: words to look for, e.g. "prioritized replay" or "tree search Go".
        limit: how many papers to list at most (1 to 50).

    Returns:
        One line per paper, "id | first-version date | name | title". Pass an id to get_paper,
        references or citations.
    """
    if not 1 <= limit <= 50:
        raise ToolError(f"limit must be in 1..50, got {limit}")
    terms = set(_WORD.findall(query.casefold()))
    if not terms:
        raise ToolError("the query has no words to search for")
    docs = {
        p["id"]: (
            _WORD.findall(f"{p['name']} {p['title']}".casefold()),
            _WORD.findall(p["summary"].casefold()),
        )
        for p in env["papers"]
    }
    df = {t: sum(t in head or t in body for head, body in docs.values()) for t in terms}
    scores = {}
    for key, (head, body) in docs.items():
        # tf-idf, with title and name words counting three times as much as summary words
        score = sum(
            (3 * head.count(t) + body.count(t)) * math.log(1 + len(docs) / df[t]) for t in terms if df[t]
        )
        if score > 0:
            scores[key] = score
    ranked = sorted(scores, key=lambda k: (-scores[k], k))[:limit]
    by_id = {p["id"]: p for p in env["papers"]}
    return "\n".join(_line(env, by_id[k]) for k in ranked) or "No matches."


@tool
def get_paper(env: dict, paper_id: str) -> str:
    """The record of one paper: id, DOI, name, title, authors, first-version date, venue and summary.

    Args:
        paper_id: an arXiv id (1710.02298, arXiv:1710.02298, 1710.02298v2), a DOI, another id as
            search_papers lists it, or the exact title.

    Returns:
        The paper as a JSON object. Use references and citations to follow its citation links.
    """
    key = _paper(env, paper_id)
    paper = next(p for p in env["papers"] if p["id"] == key)
    return json.dumps(paper, ensure_ascii=False, indent=1)


@tool
def references(env: dict, paper_id: str) -> str:
    """The papers of the collection that a paper cites.

    Args:
        paper_id: the citing paper, in any spelling get_paper accepts.

    Returns:
        One line per cited paper, oldest first: "id | first-version date | name | title".
    """
    key = _paper(env, paper_id)
    return _listing(env, list(env_graph(env).successors(key)), "It cites no paper of the collection.")


@tool
def citations(env: dict, paper_id: str) -> str:
    """The papers of the collection that cite a paper.

    Args:
        paper_id: the cited paper, in any spelling get_paper accepts.

    Returns:
        One line per citing paper, oldest first: "id | first-version date | name | title".
    """
    key = _paper(env, paper_id)
    return _listing(env, list(env_graph(env).predecessors(key)), "No paper of the collection cites it.")


@tool
def credits(env: dict, paper_id: str) -> str:
    """The components a paper took from other papers of the collection, each with the paper it credits.

    Args:
        paper_id: the paper, in any spelling get_paper accepts.

    Returns:
        One line per component, "component <- id | first-version date | name | title" of the paper
        credited for it.
    """
    key = _paper(env, paper_id)
    by_id = {p["id"]: p for p in env["papers"]}
    taken = sorted((text, cited) for citing, cited, text in env.get("credits", []) if citing == key)
    lines = [f"{text} <- {_line(env, by_id[cited])}" for text, cited in taken]
    return "\n".join(lines) or "It credits no paper of the collection for a component."


# The same four listings as a task whose listings carry no dates describes them to its model.
def _undated(env: dict[str, Any]) -> bool:
    return bool(env.get("undated_listings"))


@tool(name="search_papers", when=_undated)
def search_papers_undated(env: dict, query: str, limit: int = 8) -> str:
    """Search the collection's titles, names and summaries; best matches first.

    Args:
        query: words to look for, e.g. "prioritized replay" or "tree search Go".
        limit: how many papers to list at most (1 to 50).

    Returns:
        One line per paper, "id | name | title" (no date: get_paper gives a paper's date). Pass an
        id to get_paper, references or citations.
    """
    return search_papers(env, query, limit)


@tool(name="references", when=_undated)
def references_undated(env: dict, paper_id: str) -> str:
    """The papers of the collection that a paper cites.

    Args:
        paper_id: the citing paper, in any spelling get_paper accepts.

    Returns:
        One line per cited paper, in id order: "id | name | title" (no date: get_paper gives a
        paper's date).
    """
    return references(env, paper_id)


@tool(name="citations", when=_undated)
def citations_undated(env: dict, paper_id: str) -> str:
    """The papers of the collection that cite a paper.

    Args:
        paper_id: the cited paper, in any spelling get_paper accepts.

    Returns:
        One line per citing paper, in id order: "id | name | title" (no date: get_paper gives a
        paper's date).
    """
    return citations(env, paper_id)


@tool(name="credits", when=_undated)
def credits_undated(env: dict, paper_id: str) -> str:
    """The components a paper took from other papers of the collection, each with the paper it credits.

    Args:
        paper_id: the paper, in any spelling get_paper accepts.

    Returns:
        One line per component, "component <- id | name | title" of the paper credited for it, in
        component order (no date: get_paper gives a paper's date).
    """
    return credits(env, paper_id)
