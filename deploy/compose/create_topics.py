"""Create every Paritrana topic before the services start.

Run once per deployment: the one-shot `topics` service of docker-compose.yml and the
`paritrana-topics` Job in deploy/k8s. Names and partition counts are the services' own
(shared.topics with PARITRANA_NAMESPACE and PARITRANA_PARTITIONS); this adds what a real
cluster needs and the services' own start-up creation does not set: the replication factor
(PARITRANA_REPLICATION_FACTOR, default 1) and min.insync.replicas. Existing topics are left as
they are: adding partitions to an event topic would move keys to other partitions and break
the order of each aggregate's events, so a topic with other partition counts is only reported.

    python deploy/compose/create_topics.py      # in the image, settings from PARITRANA_*
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared import topics
from shared.ports import TopicSpec
from shared.settings import Settings

WAIT_SECONDS = 120


def topic_configs(spec: TopicSpec, replication: int) -> dict[str, str]:
    # acks=all writes survive one broker's loss when two replicas must have them
    return {"retention.ms": str(spec.retention_ms), "min.insync.replicas": str(min(2, max(1, replication - 1)))}


def plan(
    specs: Sequence[TopicSpec], existing: dict[str, int], replication: int
) -> tuple[list[NewTopic], list[str]]:
    """(topics to create, warnings about existing topics whose partition count differs)."""
    missing = [
        NewTopic(s.name, s.partitions, replication, topic_configs=topic_configs(s, replication))
        for s in specs
        if s.name not in existing
    ]
    warnings = [
        f"{s.name} has {existing[s.name]} partitions, not {s.partitions}: left as it is"
        for s in specs
        if s.name in existing and existing[s.name] != s.partitions
    ]
    return missing, warnings


async def _connected(bootstrap: str) -> AIOKafkaAdminClient:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="paritrana-topics")
        try:
            await admin.start()
            return admin
        except (KafkaError, OSError) as exc:
            await admin.close()
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"Kafka at {bootstrap} not reachable after {WAIT_SECONDS}s: {exc}") from exc
            print(f"waiting for Kafka at {bootstrap}: {exc}", file=sys.stderr)
            await asyncio.sleep(2)


async def main() -> None:
    settings = Settings()
    replication = int(os.environ.get("PARITRANA_REPLICATION_FACTOR", "1"))
    specs = topics.all_topics(settings.namespace, settings.partitions)
    admin = await _connected(settings.kafka_bootstrap)
    try:
        described = await admin.describe_topics([s.name for s in specs])
        existing = {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}
        missing, warnings = plan(specs, existing, replication)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # a service created it meanwhile
        print(f"{len(missing)} topics created, {len(specs) - len(missing)} existed (replication {replication})")
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
