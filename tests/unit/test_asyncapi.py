"""schemas/asyncapi.yaml: generated from the contracts, fresh, valid AsyncAPI 3.0.0, and true to the wire."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT7

from shared import asyncapi, topics
from shared.codec import encode
from shared.commands import CommandMessage
from shared.contracts import registered
from shared.contracts.registration import CandidateWithdrawn
from shared.contracts.scoring import ScoreConfirmed
from shared.envelope import Actor, seal
from shared.runtime import Runtime
from shared.schemagen import ASYNCAPI, ROOT
from shared.settings import Settings
from services.evidence.inbound import known_provinces

VENDOR = Path(__file__).resolve().parent.parent / "vendor" / "asyncapi"
SPEC_SHA256 = "abe96881dbfaad495ccbb6bd8d3fb43ca18a13b9d7564849ccb66f39d5e5b20f"  # see tests/vendor/asyncapi/SOURCE.md
DOC_URI = "urn:paritrana:asyncapi"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return asyncapi.document()


@pytest.fixture(scope="module")
def spec_validator() -> jsonschema.Draft7Validator:
    raw = (VENDOR / "asyncapi-3.0.0.schema.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SPEC_SHA256, "the vendored AsyncAPI schema is not the one SOURCE.md names"
    spec = json.loads(raw)
    jsonschema.Draft7Validator.check_schema(spec)
    return jsonschema.Draft7Validator(spec)


def _errors(validator: jsonschema.Draft7Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


# --- generated, fresh, deterministic ---------------------------------------------------------


def test_committed_document_is_what_the_contracts_generate(doc):
    committed = (ROOT / ASYNCAPI).read_text(encoding="utf-8")
    assert committed == asyncapi.render(doc), "schemas/asyncapi.yaml is stale: run `make schemas`"
    assert yaml.safe_load(committed) == json.loads(json.dumps(doc))


def test_rendering_is_deterministic_and_alias_free(doc):
    text = asyncapi.render(doc)
    assert text == asyncapi.render(asyncapi.document())
    assert "&id" not in text and "*id" not in text  # shared dicts are written out, never as YAML aliases


# --- valid AsyncAPI 3.0.0 -------------------------------------------------------------------


def test_document_is_valid_asyncapi_3(doc, spec_validator):
    assert doc["asyncapi"] == "3.0.0"
    assert _errors(spec_validator, doc) == []


@pytest.mark.parametrize(
    "path, value",
    [
        (("channels", "scoringEvents", "bindings", "kafka", "partitions"), 0),
        (("components", "schemas", "Envelope", "type"), "objekt"),
        (("operations", "ranking.decide", "action"), "publish"),  # AsyncAPI 2's word, not 3's
        (("components", "messages", "DeadLetter", "bindings", "kafka", "bindingVersion"), "9.9.9"),
    ],
)
def test_the_spec_schema_catches_a_broken_document(doc, spec_validator, path, value):
    broken = json.loads(json.dumps(doc))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert _errors(spec_validator, broken) != []


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_resolves_inside_the_document(doc):
    refs = set(_refs(doc))
    assert refs and all(ref.startswith("#/") for ref in refs), "the document must stand alone"
    for ref in refs:
        node = doc
        for part in ref[2:].split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]
    assert "$defs" not in json.dumps(doc), "pydantic's $defs must be hoisted into components/schemas"


def test_conflicting_definitions_are_refused():
    schemas = asyncapi._Schemas()
    schemas.add("A.v1", {"$defs": {"Inner": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/Inner"}}})
    with pytest.raises(ValueError, match="'Inner'"):
        schemas.add("B.v1", {"$defs": {"Inner": {"type": "integer"}}})


# --- every topic and every event type -------------------------------------------------------


def test_every_topic_is_a_channel_with_its_partitions(doc):
    by_address = {c["address"]: c for c in doc["channels"].values()}
    expected = topics.all_topics(asyncapi.NAMESPACE, Settings.model_fields["partitions"].default)
    inbound = by_address.pop("{namespace}.inbound.{province}")  # one channel for the provinces' inbound topics
    assert inbound["bindings"]["kafka"]["partitions"] == 1
    assert inbound["parameters"]["province"]["enum"] == known_provinces()
    assert sorted(by_address) == sorted(spec.name for spec in expected)
    for spec in expected:
        assert by_address[spec.name]["bindings"]["kafka"]["partitions"] == spec.partitions
    assert doc["components"]["parameters"]["namespace"]["default"] == Settings.model_fields["namespace"].default


def test_every_event_type_is_a_message_of_its_owners_events_channel(doc):
    messages = doc["components"]["messages"]
    for (event_type, version), model in registered().items():
        key = f"{event_type}.v{version}"
        owner = model.__module__.rsplit(".", 1)[1]
        assert doc["channels"][f"{owner}Events"]["messages"][key] == {"$ref": f"#/components/messages/{key}"}
        assert messages[key]["name"] == event_type
        assert doc["components"]["schemas"][key]["title"] == model.__name__
    carried = [k for s in topics.SERVICES for k in doc["channels"][f"{s}Events"]["messages"]]
    assert sorted(carried) == sorted(f"{t}.v{v}" for t, v in registered())


def test_a_contract_outside_a_service_module_is_refused(monkeypatch):
    class Stray(ScoreConfirmed):
        TYPE = "Stray"

    Stray.__module__ = "shared.contracts.misc"
    monkeypatch.setattr(asyncapi, "registered", lambda: {**registered(), ("Stray", 1): Stray})
    with pytest.raises(ValueError, match="not in a service's contract module"):
        asyncapi.document()


def test_follow_operations_and_groups_match_the_running_consumers(doc, tmp_path):
    """The consumer groups the document names are the ones each service's loops join."""
    documented = {
        (op["channel"]["$ref"].removeprefix("#/channels/"), op["bindings"]["kafka"]["groupId"]["enum"][0])
        for op in doc["operations"].values()
        if op["action"] == "receive"
    }
    channel_of = {c["address"]: name for name, c in doc["channels"].items()}
    channel_of |= {f"{asyncapi.NAMESPACE}.inbound.{p}": "evidenceInbound" for p in known_provinces()}
    running = set()
    for service in topics.SERVICES:
        spec = importlib.import_module(f"services.{service}.bootstrap").spec
        runtime = Runtime(spec, Settings(data_dir=tmp_path, namespace=asyncapi.NAMESPACE, inbound_provinces="all"))
        running |= {(channel_of[t], loop._group) for loop in runtime._build_loops() for t in loop._topics}
        if runtime.generations is not None:  # the live generation's group (shared/generations.py)
            group = f"{asyncapi.NAMESPACE}.{service}.projections"
            running |= {(channel_of[t], group) for t in runtime.generations._sources}
    assert documented == running


