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


class InvalidInput(ClientError):
    """The caller sent something Segue cannot use (bad vectors, ids, limits, bodies)."""

    status_code = 422
    error = "invalid_input"


class DimensionMismatch(InvalidInput):
    """A vector's dimension differs from the store's."""

    error = "dimension_mismatch"


class ImportRejected(InvalidInput):
    """An import file failed validation; nothing was written.

    ``problems`` lists what is wrong, each with its place in the file (``line 12: ...``,
    ``row 3: ...``); ``detail`` shows the first few of them.
    """

    error = "import_rejected"

    def __init__(self, detail: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.problems = problems


class UnreadableAudio(InvalidInput):
    """An audio file could not be read or decoded; ``segue embed`` reports it and goes on."""

    error = "unreadable_audio"


class AudioRefused(InvalidInput):
    """Audio Segue will not fetch, for good: off the trusted origins, a private address, a
    redirect elsewhere, larger than ``SEGUE_AUDIO_MAX_BYTES``, not audio. Never retried."""

    error = "audio_refused"


class Misconfigured(SegueError):
    """Segue's own configuration is wrong or incomplete (``SEGUE_*`` settings, a missing
    optional package, a listener's port taken): the operator's to fix, not the caller's.

    Never a 4xx: a request that meets it is answered 500 with a generic detail, and the
    CLI prints ``detail`` (which names the setting) and exits 2.
    """

    error = "misconfigured"
    public_detail = "the service is misconfigured; it has been logged"


class Unauthorized(ClientError):
    """No credential, or one Segue does not accept (unknown, expired, revoked)."""

    status_code = 401
    error = "unauthorized"


class Forbidden(ClientError):
    """A credential Segue accepts, for something its user may not do (another's playlist)."""

    status_code = 403
    error = "forbidden"


class NotFound(ClientError):
    """No such playlist, track or user, or none this user may see."""

    status_code = 404
    error = "not_found"


class Conflict(ClientError):
    """The request contradicts what is stored (a track already in the playlist)."""

    status_code = 409
    error = "conflict"


class PayloadTooLarge(ClientError):
    """A request body larger than the service accepts."""

    status_code = 413
    error = "payload_too_large"


class UnsupportedMediaType(ClientError):
    """A body sent as something other than JSON (``text/plain``, a form)."""

    status_code = 415
    error = "unsupported_media_type"


class RateLimited(ClientError):
    """A token spent its budget of requests; ``retry_after`` seconds until it may go on.

    The API answers 429 with a ``Retry-After`` header (docs/security.md).
    """

    status_code = 429
    error = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class Unavailable(SegueError):
    """A dependency could not answer in time; the request may be retried later."""

    status_code = 503
    error = "unavailable"
    public_detail = "a service Segue depends on is unavailable; try again later"


class VectorStoreUnavailable(Unavailable):
    error = "vector_store_unavailable"
    public_detail = "vector store unavailable"


class DatabaseUnavailable(Unavailable):
    error = "database_unavailable"
    public_detail = "database unavailable"


class ModelUnavailable(Unavailable):
    """An embedding model could not be loaded (not on disk, and the hub not reachable)."""

    error = "model_unavailable"
    public_detail = "embedding model unavailable"


class AudioUnavailable(Unavailable):
    """Audio that could not be fetched this time (timeout, connection lost, a truncated
    body, 5xx, 429, 404): ``segue embed --catalog`` tries again later. ``retry_after`` is
    the server's ``Retry-After`` in seconds, when it gave one."""

    error = "audio_unavailable"
    public_detail = "audio unavailable; try again later"

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class SchemaOutdated(DatabaseUnavailable):
    """The database is reachable but its schema is older than this Segue needs."""

    error = "schema_outdated"
    public_detail = "the database schema is out of date"


class SchemaNewer(SchemaOutdated):
    """The database's schema is a migration this Segue does not know: a newer Segue made it.

    A :class:`SchemaOutdated` too, so whatever refuses an outdated schema refuses this one;
    ``segue db upgrade`` cannot help (Segue never downgrades).
    """

    error = "schema_newer"
    public_detail = "the database schema is newer than this server"


class DidNotFound(NotFound):
    """The DID's directory (PLC, or a did:web host) does not know it, or has tombstoned it."""

    error = "did_not_found"


class InvalidDidDocument(InvalidInput):
    """A DID document Segue cannot use: its ``id`` is another DID, or it lacks the
    ``#atproto`` key or the ``#atproto_pds`` service."""

    error = "invalid_did_document"


class RemoteError(SegueError):
    """An ATProto service (PDS, relay, DID directory) answered with an error, or with
    something Segue refuses (a redirect, a malformed body, more bytes than allowed).

    ``status`` is the HTTP status (``None`` when there was no usable response);
    ``xrpc_error`` and ``xrpc_message`` are the XRPC error body's ``error`` and ``message``
    when it had one (``RepoNotFound``, ``RecordNotFound``, ``BlobNotFound``...).
    """

    status_code = 502
    error = "remote_error"
    public_detail = "an ATProto service answered with an error"

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


class AtprotoUnavailable(Unavailable):
    """An ATProto service could not be reached in time, or asked to be called later (429,
    503): ``retry_after`` is its ``Retry-After`` in seconds, ``None`` when it gave none.

    ``status``, ``xrpc_error`` and ``xrpc_message`` as on :class:`RemoteError`.
    """

    error = "atproto_unavailable"
    public_detail = "an ATProto service is unavailable; try again later"

    def __init__(
        self,
        detail: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        xrpc_error: str | None = None,
        xrpc_message: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.status = status
        self.xrpc_error = xrpc_error
        self.xrpc_message = xrpc_message


class SettingsInvalid(Misconfigured):
    """``SEGUE_*`` variables (or flags) a process cannot start with: one line for each."""

    error = "settings_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
