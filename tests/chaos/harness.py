"""What the fault suites share: a fresh cluster per run, a seeded province cycle played through the
retrying client, faults injected from a side thread at seeded points, and the checks of the outcome:
the leaderboard digests against an undisturbed run, and every event of the log against the commands'
idempotency keys (none lost, none decided twice, no stream sequence taken twice)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paritrana.launcher import Cluster, cluster
from paritrana.simulate import Ledger, RetryingApi, Simulation, plan
from shared import topics
from shared.backends import build_event_log
from shared.codec import PoisonRecord, decode
from shared.settings import Settings
from shared.topics import SERVICES
from tests.conftest import unique

VILLAGES, EMPLOYERS = 3, 10  # a province-scale cycle sized for many runs: every stage and category happens


@dataclass
class Outcome:
    """What one played cycle left behind, as the checks need it."""

    ledger: Ledger
    summary: dict
    boards: str  # sha256 of every provincial leaderboard as the API serves it
    digests: dict  # ranking's own digests of the live generation and of a rebuild from offset zero
    log: LogAudit


@dataclass
class LogAudit:
    events: int = 0  # distinct events
    records: int = 0  # records read (a republished event is read again, with the same id and hash)
    by_type: Counter = field(default_factory=Counter)  # (service, event type) -> distinct events
    by_key: dict[str, list[str]] = field(default_factory=dict)  # causation (command id) -> event types
    problems: list[str] = field(default_factory=list)


@contextlib.contextmanager
def running_cluster(backend: str, root: Path, extra_env: dict[str, str] | None = None,
                    make: Callable[..., Cluster] = cluster) -> Iterator[tuple[Cluster, Settings]]:
    """Five services on a fresh namespace (and data directory) of the backend."""
    namespace = unique("chaos")
    data_dir = root / namespace
    env = {"PARITRANA_BACKEND": backend, "PARITRANA_NAMESPACE": namespace, "PARITRANA_DATA_DIR": str(data_dir),
           "PARITRANA_PARTITIONS": "3", "PARITRANA_LOG_LEVEL": "WARNING", **(extra_env or {})}
    services = make(env, data_dir / "logs")
    services.start()
    settings = Settings(backend=backend, namespace=namespace, data_dir=data_dir, partitions=3,
                        **({"kafka_bootstrap": env["PARITRANA_KAFKA_BOOTSTRAP"]} if "PARITRANA_KAFKA_BOOTSTRAP" in env
                           else {}),
                        **({"mongo_url": env["PARITRANA_MONGO_URL"]} if "PARITRANA_MONGO_URL" in env else {}))
    try:
        yield services, settings
    finally:
        services.stop()


def play(services: Cluster, settings: Settings, plan_seed: int, ledger: Ledger | None = None,
         expected: Outcome | None = None) -> Outcome:
    """Play the seeded cycle through the retrying client, then read back the digests and the log."""
    ledger = ledger or Ledger()
    api = RetryingApi(services.urls(), "organiser-1", "organiser", services.jwt_secret, ledger=ledger)
    simulation = Simulation(api, plan(plan_seed, villages=VILLAGES, employers=EMPLOYERS))
    summary = simulation.play()
    boards = board_digest(api, simulation, expected.boards if expected else None)
    audit = audit_log(settings, ledger, expected.log.by_type if expected else None)
    return Outcome(ledger, summary, boards, rebuild_digests(api), audit)


def board_digest(api: RetryingApi, simulation: Simulation, expected: str | None, timeout: float = 60) -> str:
    """The digest of every provincial board of the cycle; with `expected`, read again until it is that
    (projections are eventually consistent) or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        boards = {"/".join([*where, category.id]): api.get("ranking", path)  # where: the province, if given
                  for *where, category, path in simulation._boards()}
        digest = _sha256(boards)
        if expected is None or digest == expected or time.monotonic() > deadline:
            return digest
        time.sleep(0.5)


def rebuild_digests(api: RetryingApi) -> dict:
    """Ranking's digests of its live read models and of a generation rebuilt from offset zero."""
    organiser = api.as_actor("organiser-1", "organiser")
    organiser.post("ranking", "/rebuilds", {}, key="chaos-rebuild-digests")
    status = api.wait_for("ranking", "/rebuilds", until=lambda s: "digests" in s, timeout=180)
    return {"identical": status["identical"], **{g: d["leaderboards"] for g, d in status["digests"].items()}}


def _sha256(value) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def read_events(settings: Settings) -> list:
    async def read():
        log = build_event_log(settings, unique("chaos-reader"))
        await log.start()
        try:
            return [r for s in SERVICES async for r in log.read_all(topics.events(settings.namespace, s))]
        finally:
            await log.close()

    return asyncio.run(read())


