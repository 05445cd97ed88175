"""Calling turbopuffer: its errors turned into Segue's, reads retried within their deadline,
bulk writes waiting out write backpressure.

Reads sit on the recommendation hot path, so their retries are bounded by the time the
request has left (``SEGUE_VECTOR_TIMEOUT_SECONDS``, or an earlier :func:`read_deadline`),
and only 429 and 5xx answers are retried: turbopuffer said "not now", and a retry after
``Retry-After`` (or a short, jittered backoff) may still answer in time. Bulk writes and
scans (imports, ``segue vectors sync``) are idempotent and off the hot path: they wait
out backpressure (429 while indexing catches up) for as long as the operator allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import turbopuffer as tpuf

from segue._retry import RetryPolicy
from segue.errors import InvalidInput, VectorStoreUnavailable
from segue.metrics import TURBOPUFFER_CALLS, TURBOPUFFER_RETRIES

__all__ = [
    "Endpoint",
    "NamespaceMissing",
    "bulk_call",
    "read_call",
    "read_deadline",
    "retry_after_seconds",
]

T = TypeVar("T")

# Reads: the first retry after about 50 ms, doubling, never more than 500 ms apart (the
# whole budget is a couple of seconds); jitter spreads the retries of many processes.
# Attempts are bounded by time, not counted (``attempts=None``).
_READ_WAITS = RetryPolicy(attempts=None, initial=0.05, ceiling=0.5)
# Writes: the client's own schedule (0.25 s doubling), but up to 30 s apart: indexing a
# large namespace takes minutes, and hammering a namespace under backpressure helps nobody.
_WRITE_WAITS = RetryPolicy(attempts=None, initial=0.25, ceiling=30.0)
# A Retry-After is honoured, plus up to this share of it (jitter, so that processes told
# the same time do not all come back at once).
_JITTER = 0.25

# The absolute time (time.monotonic) by which the current request's store reads must be
# done; None: only each call's own budget applies.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "segue_vector_read_deadline", default=None
)


class NamespaceMissing(Exception):
    """turbopuffer answered 404 for the namespace: it has never been written (an empty store)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the store talks to, for error messages that let an operator fix it."""

    base_url: str
    region: str | None
    namespace: str

    def describe(self) -> str:
        region = self.region or "none (SEGUE_TURBOPUFFER_BASE_URL)"
        return f"{self.base_url} (region {region}, namespace {self.namespace!r})"


@contextlib.contextmanager
def read_deadline(seconds: float) -> Iterator[None]:
    """Store reads inside the block (this task, and tasks it starts) finish within
    ``seconds`` from now, retries included; nested blocks keep the earlier deadline."""
    end = time.monotonic() + max(0.0, seconds)
    current = _DEADLINE.get()
    token = _DEADLINE.set(end if current is None else min(current, end))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def retry_after_seconds(exc: tpuf.APIStatusError) -> float | None:
    """The wait the server asked for: ``retry-after-ms``, or ``Retry-After`` in seconds or
    as an HTTP date (as the client reads them), or ``None``."""
    headers = exc.response.headers
    with contextlib.suppress(ValueError):
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
    value: str | None = headers.get("retry-after")
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, float(email.utils.mktime_tz(parsed) - time.time()))


def _delay(exc: BaseException, attempt: int, waits: RetryPolicy) -> float:
    asked = retry_after_seconds(exc) if isinstance(exc, tpuf.APIStatusError) else None
    if asked is not None:
        return asked * (1 + _JITTER * random.random())
    # "Equal jitter": at least half the exponential step, so retries still back off.
    return waits.delay(attempt)


def _status_label(exc: BaseException) -> str:
    if isinstance(exc, tpuf.APIStatusError):
        return "429" if exc.status_code == 429 else f"{exc.status_code // 100}xx"
    return "connection"


def _message(exc: tpuf.APIStatusError) -> str:
    """The ``error`` of turbopuffer's ``{"status": "error", "error": ...}`` body."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return exc.message


def _namespace_missing(exc: tpuf.NotFoundError) -> bool:
    """A 404 in turbopuffer's error shape saying the namespace was not found; any other
    404 (an HTML page, another route's error) means the URL or region is wrong."""
    body = exc.body
    if not (isinstance(body, dict) and body.get("status") == "error"):
        return False
    text = str(body.get("error", "")).lower()
    return "namespace" in text and "not found" in text


def _translate(exc: tpuf.APIError, where: Endpoint) -> Exception:
    """The Segue error (or :class:`NamespaceMissing`) for a client error."""
    if isinstance(exc, tpuf.NotFoundError):
        if _namespace_missing(exc):
            return NamespaceMissing()
        return VectorStoreUnavailable(
            f"turbopuffer answered 404 at {where.describe()}: {_message(exc)}; is "
            "SEGUE_TURBOPUFFER_REGION (or SEGUE_TURBOPUFFER_BASE_URL) right?"
        )
    if isinstance(exc, tpuf.BadRequestError | tpuf.UnprocessableEntityError):
        return InvalidInput(f"turbopuffer rejected the request: {_message(exc)}")
    if isinstance(exc, tpuf.AuthenticationError | tpuf.PermissionDeniedError):
        return VectorStoreUnavailable(
            f"turbopuffer refused the API key ({exc.status_code}) at {where.describe()}: "
            f"{_message(exc)}"
        )
    if isinstance(exc, tpuf.APIStatusError):
        return VectorStoreUnavailable(f"turbopuffer answered {exc.status_code}: {_message(exc)}")
    # Connection failures, timeouts and responses that do not parse.
    return VectorStoreUnavailable(f"turbopuffer did not answer: {exc!r}")


