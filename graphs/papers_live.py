"""Paper graphs built from the live sources (`graphs.papers_sources`): k-hop expansion from seed
papers, and the check of the curated snapshot against the same sources. The CLI:

    python -m graphs.papers build --seed 1710.02298 --hops 1 --out FILE
    python -m graphs.papers verify-snapshot
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from typing import Any

from cache.store import CacheMiss, default_cache
from graphs.papers import SNAPSHOT, arxiv_id, load_snapshot
from graphs.papers_sources import (
    ARXIV_URL,
    OPENALEX_URL,
    S2_URL,
    LiveSources,
    SourceError,
    openalex_record,
)
from tasks.task import open_output

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def build(
    seeds: list[str], hops: int, sources: LiveSources, max_papers: int = 200, max_links: int = 50
) -> dict[str, Any]:
    """A snapshot-shaped graph: the seeds and every paper within `hops` citation links, capped at
    `max_papers` papers and `max_links` references and citations followed per paper."""
    keys = [arxiv_id(s) or s.casefold() for s in seeds]
    records: dict[str, dict[str, Any]] = {k: {"id": k} for k in keys}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    frontier = list(dict.fromkeys(keys))
    for _ in range(hops):
        next_frontier = []
        for key in frontier:
            source, links = sources.links(key, max_links)
            pairs = [(key, r["id"], r) for r in links["references"][:max_links]]
            pairs += [(r["id"], key, r) for r in links["citations"][:max_links]]
            for citing, cited, rec in pairs:
                other = rec["id"]
                if other not in records:
                    if len(records) >= max_papers:
                        continue
                    records[other] = rec
                    next_frontier.append(other)
                edge = {"citing": citing, "cited": cited, "provenance": {"source": source, "verified": True}}
                if rec["influential"]:
                    edge["builds_on"] = f"influential citation per {source}"
                edges[(citing, cited)] = edge
        frontier = next_frontier
    arxiv_meta = sources.arxiv_metadata([k for k in records if arxiv_id(k)])
    papers = []
    for key, rec in records.items():
        meta = arxiv_meta.get(key)
        source = "arXiv API" if meta else "Semantic Scholar / OpenAlex"
        meta = meta or {**rec, "summary": ""}
        if "title" not in meta:  # a seed that arXiv does not know and nothing linked to
            raise SourceError(f"{key}: no metadata found")
        papers.append(
            {
                "id": key,
                "name": meta["title"],
                "title": meta["title"],
                "authors": meta["authors"],
                "date": meta["date"],
                "venue": meta["venue"],
                "doi": meta["doi"],
                "lineages": [],
                "summary": meta["summary"],
                "provenance": {"source": source, "verified": True},
            }
        )
    return {
        "description": f"built from seeds {', '.join(keys)} with {hops} hop(s)",
        "papers": sorted(papers, key=lambda p: (p["date"] or "", p["id"])),
        "citations": [edges[k] for k in sorted(edges)],
    }


def _fold(text: str) -> str:
    """Text as compared with a source's: accents, case, punctuation and spacing ignored."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.casefold()).strip()


def verify(data: dict[str, Any], sources: LiveSources) -> tuple[list[str], list[str]]:
    """(contradictions, unchecked): each curated title, author list, first-version date and citation
    that a live source contradicts, and what no source could check. Venues are not compared: the
    sources name them too inconsistently for a mismatch to mean anything."""
    contradictions, unchecked = [], []
    arxiv_ids = [p["id"] for p in data["papers"] if arxiv_id(p["id"])]
    meta = sources.arxiv_metadata(arxiv_ids)
    for p in data["papers"]:
        live, source = meta.get(p["id"]), "arXiv"
        if live is None and p.get("doi"):  # a journal paper: OpenAlex knows its publication date
            try:
                live, source = openalex_record(sources.openalex_work(p["doi"])), "OpenAlex"
            except SourceError:
                pass
        if live is None:
            unchecked.append(f"{p['id']}: metadata (neither arXiv nor OpenAlex knows it)")
            continue
        if _fold(live["title"]) != _fold(p["title"]):
            contradictions.append(f"{p['id']}: title {p['title']!r}; {source} says {live['title']!r}")
        if [_fold(a) for a in live["authors"]] != [_fold(a) for a in p["authors"]]:
            contradictions.append(f"{p['id']}: authors {p['authors']}; {source} says {live['authors']}")
        if live["date"] != p["date"]:
            contradictions.append(f"{p['id']}: first version {p['date']}; {source} says {live['date']}")
    cited_by: dict[str, list[str]] = {}
    for e in data["citations"]:
        cited_by.setdefault(e["citing"], []).append(e["cited"])
    titles = {p["id"]: _fold(p["title"]) for p in data["papers"]}
    for citing in sorted(cited_by):
        if not (arxiv_id(citing) or _DOI.match(citing)):
            unchecked.append(f"{citing}: citations (no arXiv id or DOI to look it up by)")
            continue
        try:
            source, links = sources.links(citing, limit=1000)
        except SourceError as e:
            unchecked.append(f"{citing}: citations ({e})")
            continue
        if not links["references"]:
            unchecked.append(f"{citing}: citations ({source} lists no references)")
            continue
        found = {r["id"] for r in links["references"]} | {_fold(r["title"]) for r in links["references"]}
        for cited in sorted(cited_by[citing]):
            if cited not in found and titles[cited] not in found:
                contradictions.append(f"{citing} -> {cited}: not among the references {source} lists")
    return contradictions, unchecked


