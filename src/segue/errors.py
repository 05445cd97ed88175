"""One exception tree for the whole service.

Services raise these; the API's single handler turns them into
``{"error": ..., "detail": ...}`` with :attr:`SegueError.status_code`, and the CLI prints
them as one line and exits non-zero. Anything that is not a :class:`SegueError` is a bug.

An outage's ``detail`` names what failed and how (``[Errno 111] Connection refused``,
hosts, paths): the log and the CLI show it, but an API client gets only the class's
:attr:`SegueError.public_detail`, which names no host, user or path.

    >>> DatabaseUnavailable("database unavailable: [Errno 111] Connection refused").client_detail
    'database unavailable'
"""

from __future__ import annotations

__all__ = [
    "AtprotoUnavailable",
    "AudioRefused",
    "AudioUnavailable",
    "ClientError",
    "Conflict",
    "DatabaseConflict",
    "DatabaseUnavailable",
    "DidNotFound",
    "DimensionMismatch",
    "Forbidden",
    "ImportRejected",
    "InvalidDidDocument",
    "InvalidInput",
    "Misconfigured",
    "ModelUnavailable",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RemoteError",
    "SchemaNewer",
    "SchemaOutdated",
    "SegueError",
    "SettingsInvalid",
    "Unauthorized",
    "Unavailable",
    "UnreadableAudio",
    "UnsupportedMediaType",
    "VectorStoreUnavailable",
]


class SegueError(Exception):
    """Base of every error Segue raises on purpose."""

    status_code: int = 500
    error: str = "internal_error"
    #: what an API client is told instead of ``detail``; ``None``: ``detail`` itself, which
    #: then must describe only the client's own request
    public_detail: str | None = "an internal error occurred; it has been logged"

    def __init_subclass__(
        cls,
        *,
        status_code: int | None = None,
        error: str | None = None,
        public_detail: str | None = None,
        **kwargs: object,
    ) -> None:
        """A subclass names what it changes on its class line, the HTTP status, the
        ``error`` code and the public detail, and inherits the rest::

            class NotFound(ClientError, status_code=404, error="not_found"):
        """
        super().__init_subclass__(**kwargs)
        if status_code is not None:
            cls.status_code = status_code
        if error is not None:
            cls.error = error
        if public_detail is not None:
            cls.public_detail = public_detail

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def client_detail(self) -> str:
        """The detail an API client gets: :attr:`public_detail`, else :attr:`detail`."""
        return self.public_detail if self.public_detail is not None else self.detail


class ClientError(SegueError):
    """The caller's request is at fault (a 4xx): ``detail`` describes only that request,
    so an API client is told it as it is."""

    status_code = 400
    error = "bad_request"
    public_detail = None


class InvalidInput(ClientError, status_code=422, error="invalid_input"):
    """The caller sent something Segue cannot use (bad vectors, ids, limits, bodies)."""


class DimensionMismatch(InvalidInput, error="dimension_mismatch"):
    """A vector's dimension differs from the store's."""


