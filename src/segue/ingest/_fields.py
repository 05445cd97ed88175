"""Checks for one field of an import row; each returns the clean value or raises FieldError.

JSONL gives typed values (an id must be a JSON integer); CSV gives strings, so an id
there is text of digits. Either way the result is the same Python value.

    >>> parse_track_id("42"), parse_track_id(42)
    (42, 42)
    >>> parse_track_id(4.5)
    Traceback (most recent call last):
    ...
    segue.ingest._fields.FieldError: expected an integer id, got 4.5

The catalog's own checks (``segue.catalog``: playlist names and ids, display names,
handles, DIDs) are the ones the API uses; their :class:`InvalidInput` is reported the
same way as a :class:`FieldError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from segue.atproto import is_at_uri, is_cid
from segue.catalog import Steps, check_audio_url, check_did, clean_handle, text_problem
from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX, URL_MAX_LENGTH, track_id_out_of_range

from ._problems import Problems
from ._rows import Row, check_fields

__all__ = [
    "FieldError",
    "RowFields",
    "RowShape",
    "checked_rows",
    "parse_at_uri",
    "parse_audio_url",
    "parse_bool",
    "parse_cid",
    "parse_did",
    "parse_handle",
    "parse_image_url",
    "parse_text",
    "parse_track_id",
    "row_field",
]

T = TypeVar("T")

_SHOWN = 60  # characters of a bad value quoted back in a message


class FieldError(InvalidInput):
    """One field's value is unusable; the message says why (the caller adds where)."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def row_field(row: Row, name: str, parse: Callable[[Any], T], problems: Problems) -> T | None:
    """``parse(row.fields[name])``, or ``None`` with the problem recorded against the row."""
    try:
        return parse(row.fields.get(name))
    except InvalidInput as exc:  # a FieldError, or the catalog's own check refusing it
        problems.add(row.where, f"{name}: {exc.detail}")
        return None


def parse_track_id(value: Any) -> int:
    """A track id: an integer in 0..2**53-1 (JSON integer, or digits in CSV)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii():
            raise FieldError(f"expected an integer id, got {_show(value)}")
        number = int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise FieldError(f"expected an integer id, got {_show(value)}")
    if not 0 <= number <= TRACK_ID_MAX:
        raise FieldError(track_id_out_of_range(number))
    return number


_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def parse_bool(value: Any) -> bool | None:
    """``true``/``false`` (a JSON boolean; ``true``, ``false``, ``1`` or ``0`` in CSV), or
    ``None`` when absent.

        >>> parse_bool(True), parse_bool("FALSE"), parse_bool(None)
        (True, False, None)
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
    raise FieldError(f"expected true or false, got {_show(value)}")


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
    problem = text_problem(text, allow="\t")
    if problem:
        raise FieldError(problem)
    return text


def parse_did(value: Any) -> str:
    return check_did(value)


def parse_handle(value: Any) -> str:
    """A handle, lower-cased as ATProto compares them."""
    return clean_handle(value)


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


def parse_audio_url(value: Any) -> str | None:
    """A preview's ``http(s)://`` URL, or ``None``: the catalog's own check
    (:func:`segue.catalog.check_audio_url`), which the UI's ``<audio>`` relies on."""
    return check_audio_url(value)


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
    if len(url) > URL_MAX_LENGTH:
        raise FieldError(f"longer than {URL_MAX_LENGTH} characters")
    lowered = url.lower()
    local_path = url.startswith("/") and not url.startswith("//")
    if not (lowered.startswith(("http://", "https://")) or local_path):
        raise FieldError(f"expected an http(s) URL or a /path, got {_show(value)}")
    if any(c.isspace() or ord(c) < 0x20 for c in url) or text_problem(url):
        raise FieldError("contains spaces or control characters")
    return url


class RowFields:
    """``fields(name, parse)``: :func:`row_field` for one row, its problems going to one
    :class:`Problems`."""

    __slots__ = ("problems", "row")

    def __init__(self, row: Row, problems: Problems) -> None:
        self.row = row
        self.problems = problems

    def __call__(self, name: str, parse: Callable[[Any], T]) -> T | None:
        return row_field(self.row, name, parse, self.problems)


@dataclass(frozen=True, slots=True)
class RowShape:
    """The fields a kind of row must have and may have, and the progress step checking it."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    description: str


def checked_rows(
    rows: Iterable[Row], shape: RowShape, problems: Problems, steps: Steps
) -> Iterator[tuple[Row, RowFields]]:
    """The rows whose fields are known and whose required ones are given (the others are
    reported, see :func:`check_fields`), each with its :class:`RowFields`; the step
    ``shape.description`` advances by one as each row is done.

        >>> shape = RowShape(("id",), (), "checking tracks")
        >>> for row, get in checked_rows(rows, shape, problems, no_progress):  # doctest: +SKIP
        ...     track_id = get("id", parse_track_id)
    """
    rows = list(rows)
    advance = steps(shape.description, len(rows))
    for row in rows:
        if check_fields(row, shape.required, shape.optional, problems):
            yield row, RowFields(row, problems)
        advance(1)
