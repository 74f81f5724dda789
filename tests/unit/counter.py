"""A counter aggregate for tests of the command processor itself (not of any domain): one command,
`Bump`, decided into `Bumped` events, with hooks to hold an instance between reading and storing."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from shared.commands import Aggregate, CommandBody, CommandMessage, Rejected
from shared.consumer import DeadLetters
from shared.contracts.base import DomainEvent
from shared.envelope import Actor
from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import TopicSpec
from shared.processor import CommandProcessor, LocalDecisions

NOW = datetime(2024, 2, 20, 9, 0, tzinfo=UTC)


class Tally(BaseModel):
    n: int = 0


class Bump(CommandBody):
    NAME = "Bump"
    id: str
    by: int

    def aggregate_id(self) -> str:
        return self.id


class Bumped(DomainEvent):  # not registered: the processor only seals and appends it
    TYPE = "Bumped"
    by: int


class Counter(Aggregate[Tally]):
    """Each bump gives `events_per_bump` events. Its `context` runs after the aggregate is read and
    before it is stored: `pause` holds an instance there; `refuse` stands for a context read from the
    store, on which two instances may disagree."""

    kind = "counter"
    state_type = Tally
    commands = [Bump]

    def __init__(self, pause=None, refuse: bool = False, events_per_bump: int = 1) -> None:
        self.pause, self.refuse, self.events_per_bump = pause, refuse, events_per_bump

    async def context(self, command: Bump, store) -> bool:
        if self.pause is not None:
            await self.pause(command)
        return self.refuse

    def decide(self, command: Bump, state: Tally, refuse: bool) -> list[DomainEvent]:
        if refuse:
            raise Rejected("refused", "this instance's context refuses")
        if command.by <= 0:
            raise Rejected("bump_must_be_positive", f"{command.by} is not above zero", 422)
        return [Bumped(by=command.by)] * self.events_per_bump

    def evolve(self, state: Tally, event: Bumped) -> Tally:
        return Tally(n=state.n + event.by)


def bump(command_id: str, counter: str, by: int) -> bytes:
    return CommandMessage(
        command_id=command_id, name="Bump", aggregate_id=counter, actor=Actor(id="o-1", role="organiser"),
        correlation_id="corr-1", issued_at=NOW - timedelta(seconds=1), body={"id": counter, "by": by},
    ).model_dump_json().encode()


@contextlib.asynccontextmanager
async def counter_log(path: Path, partitions: int = 1) -> AsyncIterator[EmbeddedEventLog]:
    """An embedded log with the processor's topics: `t.commands` and `t.events` (`partitions` each), `t.dlq`."""
    log = EmbeddedEventLog(path)
    await log.start()
    await log.ensure_topics([TopicSpec("t.commands", partitions), TopicSpec("t.events", partitions),
                             TopicSpec("t.dlq", 1)])
    try:
        yield log
    finally:
        await log.close()


def processor(
    service: str, event_log, store, counter: Counter, decisions: LocalDecisions | None = None
) -> CommandProcessor:
    """A processor deciding `t.commands` into `t.events`, parking in `t.dlq`."""
    return CommandProcessor(
        service, [counter], event_log, store, "t.events", DeadLetters(service, event_log, "t.dlq"),
        clock=lambda: NOW, new_id=lambda: uuid.uuid4().hex, decisions=decisions,
    )