class ImportRejected(InvalidInput, error="import_rejected"):
    """An import file failed validation; nothing was written.

    ``problems`` lists what is wrong, each with its place in the file (``line 12: ...``,
    ``row 3: ...``); ``detail`` shows the first few of them.
    """

    def __init__(self, detail: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.problems = problems


class UnreadableAudio(InvalidInput, error="unreadable_audio"):
    """An audio file could not be read or decoded; ``segue embed`` reports it and goes on."""


class AudioRefused(InvalidInput, error="audio_refused"):
    """Audio Segue will not fetch, for good: off the trusted origins, a private address, a
    redirect elsewhere, larger than ``SEGUE_AUDIO_MAX_BYTES``, not audio. Never retried."""


class Misconfigured(
    SegueError,
    error="misconfigured",
    public_detail="the service is misconfigured; it has been logged",
):
    """Segue's own configuration is wrong or incomplete (``SEGUE_*`` settings, a missing
    optional package, a listener's port taken): the operator's to fix, not the caller's.

    Never a 4xx: a request that meets it is answered 500 with a generic detail, and the
    CLI prints ``detail`` (which names the setting) and exits 2.
    """


class Unauthorized(ClientError, status_code=401, error="unauthorized"):
    """No credential, or one Segue does not accept (unknown, expired, revoked)."""


class Forbidden(ClientError, status_code=403, error="forbidden"):
    """A credential Segue accepts, for something its user may not do (another's playlist)."""


class NotFound(ClientError, status_code=404, error="not_found"):
    """No such playlist, track or user, or none this user may see."""


class Conflict(ClientError, status_code=409, error="conflict"):
    """The request contradicts what is stored (a track already in the playlist)."""


class PayloadTooLarge(ClientError, status_code=413, error="payload_too_large"):
    """A request body larger than the service accepts."""


class UnsupportedMediaType(ClientError, status_code=415, error="unsupported_media_type"):
    """A body sent as something other than JSON (``text/plain``, a form)."""


class RateLimited(ClientError, status_code=429, error="rate_limited"):
    """A token spent its budget of requests; ``retry_after`` seconds until it may go on.

    The API answers 429 with a ``Retry-After`` header (docs/security.md).
    """

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class Unavailable(
    SegueError,
    status_code=503,
    error="unavailable",
    public_detail="a service Segue depends on is unavailable; try again later",
):
    """A dependency could not answer in time; the request may be retried later."""


class VectorStoreUnavailable(
    Unavailable, error="vector_store_unavailable", public_detail="vector store unavailable"
):
    """TODO"""


class DatabaseUnavailable(
    Unavailable, error="database_unavailable", public_detail="database unavailable"
):
    """TODO"""


class ModelUnavailable(
    Unavailable, error="model_unavailable", public_detail="embedding model unavailable"
):
    """An embedding model could not be loaded (not on disk, and the hub not reachable)."""


class AudioUnavailable(
    Unavailable, error="audio_unavailable", public_detail="audio unavailable; try again later"
):
    """Audio that could not be fetched this time (timeout, connection lost, a truncated
    body, 5xx, 429, 404): ``segue embed --catalog`` tries again later. ``retry_after`` is
    the server's ``Retry-After`` in seconds, when it gave one."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseConflict(
    DatabaseUnavailable, error="database_conflict", public_detail="database busy; try again later"
):
    """A write that PostgreSQL rolled back on each of its attempts as a deadlock or a
    serialization failure (SQLSTATE 40P01, 40001): other writers (an import, an API edit)
    kept taking the same rows in another order. Nothing of it was written; tried again
    later it goes through once they are done, so whatever waits out an outage
    (:class:`DatabaseUnavailable`) waits this out too."""


class SchemaOutdated(
    DatabaseUnavailable, error="schema_outdated", public_detail="the database schema is out of date"
):
    """The database is reachable but its schema is older than this Segue needs."""


class SchemaNewer(
    SchemaOutdated,
    error="schema_newer",
    public_detail="the database schema is newer than this server",
):
    """The database's schema is a migration this Segue does not know: a newer Segue made it.

    A :class:`SchemaOutdated` too, so whatever refuses an outdated schema refuses this one;
    ``segue db upgrade`` cannot help (Segue never downgrades).
    """


class DidNotFound(NotFound, error="did_not_found"):
    """The DID's directory (PLC, or a did:web host) does not know it, or has tombstoned it."""


class InvalidDidDocument(InvalidInput, error="invalid_did_document"):
    """A DID document Segue cannot use: its ``id`` is another DID, or it lacks the
    ``#atproto`` key or the ``#atproto_pds`` service."""


class _RemoteAnswer(SegueError):
    """What an ATProto service's answer said, on the errors it causes: ``status`` is the
    HTTP status (``None`` when there was no usable response); ``xrpc_error`` and
    ``xrpc_message`` are the XRPC error body's ``error`` and ``message`` when it had one
    (``RepoNotFound``, ``RecordNotFound``, ``BlobNotFound``...)."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        xrpc_error: str | None = None,
        xrpc_message: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.xrpc_error = xrpc_error
        self.xrpc_message = xrpc_message


class RemoteError(
    _RemoteAnswer,
    status_code=502,
    error="remote_error",
    public_detail="an ATProto service answered with an error",
):
    """An ATProto service (PDS, relay, DID directory) answered with an error, or with
    something Segue refuses (a redirect, a malformed body, more bytes than allowed).

    ``status``, ``xrpc_error`` and ``xrpc_message``: what the answer said (``None`` where
    it said nothing usable).
    """


class AtprotoUnavailable(
    _RemoteAnswer,
    Unavailable,
    error="atproto_unavailable",
    public_detail="an ATProto service is unavailable; try again later",
):
    """An ATProto service could not be reached in time, or asked to be called later (429,
    503): ``retry_after`` is its ``Retry-After`` in seconds, ``None`` when it gave none.

    ``status``, ``xrpc_error`` and ``xrpc_message`` as on :class:`RemoteError`.
    """

    def __init__(
        self,
        detail: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        xrpc_error: str | None = None,
        xrpc_message: str | None = None,
    ) -> None:
        super().__init__(detail, status=status, xrpc_error=xrpc_error, xrpc_message=xrpc_message)
        self.retry_after = retry_after


class SettingsInvalid(Misconfigured, error="settings_invalid"):
    """``SEGUE_*`` variables (or flags) a process cannot start with: one line for each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
