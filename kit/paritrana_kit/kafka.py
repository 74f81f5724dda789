"""Kafka with a regional service's own credentials: SASL/SCRAM settings, a consumer-group
subscription that uses them, and a producer for the province's inbound topic.

A province's service gets a Kafka user of its own (`python -m paritrana.regional_access grant
PROVINCE` prints it) and connects to the broker's SASL listener (locally 127.0.0.1:29094). Its ACLs
let it read the five services' events topics, as consumer groups named `<namespace>.<province>.*`,
and write `<namespace>.inbound.<province>`; anything else is refused by the broker
(`TopicAuthorizationFailedError`, `GroupAuthorizationFailedError`), and a wrong password fails at
connection (`KafkaConnectionError`, the broker's `SaslAuthenticationFailed` in the log).

    credentials = KafkaCredentials("regional-jawa-barat", password)   # or KafkaCredentials.from_env()
    async with EventConsumer.kafka("127.0.0.1:29094", "paritrana", "ranking", group="paritrana.jawa-barat.notifier",
                                   credentials=credentials) as consumer: ...
    async with InboundProducer("127.0.0.1:29094", "paritrana", "jawa-barat", credentials) as inbound:
        await inbound.send(SubmitCoverageFigure(...))
"""

from __future__ import annotations

import hashlib
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from services.evidence.domain import CorrectCoverageFigure, SubmitCoverageFigure
from services.evidence.inbound import IDEMPOTENCY_HEADER, inbound_topic
from shared.envelope import canonical_json
from shared.ports import Record, Subscription

MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaCredentials:
    """A regional service's Kafka user. `security_protocol` is SASL_PLAINTEXT on the local broker;
    a deployment's listener is SASL_SSL, with an `ssl_context` trusting its certificate."""

    username: str
    password: str = field(repr=False)
    mechanism: str = MECHANISM
    security_protocol: str = "SASL_PLAINTEXT"
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KafkaCredentials | None:
        """From PARITRANA_KAFKA_USERNAME and PARITRANA_KAFKA_PASSWORD (optionally
        PARITRANA_KAFKA_SECURITY_PROTOCOL); None when no user name is set."""
        env = os.environ if environ is None else environ
        if not env.get("PARITRANA_KAFKA_USERNAME"):
            return None
        if not env.get("PARITRANA_KAFKA_PASSWORD"):
            raise ValueError("PARITRANA_KAFKA_USERNAME is set but PARITRANA_KAFKA_PASSWORD is not")
        protocol = env.get("PARITRANA_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
        return cls(env["PARITRANA_KAFKA_USERNAME"], env["PARITRANA_KAFKA_PASSWORD"], security_protocol=protocol,
                   ssl_context=ssl.create_default_context() if protocol == "SASL_SSL" else None)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's consumer, producer and admin client."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol, "sasl_mechanism": self.mechanism,
                                   "sasl_plain_username": self.username, "sasl_plain_password": self.password}
        if self.ssl_context is not None:
            options["ssl_context"] = self.ssl_context
        return options


def _record(message: Any) -> Record:
    return Record(message.topic, message.partition, message.offset, message.key.decode() if message.key else "",
                  message.value, {k: v.decode() for k, v in message.headers or ()})


class KafkaGroupSubscription(Subscription):
    """A consumer group on `topics` with explicit commits (as the services' own), over SASL when
    `credentials` are given. A new group starts from each topic's first record."""

    def __init__(self, bootstrap: str, group: str, topics: Sequence[str],
                 credentials: KafkaCredentials | None = None) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", metadata_max_age_ms=5000, fetch_max_wait_ms=50,
            **(credentials.client_options() if credentials else {}),
        )
        self._started = False

    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]:
        if not self._started:
            try:
                await self._consumer.start()
            except BaseException:
                await self._consumer.stop()
                raise
            self._started = True
        batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [_record(m) for messages in batches.values() for m in messages]

    async def commit(self, records: Sequence[Record]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        if offsets:
            await self._consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})

    async def close(self) -> None:
        if self._started:
            await self._consumer.stop()
            self._started = False


InboundCommand = SubmitCoverageFigure | CorrectCoverageFigure


class InboundProducer:
    """Writes commands to the province's inbound topic `<namespace>.inbound.<province>`, the one
    topic its credentials may write. The evidence service takes them as the province's
    `regional-service` (the province is the topic's, whatever a record says) and decides them as it
    decides `POST /coverage-figures`; what it cannot take goes to its dead-letter topic with the reason.

    `send` returns once the broker has the record (acks=all); the same command sent again carries the
    same Idempotency-Key (derived from the command, or the `key` given) and is decided once."""

    def __init__(self, bootstrap: str, namespace: str, province: str, credentials: KafkaCredentials | None) -> None:
        self.topic = inbound_topic(namespace, province)
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                          **(credentials.client_options() if credentials else {}))

    async def __aenter__(self) -> InboundProducer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        try:
            await self._producer.start()
        except BaseException:
            await self._producer.stop()
            raise

    async def close(self) -> None:
        await self._producer.stop()

    async def send(self, command: InboundCommand, key: str | None = None) -> tuple[int, int]:
        """Append one command; returns (partition, offset)."""
        value = canonical_json({"command": command.NAME, "body": command.model_dump(mode="json", exclude_unset=True)})
        key = key or f"inbound-{hashlib.sha256(value).hexdigest()[:40]}"
        meta = await self._producer.send_and_wait(self.topic, value=value, key=command.aggregate_id().encode(),
                                                  headers=[(IDEMPOTENCY_HEADER, key.encode())])
        return meta.partition, meta.offset


__all__ = ["InboundCommand", "InboundProducer", "KafkaCredentials", "KafkaGroupSubscription"]
