"""DAG-CBOR and CIDs against the ATProto interop fixtures (made by the reference TypeScript
implementation), plus the properties a cache key depends on."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import libipld
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.atproto import cid_for_dag_cbor, encode_record, record_cid
from segue.errors import InvalidInput

# The interop files, copied into the repository (CC0): a clone tests with nothing beside it.
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def _load(name: str) -> list[dict[str, Any]]:
    path = FIXTURES_DIR / name
    assert path.exists(), f"the ATProto interop fixtures are missing: {path}"
    fixtures: list[dict[str, Any]] = json.loads(path.read_text())
    assert fixtures, f"{path} holds no fixtures"
    return fixtures


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


FIXTURES = _load("data-model-fixtures.json")
VALID = _load("data-model-valid.json")
INVALID = _load("data-model-invalid.json")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f["cid"][-8:])
def test_interop_fixture_bytes_and_cid(fixture: dict[str, Any]) -> None:
    encoded = encode_record(fixture["json"])
    assert encoded == _b64(fixture["cbor_base64"])
    assert record_cid(fixture["json"]) == fixture["cid"]


@pytest.mark.parametrize("fixture", VALID, ids=lambda f: f["note"])
def test_valid_data_model_values_encode(fixture: dict[str, Any]) -> None:
    encoded = encode_record(fixture["json"])
    # Round trip through a decoder: the value survives (integer-like floats as integers).
    decoded = libipld.decode_dag_cbor(encoded)
    assert json.loads(json.dumps(decoded)) == json.loads(
        json.dumps(fixture["json"]), parse_float=lambda s: int(float(s))
    )


@pytest.mark.parametrize("fixture", INVALID, ids=lambda f: f["note"])
def test_invalid_data_model_values_are_refused(fixture: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        encode_record(fixture["json"])


def test_cid_is_cidv1_dag_cbor_sha256_base32() -> None:
    data = encode_record({"$type": "fm.segue.playlist", "name": "x", "items": []})
    cid = cid_for_dag_cbor(data)
    assert cid.startswith("bafyrei")
    assert cid == cid.lower()
    decoded = libipld.decode_cid(cid)
    assert decoded["version"] == 1
    assert decoded["codec"] == 0x71
    assert decoded["hash"]["code"] == 0x12
    assert decoded["hash"]["digest"] == hashlib.sha256(data).digest()


def test_map_keys_are_ordered_shortest_first_then_bytewise() -> None:
    # {"a": 2, "c": 3, "bb": 1}: three keys, "bb" last because it is longer.
    assert encode_record({"bb": 1, "c": 3, "a": 2}) == bytes.fromhex("a361610261630362626201")


def test_bytes_that_look_like_a_cid_are_refused() -> None:
    # libipld would silently write these as a link; the record would change meaning.
    cid_bytes = bytes([0x01, 0x71, 0x12, 0x20]) + bytes(32)
    text = base64.b64encode(cid_bytes).decode().rstrip("=")
    with pytest.raises(InvalidInput, match="look like a CID"):
        encode_record({"b": {"$bytes": text}})


def test_out_of_range_integers_are_refused() -> None:
    with pytest.raises(InvalidInput):
        encode_record({"n": 2**63})
    assert encode_record({"n": 2**63 - 1})


# No lone surrogates (not UTF-8) and no "$" keys ($link, $bytes, $type have their own rules).
_text = st.text(st.characters(codec="utf-8"), max_size=20)
_keys = _text.filter(lambda k: bool(k) and not k.startswith("$"))
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _text
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=8,
)
_records = st.dictionaries(_keys, _values, max_size=6)


@settings(max_examples=50)
@given(_records)
def test_encoding_ignores_key_insertion_order_and_round_trips(record: dict[str, Any]) -> None:
    reordered = dict(reversed(list(record.items())))
    assert encode_record(reordered) == encode_record(record)
    assert record_cid(reordered) == record_cid(record)
    assert libipld.decode_dag_cbor(encode_record(record)) == record


@settings(max_examples=50)
@given(_records, _text)
def test_any_change_changes_the_cid(record: dict[str, Any], extra: str) -> None:
    changed = {**record, "$changed": extra}
    assert record_cid(changed) != record_cid(record)