# --- what travels on the wire fits the document ---------------------------------------------


def _payload_validator(doc: dict[str, Any], message: str) -> jsonschema.Draft7Validator:
    registry = Registry().with_resource(DOC_URI, DRAFT7.create_resource(doc))
    return jsonschema.Draft7Validator(
        {"$ref": f"{DOC_URI}#/components/messages/{message}/payload"},
        registry=registry,
        format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
    )


def _envelope(event) -> dict[str, Any]:
    sealed = seal({
        "event_id": "0190a1b2-0000-7000-8000-000000000001",
        "type": event.TYPE,
        "schema_version": event.VERSION,
        "stream": "scoring/score/s-1",
        "sequence": 1,
        "occurred_at": datetime(2024, 2, 1, tzinfo=UTC),
        "actor": Actor(id="a-1", role="assessor"),
        "correlation_id": "c0ffee",
        "payload": event.model_dump(mode="json"),
        "previous_hash": None,
    })
    return json.loads(encode(sealed))


def test_an_encoded_event_fits_its_message_and_no_other(doc):
    wire = _envelope(ScoreConfirmed(score_id="s-1", candidate_id="c-1", assessor_id="a-1", note="checked"))
    channel = doc["channels"]["scoringEvents"]["messages"]
    fits = [name for name in channel if _payload_validator(doc, name).is_valid(wire)]
    assert fits == ["ScoreConfirmed.v1"]  # AsyncAPI: one, and only one, message of the channel


def test_a_payload_breaking_its_contract_does_not_fit(doc):
    wire = _envelope(CandidateWithdrawn(candidate_id="c-1", cycle_id="2024", reason="moved"))
    validator = _payload_validator(doc, "CandidateWithdrawn.v1")
    assert validator.is_valid(wire)
    wire["payload"]["reason"] = ""
    assert not validator.is_valid(wire)
    wire["payload"]["reason"], wire["schema_version"] = "moved", 2
    assert not validator.is_valid(wire)


def test_a_command_fits_the_command_message(doc):
    message = CommandMessage(
        command_id="cmd-00000001",
        name="ConfirmScore",
        aggregate_id="c-1",
        actor=Actor(id="a-1", role="assessor"),
        correlation_id="c0ffee",
        issued_at=datetime(2024, 2, 1, tzinfo=UTC),
        body={"score_id": "s-1"},
    )
    validator = _payload_validator(doc, "CommandMessage")
    assert validator.is_valid(json.loads(message.model_dump_json()))
    assert not validator.is_valid({**json.loads(message.model_dump_json()), "aggregate_id": "Has.Dots"})
