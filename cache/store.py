"""One on-disk cache for every network response: keyed by request, written atomically, with expiry.

`KGTASKS_OFFLINE=1` serves only what is cached and raises `CacheMiss` on anything else, so the demo,
the tests and offline users never touch the network by accident. `KGTASKS_CACHE` moves the folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_TTL = 30 * 24 * 3600  # a month: papers and Wikidata facts change slowly


class CacheMiss(RuntimeError):
    """Offline mode asked for something the cache does not hold."""


def _offline() -> bool:
    return os.environ.get("KGTASKS_OFFLINE", "") not in ("", "0")


class Cache:
    """Responses stored as one JSON file per request key under `root`."""

    def __init__(self, root: str | os.PathLike[str], ttl: float = DEFAULT_TTL):
        self.root = Path(root)
        self.ttl = ttl

    def _path(self, key: Any) -> Path:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, key: Any) -> Any | None:
        """The cached value for key if present and fresh (or any age, offline); else None."""
        path = self._path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if not _offline() and time.time() - record["stored"] > self.ttl:
            return None
        return record["value"]

    def put(self, key: Any, value: Any) -> None:
        """Store a JSON-serializable value atomically: a reader sees the old file or the new, never half."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "stored": time.time(), "value": value}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def fetch(self, key: Any, fetch: Callable[[], Any]) -> Any:
        """The cached value, or fetch() stored and returned. Offline, a miss raises CacheMiss."""
        value = self.get(key)
        if value is not None:
            return value
        if _offline():
            raise CacheMiss(f"KGTASKS_OFFLINE=1 and not cached: {json.dumps(key, sort_keys=True)[:200]}")
        value = fetch()
        self.put(key, value)
        return value


def default_cache() -> Cache:
    """The user's cache: `$KGTASKS_CACHE`, else `~/.cache/kgtasks`."""
    root = os.environ.get("KGTASKS_CACHE") or Path.home() / ".cache" / "kgtasks"
    return Cache(root)
