"""The decode fast path (shared.codec.decode parses the bytes straight into the envelope with
pydantic, falling back to the checked path) decodes exactly what the checked path decoded before
it: the same envelope, the same event of the same contract, or the same refusal with the same
reason; the canonical JSON built by a reused encoder is byte for byte json.dumps's; and the
in-place scalar skipping of `_stored` returns exactly what the walk before it returned."""

from __future__ import annotations

import codecs
import enum
import hashlib
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bench.generate import events
from shared import codec
from shared.codec import PoisonRecord, decode, encode
from shared.contracts.base import UnknownEventType, parse_payload
from shared.envelope import ENVELOPE_VERSION, Envelope, canonical_json, parsed_hash_is_valid, seal
from shared.projection import _stored
from tests.unit.test_envelope import EVENT, ONE_OF_EACH, fields


# the path before the fast one, as it was (its own canonical form and hash, not the module's) ----

def _canonical_before(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _decode_before(value: bytes):
    try:
        envelope = Envelope.model_validate(json.loads(value))
    except (ValueError, ValidationError) as exc:
        raise PoisonRecord(f"malformed envelope: {codec._short(exc)}") from exc
    if envelope.envelope_version > ENVELOPE_VERSION:
        raise PoisonRecord(f"envelope version {envelope.envelope_version} is newer than this reader")
    expected = hashlib.sha256(_canonical_before(envelope.model_dump(mode="json", exclude={"hash"}))).hexdigest()
    if envelope.hash != expected:
        raise PoisonRecord(f"hash mismatch for event {envelope.event_id}")
    try:
        event = parse_payload(envelope.type, envelope.schema_version, envelope.payload)
    except UnknownEventType as exc:
        raise PoisonRecord(str(exc)) from exc
    except ValidationError as exc:
        raise PoisonRecord(f"invalid {envelope.type} payload: {codec._short(exc)}") from exc
    return envelope, event


def _outcome(fn, value: bytes):
    """What decoding gives, comparable: the envelope's and event's JSON (NaN-safe) and the
    contract, or the exception's type and message."""
    try:
        envelope, event = fn(value)
    except Exception as exc:  # noqa: BLE001
        return "raised", type(exc), str(exc)
    return ("decoded", envelope.model_dump_json(), type(event), event.model_dump_json(), repr(envelope.model_dump()),
            repr(event))


def _same(value: bytes) -> None:
    before, now = _outcome(_decode_before, value), _outcome(decode, value)
    assert now == before, value[:200]


def _sealed(event=EVENT, **changes) -> bytes:
    return encode(seal(fields(event, **changes)))


# every contract, and the benchmark's events -------------------------------------------------

@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.TYPE)
def test_every_contract_decodes_as_before(event):
    raw = _sealed(event)
    _same(raw)
    envelope, decoded = decode(raw)
    before_envelope, before_event = _decode_before(raw)
    assert envelope == before_envelope and decoded == before_event and type(decoded) is type(before_event)


def test_the_benchmark_events_decode_as_before():
    values = [value for _s, _k, value, _t in events(40)]
    assert len(values) > 150
    for value in values:
        _same(value)


# what the checked path takes and pydantic's parser does not, and what both refuse -----------

def _with_hash(doc: dict) -> dict:
    """The document with the hash the checked path computes over it (whatever it holds)."""
    envelope = Envelope.model_validate({**doc, "hash": ""})
    digest = hashlib.sha256(_canonical_before(envelope.model_dump(mode="json", exclude={"hash"}))).hexdigest()
    return {**doc, "hash": digest}


def _doc(**changes) -> dict:
    return {**json.loads(_sealed()), **changes}


def _payload(**changes) -> dict:
    doc = _doc()
    return _with_hash({k: v for k, v in {**doc, "payload": {**doc["payload"], **changes}}.items() if k != "hash"})


