"""``RedisLink``: one process's connection to Redis, shared by the cache and the rate limits.

It holds what both need and must agree on: the client and its pool (short timeouts, no
retry), one :class:`CircuitBreaker` (an outage is noticed once, whoever meets it first),
one classification of errors, and warnings logged at most once per interval and kind.

How an error is classified, for every caller:

- **unavailable** (``ConnectionError``, ``TimeoutError``, ``InvalidResponse``, ``OSError``):
  Redis is down, unreachable, hung or talking garbage. A breaker failure; after
  ``SEGUE_CACHE_BREAKER_FAILURES`` in a row calls are skipped for
  ``SEGUE_CACHE_BREAKER_COOLDOWN_SECONDS``.
- **refused** (``ResponseError``: out of memory, a read-only replica, a key of another type,
  an unknown script): Redis answered, so it is *not* an outage and counts as a success for
  the breaker; the one call failed, and its caller falls back as it would for an outage.
- anything else (``DataError`` and the like: an argument this code should never send)
  propagates: a bug, not a Redis condition.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from segue._lifecycle import AsyncClosing
from segue.settings import Settings

from ._breaker import BreakerState, CircuitBreaker

__all__ = ["LinkFailure", "LinkStats", "RedisLink"]

log = logging.getLogger(__name__)

R = TypeVar("R")

# redis-py wraps most socket errors in its ConnectionError / TimeoutError; OSError covers
# the few that escape unwrapped (builtins.TimeoutError, which asyncio raises, is one).
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, InvalidResponse, OSError)


class LinkFailure(enum.Enum):
    """Why a call through the link has no answer (never a missing key: that is ``None``)."""

    SKIPPED = "skipped"  # the breaker is open: not sent
    UNAVAILABLE = "unavailable"  # sent; Redis did not answer
    REFUSED = "refused"  # Redis answered with an error (ResponseError)


@dataclass(slots=True)
class LinkStats:
    """What the link saw, for tests and logs; never reset."""

    calls: int = 0
    failures: int = 0  # unavailable
    skipped: int = 0  # breaker open
    refused: int = 0  # ResponseError


class RedisLink(AsyncClosing):
    """The process's Redis: build once (the app's lifespan), share, ``aclose()`` at the end.

        link = RedisLink.from_settings(settings)
        answer = await link.call("GET", "cache", lambda: link.client.get(key))
        if isinstance(answer, LinkFailure): ...  # skipped, unavailable or refused

    ``who`` names the caller in warnings ("cache", "rate limits"): what the failure costs.
    """

    def __init__(
        self,
        client: Redis,
        *,
        breaker: CircuitBreaker | None = None,
        warn_interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.breaker = breaker if breaker is not None else CircuitBreaker(clock=clock)
        self.stats = LinkStats()
        self._warn_interval = warn_interval_seconds
        self._clock = clock
        # warning kind -> (when last logged, how many suppressed since)
        self._warned: dict[str, tuple[float | None, int]] = {}

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout_seconds: float,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RedisLink:
        client = Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # A retry would double the wait on a dead Redis; the breaker handles outages.
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, breaker=breaker, clock=clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisLink | None:
        """The link ``SEGUE_REDIS_URL`` names (``None`` when unset), with the
        ``SEGUE_REDIS_TIMEOUT_MS`` and ``SEGUE_CACHE_BREAKER_*`` settings."""
        if settings.redis_url is None:
            return None
        breaker = CircuitBreaker(
            failure_threshold=settings.cache_breaker_failures,
            cooldown_seconds=settings.cache_breaker_cooldown_seconds,
        )
        return cls.from_url(
            settings.redis_url.get_secret_value(),
            timeout_seconds=settings.redis_timeout_ms / 1000,
            breaker=breaker,
        )

    async def call(
        self,
        op: str,
        who: str,
        call: Callable[[], Awaitable[R]],
        *,
        counts: LinkStats | None = None,
    ) -> R | LinkFailure:
        """``call()``'s answer, or why there is none; never raises because of Redis.

        ``counts``: the caller's own counters, kept beside the link's."""
        both = (self.stats,) if counts is None else (self.stats, counts)
        breaker = self.breaker
        if not breaker.allow():
            for c in both:
                c.skipped += 1
            return LinkFailure.SKIPPED
        for c in both:
            c.calls += 1  # before the wait: a call in flight is counted
        was = breaker.state
        settled = False
        try:
            answer = await call()
            settled = True
        except _UNAVAILABLE as exc:
            settled = True
            for c in both:
                c.failures += 1
            breaker.record_failure()
            self._warn_unavailable(op, who, exc, opened=breaker.state is BreakerState.OPEN)
            return LinkFailure.UNAVAILABLE
        except ResponseError as exc:
            settled = True
            breaker.record_success()  # it answered: up, whatever it thought of the command
            for c in both:
                c.refused += 1
            self.warn("refused", "Redis refused %s (%s): %s", op, who, exc)
            return LinkFailure.REFUSED
        finally:
            if not settled:  # cancelled mid-call: no verdict on Redis's health
                breaker.release()
        breaker.record_success()
        if was is not BreakerState.CLOSED:
            log.info("Redis reachable again (%s); caching and shared budgets resume", who)
        return answer

    def warn(self, kind: str, message: str, *args: object) -> None:
        """Log a warning unless one of this kind was logged less than the interval ago."""
        now = self._clock()
        last, suppressed = self._warned.get(kind, (None, 0))
        if last is not None and now - last < self._warn_interval:
            self._warned[kind] = (last, suppressed + 1)
            return
        if suppressed:
            message += " (and %d more like it, not logged)"
            args = (*args, suppressed)
        self._warned[kind] = (now, 0)
        log.warning(message, *args)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _warn_unavailable(self, op: str, who: str, exc: BaseException, *, opened: bool) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if opened:
            self.warn(
                "unavailable",
                "Redis unavailable (%s by the %s: %s); the cache computes fresh and each "
                "process counts rate limits on its own; next try in %.3g s",
                op,
                who,
                reason,
                self.breaker.cooldown_seconds,
            )
        else:
            self.warn("failed", "Redis call failed (%s by the %s: %s)", op, who, reason)
