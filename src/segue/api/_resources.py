"""What the API shares across requests: created once in the lifespan, closed at shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from segue.atproto import DidResolver, HttpClient, ServiceAuthVerifier
from segue.cache import RecommendationCache, RedisLink
from segue.catalog import Database, ensure_schema, open_database
from segue.errors import DatabaseUnavailable, SchemaOutdated
from segue.recommendations import Recommender, open_recommender
from segue.settings import Settings, VectorBackend
from segue.vectors import VectorStore, open_store, warm_cache

from ._auth import Authenticator
from ._media import MediaPolicy
from ._ratelimit import RateLimiter
from ._readiness import log_startup
from ._service_auth import ServiceAuthenticator

__all__ = ["Resources", "open_resources"]

log = logging.getLogger("segue.api")


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    database: Database
    #: ``None`` when the vector backend is disabled: recommendations are then unavailable.
    store: VectorStore | None
    #: the process's one Redis link (cache and rate limits); ``None`` without SEGUE_REDIS_URL
    redis: RedisLink | None
    cache: RecommendationCache
    recommender: Recommender
    auth: Authenticator
    #: per-token budgets (a no-op with SEGUE_RATE_LIMITS=off)
    limiter: RateLimiter
    #: the origins covers and previews are served from (SEGUE_IMAGE_ORIGINS, ..._AUDIO_...)
    media: MediaPolicy


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Open the database, vector store and cache; close them, in reverse, on the way out.

    The embedded SQLite catalog is migrated here; a shared PostgreSQL must already be at
    the current migration (`segue db upgrade`), or start-up fails with a clear message.
    Each is closed even when closing another one fails.
    """
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(settings))
        try:
            await ensure_schema(database, migrate=settings.database_is_embedded)
        except SchemaOutdated:
            raise  # reachable but behind: serving it would fail every request
        except DatabaseUnavailable as exc:
            # Start anyway: /readyz says 503 until the database answers, and requests get a
            # clear 503 meanwhile, rather than a crash loop while the database restarts.
            log.warning("starting without the database: %s", exc.detail)
        disabled = settings.vector_backend is VectorBackend.DISABLED
        store = None if disabled else await stack.enter_async_context(open_store(settings))
        if store is not None:
            # turbopuffer: warm the namespace now, so the first suggestions after a deploy
            # are not cold queries (one quick request; a failure is logged, not fatal).
            await warm_cache(store)
        # One link to Redis, its pool and its breaker, for the cache and the rate limits.
        link, cache, recommender = await stack.enter_async_context(
            open_recommender(settings, database, store)
        )
        service = None
        if settings.service_did is not None:
            # One HTTP client for the DID documents of service-auth JWTs' issuers.
            http = await stack.enter_async_context(
                HttpClient(
                    connect_timeout=settings.atproto_connect_timeout_seconds,
                    read_timeout=settings.atproto_read_timeout_seconds,
                    # the operator's PLC directory may be on loopback; no other loopback host
                    origins=[settings.plc_url],
                )
            )
            resolver = DidResolver(
                http, plc_url=settings.plc_url, cache_seconds=settings.did_cache_seconds
            )
            service = ServiceAuthenticator(
                ServiceAuthVerifier(resolver, service_did=settings.service_did)
            )
        auth = Authenticator(database, service=service, ttl_seconds=settings.token_cache_seconds)
        # Closed before the database: its last-use writes in flight need it.
        stack.push_async_callback(auth.aclose)
        limiter = RateLimiter.from_settings(settings, link)
        media = MediaPolicy.from_settings(settings)
        resources = Resources(
            settings, database, store, link, cache, recommender, auth, limiter, media
        )
        await log_startup(resources)
        yield resources