EDGE_CASES = {
    "canonical": _sealed(),
    "byte-order-mark": codecs.BOM_UTF8 + _sealed(),
    "pretty-printed": json.dumps(json.loads(_sealed()), indent=2).encode(),
    "unsorted-keys": json.dumps(dict(reversed(list(json.loads(_sealed()).items())))).encode(),
    "ascii-escaped": json.dumps(json.loads(_sealed(EVENT.model_copy(update={"attendee": "Wali Kota ✓ é"})))).encode(),
    "utf-16": json.dumps(json.loads(_sealed())).encode("utf-16"),
    "whitespace-around": b"  \n" + _sealed() + b"\n ",
    "trailing-garbage": _sealed() + b"x",
    "lone-surrogate-in-field": json.dumps(_doc(causation_id="cmd-\ud800")).encode(),
    "raw-surrogate-bytes": _sealed().replace(b'"cmd-1"', b'"cmd-\xed\xa0\x80"'),
    "control-character": _sealed().replace(b'"cmd-1"', b'"cmd\x01-1"'),
    "tab-in-string": _sealed().replace(b'"cmd-1"', b'"cmd\t-1"'),
    "invalid-utf8": _sealed().replace(b'"cmd-1"', b'"cmd-\xff"'),
    "duplicate-key": _sealed().replace(b'"causation_id":"cmd-1"', b'"causation_id":"x","causation_id":"cmd-1"'),
    "duplicate-key-wrong-last": _sealed().replace(b'"causation_id":"cmd-1"',
                                                  b'"causation_id":"cmd-1","causation_id":"x"'),
    "sequence-as-float": json.dumps(_doc(sequence=1.0)).encode(),
    "sequence-as-string": json.dumps(_doc(sequence="1")).encode(),
    "sequence-as-bool": json.dumps(_doc(sequence=True)).encode(),
    "sequence-1.5": json.dumps(_doc(sequence=1.5)).encode(),
    "time-without-zone": json.dumps(_with_hash({**_doc(occurred_at="2025-02-03T09:30:00"), "hash": ""})).encode(),
    "time-as-number": json.dumps(_with_hash({**_doc(occurred_at=1738575000), "hash": ""})).encode(),
    "time-offset": json.dumps(_with_hash({**_doc(occurred_at="2025-02-03T16:30:00+07:00"), "hash": ""})).encode(),
    "value-nan": json.dumps(_payload(value=float("nan"))).encode(),
    "value-infinity": json.dumps(_payload(value=float("inf"))).encode(),
    "value-1e400": json.dumps(_payload(value=1.0)).encode().replace(b'"value": 1.0', b'"value": 1e400'),
    "value-huge-int": json.dumps(_payload(value=10 ** 30)).encode(),
    "value-int-digits-over-limit": json.dumps(_payload(value=1)).encode().replace(b'"value": 1',
                                                                                  b'"value": 1' + b"0" * 5000),
    "value-leading-zero": json.dumps(_payload(value=80)).encode().replace(b'"value": 80', b'"value": 080'),
    "payload-extra": json.dumps(_payload(extra=1)).encode(),
    "payload-int-value": json.dumps(_payload(value=80)).encode(),
    "deeply-nested": b'{"payload":' + b'[' * 100_000 + b']' * 100_000 + b"}",
    "huge-keys": b"{" + b'"x":' * 10_000,
    "hash-of-other-fields": json.dumps(_doc(hash="0" * 64)).encode(),
    "future-envelope": json.dumps(_with_hash({**_doc(envelope_version=ENVELOPE_VERSION + 1), "hash": ""})).encode(),
    "unknown-type": json.dumps(_with_hash({**_doc(type="Nonexistent"), "hash": ""})).encode(),
    "future-schema": json.dumps(_with_hash({**_doc(schema_version=2), "hash": ""})).encode(),
    "empty": b"",
    "null": b"null",
    "list": b"[]",
    "not-json": b"not json",
}


