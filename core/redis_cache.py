"""
The cache backend (settings.CACHES): Django's Redis cache, with one client per
connection pool instead of one per call, and each process's own memory standing in
for Redis while it is unreachable.
"""

import logging
import time
import uuid
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
# After a failed call, how long to go straight to the stand-in before trying Redis again.
RETRY_SECONDS = 2.0


class RedisCacheClient(DjangoRedisCacheClient):
    # Django builds a new redis.Redis object for every operation (~50 µs each); the
    # public pages do one cache read per request, so that was a third of their cost.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


def _on_outage(method):
    """
    Run the cache operation on Redis; if Redis cannot be reached, run it on this
    process's stand-in memory instead, and for the next few seconds go straight
    there (a Redis on another host may take a whole connect timeout to fail).
    """
    name = method.__name__

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        if time.monotonic() < self._retry_at:
            return getattr(self._stand_in, name)(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except OUTAGE:
            self._went_away()
            return getattr(self._stand_in, name)(*args, **kwargs)
        if self.unreachable:
            self._came_back()
        return result

    return wrapper


class RedisCacheWithStandIn(DjangoRedisCache):
    """
    Redis going away must not take the site with it: the public pages, the rate
    limits and every form read and write this cache. While Redis is unreachable,
    each process keeps what it would have written in a memory of its own
    (`_stand_in`), so pages are rendered from the database and forms keep working,
    and the rate limits and the TOTP replay check still hold, per process (with
    four web processes an attacker gets at most four times a limit) instead of
    not at all. When Redis is back, it is used again; what the stand-in held is
    left to expire. `unreachable` and `recoveries` tell callers (the public page
    cache, core.public_pages) what happened meanwhile.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._stand_in = LocMemCache(
            f"redis-stand-in-{uuid.uuid4().hex}", {"OPTIONS": {"MAX_ENTRIES": 20_000}}
        )
        self._retry_at = float("-inf")
        self.unreachable = False
        # How many outages this process has seen end.
        self.recoveries = 0

    def _went_away(self) -> None:
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if not self.unreachable:
            self.unreachable = True
            logger.warning("Redis cache unreachable: this process uses its own memory")

    def _came_back(self) -> None:
        self.unreachable = False
        self.recoveries += 1
        logger.warning("Redis cache reachable again")

    get = _on_outage(DjangoRedisCache.get)
    get_many = _on_outage(DjangoRedisCache.get_many)
    has_key = _on_outage(DjangoRedisCache.has_key)
    add = _on_outage(DjangoRedisCache.add)
    set = _on_outage(DjangoRedisCache.set)
    set_many = _on_outage(DjangoRedisCache.set_many)
    touch = _on_outage(DjangoRedisCache.touch)
    delete = _on_outage(DjangoRedisCache.delete)
    delete_many = _on_outage(DjangoRedisCache.delete_many)
    incr = _on_outage(DjangoRedisCache.incr)
    clear = _on_outage(DjangoRedisCache.clear)
