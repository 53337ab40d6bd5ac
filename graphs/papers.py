"""Paper-lineage graphs: the embedded snapshot, the id spellings a paper answers to, pseudonyms, and
live building from arXiv, Semantic Scholar and OpenAlex (every response through `cache`).

A graph is a networkx DiGraph: nodes are papers keyed by arXiv id, else DOI, else OpenReview id; every
edge is a citation (citing -> cited), and an edge whose `builds_on` attribute is set also records what
the citing paper took from the cited one. `python -m graphs.papers build|verify-snapshot` (see main).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from cache.store import Cache, CacheMiss, default_cache

SNAPSHOT = Path(__file__).parent / "data" / "papers.json"
LINEAGES = ("dqn-rainbow", "alphago-muzero")
CHECK_COMMAND = "python -m graphs.papers verify-snapshot"

_ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_DOI_PREFIX = "10.48550/arxiv."


# --- the snapshot and the graph -------------------------------------------------------------------


def load_snapshot(path: str | os.PathLike[str] = SNAPSHOT) -> dict[str, Any]:
    """The papers and citations of a snapshot file (the embedded one by default)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def to_graph(data: dict[str, Any]) -> nx.DiGraph:
    """The paper graph of a snapshot; ValueError on a duplicate paper or an edge to an unknown one."""
    graph = nx.DiGraph()
    for paper in data["papers"]:
        if paper["id"] in graph:
            raise ValueError(f"duplicate paper {paper['id']}")
        graph.add_node(paper["id"], **{k: v for k, v in paper.items() if k != "id"})
    for edge in data["citations"]:
        citing, cited = edge["citing"], edge["cited"]
        if citing not in graph or cited not in graph:
            raise ValueError(f"citation {citing} -> {cited} names a paper not in the snapshot")
        graph.add_edge(citing, cited, builds_on=edge.get("builds_on"))
    return graph


def env_graph(env: dict[str, Any]) -> nx.DiGraph:
    """The citation graph of a task's env: `papers` records and `citations` as [citing, cited] pairs."""
    graph = nx.DiGraph()
    graph.add_nodes_from(p["id"] for p in env["papers"])
    graph.add_edges_from(map(tuple, env["citations"]))
    return graph


def arxiv_id(paper_id: str) -> str | None:
    """The bare arXiv id (no prefix, no version) of a spelling, or None if it is not one."""
    m = _ARXIV_ID.match(paper_id.strip())
    return m.group(1) if m else None


def _norm_title(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".")


class PaperIndex:
    """Resolves every accepted spelling of a paper to its key: `1710.02298`, `arXiv:1710.02298`,
    `1710.02298v2`, a DOI in any case (arXiv's own `10.48550/arXiv.<id>` too), its exact key, or its
    title or name (case and spacing ignored). Anything else resolves to None, and so does a spelling
    that would name two papers (a built graph may hold a preprint and its journal version)."""

    def __init__(self, papers: Iterable[dict[str, Any]]):
        self._ids: set[str] = set()
        self._keys: dict[str, str | None] = {}
        self._titles: dict[str, str | None] = {}
        for p in papers:
            self._ids.add(p["id"])
            spellings = [p["id"].casefold()]
            if p.get("doi"):
                spellings.append(p["doi"].casefold())
            if arxiv_id(p["id"]):
                spellings.append(_ARXIV_DOI_PREFIX + p["id"])
            for s in spellings:
                self._add(self._keys, s, p["id"])
            for alias in (p["title"], p["name"]):
                self._add(self._titles, _norm_title(alias), p["id"])

    @staticmethod
    def _add(table: dict[str, str | None], spelling: str, key: str) -> None:
        table[spelling] = key if table.get(spelling, key) == key else None

    @property
    def ambiguous(self) -> list[str]:
        """The spellings that would name two papers, and so name none."""
        return sorted(s for table in (self._keys, self._titles) for s, key in table.items() if key is None)

    def resolve(self, spelling: Any) -> str | None:
        """The key of the paper this spelling names, or None."""
        if not isinstance(spelling, str):
            return None
        text = spelling.strip()
        if text in self._ids:
            return text
        bare = arxiv_id(text)
        if bare:
            return self._keys.get(bare)
        return self._keys.get(text.casefold()) or self._titles.get(_norm_title(text))


