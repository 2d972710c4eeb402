"""
Django's Redis cache, with one client per connection pool instead of one per call,
and an outage of Redis taken as a cache that has nothing in it.
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)


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


def _on_outage(fallback):
    """
    Run the cache operation; if Redis cannot be reached, log it and return what
    `fallback` (called with the same arguments) says an empty cache would answer.
    """

    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except OUTAGE:
                logger.warning("Redis cache unreachable: %s skipped", method.__name__)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (the cache is unreachable)")


class RedisCache(DjangoRedisCache):
    """
    Redis going away must not take the site with it: the public pages, the rate
    limits and every form read and write this cache. While Redis is unreachable,
    reads miss and writes are dropped as if they had succeeded (`add` too: allauth's
    rate limiter takes a lock with it and would otherwise refuse every form with a
    429), so pages are rendered from the database, and rate limits and the TOTP
    replay check are not enforced until Redis is back: a cache outage must not stop
    people asking for help.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    get = _on_outage(lambda key, default=None, version=None: default)(DjangoRedisCache.get)
    get_many = _on_outage(lambda *args, **kwargs: {})(DjangoRedisCache.get_many)
    has_key = _on_outage(lambda *args, **kwargs: False)(DjangoRedisCache.has_key)
    add = _on_outage(lambda *args, **kwargs: True)(DjangoRedisCache.add)
    set = _on_outage(lambda *args, **kwargs: None)(DjangoRedisCache.set)
    set_many = _on_outage(lambda data, *args, **kwargs: list(data))(DjangoRedisCache.set_many)
    touch = _on_outage(lambda *args, **kwargs: False)(DjangoRedisCache.touch)
    delete = _on_outage(lambda *args, **kwargs: False)(DjangoRedisCache.delete)
    delete_many = _on_outage(lambda *args, **kwargs: None)(DjangoRedisCache.delete_many)
    incr = _on_outage(_missing_key)(DjangoRedisCache.incr)
    clear = _on_outage(lambda *args, **kwargs: False)(DjangoRedisCache.clear)
