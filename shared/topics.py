"""Topic names. Each service owns a command topic, an event topic and a dead-letter topic."""

from __future__ import annotations

from shared.ports import TopicSpec

SERVICES = ("registration", "evidence", "scoring", "interview", "ranking")


def events(namespace: str, service: str) -> str:
    return f"{namespace}.{service}.events"


def commands(namespace: str, service: str) -> str:
    return f"{namespace}.{service}.commands"


def dead_letters(namespace: str, service: str) -> str:
    return f"{namespace}.{service}.dlq"


def all_topics(namespace: str, partitions: int) -> list[TopicSpec]:
    specs: list[TopicSpec] = []
    for service in SERVICES:
        specs += [
            TopicSpec(events(namespace, service), partitions),
            TopicSpec(commands(namespace, service), partitions),
            TopicSpec(dead_letters(namespace, service), 1),
        ]
    return specs
