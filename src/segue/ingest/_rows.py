"""Rows of a JSONL or CSV file, each with its line number, before any field is checked.

>>> rows = parse_jsonl('{"id": 1}\\n\\n{"id": 2}\\n', Problems("t.jsonl"))
>>> [(r.where, r.fields["id"]) for r in rows]
[('line 1', 1), ('line 3', 2)]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from segue._files import file_lines
from segue.errors import InvalidInput

from ._problems import Problems

__all__ = [
    "Row",
    "TableFormat",
    "check_fields",
    "file_format",
    "jsonl_rows",
    "parse_csv",
    "parse_jsonl",
    "read_table",
]


F = TypeVar("F", bound=StrEnum)


class TableFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Row:
    """One record: where it is (``line 12``) and its raw fields.

    CSV values are strings, and an empty cell is ``None``; JSONL values are as parsed.
    """

    where: str
    fields: Mapping[str, Any]


_SUFFIXES = {".jsonl": TableFormat.JSONL, ".ndjson": TableFormat.JSONL, ".csv": TableFormat.CSV}


def table_format(path: Path, fmt: str | None) -> TableFormat:
    return file_format(path, fmt, TableFormat, _SUFFIXES)


def file_format(path: Path, fmt: str | None, kind: type[F], suffixes: Mapping[str, F]) -> F:
    """The format named by ``fmt``, else the one the file name's suffix says.

    >>> file_format(Path("t.CSV"), None, TableFormat, _SUFFIXES)
    <TableFormat.CSV: 'csv'>
    """
    if fmt is not None:
        try:
            return kind(fmt.lower())
        except ValueError:
            names = [member.value for member in kind]
            known = f"{', '.join(names[:-1])} or {names[-1]}"
            raise InvalidInput(f"unknown format {fmt!r}: use {known}") from None
    found = suffixes.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(f"{path}: cannot tell the format from the name; pass --format")
    return found


def read_table(
    path: Path,
    fmt: str | None,
    problems: Problems,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> list[Row]:
    """The rows of a JSONL or CSV file (format from the suffix unless ``fmt`` is given).

    A CSV header is checked against ``required`` and ``optional`` columns once, here.
    """
    kind = table_format(path, fmt)
    try:
        # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    if kind is TableFormat.JSONL:
        return parse_jsonl(text, problems)
    return parse_csv(text, problems, required=required, optional=optional)


def parse_jsonl(text: str, problems: Problems) -> list[Row]:
    """One JSON object per line (:func:`segue._files.file_lines`); blank lines are skipped
    but still counted."""
    return list(jsonl_rows(file_lines(text), problems))


def jsonl_rows(lines: Iterable[str], problems: Problems) -> Iterator[Row]:
    """The JSONL reader of every import: a :class:`Row` per line holding a JSON object,
    numbered from 1 (blank lines skipped but counted); any other line is a problem.

    A generator, so a caller may turn each row into something smaller as it comes.
    """
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(where, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(value, dict):
            problems.add(where, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield Row(where, value)


def parse_csv(
    text: str,
    problems: Problems,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> list[Row]:
    """A header line naming the columns, then one record per line (quoted fields may span
    lines; a record is reported by the line it starts on).

    With ``required`` or ``optional`` given, the header must have every required column
    and no column outside both; otherwise no row is read.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add("line 1", f"malformed CSV header ({exc})")
        return []
    if header is None:
        return []
    names = [name.strip() for name in header]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        problems.add("line 1", f"the header repeats column(s) {', '.join(dup)}")
        return []
    required, optional = list(required), list(optional)
    if required or optional:
        missing = [name for name in required if name not in names]
        unknown = [name for name in names if name not in {*required, *optional}]
        if missing:
            problems.add("line 1", f"the header lacks column(s) {', '.join(missing)}")
        if unknown:
            problems.add("line 1", f"unknown column(s) {', '.join(map(repr, unknown))}")
        if missing or unknown:
            return []
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(f"line {start}", f"malformed CSV ({exc})")
            start = reader.line_num + 1
            continue
        where, start = f"line {start}", reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            problems.add(where, f"{len(cells)} cells, but the header has {len(names)} columns")
            continue
        pairs = zip(names, cells, strict=True)
        fields = {name: (cell if cell.strip() else None) for name, cell in pairs}
        rows.append(Row(where, fields))
    return rows


def check_fields(
    row: Row, required: Iterable[str], optional: Iterable[str], problems: Problems
) -> bool:
    """Report missing and unknown fields (a typo in a column name would otherwise be lost)."""
    allowed = {*required, *optional}
    ok = True
    missing = [name for name in required if row.fields.get(name) is None]
    if missing:
        problems.add(row.where, f"missing {', '.join(missing)}")
        ok = False
    unknown = sorted(name for name in row.fields if name not in allowed)
    if unknown:
        problems.add(row.where, f"unknown field(s) {', '.join(map(repr, unknown))}")
        ok = False
    return ok
