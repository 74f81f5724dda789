"""The two ports every service talks through: an event log and a read store.

    EventLog      -- topics of keyed records, partitions by key, offsets, consumer groups
      ├── EmbeddedEventLog  (shared.eventlog.embedded: one SQLite file, no server)
      └── KafkaEventLog     (shared.eventlog.kafka: aiokafka)
    ReadStore     -- collections of JSON documents by id
      ├── EmbeddedReadStore (shared.readstore.embedded: one SQLite file per service)
      └── MongoReadStore    (shared.readstore.mongo: PyMongo's AsyncMongoClient)

Both event logs give at-least-once delivery in key order within a partition; consumers
commit after their effect is stored. Read stores use only what FerretDB v1 and MongoDB share:
single-document writes, equality filters, sort and limit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int = -1  # -1: keep forever (event topics are the system of record)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Unavailable(RuntimeError):
    """The log or the store cannot be reached now; the caller may retry later."""


class ConcurrentUpdate(Unavailable):
    """Another instance wrote a document between this one's read and its conditional write: handling
    the same records again reads it afresh (what was stored already is skipped as seen)."""


REVISION = "_revision"  # the field `put_if_revision` compares: the count of a document's writes


class Subscription(ABC):
    """A member of a consumer group: poll records, commit after their effect is stored."""

    joined: bool = False  # True once the group has given this member its share of the partitions

    @abstractmethod
    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]: ...

    @abstractmethod
    async def commit(self, records: Sequence[Record]) -> None:
        """Commit the positions just after the given records (per partition, the highest)."""

    @abstractmethod
    async def close(self) -> None: ...


class EventLog(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None: ...

    @abstractmethod
    async def append(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, int]:
        """Append durably (acknowledged by all replicas); returns (partition, offset)."""

    @abstractmethod
    async def append_many(
        self, topic: str, items: Sequence[tuple[str, bytes, dict[str, str] | None]]
    ) -> list[tuple[int, int]]:
        """Append (key, value, headers) items durably, in order per key; one round of I/O."""

    @abstractmethod
    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription: ...

    @abstractmethod
    def read_all(self, topic: str) -> AsyncIterator[Record]:
        """Every record of a topic from offset zero up to its end when called, outside any group."""

    @abstractmethod
    async def end_offsets(self, topic: str) -> dict[int, int]: ...

    @abstractmethod
    async def ping(self) -> None: ...


class ReadStore(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def get(self, collection: str, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    async def put(self, collection: str, doc_id: str, doc: dict[str, Any]) -> None:
        """Replace (or create) one document atomically."""

    @abstractmethod
    async def insert_if_absent(self, collection: str, doc_id: str, doc: dict[str, Any]) -> bool:
        """Create a document unless one with this id exists; True if created."""

    async def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents with these ids that exist, by id. One `get` each unless a store does better
        (FerretDB v1 was seen to stall on large `$in` queries, so the Mongo store keeps this)."""
        found: dict[str, dict[str, Any]] = {}
        for doc_id in ids:
            if (doc := await self.get(collection, doc_id)) is not None:
                found[doc_id] = doc
        return found

    async def put_many(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Replace (or create) documents given as (collection, id, doc); one `put` each unless a store
        does better (the embedded store: one transaction)."""
        for collection, doc_id, doc in items:
            await self.put(collection, doc_id, doc)

    @abstractmethod
    async def put_if_revision(self, collection: str, doc_id: str, doc: dict[str, Any], expected_revision: int) -> bool:
        """Replace one document atomically only if its stored `_revision` field equals `expected_revision`
        (a missing document, or one without the field, counts as revision 0; so 0 also creates it);
        True if written.

        Of writers that read the same revision, at most one succeeds (not on FerretDB v1: see the Mongo
        store): a compare-and-set for documents with one writer (the aggregates of `shared.processor`)
        or several (read models fed from several partitions, when a service runs as several instances)."""

    async def put_many_if_revisions(self, items: Sequence[tuple[str, str, dict[str, Any], int]]) -> list[tuple[str, str]]:
        """`put_if_revision` for each (collection, id, doc, expected revision): the (collection, id) of
        those not written. One by one unless a store does better (the embedded store: one transaction)."""
        lost = []
        for collection, doc_id, doc, expected in items:
            if not await self.put_if_revision(collection, doc_id, doc, expected):
                lost.append((collection, doc_id))
        return lost

    @abstractmethod
    async def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Documents whose top-level fields equal `where`, sorted by (field, 1|-1) pairs."""

    @abstractmethod
    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None: ...

    @abstractmethod
    async def drop(self, collection: str) -> None: ...

    @abstractmethod
    async def ping(self) -> None: ...
