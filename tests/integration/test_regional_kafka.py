"""A province's own Kafka user on the broker's SASL/SCRAM listener: what its ACLs let it do, and no more;
and the evidence service's reader of the inbound topics.

`paritrana.regional_access.grant` gives province A (jawa-barat) a SCRAM user; as that user the kit
reads a public events topic and writes A's inbound topic, and the broker refuses: writing B's (bali)
inbound topic, a command, events or dead-letter topic; reading a command or dead-letter topic, or B's
inbound topic; a consumer group outside A's prefix; a wrong password or an unknown user. A revoked
user cannot connect any more. What A writes to its inbound topic becomes a command of A's regional
service on the evidence command topic; a record for B's candidate, or one that is not a coverage
figure, is parked in the dead-letter topic with the reason.

The SASL listener is PARITRANA_KAFKA_SASL_BOOTSTRAP, else 127.0.0.1:PARITRANA_KAFKA_SASL_PORT (29094,
as deploy/local/up.sh opens it); the admin side is the services' listener (PARITRANA_KAFKA_BOOTSTRAP).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.client import AIOKafkaClient
from aiokafka.conn import create_conn
from aiokafka.errors import (
    GroupAuthorizationFailedError, KafkaConnectionError, SaslAuthenticationFailed, TopicAuthorizationFailedError,
)
from aiokafka.protocol.fetch import FetchRequest

from paritrana.regional_access import KafkaAdmin, grant, group_prefix, regional_acls, revoke, show
from paritrana_kit import EventConsumer, InboundProducer, KafkaCredentials
from paritrana_kit.kafka import KafkaGroupSubscription
from services.evidence.bootstrap import spec as evidence_spec
from services.evidence.domain import SubmitCoverageFigure
from services.evidence.inbound import IDEMPOTENCY_HEADER, inbound_loop, inbound_topic
from shared import topics
from shared.eventlog.kafka import KafkaEventLog
from shared.ports import TopicSpec
from shared.runtime import Runtime
from shared.settings import Settings
from tests.conftest import eventually, unique
from tests.integration.conftest import SASL_BOOTSTRAP

A, B = "jawa-barat", "bali"
SASL = SASL_BOOTSTRAP


def test_a_province_is_granted_the_public_events_its_groups_and_its_own_inbound_topic_only():
    """The policy itself (no broker)."""
    acls = {(a.resource_type, a.pattern_type, a.name, a.operation) for a in regional_acls("ns", A)}
    assert acls == {
        *{("TOPIC", "LITERAL", f"ns.{s}.events", op) for s in topics.SERVICES for op in ("READ", "DESCRIBE")},
        ("GROUP", "PREFIXED", "ns.jawa-barat.", "READ"), ("GROUP", "PREFIXED", "ns.jawa-barat.", "DESCRIBE"),
        ("TOPIC", "LITERAL", "ns.inbound.jawa-barat", "WRITE"),
        ("TOPIC", "LITERAL", "ns.inbound.jawa-barat", "DESCRIBE"),
    }
    assert not any(name.endswith((".commands", ".dlq")) for _, _, name, _ in acls)
    with pytest.raises(ValueError):
        inbound_topic("ns", "Jawa Barat")


class Regional:
    def __init__(self, namespace: str, admin: KafkaAdmin, user: str, password: str) -> None:
        self.namespace, self.admin, self.user = namespace, admin, user
        self.credentials = KafkaCredentials(user, password)
        self.group = f"{group_prefix(namespace, A)}reader"


@pytest.fixture(scope="module")
def regional(infra_settings) -> Regional:
    """A fresh namespace with its topics (a record in each), and province A's user granted in it."""
    host, port = SASL.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        pytest.fail(f"Kafka's SASL listener {SASL} not reachable: a broker started by deploy/local/up.sh "
                    "before it had one needs a restart (make down, make up)")
    namespace = unique("rk")
    bootstrap = infra_settings.kafka_bootstrap

    async def setup() -> None:
        log = KafkaEventLog(bootstrap, "test-regional-admin")
        await log.start()
        try:
            await log.ensure_topics([*topics.all_topics(namespace, 1), TopicSpec(inbound_topic(namespace, B), 1)])
            for topic in (topics.events(namespace, "ranking"), topics.commands(namespace, "evidence"),
                          topics.dead_letters(namespace, "evidence"), inbound_topic(namespace, B)):
                await log.append(topic, "k", b'{"a record": "of ' + topic.encode() + b'"}')
        finally:
            await log.close()

    asyncio.run(setup())
    admin = KafkaAdmin(bootstrap)
    user, password = unique(f"regional-{A}-"), secrets.token_urlsafe(24)
    grant(admin, namespace, A, user, password)
    return Regional(namespace, admin, user, password)


