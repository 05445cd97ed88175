"""What a request body must be before any route reads it: JSON, declared as JSON, each key
once.

FastAPI reads a ``text/plain`` body as bytes and answers a misleading 422 ("a valid
dictionary"), and Python's JSON parser keeps the last of duplicate keys, so
``{"track_id": 1, "track_id": 2}`` meant track 2 to Segue and may mean 1 to a proxy or a
log reader that checked it (issue 26). Called by :class:`~segue.api._limits.BodySizeLimit`,
which holds the whole body already; malformed JSON is left to FastAPI's own 400/422.
"""

from __future__ import annotations

import json
from email.message import Message

from starlette.types import Scope

from segue.errors import InvalidInput, SegueError, UnsupportedMediaType

__all__ = ["body_problem"]


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(key)
        seen[key] = value
    return seen


def _content_type(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).decode("latin-1")
    return None


def body_problem(scope: Scope, body: bytes) -> SegueError | None:
    """Why ``body`` is refused (415: not declared as JSON; 422: a key twice), or ``None``.

    No ``Content-Type`` at all is read as JSON, as FastAPI does.
    """
    if not body:
        return None
    declared = _content_type(scope)
    if declared is not None:
        message = Message()
        message["content-type"] = declared
        subtype = message.get_content_subtype()
        is_json = message.get_content_maintype() == "application" and (
            subtype == "json" or subtype.endswith("+json")
        )
        if not is_json:
            return UnsupportedMediaType(
                f"the body must be sent as application/json, not {message.get_content_type()}"
            )
    try:
        json.loads(body, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        return InvalidInput(f"the JSON body has the key {dup.key!r} more than once")
    except ValueError:  # not JSON, not UTF-8: FastAPI's own answer (400 or 422) says so
        return None
    except RecursionError:
        # "[[[[..." well under the size limit: Python's parser gives up on the depth. Not
        # an error of the server's (it was a 500, with a traceback logged per request).
        return InvalidInput("the JSON body is nested too deeply")
    return None
