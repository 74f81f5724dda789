"""Commands on the wire, the aggregate interface services implement, and rejections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import DomainEvent
from shared.envelope import Actor


class Rejected(Exception):
    """A command that breaks a rule; `rule` names it, `status` is the HTTP answer (409 or 422)."""

    def __init__(self, rule: str, reason: str, status: int = 409) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule, self.reason, self.status = rule, reason, status


# Slugs, or slugs joined by colons for aggregates keyed by several (cycle:category:province); never
# dots, which MongoDB refuses in the field names the stream name becomes (`_seen`).
AGGREGATE_ID_PATTERN = r"^[a-z0-9][a-z0-9:-]{0,199}$"


class CommandBody(BaseModel):
    """The intent itself; each command names the aggregate it is for."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    NAME: ClassVar[str]

    def aggregate_id(self) -> str:
        raise NotImplementedError


class CommandMessage(BaseModel):
    """A command as it travels on its owner's command topic, keyed by the aggregate id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(min_length=8, max_length=128)
    name: str
    aggregate_id: str = Field(pattern=AGGREGATE_ID_PATTERN)
    expected_version: int | None = Field(default=None, ge=0)
    actor: Actor
    correlation_id: str
    issued_at: datetime
    body: dict[str, Any]


S = TypeVar("S", bound=BaseModel)


class Aggregate(Generic[S]):
    """The pure core of one aggregate type, plus the side data its decisions need.

    `decide` and `evolve` do no I/O. `context` is the adapter side: it reads what the
    decision needs besides the aggregate's own state (e.g. the cycle's rubric) from the
    service's store.
    """

    kind: ClassVar[str]
    state_type: ClassVar[type[BaseModel]]
    commands: ClassVar[Sequence[type[CommandBody]]]

    def initial_state(self) -> S:
        return self.state_type()  # type: ignore[return-value]

    async def context(self, command: CommandBody, store) -> Any:
        return None

    def decide(self, command: CommandBody, state: S, context: Any) -> list[DomainEvent]:
        raise NotImplementedError

    def evolve(self, state: S, event: DomainEvent) -> S:
        raise NotImplementedError


class Outcome(BaseModel):
    command_id: str
    status: str  # accepted | rejected
    aggregate_id: str
    version: int | None = None
    events: list[dict[str, Any]] = []
    rule: str | None = None
    reason: str | None = None
    http_status: int = 200
