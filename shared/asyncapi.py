"""The AsyncAPI 3.0 document of every topic and message, built from the contracts (`make schemas`).

Per service three channels (shared.topics names them, with the namespace as a parameter): its
events, its commands and its dead letters. Each event type is a message whose payload is the
envelope with `type`, `schema_version` and `payload` pinned to that contract. Every JSON Schema
is inlined under components/schemas (pydantic's `$defs` hoisted there), so the document stands
alone. Who consumes which event topic comes from the services' specs (`follows`).
"""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

import yaml

from shared import topics
from shared.commands import CommandMessage
from shared.contracts import registered
from shared.envelope import ENVELOPE_VERSION, Envelope
from shared.settings import Settings

ASYNCAPI_VERSION = "3.0.0"
API_VERSION = f"{ENVELOPE_VERSION}.0.0"  # follows the envelope; each message carries its own contract version
KAFKA_BINDING = "0.5.0"
NAMESPACE = "{namespace}"  # the channel parameter standing for PARITRANA_NAMESPACE
DEAD_LETTER_HEADERS = ("reason", "source_topic", "source_partition", "source_offset")
SCHEMAS = "#/components/schemas/"


class _Schemas:
    """components/schemas: each model's schema under its key, its `$defs` hoisted beside it."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, key: str, schema: dict[str, Any]) -> dict[str, str]:
        schema = json.loads(json.dumps(schema).replace('"#/$defs/', f'"{SCHEMAS}'))
        for name, definition in schema.pop("$defs", {}).items():
            if self.schemas.setdefault(name, definition) != definition:
                raise ValueError(f"two contracts define {name!r} differently: rename one of the models")
        self.schemas[key] = schema
        return {"$ref": SCHEMAS + key}


def _summary(model) -> dict[str, str]:
    """The model's docstring as one line of summary, if it has one."""
    return {"summary": " ".join(inspect.cleandoc(model.__doc__).split())} if model.__doc__ else {}


def _owner(model) -> str:
    """The service whose events topic carries the contract: its module is shared.contracts.<service>."""
    owner = model.__module__.rsplit(".", 1)[1]
    if owner not in topics.SERVICES:
        raise ValueError(f"{model.__name__} is in {model.__module__}, not in a service's contract module")
    return owner


def _key_binding(description: str) -> dict[str, Any]:
    return {"kafka": {"key": {"type": "string", "description": description}, "bindingVersion": KAFKA_BINDING}}


CORRELATION = {
    "description": "Set from the X-Correlation-Id of the HTTP request; every log line and event it causes carries it.",
    "location": "$message.payload#/correlation_id",
}


def _event_messages(schemas: _Schemas) -> dict[str, dict[str, Any]]:
    messages = {}
    for (event_type, version), model in sorted(registered().items()):
        payload = schemas.add(f"{event_type}.v{version}", model.model_json_schema())
        messages[f"{event_type}.v{version}"] = {
            "name": event_type,
            "title": f"{event_type} v{version}",
            **_summary(model),
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"type": {"const": event_type}},
                "required": ["type"],
            },
            "payload": {
                "allOf": [
                    {"$ref": SCHEMAS + "Envelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "schema_version": {"const": version},
                            "payload": payload,
                        },
                    },
                ]
            },
            "correlationId": CORRELATION,
            "bindings": _key_binding("the aggregate id (stream), so one aggregate's events stay in order"),
            "x-owner": _owner(model),
        }
    return messages


def _fixed_messages(schemas: _Schemas) -> dict[str, dict[str, Any]]:
    schemas.add("Envelope", Envelope.model_json_schema())
    return {
        "CommandMessage": {
            "name": "CommandMessage",
            **_summary(CommandMessage),
            "description": "`name` picks the command and `body` is its fields; only the owning service decides it.",
            "contentType": "application/json",
            "payload": schemas.add("CommandMessage", CommandMessage.model_json_schema()),
            "correlationId": CORRELATION,
            "bindings": _key_binding("the aggregate id, so one aggregate's commands are decided in order"),
        },
        "DeadLetter": {
            "name": "DeadLetter",
            "summary": "A record no reader could take, parked with the reason so its partition moves on.",
            "description": "The value is the original record's bytes unchanged (an envelope, a command, or poison).",
            "headers": {
                "type": "object",
                "properties": {name: {"type": "string"} for name in DEAD_LETTER_HEADERS},
                "required": list(DEAD_LETTER_HEADERS),
            },
            "payload": {"description": "the original record's value"},
            "bindings": _key_binding("the original record's key"),
        },
    }


