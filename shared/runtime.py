"""A service's wiring: its log, store, command processor and consumers, built from a spec."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from uuid6 import uuid7

from shared import topics
from shared.backends import build_event_log, build_read_store
from shared.commands import Aggregate, CommandBody, CommandMessage, Outcome
from shared.consumer import ConsumerLoop, DeadLetters
from shared.envelope import Actor
from shared.ports import EventLog, ReadStore, Unavailable
from shared.processor import OUTCOMES, CommandProcessor, LocalDecisions, wait_for_outcome
from shared.generations import Generations, ReadModels
from shared.projection import Reaction, event_handler
from shared.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return str(uuid7())


@dataclass
class ServiceSpec:
    """What a service is: its aggregates, whose events it follows, and how it reacts to them."""

    name: str
    aggregates: Sequence[Aggregate] = ()
    follows: Sequence[str] = ()
    reactions: Callable[[Runtime], list[Reaction]] = lambda runtime: []
    indexes: dict[str, list[str]] = field(default_factory=dict)
    stream_module: str | None = None  # on Kafka, this faust worker does the following instead
    read_models: ReadModels | None = None  # rebuildable projections of the followed topics
    loops: Callable[[Runtime], list[ConsumerLoop]] = lambda runtime: []  # consumers of the service's own


class Runtime:
    def __init__(self, spec: ServiceSpec, settings: Settings, event_log: EventLog | None = None) -> None:
        self.spec, self.settings = spec, settings
        self.log = event_log or build_event_log(settings, f"{settings.namespace}-{spec.name}")
        self.base_store: ReadStore = build_read_store(settings, spec.name)
        self.generations: Generations | None = None
        self.store: ReadStore = self.base_store
        ns = settings.namespace
        if spec.read_models is not None:
            sources = [topics.events(ns, s) for s in spec.follows]
            self.generations = Generations(self, spec.read_models, sources)
            self.store = self.generations.view()
        self.dead_letters = DeadLetters(spec.name, self.log, topics.dead_letters(ns, spec.name))
        self.commands_topic = topics.commands(ns, spec.name)
        self._loops: list[ConsumerLoop] = []
        self.decisions = LocalDecisions()  # wakes the requests waiting here for a decision made here
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        await self.log.start()
        await self.base_store.start()
        await self.log.ensure_topics(topics.all_topics(self.settings.namespace, self.settings.partitions))
        for collection, fields in self.spec.indexes.items():
            await self.store.ensure_index(collection, fields)
        for loop in self._build_loops():
            self._loops.append(loop)
            self._tasks.append(asyncio.create_task(loop.run(), name=f"{self.spec.name}-consumer"))
        if self.generations is not None and not self.uses_stream_worker():
            await self.generations.start()

    def _build_loops(self) -> list[ConsumerLoop]:
        ns, name, loops = self.settings.namespace, self.spec.name, []
        if self.spec.aggregates:
            processor = CommandProcessor(
                name,
                self.spec.aggregates,
                self.log,
                self.store,
                topics.events(ns, name),
                self.dead_letters,
                clock=utc_now,
                new_id=new_event_id,
                decisions=self.decisions,
            )
            loops.append(
                ConsumerLoop(
                    name, self.log, f"{ns}.{name}.deciders", [self.commands_topic], None, self.dead_letters,
                    batch_handler=processor.handle_batch,
                )
            )
        reactions = self.spec.reactions(self)
        if self.spec.follows and reactions and not self.uses_stream_worker():
            handler = event_handler(reactions, self.dead_letters)
            sources = [topics.events(ns, s) for s in self.spec.follows]
            loops.append(ConsumerLoop(name, self.log, f"{ns}.{name}.projections", sources, handler, self.dead_letters))
        return loops + self.spec.loops(self)

    def joining(self) -> list[str]:
        """Consumer groups this instance follows that have not yet given it its partitions."""
        waiting = [loop.group for loop in self._loops if not loop.joined]
        if self.generations is not None:
            waiting += self.generations.joining()
        return waiting

    def uses_stream_worker(self) -> bool:
        return bool(self.spec.stream_module) and self.settings.backend == "kafka" and (
            self.settings.stream_engine == "faust"
        )

    async def stop(self) -> None:
        if self.generations is not None:
            await self.generations.stop()
        for loop in self._loops:
            loop.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        await self.base_store.close()
        await self.log.close()

    async def submit(
        self,
        body: CommandBody,
        actor: Actor,
        correlation_id: str,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Send a command to its aggregate's owner and wait for the decision."""
        command_id = idempotency_key or uuid.uuid4().hex
        known = await self.store.get(OUTCOMES, command_id)
        if known is not None:
            return Outcome.model_validate({k: v for k, v in known.items() if k != "_id"})
        with self.decisions.awaited(command_id) as woken:
            await self.send(body, actor, correlation_id, command_id, expected_version)
            outcome = await wait_for_outcome(self.store, command_id, self.settings.command_timeout, woken)
        if outcome is None:
            raise Unavailable(f"command {command_id} is queued but not yet decided; retry with the same key")
        return outcome

    async def submit_many(
        self, commands: Sequence[tuple[CommandBody, str]], actor: Actor, correlation_id: str, on_decided=None
    ) -> list[Outcome]:
        """Send many commands (each with its own id) and wait for every decision. A command decided
        before (same id) is not decided again: its owner answers with the earlier outcome."""
        messages = [self._message(body, actor, correlation_id, command_id) for body, command_id in commands]
        for start in range(0, len(messages), 1000):
            chunk = messages[start : start + 1000]
            await self.log.append_many(
                self.commands_topic, [(m.aggregate_id, m.model_dump_json().encode(), None) for m in chunk]
            )
        outcomes = []
        # the decisions come in order per partition; allow time in proportion to their number
        deadline = asyncio.get_running_loop().time() + self.settings.command_timeout * max(1, len(commands) / 20)
        for _body, command_id in commands:
            remaining = max(0.1, deadline - asyncio.get_running_loop().time())
            outcome = await wait_for_outcome(self.store, command_id, remaining)
            if outcome is None:
                raise Unavailable(f"command {command_id} is queued but not yet decided; retry with the same key")
            outcomes.append(outcome)
            if on_decided is not None:
                await on_decided(len(outcomes))
        return outcomes

    async def send(
        self,
        body: CommandBody,
        actor: Actor,
        correlation_id: str,
        command_id: str,
        expected_version: int | None = None,
    ) -> None:
        """Append a command to its owner's topic without waiting for the decision."""
        message = self._message(body, actor, correlation_id, command_id, expected_version)
        await self.log.append(self.commands_topic, message.aggregate_id, message.model_dump_json().encode())

    @staticmethod
    def _message(
        body: CommandBody, actor: Actor, correlation_id: str, command_id: str, expected_version: int | None = None
    ) -> CommandMessage:
        return CommandMessage(
            command_id=command_id,
            name=body.NAME,
            aggregate_id=body.aggregate_id(),
            expected_version=expected_version,
            actor=actor,
            correlation_id=correlation_id,
            issued_at=utc_now(),
            body=body.model_dump(mode="json"),
        )
