"""Rates per client (its id) and, before a token is accepted, per address; counted in the Django cache (Redis in
tests and production, so every web process shares one count).

On Redis a call is counted with one round trip: a small script keeps the window's calls in a sorted set (score: the
time of the call), drops those older than the window, and adds this call only when the rate allows it, all at once
on the server. DRF's own throttle reads the whole history and writes it back (two round trips, and two web processes
reading the same history at once could each let a call through past the rate). Any other cache (local memory in the
demo) keeps DRF's way, which is the same sliding window."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .models import ApiClient

# KEYS[1]: the window's sorted set. ARGV: now (s), window (s), the calls allowed in it, this call's member.
# Returns {1, calls in the window} when allowed; {0, calls in the window, the oldest call's time} when refused.
SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local calls = redis.call('ZCARD', KEYS[1])
if calls < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
  return {1, calls + 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, calls, oldest[2]}
"""


class OneTripRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, counted on Redis by one atomic script call."""

    _scripts: dict[int, Any] = {}

    def _redis(self) -> RedisCache | None:
        cache = caches[DEFAULT_CACHE_ALIAS] if isinstance(self.cache, ConnectionProxy) else self.cache
        return cache if isinstance(cache, RedisCache) else None

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        redis = self._redis()
        if redis is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        key = redis.make_and_validate_key(self.key)
        client = redis._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        script = self._scripts.get(id(client.connection_pool))
        if script is None:
            script = self._scripts[id(client.connection_pool)] = client.register_script(SLIDING_WINDOW)
        answer = script(keys=[key], args=[repr(self.now), self.duration, self.num_requests, uuid.uuid4().hex],
                        client=client)
        allowed, self._calls = int(answer[0]), int(answer[1])
        self._oldest = float(answer[2]) if len(answer) > 2 else self.now
        return bool(allowed)

    def wait(self) -> float | None:
        if self._redis() is None:
            return super().wait()
        remaining = self.duration - (self.now - self._oldest)
        available = self.num_requests - self._calls + 1
        return None if available <= 0 else remaining / float(available)


class ClientRateThrottle(OneTripRateThrottle):
    scope = "api_client"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UnauthenticatedRateThrottle(OneTripRateThrottle, AnonRateThrottle):
    scope = "api_anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
