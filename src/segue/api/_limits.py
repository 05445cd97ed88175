"""A limit on request bodies, enforced before the app reads any of it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue.errors import PayloadTooLarge

from ._bodies import body_problem
from ._errors import error_response

__all__ = ["BodySizeLimit"]


class BodySizeLimit:
    """Answer 413 JSON to a request whose body is larger than ``max_bytes``.

    A declared ``Content-Length`` past the limit is refused before anything is read. Other
    bodies (chunked, or a length that lies) are read up to the limit and refused as soon
    as they pass it, so a client can never make the server hold more than ``max_bytes``
    of one body. A body within the limit is handed to the app unchanged, once it is JSON
    declared as JSON with each key once (``_bodies.py``: 415 or 422 otherwise).

        >>> app.add_middleware(BodySizeLimit, max_bytes=1024 * 1024)  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = body_problem(scope, body)
        if problem is not None:
            response = error_response(problem.status_code, problem.error, problem.detail)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = PayloadTooLarge(f"the request body is larger than {self.max_bytes} bytes")
        # Connection: close, so the server does not try to read the rest of the body.
        response = error_response(exc.status_code, exc.error, exc.detail, {"Connection": "close"})
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server has refused a malformed length already
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # After the body, whatever comes next (a disconnect) comes from the server.
        return await receive()

    return replayed
