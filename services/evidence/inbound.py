"""Per-province inbound topics: where a province's own service writes coverage figures, with a Kafka
user of its own whose ACLs let it write there and nowhere else (`paritrana.regional_access` grants
them). This module names the topics, fixes the record's form, and reads them for the evidence service.

A record: key = the candidate id; value = canonical JSON `{"command": NAME, "body": {...}}` with NAME
one of INBOUND_COMMANDS; header `idempotency-key` (8-100 characters): the same command sent twice
is decided once. The province is the topic's, which only that province's user can write; nothing
in the record can claim another, and a candidate of another province is refused.

`InboundLoop` reads every province's inbound topic (group `<namespace>.evidence.inbound`) and sends
each record's command to the evidence service's command topic as the province's `regional-service`
(actor `regional-<province>`), without waiting for the decision: the decision is recorded as any
other (an outcome, and events when accepted). A record that cannot become a command is parked in
`<namespace>.evidence.dlq` with the reason (`GET /dead-letters` on evidence lists it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared.envelope import Actor
from shared.logging import get_logger
from shared.ports import Record, TopicSpec

if TYPE_CHECKING:
    from shared.consumer import ConsumerLoop
    from shared.runtime import Runtime

INBOUND = "inbound"
PROVINCE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # the reference data's province ids
IDEMPOTENCY_HEADER = "idempotency-key"
INBOUND_COMMANDS = ("SubmitCoverageFigure", "CorrectCoverageFigure")
ROLE = "regional-service"
log = get_logger(__name__)
PROVINCES_CSV = Path(__file__).resolve().parents[1] / "registration" / "reference" / "kemendagri-2024" / "provinces.csv"


def inbound_topic(namespace: str, province: str) -> str:
    """`<namespace>.inbound.<province>`: the one topic the province's regional service may write."""
    if not PROVINCE_PATTERN.match(province):
        raise ValueError(f"not a province id: {province!r} (lower-case words joined by '-', like jawa-barat)")
    return f"{namespace}.{INBOUND}.{province}"


def province_of(namespace: str, topic: str) -> str | None:
    """The province whose inbound topic `topic` is, or None when it is not one."""
    prefix = f"{namespace}.{INBOUND}."
    if not topic.startswith(prefix):
        return None
    province = topic[len(prefix):]
    return province if PROVINCE_PATTERN.match(province) else None


def known_provinces() -> list[str]:
    """The provinces of the reference data (38): each has an inbound topic."""
    lines = PROVINCES_CSV.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",", 1)[0] for line in lines if line.strip()]


class Refused(ValueError):
    """A record that cannot become a command; the message is the dead letter's reason."""


def inbound_models() -> tuple:
    from services.evidence.domain import CorrectCoverageFigure, SubmitCoverageFigure

    return SubmitCoverageFigure, CorrectCoverageFigure


def command_of(record: Record):
    """The command a record carries (validated as the HTTP route validates its body)."""
    models = {m.NAME: m for m in inbound_models()}
    try:
        document = json.loads(record.value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"not_json: {exc}") from exc
    if not isinstance(document, dict) or set(document) != {"command", "body"} or not isinstance(document["body"], dict):
        raise Refused('malformed: the value must be {"command": NAME, "body": {...}}')
    model = models.get(document["command"]) if isinstance(document["command"], str) else None
    if model is None:
        named = str(document["command"])[:100]
        raise Refused(f"unknown_command: {named!r} is not one of {', '.join(INBOUND_COMMANDS)}")
    try:
        return model.model_validate(document["body"])
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise Refused(f"invalid_body: {fields}") from exc


def command_id_of(record: Record, province: str) -> str:
    """The command's id: the record's idempotency key, kept apart per province (a key one province
    chose cannot stand for another's command, nor for one sent through the API)."""
    key = record.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        key = hashlib.sha256(record.value).hexdigest()[:40]
    elif not (8 <= len(key) <= 100) or not key.isprintable():
        raise Refused(f"bad_idempotency_key: 8 to 100 printable characters, got {len(key)}")
    return f"inbound-{province}-{key}"


class InboundReader:
    """Turns one inbound record into a command of the topic's province, or parks it with the reason."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    async def handle(self, record: Record) -> None:
        from shared.access import candidate_province

        rt = self._rt
        try:
            province = province_of(rt.settings.namespace, record.topic)
            if province is None:
                raise Refused(f"not_an_inbound_topic: {record.topic}")
            command = command_of(record)
            command_id = command_id_of(record, province)
            where = await candidate_province(rt, command.candidate_id)
            if where is None:
                raise Refused(f"unknown_candidate: {command.candidate_id} is not (yet) known to the evidence service")
            if where != province:
                raise Refused(f"outside_scope: {command.candidate_id} is not in {province}, "
                              "whose inbound topic this is")
        except Refused as refused:
            await rt.dead_letters.send(record, str(refused)[:500])
            return
        await rt.send(command, Actor(id=f"regional-{province}", role=ROLE), command_id, command_id)


def inbound_loops(rt: Runtime) -> list[ConsumerLoop]:
    """The evidence service's reader of the inbound topics its settings name (none, some or all)."""
    named = rt.settings.inbound_provinces or ("all" if rt.settings.backend == "kafka" else "none")
    if named == "none":
        return []
    provinces = known_provinces() if named == "all" else named.split(",")
    if unknown := sorted(set(provinces) - set(known_provinces())):
        raise ValueError(f"PARITRANA_INBOUND_PROVINCES names no province of the reference data: {unknown}")
    return [inbound_loop(rt, provinces)]


def inbound_loop(rt: Runtime, provinces: Iterable[str] | None = None) -> ConsumerLoop:
    """The consumer loop of the inbound topics (created first if missing, one partition each)."""
    from shared.consumer import ConsumerLoop

    ns = rt.settings.namespace
    names = [inbound_topic(ns, p) for p in (known_provinces() if provinces is None else provinces)]

    class InboundLoop(ConsumerLoop):
        async def run(self) -> None:
            while not self._stopping.is_set():
                try:
                    await rt.log.ensure_topics([TopicSpec(name, 1) for name in names])
                    break
                except Exception as exc:  # the broker may still be coming up: the loop must not end
                    log.warning("inbound topics not created yet", error=str(exc)[:200])
                    await asyncio.sleep(1)
            await super().run()

    group = f"{ns}.evidence.{INBOUND}"
    return InboundLoop(rt.spec.name, rt.log, group, names, InboundReader(rt).handle, rt.dead_letters)