def _channel(address: str, description: str, partitions: int, messages: list[str]) -> dict[str, Any]:
    return {
        "address": address,
        "description": description,
        "parameters": {"namespace": {"$ref": "#/components/parameters/namespace"}},
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
        "bindings": {
            "kafka": {
                "partitions": partitions,
                "topicConfiguration": {"retention.ms": -1, "cleanup.policy": ["delete"]},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _inbound(schemas: _Schemas) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A province's inbound topic: its channel, its message, and the evidence service's reading of it."""
    from services.evidence import inbound

    commands = {m.NAME: m for m in inbound.inbound_models()}
    payload = {
        "type": "object", "additionalProperties": False, "required": ["command", "body"],
        "properties": {"command": {"type": "string", "enum": list(commands)},
                       "body": {"oneOf": [schemas.add(name, m.model_json_schema()) for name, m in commands.items()]}},
    }
    message = {
        "name": "InboundCommand",
        "summary": "A coverage figure from a province's own system, sent by its regional service.",
        "description": "The province is the topic's; a candidate of another province is parked as outside_scope.",
        "contentType": "application/json",
        "headers": {"type": "object", "properties": {inbound.IDEMPOTENCY_HEADER: {
            "type": "string", "minLength": 8, "maxLength": 100,
            "description": "the same command sent twice is decided once"}}},
        "payload": payload,
        "bindings": _key_binding("the candidate id"),
    }
    channel = _channel(f"{{namespace}}.{inbound.INBOUND}.{{province}}", "Where one province's regional service writes "
                       "(its Kafka user may write here and nowhere else).", 1, ["InboundCommand"])
    channel["parameters"]["province"] = {"enum": inbound.known_provinces(), "description": "a province id"}
    operation = {"action": "receive", "channel": {"$ref": "#/channels/evidenceInbound"},
                 "summary": "Turn each record into the province's command, or park it with the reason.",
                 "bindings": _group("evidence", inbound.INBOUND)}
    return channel, message, operation


def _group(service: str, role: str) -> dict[str, Any]:
    return {
        "kafka": {
            "groupId": {"type": "string", "enum": [f"{NAMESPACE}.{service}.{role}"]},
            "bindingVersion": KAFKA_BINDING,
        }
    }


def follows() -> dict[str, list[str]]:
    """{service: the services whose events it follows}, from each service's spec."""
    return {s: list(importlib.import_module(f"services.{s}.bootstrap").spec.follows) for s in topics.SERVICES}


def document(follows_by_service: dict[str, list[str]] | None = None) -> dict[str, Any]:
    follows_by_service = follows() if follows_by_service is None else follows_by_service
    schemas = _Schemas()
    events = _event_messages(schemas)
    fixed = _fixed_messages(schemas)
    default_partitions = Settings.model_fields["partitions"].default  # PARITRANA_PARTITIONS unless set
    partitions = {spec.name: spec.partitions for spec in topics.all_topics(NAMESPACE, default_partitions)}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for service in topics.SERVICES:
        own = [key for key, message in events.items() if message["x-owner"] == service]
        for suffix, address, description, messages in (
            ("Events", topics.events(NAMESPACE, service), f"Every fact {service} records, in order per key.", own),
            ("Commands", topics.commands(NAMESPACE, service), f"Commands for {service}'s deciders.",
             ["CommandMessage"]),
            ("DeadLetters", topics.dead_letters(NAMESPACE, service),
             f"Records {service} could not handle, with the reason.", ["DeadLetter"]),
        ):
            channels[service + suffix] = _channel(address, description, partitions[address], messages)
        channel = f"#/channels/{service}"
        operations[f"{service}.decide"] = {
            "action": "receive", "channel": {"$ref": channel + "Commands"},
            "summary": "Decide each command in order per aggregate; accepted ones append events.",
            "bindings": _group(service, "deciders"),
        }
        operations[f"{service}.publish"] = {
            "action": "send", "channel": {"$ref": channel + "Events"},
            "summary": f"Publish {service}'s events (the decided commands' outbox).",
        }
        operations[f"{service}.park"] = {
            "action": "send", "channel": {"$ref": channel + "DeadLetters"},
            "summary": "Park a record that cannot be handled.",
        }
        for source in follows_by_service.get(service, []):
            operations[f"{service}.follow.{source}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{source}Events"},
                "summary": f"{service} projects {source}'s events into its read models.",
                "bindings": _group(service, "projections"),
            }
    channels["evidenceInbound"], inbound_message, operations["evidence.readInbound"] = _inbound(schemas)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Paritrana Award: topics and events",
            "version": API_VERSION,
            "description": (
                "Generated from the pydantic contracts by `make schemas` (python -m shared.schemagen); do not edit.\n"
                "Topics are `<namespace>.<service>.events|commands|dlq`; every event travels in the same envelope, "
                "hash-chained per stream. Kafka headers: `type` on events; `reason`, `source_topic`, "
                "`source_partition`, `source_offset` on dead letters."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "compose": {"host": "kafka:9092", "protocol": "kafka", "description": "docker-compose's broker"},
            "local": {
                "host": "127.0.0.1:29092", "protocol": "kafka", "description": "`make up` (and compose's host port)"
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(schemas.schemas.items())),
            "messages": {**events, **fixed, "InboundCommand": inbound_message},
            "parameters": {
                "namespace": {
                    "default": Settings.model_fields["namespace"].default,
                    "description": "PARITRANA_NAMESPACE: prefixes topics, groups, databases.",
                }
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the same dict twice is written out twice, not as an alias
        return True


def render(doc: dict[str, Any]) -> str:
    header = "# Generated by `make schemas` (python -m shared.schemagen) from the contracts; do not edit.\n"
    return header + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