def main(argv: list[str] | None = None) -> int:
    """`build` a graph from seed papers, or `verify-snapshot` against the live sources."""
    parser = argparse.ArgumentParser(prog="python -m graphs.papers", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a paper graph from seed arXiv ids")
    b.add_argument("--seed", action="append", required=True, help="seed arXiv id or DOI (repeatable)")
    b.add_argument("--hops", type=int, default=1, help="citation links to follow from the seeds (default 1)")
    b.add_argument("--max-papers", type=int, default=200, help="cap on papers (default 200)")
    b.add_argument("--max-links", type=int, default=50, help="cap on links followed per paper (default 50)")
    b.add_argument("--out", required=True, help="output JSON file, in the snapshot's format")
    v = sub.add_parser("verify-snapshot", help="report curated facts the live sources contradict")
    v.add_argument("--snapshot", default=str(SNAPSHOT), help="snapshot file (default: the embedded one)")
    for p in (b, v):
        p.add_argument("--arxiv-url", default=ARXIV_URL, help="arXiv API query URL, with {} for the query")
        p.add_argument("--s2-url", default=S2_URL, help="Semantic Scholar Graph API base URL")
        p.add_argument("--openalex-url", default=OPENALEX_URL, help="OpenAlex API base URL")
        p.add_argument("--delay", type=float, default=3.0, help="seconds between arXiv requests (default 3)")
        p.add_argument("--retries", type=int, default=3, help="retries of a failed request (default 3)")
    args = parser.parse_args(argv)
    if args.command == "build" and (args.hops < 0 or args.max_papers < 1 or args.max_links < 1):
        parser.error("--hops must be >= 0, --max-papers and --max-links >= 1")
    bad_seeds = [s for s in getattr(args, "seed", []) if not (arxiv_id(s) or _DOI.match(s))]
    if bad_seeds:
        parser.error(
            f"--seed must be an arXiv id (1710.02298, arXiv:1710.02298v2) or a DOI, got {bad_seeds[0]!r}"
        )
    sources = LiveSources(
        default_cache(),
        arxiv_url=args.arxiv_url,
        s2_url=args.s2_url,
        openalex_url=args.openalex_url,
        delay=args.delay,
        retries=args.retries,
        s2_key=os.environ.get("SEMANTIC_SCHOLAR_API_KEY") or None,
        openalex_key=os.environ.get("OPENALEX_API_KEY") or None,
    )
    try:
        if args.command == "build":
            data = build(args.seed, args.hops, sources, args.max_papers, args.max_links)
            with open_output(args.out) as fh:
                fh.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
            print(
                f"wrote {len(data['papers'])} papers, {len(data['citations'])} citations to {args.out}",
                file=sys.stderr,
            )
            return 0
        contradictions, unchecked = verify(load_snapshot(args.snapshot), sources)
    except (SourceError, CacheMiss, OSError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2  # as graphs.wikidata: 2 when it could not check, 1 when it found contradictions
    for line in unchecked:
        print(f"unchecked: {line}")
    for line in contradictions:
        print(f"contradiction: {line}")
    print(
        f"{len(contradictions)} contradiction(s), {len(unchecked)} fact group(s) unchecked", file=sys.stderr
    )
    return 1 if contradictions else 0