infra = pytest.mark.infra


@infra
def test_the_grant_is_the_credential_and_exactly_the_policys_acls(regional: Regional):
    shown = show(regional.admin, regional.user)
    assert shown["scram"] == [{"mechanism": "SCRAM-SHA-512", "iterations": 8192}]
    held = {(a["resource_type"], a["pattern_type"], a["name"], a["operation"], a["permission"]) for a in shown["acls"]}
    policy = {(a.resource_type, a.pattern_type, a.name, a.operation, "ALLOW")
              for a in regional_acls(regional.namespace, A)}
    assert held == policy


@infra
async def test_it_reads_a_public_events_topic_as_a_group_of_its_province(regional: Regional, infra_settings):
    ranking_events = topics.events(regional.namespace, "ranking")
    seen = []

    async def invalid(record, error) -> None:  # the record is not an event: it is handed here, then committed
        seen.append(record)
        consumer.stop()

    async def handle(delivery) -> None:
        raise AssertionError(f"not an event, yet delivered: {delivery}")

    async with EventConsumer.kafka(SASL, regional.namespace, "ranking", group=regional.group,
                                   credentials=regional.credentials, on_invalid=invalid) as consumer:
        await asyncio.wait_for(consumer.run(handle), 60)
    assert [(r.topic, r.offset) for r in seen] == [(ranking_events, 0)]

    # committed: the group goes on after it (with the next record, appended now)
    log = KafkaEventLog(infra_settings.kafka_bootstrap, "test-regional-writer")
    await log.start()
    try:
        await log.append(ranking_events, "k", b'{"a second record": true}')
    finally:
        await log.close()
    again = KafkaGroupSubscription(SASL, regional.group, [ranking_events], regional.credentials)
    try:
        records = await eventually(lambda: again.poll(100, 0.5), timeout=60)
    finally:
        await again.close()
    assert [(r.offset, r.value) for r in records] == [(1, b'{"a second record": true}')]


@infra
async def test_it_writes_its_own_inbound_topic(regional: Regional, infra_settings):
    figure = SubmitCoverageFigure(figure_id="jabar-1", candidate_id="kota-cimahi", period="2024",
                                  workers_eligible=100, workers_enrolled=60, source="SIAPKerja")
    async with InboundProducer(SASL, regional.namespace, A, regional.credentials) as inbound:
        partition, offset = await inbound.send(figure)
        assert (partition, offset) == (0, 0)
    log = KafkaEventLog(infra_settings.kafka_bootstrap, "test-regional-reader")
    await log.start()
    try:
        [record] = [r async for r in log.read_all(inbound_topic(regional.namespace, A))]
    finally:
        await log.close()
    assert record.key == "kota-cimahi" and record.headers[IDEMPOTENCY_HEADER].startswith("inbound-")
    body = figure.model_dump(mode="json", exclude_unset=True)
    assert json.loads(record.value) == {"command": "SubmitCoverageFigure", "body": body}