# --- pseudonyms ------------------------------------------------------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "fe", "go", "hu", "ja", "pe", "ri", "zo"]


def _word(text: str, salt: str, syllables: int = 3) -> str:
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return "".join(_SYLLABLES[b % 16] for b in digest[:syllables]).capitalize()


def _unique(keys: Iterable[str], make: Callable[[str], str]) -> dict[str, str]:
    """A distinct pseudonym per key: make(key), or make(key#1), make(key#2)... on a collision, in
    key order, so a key keeps its pseudonym whatever else the graph holds unless two collide."""
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        attempt = 0
        while (name := make(f"{key}#{attempt}" if attempt else key)) in taken:
            attempt += 1
        chosen[key] = name
        taken.add(name)
    return chosen


def anonymize(data: dict[str, Any]) -> dict[str, Any]:
    """The same graph with stable pseudonyms for ids, names, titles and authors (names in summaries
    too); dates, venues, summaries' content and every edge are kept, so only recall is taken away."""
    keys = [p["id"] for p in data["papers"]]
    new_id = _unique(keys, lambda key: "anon:" + hashlib.sha256(key.encode()).hexdigest()[:6])
    new_name = _unique(keys, lambda key: _word(key, "name", 4))
    mentions = sorted(
        (
            (text, new_name[p["id"]])
            for p in data["papers"]
            for text in (p["title"], p["name"])
            if text.strip()
        ),
        key=lambda pair: -len(pair[0]),
    )
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(text)}(?!\w)" for text, _ in mentions))
    replacement = dict(mentions)

    def rename(text: str | None) -> str | None:
        return text and pattern.sub(lambda m: replacement[m.group(0)], text)

    def relabel(p: dict[str, Any]) -> dict[str, Any]:
        return {
            **p,
            "id": new_id[p["id"]],
            "doi": None,
            "name": new_name[p["id"]],
            "title": f"The {new_name[p['id']]} study",
            "authors": [f"{_word(a, 'given', 1)[0]}. {_word(a, 'family')}" for a in p["authors"]],
            "summary": rename(p["summary"]),
        }

    citations = [
        {
            **e,
            "citing": new_id[e["citing"]],
            "cited": new_id[e["cited"]],
            **({"builds_on": rename(e["builds_on"])} if "builds_on" in e else {}),
        }
        for e in data["citations"]
    ]
    return {
        **data,
        "description": "A pseudonymous paper collection.",
        "papers": [relabel(p) for p in data["papers"]],
        "citations": citations,
    }


# --- live sources ----------------------------------------------------------------------------------

ARXIV_URL = "https://export.arxiv.org/api/query?{}"
S2_URL = "https://api.semanticscholar.org/graph/v1"
OPENALEX_URL = "https://api.openalex.org"
_S2_FIELDS = "externalIds,title,publicationDate,year,authors,venue"


class SourceError(RuntimeError):
    """A live source failed after its retries, or does not know the paper."""


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _link_key(arxiv: str | None, doi: str | None) -> str | None:
    """The graph key of a linked paper: arXiv id, else DOI; None when it has neither."""
    if arxiv and arxiv_id(arxiv):
        return arxiv_id(arxiv)
    if doi and doi.casefold().startswith(_ARXIV_DOI_PREFIX):
        return arxiv_id(doi[len(_ARXIV_DOI_PREFIX) :])
    return doi.casefold() if doi else None


