"""Browser hardening headers on every answer, and ``no-store`` on authenticated ones.

>>> app.add_middleware(SecurityHeaders)  # doctest: +SKIP
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._media import MediaPolicy

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SecurityHeaders"]

#: What a page of this origin may load, with no cover or preview origin set (the
#: strictest; :class:`SecurityHeaders` is given the one of the settings). Scripts and styles
#: come only from the origin's own files (the built UI has no inline script and no inline
#: style sheet: Svelte's styles are compiled into a CSS file, and its dynamic styles are set
#: through the CSSOM, which a CSP does not govern). Images and audio come from 'self' and
#: only from the origins of ``SEGUE_IMAGE_ORIGINS`` and ``SEGUE_AUDIO_ORIGINS``
#: (:class:`~segue.api._media.MediaPolicy`, which also serves no other URL), and images
#: from ``data:`` URLs, which Swagger UI's stylesheet draws its icons with (an image runs no
#: script). No plugins, no <base> rewriting, forms post only here, and no framing at all.
CONTENT_SECURITY_POLICY = MediaPolicy().content_security_policy()

#: On every response, whatever answered it (a route, a static file, an error, a 404).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # frame-ancestors' predecessor, for browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Links and image loads never tell another host which page (playlist id) they came from.
    "Referrer-Policy": "no-referrer",
}

_RAW = [
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in SECURITY_HEADERS.items()
]
_NO_STORE = (b"cache-control", b"no-store")
# The names this middleware sets; any the app set is dropped first. Starlette sends header
# names in lower case, as ASGI asks.
_NAMES = frozenset(name for name, _ in _RAW)
_NAMES_AUTHENTICATED = _NAMES | {_NO_STORE[0]}


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP response, and ``Cache-Control:
    no-store`` to every response to a request that carried ``Authorization``.

    A pure ASGI middleware (it is on every request; Starlette's ``BaseHTTPMiddleware``
    would add a task and a stream per request): it only appends to the headers of the
    ``http.response.start`` message. A header of the same name set by the app is replaced,
    so nothing downstream can weaken the policy; an authenticated answer is never stored
    by a browser or a shared cache, whatever the route said.
    """

    def __init__(
        self, app: ASGIApp, *, content_security_policy: str = CONTENT_SECURITY_POLICY
    ) -> None:
        self.app = app
        policy = (b"content-security-policy", content_security_policy.encode("latin-1"))
        self._raw = [policy, *(h for h in _RAW if h[0] != policy[0])]
        self._raw_authenticated = [*self._raw, _NO_STORE]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if any(name == b"authorization" for name, _ in scope["headers"]):
            replaced, added = _NAMES_AUTHENTICATED, self._raw_authenticated
        else:
            replaced, added = _NAMES, self._raw

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", ()) if h[0] not in replaced]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)