@pytest.mark.parametrize("value", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_cases_decode_or_are_refused_as_before(value):
    _same(value)


def test_a_str_or_bytearray_value_decodes_as_before():
    raw = _sealed()
    for value in (raw.decode(), bytearray(raw), memoryview(raw)):
        before, now = _outcome(_decode_before, value), _outcome(decode, value)
        assert now == before


def test_mangled_records_decode_or_are_refused_as_before():
    rng = random.Random(11)
    samples = [_sealed(e) for e in ONE_OF_EACH[:12]] + [v for _s, _k, v, _t in events(3)][:30]
    alphabet = b'{}[]",:0123456789.eE+-tfnaul \\/\x00\x7f\xc3\xa9\xed\xa0\x80'
    for n in range(1500):
        raw = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(raw))
            action = rng.randrange(3)
            if action == 0:
                raw[at] = rng.choice(alphabet)
            elif action == 1:
                del raw[at]
            else:
                raw.insert(at, rng.choice(alphabet))
        _same(bytes(raw))


# canonical JSON --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    {"b": 1, "a": [1.5, 1e16, 1e-7, -0.0, 10 ** 30, True, None, "é ✓ \u2028 \x01 \"q\" \\"]},
    {"nested": {"z": {"y": [{"b": 2, "a": 1}]}}, "nan": float("nan"), "inf": float("inf")},
    [1, "x", {"k": "v"}], "just a string ✓", 42, 0.1, None, {}, [],
    {1: "int key", 2: 2.5},
    _sealed().decode(),
    json.loads(_sealed()),
])
def test_canonical_json_is_json_dumps(value):
    assert canonical_json(value) == _canonical_before(value)


def test_canonical_json_refuses_as_json_dumps():
    for bad in ({"k": object()}, {(1, 2): "tuple key"}, "\ud800", {1: "int key", "1.5": 2}):
        with pytest.raises(Exception) as now:
            canonical_json(bad)
        with pytest.raises(Exception) as before:
            _canonical_before(bad)
        assert type(now.value) is type(before.value) and str(now.value) == str(before.value)


def test_hashes_verify_as_before():
    for event in ONE_OF_EACH:
        envelope = seal(fields(event))
        digest = hashlib.sha256(_canonical_before(envelope.model_dump(mode="json", exclude={"hash"}))).hexdigest()
        assert envelope.hash == digest == envelope.expected_hash() and envelope.hash_is_valid()


def _parsed_envelopes():
    for event in ONE_OF_EACH:
        yield _sealed(event)
    for name in ("canonical", "value-nan", "value-infinity", "value-1e400", "value-huge-int", "payload-extra",
                 "payload-int-value", "hash-of-other-fields", "sequence-as-float", "time-offset", "time-without-zone"):
        yield EDGE_CASES[name]
    doc = _doc()
    yield json.dumps({**doc, "payload": {**doc["payload"], "value": float("-inf")}}).encode()  # hash of 80.0
    yield json.dumps(_with_hash({**doc, "hash": "", "payload": {"n": [1, 2.5, -0.0, None, True, "é", {"z": 1, "a": [
        float("nan")]}], "big": 10 ** 40, "tiny": 5e-324}})).encode()
    yield json.dumps(_with_hash({**doc, "hash": "", "payload": {"n": [1, 2.5, {"z": 1e16, "a": [1e-7]}]}})).encode()


def test_the_parsed_hash_check_is_the_hash_check():
    checked = 0
    for raw in _parsed_envelopes():
        envelope = Envelope.model_validate_json(raw)
        assert parsed_hash_is_valid(envelope) == envelope.hash_is_valid(), raw[:200]
        checked += envelope.hash_is_valid()
    assert checked > len(ONE_OF_EACH)  # valid ones and mismatches both


# _stored ----------------------------------------------------------------------------------------

_MISSING = object()


