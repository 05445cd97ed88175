"""Sliding window counters in Redis, on the process's :class:`RedisLink`.

The counting is the :pypi:`limits` library's (its sliding window counter and its Lua
scripts, read from the package), under the key names its ``RedisStorage`` gives them, so
budgets carry over from the releases that used that storage. It is done here rather than
through the library's storage because a charge must be able to carry a cache read (one
command on a hit: the library's script run after a GET, see :func:`_reading_first`), which
the storage cannot do, and because every Redis call must go through the one link: its
breaker, its errors.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Sequence
from typing import Any

from limits import RateLimitItem
from limits.util import get_package_data

from segue.cache import LinkFailure, RedisLink

__all__ = ["SharedWindow"]

_SCRIPTS = "resources/redis/lua_scripts"
_ACQUIRE = get_package_data(f"{_SCRIPTS}/acquire_sliding_window.lua")
_STATS = get_package_data(f"{_SCRIPTS}/sliding_window.lua")
_WHO = "rate limits"


def _reading_first(script: bytes) -> bytes:
    """``script`` (KEYS[1], KEYS[2], its ARGV) after a GET of one more key, the last: the
    answer is ``{1 or 0, the key's value}``. The GET comes first so that a refused read
    (a key of another type) stops the call before anything is spent."""
    return (
        b"local value = redis.call('GET', KEYS[#KEYS])\n"
        b"local function charge()\n" + script + b"\nend\n"
        b"return {charge() and 1 or 0, value}\n"
    )


_ACQUIRE_READING = _reading_first(_ACQUIRE)


class SharedWindow:
    """Per-minute budgets counted in Redis, shared by every process of a deployment."""

    def __init__(self, link: RedisLink, *, key_prefix: str) -> None:
        self.link = link
        self._prefix = key_prefix
        # Script objects: they load themselves after a NOSCRIPT (a restarted Redis).
        self._acquire = link.client.register_script(_ACQUIRE)
        self._acquire_reading = link.client.register_script(_ACQUIRE_READING)
        self._stats = link.client.register_script(_STATS)

    def keys(self, item: RateLimitItem, *identifiers: str) -> list[str]:
        """The previous and the current window's keys, named as limits' RedisStorage does."""
        current = f"{self._prefix}:{{{item.key_for(*identifiers)}}}"
        return [f"{current}/-1", current]

    def hit_reading(
        self, item: RateLimitItem, keys: list[str], key: str
    ) -> Awaitable[Sequence[object]]:
        """One hit that reads ``key`` first, as one script call for the link: it answers
        ``[1 (allowed) or 0 (refused), key's value]``."""
        return self._acquire_reading([*keys, key], [item.amount, item.get_expiry(), 1])

    async def hit(self, item: RateLimitItem, keys: list[str]) -> bool | LinkFailure:
        """Spend one; whether it was allowed, or why Redis gave no verdict."""
        args = [item.amount, item.get_expiry(), 1]
        answer = await self.link.call("EVALSHA", _WHO, lambda: self._acquire(keys, args))
        return answer if isinstance(answer, LinkFailure) else bool(answer)

    async def reset_in(self, item: RateLimitItem, keys: list[str]) -> float | None:
        """Seconds until one more fits, as limits computes it; ``None`` if unknown."""
        window = await self.link.call(
            "EVALSHA", _WHO, lambda: self._stats(keys, [item.get_expiry()])
        )
        if isinstance(window, LinkFailure) or not window:
            return None
        return _reset_in(item, window)


def _reset_in(item: RateLimitItem, window: list[Any]) -> float:
    # limits' SlidingWindowCounterRateLimiter.get_window_stats, on the script's answer.
    previous_count = int(window[0] or 0)
    previous_ttl = max(0.0, float(window[1] or 0)) / 1000
    current_count = int(window[2] or 0)
    current_ttl = max(0.0, float(window[3] or 0)) / 1000
    expiry = item.get_expiry()
    if not (previous_count or current_count):
        return 0.0
    previous_reset, current_reset = math.inf, math.inf
    if previous_count:
        previous_reset = previous_ttl % (expiry / previous_count)
    if current_count:
        current_reset = current_ttl % expiry
    return min(previous_reset, current_reset)
