import pytest

from cache.store import Cache, CacheMiss


def test_fetch_stores_and_serves_from_disk(tmp_path):
    calls = []
    cache = Cache(tmp_path)
    assert cache.fetch({"url": "u"}, lambda: calls.append(1) or {"v": 1}) == {"v": 1}
    assert Cache(tmp_path).fetch({"url": "u"}, lambda: calls.append(1) or {"v": 2}) == {"v": 1}
    assert calls == [1]


def test_expired_entries_are_fetched_again(tmp_path):
    Cache(tmp_path).put("k", "old")
    assert Cache(tmp_path, ttl=-1).fetch("k", lambda: "new") == "new"


def test_offline_serves_cached_and_fails_clearly_on_a_miss(tmp_path, monkeypatch):
    Cache(tmp_path).put("k", "old")
    monkeypatch.setenv("KGTASKS_OFFLINE", "1")
    assert Cache(tmp_path, ttl=-1).fetch("k", lambda: "new") == "old"  # offline ignores expiry
    with pytest.raises(CacheMiss, match="not cached"):
        Cache(tmp_path).fetch("other", lambda: "never")


def test_no_temporary_files_are_left_behind(tmp_path):
    Cache(tmp_path).put("k", "v")
    assert not list(tmp_path.rglob("*.tmp"))