@infra
@pytest.mark.parametrize("where", ["B's inbound", "a command topic", "an events topic", "a dead-letter topic"])
async def test_it_cannot_write_elsewhere(regional: Regional, where: str):
    ns = regional.namespace
    topic = {"B's inbound": inbound_topic(ns, B), "a command topic": topics.commands(ns, "evidence"),
             "an events topic": topics.events(ns, "ranking"),
             "a dead-letter topic": topics.dead_letters(ns, "evidence")}[where]
    producer = AIOKafkaProducer(bootstrap_servers=SASL, acks="all", **regional.credentials.client_options())
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await asyncio.wait_for(producer.send_and_wait(topic, b'{"forged": true}', key=b"k"), 30)
    finally:
        await producer.stop()


@infra
@pytest.mark.parametrize("where", ["a command topic", "a dead-letter topic", "B's inbound"])
async def test_it_cannot_read_restricted_topics(regional: Regional, where: str):
    ns = regional.namespace
    topic = {"a command topic": topics.commands(ns, "evidence"),
             "a dead-letter topic": topics.dead_letters(ns, "evidence"), "B's inbound": inbound_topic(ns, B)}[where]
    # a Fetch request of the topic's partition, sent straight to the broker: refused (error 29), while the
    # same request for a public events topic is answered (an ordinary consumer never gets as far: the
    # metadata it asks first does not even show it the topic)
    client = AIOKafkaClient(bootstrap_servers=SASL, **regional.credentials.client_options())
    await client.bootstrap()
    try:
        node = next(iter(client.cluster.brokers())).nodeId
        answers = {}
        for name in (topic, topics.events(ns, "ranking")):
            response = await client.send(node, FetchRequest(0, 1, 1_000_000, 0, [(name, [(0, 0, 1_000_000)])]))
            answers[name] = [(partition[0], partition[1]) for t in response.topics for partition in t[1]]
    finally:
        await client.close()
    assert answers == {topic: [(0, TopicAuthorizationFailedError.errno)], topics.events(ns, "ranking"): [(0, 0)]}
    # as a member of one of its own groups
    subscription = KafkaGroupSubscription(SASL, f"{regional.group}-{where[:3]}", [topic], regional.credentials)
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await asyncio.wait_for(_poll_some(subscription, seconds=20), 30)
    finally:
        await subscription.close()


@infra
async def test_it_cannot_use_a_consumer_group_outside_its_provinces_prefix(regional: Regional):
    ns = regional.namespace
    subscription = KafkaGroupSubscription(SASL, f"{ns}.ranking.projections", [topics.events(ns, "ranking")],
                                          regional.credentials)
    try:
        with pytest.raises(GroupAuthorizationFailedError):
            await asyncio.wait_for(_poll_some(subscription, seconds=20), 30)
    finally:
        await subscription.close()


@infra
@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
async def test_a_wrong_password_or_user_is_refused_at_authentication(regional: Regional, who: str):
    user, password = (regional.user, "not-the-password") if who == "wrong password" else (unique("nobody-"), "x")
    host, port = SASL.rsplit(":", 1)
    with pytest.raises(SaslAuthenticationFailed):
        await create_conn(host, int(port), security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                          sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=10000)
    producer = AIOKafkaProducer(bootstrap_servers=SASL, **KafkaCredentials(user, password).client_options())
    try:
        with pytest.raises(KafkaConnectionError):
            await producer.start()
    finally:
        await producer.stop()


@infra
async def test_a_revoked_user_cannot_connect(regional: Regional):
    user, password = unique(f"regional-{B}-"), secrets.token_urlsafe(24)
    await asyncio.to_thread(grant, regional.admin, regional.namespace, B, user, password)
    host, port = SASL.rsplit(":", 1)
    conn = await create_conn(host, int(port), security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                             sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=10000)
    conn.close()
    await asyncio.to_thread(revoke, regional.admin, user)
    assert await asyncio.to_thread(show, regional.admin, user) == {"user": user, "scram": [], "acls": []}
    with pytest.raises(SaslAuthenticationFailed):
        await create_conn(host, int(port), security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                          sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=10000)


async def _poll_some(subscription: KafkaGroupSubscription, seconds: float) -> list:
    """Poll for `seconds`; the records read (the first poll joins the group)."""
    records: list = []
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        records += await subscription.poll(100, 0.5)
    return records


