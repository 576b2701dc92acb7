"""The shared cache's Redis backend, safe to put in the broker's Redis database."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    """Django's RedisCache whose ``clear()`` deletes only this cache's keys (``KEY_PREFIX:*``).

    Django's ``clear()`` is FLUSHDB, which would also drop Celery's queues when the cache and the broker share
    a Redis database (the default: the cache uses ``CELERY_BROKER_URL`` unless ``CACHE_URL`` is set).
    """

    def clear(self) -> None:
        client: Any = self._cache.get_client(None, write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
