"""turbopuffer's filter language (docs/query, "Filtering"): ``[attr, op, value]`` leaves
combined with ``["And", [...]]``, ``["Or", [...]]`` and ``["Not", filter]``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._errors import not_implemented, reject

__all__ = ["Predicate", "compile_filter"]

Predicate = Callable[[Mapping[str, Any]], bool]

_DOCUMENTED_NOT_MODELLED = {
    "Contains",
    "NotContains",
    "ContainsAny",
    "NotContainsAny",
    "AnyLt",
    "AnyLte",
    "AnyGt",
    "AnyGte",
    "Glob",
    "NotGlob",
    "IGlob",
    "NotIGlob",
    "Regex",
    "Fuzzy",
    "ContainsAllTokens",
    "ContainsAnyToken",
    "ContainsTokenSequence",
}


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None or isinstance(left, list):
        return False
    try:
        if op == "Lt":
            return bool(left < right)
        if op == "Lte":
            return bool(left <= right)
        if op == "Gt":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:
        return False  # e.g. a string attribute compared with a number matches nothing


def _leaf(attr: Any, op: Any, value: Any) -> Predicate:
    if not isinstance(attr, str) or not isinstance(op, str):
        raise reject(f"invalid filter: expected [attribute, operator, value], got {attr!r}, {op!r}")
    if attr == "vector":
        raise reject("the vector attribute cannot be filtered on")
    if op in {"In", "NotIn"}:
        if not isinstance(value, list):
            raise reject(f"filter operator {op} needs an array value")
        members = {_hashable(v) for v in value}
        if op == "In":
            return lambda doc: _hashable(doc.get(attr)) in members
        return lambda doc: _hashable(doc.get(attr)) not in members
    if op == "Eq":
        return lambda doc: doc.get(attr) == value
    if op == "NotEq":
        return lambda doc: doc.get(attr) != value
    if op in {"Lt", "Lte", "Gt", "Gte"}:
        return lambda doc: _compare(op, doc.get(attr), value)
    if op in _DOCUMENTED_NOT_MODELLED:
        raise not_implemented(f"the {op} filter")
    raise reject(f"unknown filter operator {op!r}")


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def compile_filter(spec: Any) -> Predicate:
    """A predicate over documents (dicts with ``id`` and attributes), or a 400."""
    if not isinstance(spec, list) or not spec:
        raise reject(f"invalid filter {spec!r}: expected an array")
    head = spec[0]
    if head in {"And", "Or"}:
        if len(spec) != 2 or not isinstance(spec[1], list):
            raise reject(f'invalid filter: ["{head}", [filters...]] expected')
        parts = [compile_filter(part) for part in spec[1]]
        if head == "And":
            return lambda doc: all(p(doc) for p in parts)
        return lambda doc: any(p(doc) for p in parts)
    if head == "Not":
        if len(spec) != 2:
            raise reject('invalid filter: ["Not", filter] expected')
        inner = compile_filter(spec[1])
        return lambda doc: not inner(doc)
    if len(spec) != 3:
        raise reject(f"invalid filter {spec!r}: expected [attribute, operator, value]")
    return _leaf(*spec)