def audit_log(settings: Settings, ledger: Ledger, expected: Counter | None = None, timeout: float = 60) -> LogAudit:
    """Check every event of the five event topics; with `expected` (the undisturbed run's counts by
    type), read again until they match (reactions may still be publishing) or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        audit = _audit(read_events(settings), ledger)
        if expected is None or audit.by_type == expected or time.monotonic() > deadline:
            return audit
        time.sleep(1)


def _audit(records: list, ledger: Ledger) -> LogAudit:
    audit, seen, streams, by_cause = LogAudit(), {}, {}, {}
    for record in records:
        audit.records += 1
        try:
            envelope, _event = decode(record.value)
        except PoisonRecord as poison:
            audit.problems.append(f"{record.topic}@{record.partition}:{record.offset} does not decode: {poison}")
            continue
        if envelope.event_id in seen:
            if seen[envelope.event_id] != envelope.hash:
                audit.problems.append(f"event id {envelope.event_id} carries two different events")
            continue  # the same event published again after a crash: readers drop it by its sequence
        seen[envelope.event_id] = envelope.hash
        audit.events += 1
        audit.by_type[(record.topic.rsplit(".", 2)[-2], envelope.type)] += 1
        taken = streams.setdefault(envelope.stream, {})
        if envelope.sequence in taken:
            audit.problems.append(f"{envelope.stream} #{envelope.sequence} taken by {taken[envelope.sequence]} "
                                  f"and {envelope.event_id}: decided twice")
        taken[envelope.sequence] = envelope.event_id
        by_cause.setdefault(envelope.causation_id, []).append((envelope.sequence, envelope.event_id, envelope.type))
    for stream, taken in streams.items():
        if sorted(taken) != list(range(1, len(taken) + 1)):
            audit.problems.append(f"{stream} has a gap: sequences {sorted(taken)}")
    for key, answer in ledger.accepted.items():
        if "events" not in answer:
            continue  # a bulk answer (rows decided); its rows are checked by the counts by type
        promised = {e["event_id"] for e in answer["events"]}
        found = {event_id for _s, event_id, _t in by_cause.get(key, [])}
        if not promised <= set(seen):
            audit.problems.append(f"command {key} was accepted but {sorted(promised - set(seen))} are not in the log")
        if found != promised:
            audit.problems.append(f"command {key}: the log holds {sorted(found)}, the answer said {sorted(promised)}")
    audit.by_key = {key: [t for _s, _id, t in sorted(events)] for key, events in by_cause.items()
                    if key in ledger.accepted}
    return audit


def compare(outcome: Outcome, reference: Outcome) -> list[str]:
    """Where a disturbed run differs from the undisturbed one (empty when it does not)."""
    problems = list(outcome.log.problems)
    if outcome.boards != reference.boards:
        problems.append(f"leaderboards differ: {outcome.boards} != {reference.boards}")
    if not outcome.digests["identical"]:
        problems.append(f"the live read models differ from a rebuild: {outcome.digests}")
    if outcome.digests["1"] != reference.digests["1"]:
        problems.append(f"ranking's leaderboard digest differs: {outcome.digests['1']} != {reference.digests['1']}")
    if outcome.log.by_type != reference.log.by_type:
        diff = {f"{k[0]}/{k[1]}": (outcome.log.by_type[k], reference.log.by_type[k])
                for k in set(outcome.log.by_type) | set(reference.log.by_type)
                if outcome.log.by_type[k] != reference.log.by_type[k]}
        problems.append(f"event counts differ (this run, undisturbed): {diff}")
    missing = set(reference.ledger.accepted) - set(outcome.ledger.accepted)
    if missing:
        problems.append(f"commands accepted undisturbed but not here: {sorted(missing)[:10]}")
    for key, types in reference.log.by_key.items():
        if outcome.log.by_key.get(key) != types:
            problems.append(f"command {key} made {outcome.log.by_key.get(key)}, undisturbed {types}")
    return problems


class Faults:
    """Injects faults at seeded command numbers from a side thread, `delay` seconds after the command
    starts (so some hit while it is in flight); one at a time, each waiting for the one before."""

    def __init__(self, schedule: dict[int, tuple[str, float]], inject: Callable[[str], None]) -> None:
        self.schedule, self._inject = schedule, inject
        self.injected: list[tuple[int, str]] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __call__(self, command: int) -> None:
        if command not in self.schedule:
            return
        self._join()
        target, delay = self.schedule[command]
        self._thread = threading.Thread(target=self._run, args=(command, target, delay), daemon=True)
        self._thread.start()

    def _run(self, command: int, target: str, delay: float) -> None:
        try:
            time.sleep(delay)
            self.injected.append((command, target))
            self._inject(target)
        except BaseException as exc:  # raised in the test's thread by finish()
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        self._join()


def crash_schedule(seed: int, commands: int, targets=SERVICES) -> dict[int, tuple[str, float]]:
    """Each target once, in a seeded order, at seeded command numbers, with a seeded delay."""
    rng = random.Random(seed)
    order = rng.sample(list(targets), len(targets))
    points = sorted(rng.sample(range(2, commands + 1), len(targets)))
    return {point: (target, round(rng.uniform(0, 0.4), 3)) for point, target in zip(points, order)}