def _server_says(exc: tpuf.APIError) -> bool | None:
    """The server's own word on retrying (``x-should-retry``), which the client obeys too."""
    if not isinstance(exc, tpuf.APIStatusError):
        return None
    return {"true": True, "false": False}.get(exc.response.headers.get("x-should-retry", ""))


def _retryable_read(exc: tpuf.APIError) -> bool:
    if (said := _server_says(exc)) is not None:
        return said
    return isinstance(exc, tpuf.APIStatusError) and (
        exc.status_code == 429 or exc.status_code >= 500
    )


def _retryable_bulk(exc: tpuf.APIError) -> bool:
    # As the client retries: connection errors, 408, 409 (lock timeouts), 429, 5xx.
    if (said := _server_says(exc)) is not None:
        return said
    if isinstance(exc, tpuf.APIConnectionError):
        return True
    return isinstance(exc, tpuf.APIStatusError) and (
        exc.status_code in (408, 409, 429) or exc.status_code >= 500
    )


def _count(kind: str, outcome: str) -> None:
    TURBOPUFFER_CALLS.labels(kind=kind, outcome=outcome).inc()


@dataclass(frozen=True, slots=True)
class _Policy:
    """How one kind of call is retried: which errors, how far apart, and when to stop."""

    kind: str  # the ``kind`` label of the call and retry counters
    retryable: Callable[[tpuf.APIError], bool]
    #: the waits when turbopuffer gives no ``Retry-After``
    waits: RetryPolicy
    #: the ``outcome`` counted when the call stops for lack of time
    out_of_time: str
    #: ``(error, attempt, delay)`` -> the error to raise instead of sleeping ``delay``
    #: (no time left for it), or ``None`` to retry
    give_up: Callable[[Exception, int, float], VectorStoreUnavailable | None]


async def _retrying(
    attempt_once: Callable[[int], Awaitable[T]], policy: _Policy, where: Endpoint
) -> T:
    """``attempt_once(attempt)`` until it answers, an error is not ``policy.retryable``, or
    ``policy.give_up`` says the next wait is past the time left; every end is counted."""
    attempt = 0
    while True:
        try:
            result = await attempt_once(attempt)
        except tpuf.APIError as exc:
            error = _translate(exc, where)
            if not policy.retryable(exc):
                _count(policy.kind, "missing" if isinstance(error, NamespaceMissing) else "error")
                raise error from exc
            delay = _delay(exc, attempt, policy.waits)
            if (stop := policy.give_up(error, attempt, delay)) is not None:
                _count(policy.kind, policy.out_of_time)
                raise stop from exc
            TURBOPUFFER_RETRIES.labels(kind=policy.kind, status=_status_label(exc)).inc()
            attempt += 1
            await asyncio.sleep(delay)
            continue
        _count(policy.kind, "retried" if attempt else "ok")
        return result


async def read_call(
    make: Callable[[], Awaitable[T]],
    *,
    budget: float,
    gate: asyncio.Semaphore,
    where: Endpoint,
) -> T:
    """One hot-path read: ``make()`` awaited within ``budget`` seconds, waiting for a place
    among the process's queries in flight (``gate``) within the same time, and retried on
    429 or 5xx while time is left: of the budget, and of the request's
    :func:`read_deadline`. The request's deadline bounds the retries only: an attempt
    under way keeps the call's budget, so a computation the request stopped waiting for
    (it goes on to fill the cache) is not cut short."""
    loop = asyncio.get_running_loop()
    end = loop.time() + budget
    retry_end = end
    if (shared := _DEADLINE.get()) is not None:
        retry_end = min(end, loop.time() + (shared - time.monotonic()))

    async def attempt_once(attempt: int) -> T:
        left = end - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            async with asyncio.timeout(left):
                async with gate:
                    return await make()
        except TimeoutError as exc:
            _count("read", "deadline")
            raise VectorStoreUnavailable(
                "turbopuffer did not answer within the read deadline"
                + (f" ({attempt} retries)" if attempt else "")
            ) from exc

    def give_up(error: Exception, attempt: int, delay: float) -> VectorStoreUnavailable | None:
        if loop.time() + delay < retry_end:
            return None
        return VectorStoreUnavailable(f"{error}; no time left to retry (after {attempt} retries)")

    policy = _Policy("read", _retryable_read, _READ_WAITS, "deadline", give_up)
    return await _retrying(attempt_once, policy, where)


async def bulk_call(make: Callable[[], Awaitable[T]], *, patience: float, where: Endpoint) -> T:
    """One write or scan request, repeated (it is idempotent) through backpressure,
    5xx and dropped connections for up to ``patience`` seconds of waiting."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    def give_up(error: Exception, attempt: int, delay: float) -> VectorStoreUnavailable | None:
        waited = loop.time() - started
        if waited + delay <= patience:
            return None
        return VectorStoreUnavailable(
            f"{error}; still refused after {waited:.0f} s of retries "
            "(SEGUE_TURBOPUFFER_WRITE_PATIENCE_SECONDS); run the command again "
            "to complete it"
        )

    policy = _Policy("bulk", _retryable_bulk, _WRITE_WAITS, "gave_up", give_up)
    return await _retrying(lambda _attempt: make(), policy, where)