class LiveSources:
    """arXiv (through the `arxiv` client), Semantic Scholar and OpenAlex, each response cached."""

    def __init__(
        self,
        cache: Cache,
        *,
        arxiv_url: str = ARXIV_URL,
        s2_url: str = S2_URL,
        openalex_url: str = OPENALEX_URL,
        delay: float = 3.0,
        retries: int = 3,
        timeout: float = 30.0,
        s2_key: str | None = None,
        openalex_key: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.cache, self.arxiv_url, self.s2_url, self.openalex_url = cache, arxiv_url, s2_url, openalex_url
        self.delay, self.retries, self.timeout, self.sleep = delay, retries, timeout, sleep
        self.s2_key, self.openalex_key = s2_key, openalex_key

    # arXiv ------------------------------------------------------------------------------------
    def arxiv_metadata(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Title, authors, first-version date, journal reference and abstract of each arXiv id found."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 50):
            batch = sorted(ids[start : start + 50])
            for rec in self.cache.fetch(["arxiv", batch], lambda b=batch: self._arxiv_query(b)):
                found[rec["id"]] = rec
        return found

    def _arxiv_query(self, ids: list[str]) -> list[dict[str, Any]]:
        import arxiv  # imported here: only live building needs it

        client = arxiv.Client(page_size=len(ids), delay_seconds=self.delay, num_retries=self.retries)
        client.query_url_format = self.arxiv_url
        client._session = _timeout_session(self.timeout)
        try:
            results = list(client.results(arxiv.Search(id_list=ids, max_results=len(ids))))
        except Exception as e:  # arxiv.HTTPError, requests' errors, a malformed feed
            raise SourceError(f"arXiv query for {len(ids)} ids failed: {type(e).__name__}: {e}") from None
        return [
            {
                "id": arxiv_id(r.get_short_id()),
                "title": " ".join(r.title.split()),
                "authors": [a.name for a in r.authors],
                "date": r.published.date().isoformat(),
                "venue": r.journal_ref or "arXiv preprint",
                "doi": (r.doi or "").casefold() or None,
                "summary": " ".join(r.summary.split()),
            }
            for r in results
        ]

    # plain JSON APIs ------------------------------------------------------------------------------
    def _get_json(self, url: str, headers: dict[str, str], secret_query: str = "") -> Any:
        """GET a JSON document, retrying 429, 5xx and timeouts (Retry-After honoured, else backoff).
        `secret_query` (an API key) is appended to the request only, never to a message."""
        problem, wait = "", 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(wait)
            wait = min(2.0**attempt, 30.0)  # backoff, unless the server says how long
            try:
                sent = url + ("&" if "?" in url else "?") + secret_query if secret_query else url
                req = urllib.request.Request(sent, headers={"User-Agent": "kgtasks", **headers})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return json.load(resp)
            except urllib.error.HTTPError as e:
                problem = f"HTTP {e.code}"
                if e.code == 404:
                    raise SourceError(f"{url}: not found") from None
                if e.code != 429 and e.code < 500:
                    raise SourceError(f"{url}: {problem}") from None
                retry_after = e.headers.get("Retry-After", "")
                if retry_after.replace(".", "", 1).isdigit():
                    wait = min(float(retry_after), 60.0)
            except (urllib.error.URLError, TimeoutError, OSError) as e:
                problem = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            except json.JSONDecodeError:
                raise SourceError(f"{url}: not JSON") from None
        raise SourceError(f"{url}: {problem} after {self.retries + 1} attempts")

    def _cached_json(self, url: str, headers: dict[str, str] | None = None, secret_query: str = "") -> Any:
        """The response to a GET, cached under its URL (which holds no key: keys go in headers or
        `secret_query`)."""
        return self.cache.fetch(["GET", url], lambda: self._get_json(url, headers or {}, secret_query))

    # Semantic Scholar ---------------------------------------------------------------------------
    def _s2_id(self, key: str) -> str:
        return f"arXiv:{key}" if arxiv_id(key) else f"DOI:{key}"

    def s2_links(self, key: str, limit: int) -> dict[str, list[dict[str, Any]]]:
        """References and citations of a paper per Semantic Scholar, as normalized records."""
        headers = {"x-api-key": self.s2_key} if self.s2_key else {}
        links: dict[str, list[dict[str, Any]]] = {}
        for direction, inner in (("references", "citedPaper"), ("citations", "citingPaper")):
            query = urllib.parse.urlencode(
                {"fields": _S2_FIELDS + ",isInfluential", "limit": min(limit, 1000)}
            )
            url = f"{self.s2_url}/paper/{urllib.parse.quote(self._s2_id(key), safe=':')}/{direction}?{query}"
            items = self._cached_json(url, headers).get("data") or []
            links[direction] = [rec for item in items if (rec := _s2_record(item.get(inner) or {}, item))]
        return links

    # OpenAlex -----------------------------------------------------------------------------------
    def _openalex_doi(self, key: str) -> str:
        return _ARXIV_DOI_PREFIX + key if arxiv_id(key) else key

    def _openalex(self, path: str) -> Any:
        secret = urllib.parse.urlencode({"api_key": self.openalex_key}) if self.openalex_key else ""
        return self._cached_json(self.openalex_url + path, secret_query=secret)

    def openalex_work(self, key: str) -> dict[str, Any]:
        """A paper's OpenAlex work record, as OpenAlex gives it."""
        return self._openalex(f"/works/doi:{self._openalex_doi(key)}")

    def openalex_links(self, key: str, limit: int) -> dict[str, list[dict[str, Any]]]:
        """References and citations of a paper per OpenAlex, as normalized records."""
        work = self.openalex_work(key)
        refs = [w.rsplit("/", 1)[-1] for w in work.get("referenced_works", [])[:limit]]
        references = []
        for start in range(0, len(refs), 50):
            query = urllib.parse.urlencode(
                {"filter": "openalex:" + "|".join(refs[start : start + 50]), "per-page": 50}
            )
            references += self._openalex(f"/works?{query}").get("results", [])
        work_id = work["id"].rsplit("/", 1)[-1]
        query = urllib.parse.urlencode({"filter": f"cites:{work_id}", "per-page": min(limit, 100)})
        citing = self._openalex(f"/works?{query}").get("results", [])
        return {
            "references": [r for w in references if (r := _openalex_record(w))],
            "citations": [r for w in citing if (r := _openalex_record(w))],
        }

    def links(self, key: str, limit: int = 100) -> tuple[str, dict[str, list[dict[str, Any]]]]:
        """(source name, links): Semantic Scholar first, OpenAlex when it fails."""
        try:
            return "Semantic Scholar", self.s2_links(key, limit)
        except SourceError as s2_error:
            try:
                return "OpenAlex", self.openalex_links(key, limit)
            except SourceError as oa_error:
                raise SourceError(f"{key}: Semantic Scholar: {s2_error}; OpenAlex: {oa_error}") from None


def _timeout_session(timeout: float) -> Any:
    """A requests.Session whose requests time out: the arxiv client passes no timeout of its own."""
    import requests

    class Session(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", timeout)
            return super().request(*args, **kwargs)

    return Session()


def _s2_record(paper: dict[str, Any], item: dict[str, Any]) -> dict[str, Any] | None:
    ext = paper.get("externalIds") or {}
    key = _link_key(ext.get("ArXiv"), ext.get("DOI"))
    if not key or not paper.get("title"):
        return None
    return {
        "id": key,
        "title": paper["title"],
        "authors": [a.get("name", "") for a in paper.get("authors") or []],
        # the year alone when that is all it knows (a reduced-precision ISO date), never a made-up day
        "date": paper.get("publicationDate") or (str(paper["year"]) if paper.get("year") else None),
        "venue": paper.get("venue") or "",
        "doi": (ext.get("DOI") or "").casefold() or None,
        "influential": bool(item.get("isInfluential")),
    }


def _openalex_record(work: dict[str, Any]) -> dict[str, Any] | None:
    doi = (work.get("doi") or "").removeprefix("https://doi.org/").casefold() or None
    landing = (work.get("primary_location") or {}).get("landing_page_url") or ""
    arxiv = landing.rsplit("/abs/", 1)[-1] if "arxiv.org/abs/" in landing else None
    key = _link_key(arxiv, doi)
    if not key or not work.get("title"):
        return None
    source = (work.get("primary_location") or {}).get("source") or {}
    return {
        "id": key,
        "title": work["title"],
        "date": work.get("publication_date"),
        "authors": [a["author"]["display_name"] for a in work.get("authorships", [])],
        "venue": source.get("display_name") or "",
        "doi": doi,
        "influential": False,
    }


# --- building and verifying ------------------------------------------------------------------------


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
    return re.sub(r"[^a-z0-9]+", " ", _ascii_fold(text).casefold()).strip()


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
                live, source = _openalex_record(sources.openalex_work(p["doi"])), "OpenAlex"
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
            Path(args.out).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(
                f"wrote {len(data['papers'])} papers, {len(data['citations'])} citations to {args.out}",
                file=sys.stderr,
            )
            return 0
        contradictions, unchecked = verify(load_snapshot(args.snapshot), sources)
    except (SourceError, CacheMiss, OSError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 1
    for line in unchecked:
        print(f"unchecked: {line}")
    for line in contradictions:
        print(f"contradiction: {line}")
    print(
        f"{len(contradictions)} contradiction(s), {len(unchecked)} fact group(s) unchecked", file=sys.stderr
    )
    return 1 if contradictions else 0


if __name__ == "__main__":
    sys.exit(main())
