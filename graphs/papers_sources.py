"""The live sources of paper graphs: metadata from arXiv (through the `arxiv` client, with its polite
delay and retries), references and citations from the Semantic Scholar Graph API with OpenAlex as the
fallback. Every response goes through `cache`; API keys go in headers or the query, never in the cache.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from cache.store import Cache
from graphs.papers import ARXIV_DOI_PREFIX, arxiv_id

ARXIV_URL = "https://export.arxiv.org/api/query?{}"
S2_URL = "https://api.semanticscholar.org/graph/v1"
OPENALEX_URL = "https://api.openalex.org"
_S2_FIELDS = "externalIds,title,publicationDate,year,authors,venue"


class SourceError(RuntimeError):
    """A live source failed after its retries, or does not know the paper."""


def _link_key(arxiv: str | None, doi: str | None) -> str | None:
    """The graph key of a linked paper: arXiv id, else DOI; None when it has neither."""
    if arxiv and arxiv_id(arxiv):
        return arxiv_id(arxiv)
    if doi and doi.casefold().startswith(ARXIV_DOI_PREFIX):
        return arxiv_id(doi[len(ARXIV_DOI_PREFIX) :])
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
        return ARXIV_DOI_PREFIX + key if arxiv_id(key) else key

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
            "references": [r for w in references if (r := openalex_record(w))],
            "citations": [r for w in citing if (r := openalex_record(w))],
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


def openalex_record(work: dict[str, Any]) -> dict[str, Any] | None:
    """A work as a normalized record (keyed by arXiv id, else DOI), or None when it has neither."""
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