@infra
async def test_the_evidence_reader_turns_inbound_records_into_the_provinces_commands_or_parks_them(
        regional: Regional, infra_settings):
    ns = regional.namespace
    rt = Runtime(evidence_spec, Settings(backend="kafka", namespace=ns, kafka_bootstrap=infra_settings.kafka_bootstrap,
                                mongo_url=infra_settings.mongo_url, partitions=1))
    await rt.log.start()
    await rt.base_store.start()
    for candidate, province in (("kota-cimahi", A), ("kota-denpasar", B)):
        await rt.store.put("directory_candidates", candidate, {"province": province})
    loop = inbound_loop(rt, [A, B])
    task = asyncio.create_task(loop.run())

    def figure(candidate: str, figure_id: str) -> SubmitCoverageFigure:
        return SubmitCoverageFigure(figure_id=figure_id, candidate_id=candidate, period="2024",
                                    workers_eligible=100, workers_enrolled=60, source="SIAPKerja")

    try:
        async with InboundProducer(SASL, ns, A, regional.credentials) as inbound:
            await inbound.send(figure("kota-cimahi", "jabar-2"), key="jabar-2024-fig-2")
            await inbound.send(figure("kota-denpasar", "bali-1"))  # B's candidate, sent by A
            await inbound.send(figure("kota-unknown", "jabar-3"))
        producer = AIOKafkaProducer(bootstrap_servers=SASL, **regional.credentials.client_options())
        await producer.start()
        try:
            for value in (b"not json", b'{"command": "VerifyEvidence", "body": {"candidate_id": "kota-cimahi", '
                          b'"evidence_id": "jabar-2", "verdict": "verified"}}',
                          b'{"command": "SubmitCoverageFigure", "body": {"candidate_id": "kota-cimahi"}}'):
                await producer.send_and_wait(inbound_topic(ns, A), value, key=b"kota-cimahi")
        finally:
            await producer.stop()

        async def read(topic: str) -> list:
            return [r async for r in rt.log.read_all(topic)]

        async def commands_of_figure(figure_id: str) -> list:
            return [r for r in await read(topics.commands(ns, "evidence"))
                    if json.loads(r.value).get("body", {}).get("figure_id") == figure_id]

        [command] = await eventually(lambda: commands_of_figure("jabar-2"))
        parked = await eventually(lambda: _at_least(_parked_from(rt, ns, A), 5))
    finally:
        loop.stop()
        await asyncio.wait_for(task, 30)
        await rt.base_store.close()
        await rt.log.close()

    message = json.loads(command.value)
    assert message["actor"] == {"id": f"regional-{A}", "role": "regional-service"}
    assert message["command_id"] == f"inbound-{A}-jabar-2024-fig-2"
    assert (message["name"], message["body"]["figure_id"], command.key) == (
        "SubmitCoverageFigure", "jabar-2", "kota-cimahi")
    reasons = [r.headers["reason"].split(":")[0] for r in parked]
    assert reasons == ["outside_scope", "unknown_candidate", "not_json", "unknown_command", "invalid_body"]
    # nothing else became a command (an earlier test's figure jabar-1 may have: it is A's as well)
    async def everything() -> list:
        log = KafkaEventLog(infra_settings.kafka_bootstrap, "test-regional-reader")
        await log.start()
        try:
            return [json.loads(r.value) async for r in log.read_all(topics.commands(ns, "evidence"))
                    if r.key != "k"]  # the fixture's record
        finally:
            await log.close()
    assert {(m["body"]["figure_id"], m["actor"]["id"]) for m in await everything()} <= {
        ("jabar-1", f"regional-{A}"), ("jabar-2", f"regional-{A}")}


async def _parked_from(rt, ns: str, province: str) -> list:
    """Dead letters of the province's inbound topic (the fixture's record on B's is parked as well)."""
    return [r async for r in rt.log.read_all(topics.dead_letters(ns, "evidence"))
            if r.headers.get("source_topic") == inbound_topic(ns, province)]


async def _at_least(records, n: int) -> list:
    found = await records
    return found if len(found) >= n else []
