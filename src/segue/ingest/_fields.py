"""Checks for one field of an import row; each returns the clean value or raises FieldError.

JSONL gives typed values (an id must be a JSON integer); CSV gives strings, so an id
there is text of digits. Either way the result is the same Python value.

    >>> parse_track_id("42"), parse_track_id(42)
    (42, 42)
    >>> parse_track_id(4.5)
    Traceback (most recent call last):
    ...
    segue.ingest._fields.FieldError: expected an integer id, got 4.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from segue.catalog import is_at_uri, is_cid, is_did, is_handle
from segue.engine import MAX_ID

from ._problems import Problems
from ._rows import Row

__all__ = [
    "FieldError",
    "parse_at_uri",
    "parse_cid",
    "parse_did",
    "parse_handle",
    "parse_image_url",
    "parse_text",
    "parse_track_id",
    "row_field",
]

T = TypeVar("T")

# The catalog's column sizes (segue.catalog._models).
TITLE_MAX = 1000
DISPLAY_NAME_MAX = 640
URL_MAX = 2048
_SHOWN = 60  # characters of a bad value quoted back in a message


class FieldError(ValueError):
    """One field's value is unusable; the message says why (the caller adds where)."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def row_field(row: Row, name: str, parse: Callable[[Any], T], problems: Problems) -> T | None:
    """``parse(row.fields[name])``, or ``None`` with the problem recorded against the row."""
    try:
        return parse(row.fields.get(name))
    except FieldError as exc:
        problems.add(row.where, f"{name}: {exc}")
        return None


def parse_track_id(value: Any) -> int:
    """A track id: an integer in 0..2**63-1 (JSON integer, or digits in CSV)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii():
            raise FieldError(f"expected an integer id, got {_show(value)}")
        number = int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise FieldError(f"expected an integer id, got {_show(value)}")
    if not 0 <= number <= MAX_ID:
        raise FieldError(f"id {number} is out of range 0..{MAX_ID}")
    return number


def parse_text(value: Any, *, max_length: int, required: bool = True) -> str | None:
    """Text with surrounding whitespace removed; empty counts as absent."""
    if value is None:
        if required:
            raise FieldError("missing")
        return None
    if not isinstance(value, str):
        raise FieldError(f"expected text, got {_show(value)}")
    text = value.strip()
    if not text:
        if required:
            raise FieldError("empty")
        return None
    if len(text) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    if any(ord(c) < 0x20 and c not in "\t" for c in text):
        raise FieldError("contains control characters")
    return text


def parse_did(value: Any) -> str:
    if not isinstance(value, str) or not is_did(value.strip()):
        raise FieldError(f"not a DID: {_show(value)}")
    return value.strip()


def parse_handle(value: Any) -> str:
    """A handle, lower-cased as ATProto compares them."""
    if not isinstance(value, str) or not is_handle(value.strip()):
        raise FieldError(f"not a handle: {_show(value)}")
    return value.strip().lower()


def parse_at_uri(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_at_uri(value.strip()):
        raise FieldError(f"not an AT-URI: {_show(value)}")
    return value.strip()


def parse_cid(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_cid(value.strip()):
        raise FieldError(f"not a CID: {_show(value)}")
    return value.strip()


def parse_image_url(value: Any) -> str | None:
    """An ``http(s)://`` URL or a path on Segue's own server (``/demo-covers/1.svg``).

    Anything else (``javascript:``, ``data:``, protocol-relative ``//host``) is refused:
    the UI puts this value straight into an ``<img src>``.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(f"expected a URL, got {_show(value)}")
    url = value.strip()
    if len(url) > URL_MAX:
        raise FieldError(f"longer than {URL_MAX} characters")
    lowered = url.lower()
    local_path = url.startswith("/") and not url.startswith("//")
    if not (lowered.startswith(("http://", "https://")) or local_path):
        raise FieldError(f"expected an http(s) URL or a /path, got {_show(value)}")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise FieldError("contains spaces or control characters")
    return url