def _stored_before(value: Any, before: Any = _MISSING) -> Any:
    if value is before:
        return value
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            return json.loads(json.dumps(value))
        previous = before if type(before) is dict else {}
        changed: dict | None = None
        for key, item in value.items():
            old = previous.get(key, _MISSING)
            if item is old:
                continue
            stored = _stored_before(item, old)
            if stored is not item:
                changed = dict(value) if changed is None else changed
                changed[key] = stored
        return value if changed is None else changed
    if kind is list:
        kept = {id(item) for item in before} if type(before) is list else set()
        items = [item if id(item) in kept else _stored_before(item) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else items
    return json.loads(json.dumps(value))


class Text(str):
    pass


class Level(enum.IntEnum):
    HIGH = 3


class Ratio(float):
    pass


def _kept(result: Any, value: Any) -> Any:
    """What was kept from the input (by identity) and the structure of what was built."""
    if result is value:
        return "same"
    if isinstance(result, dict):
        old = value if isinstance(value, dict) else {}
        return ("dict", [(k, type(k), _kept(v, old.get(k, _MISSING))) for k, v in result.items()])
    if isinstance(result, list):
        old = value if isinstance(value, list) else []
        return ("list", [_kept(v, old[i] if i < len(old) else _MISSING) for i, v in enumerate(result)])
    return type(result), repr(result)


def test_stored_gives_what_it_gave_before():
    shared_entry = {"a": 1, "b": [1, 2]}
    before_doc = {"x": 1, "events": [shared_entry, {"c": [1, 2]}], "nested": {"keep": [1, 2], "t": "s"}}
    cases = [
        (1, _MISSING), ("s", _MISSING), (None, _MISSING), (1.5, _MISSING), (True, _MISSING),
        ((1, 2), _MISSING), ({1: "a"}, _MISSING), ({"a": (1, [2, (3,)])}, _MISSING),
        ({"a": {"b": {"c": [1, (2, 3), {"d": (4,)}]}}}, _MISSING),
        ([1, "a", None, [2, (3,)], {"k": (1,)}], _MISSING),
        ({"a": Text("t"), "b": [Text("u")]}, _MISSING),
        ({**before_doc, "events": [*before_doc["events"], {"new": (5,)}]}, before_doc),
        ({**before_doc, "events": [shared_entry, {"c": (1, 2)}]}, before_doc),
        ({**before_doc, "nested": {**before_doc["nested"], "new": [1, (2,)]}}, before_doc),
        ({**before_doc, "x": 2}, before_doc),
        (before_doc, before_doc),
        ([shared_entry, {"z": (1,)}], [shared_entry]),
        ({"a": [1, 2], "b": {"c": 1}}, {"a": [1, 2], "b": {"c": 1}}),
        ({"k": float("nan"), "l": [float("inf")]}, _MISSING),
        ({Text("k"): 1}, _MISSING), ({True: 1, "a": 2}, _MISSING), ({None: 1}, _MISSING), ({}, _MISSING),
        ({"a": Level.HIGH, "b": 1}, _MISSING), ([1, Level.HIGH], _MISSING), ([], _MISSING), ([[]], [[]]),
        ({"a": Ratio(1.0)}, _MISSING), ({"a": [1, "x", None, 2.5, False]}, {"a": [1, "x", None, 2.5, False]}),
        ({"a": {"b": 1, "c": "x"}, "d": [{"e": 1}, {"f": (1,)}]}, _MISSING),
    ]
    for value, before in cases:
        now = _stored(value, before) if before is not _MISSING else _stored(value)
        then = _stored_before(value, before) if before is not _MISSING else _stored_before(value)
        assert _kept(now, value) == _kept(then, value)
        assert json.dumps(now) == json.dumps(then)


def test_stored_raises_as_before():
    for value in ({"a": {"b": object()}}, [1, {"c": {1, 2}}], {(1, 2): 1}):
        with pytest.raises(Exception) as now:
            _stored(value)
        with pytest.raises(Exception) as then:
            _stored_before(value)
        assert type(now.value) is type(then.value) and str(now.value) == str(then.value)


def test_when_the_fast_step_refuses_the_checked_path_decides():
    # a lone surrogate is refused by pydantic's parser and taken by json's: the checked path then
    # gives its own answer (here the canonical form cannot be encoded, as before)
    raw = json.dumps(_doc(causation_id="cmd-\ud800")).encode()
    with pytest.raises(ValidationError):
        Envelope.model_validate_json(raw)
    assert _outcome(decode, raw) == _outcome(_decode_before, raw)
    assert decode(_sealed())[0].occurred_at == datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
