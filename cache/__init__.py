"""The one on-disk cache for network responses (see `cache.store`)."""
from cache.store import Cache, CacheMiss, default_cache

__all__ = ["Cache", "CacheMiss", "default_cache"]
