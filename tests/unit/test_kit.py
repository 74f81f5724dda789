"""The regional plug-in kit without servers: events decoded and verified one by one and as chains,
the consumer committing each record only after its handler returned (against a fake subscription),
the typed API client (against httpx's MockTransport), the feed's reading of CSV and SQLite and its
sending, the notifier's notices, and the schemas it hands to other languages."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import importlib.util
import json
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import httpx
import jwt
import pytest

from paritrana_kit import (
    ApiError, BrokenChain, ChainFollower, Envelope, EventConsumer, InvalidEvent, KitError, ParitranaClient, decode,
    encode, event_type, events_topic, principal_of, ranking, seal, typed_event, verify_chain, verify_event,
    verify_topic,
)
from paritrana_kit.client import SubmitCoverageFigure
from paritrana_kit.schemas import files, main as write_schemas
from shared.eventlog.embedded import EmbeddedEventLog
from shared.ports import Record, Subscription, TopicSpec

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "ns.ranking.events"
WHEN = datetime(2025, 2, 21, 9, 0, tzinfo=UTC)
DIGEST = "d" * 64


def _example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"kit_example_{name}", ROOT / "kit" / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


feed, notifier = _example("provincial_feed"), _example("provincial_notifier")


def published(province: str = "jawa-barat", publication: int = 1) -> dict:
    return ranking.ProvincialResultsPublished(
        board_id=f"c-2024:regency-city:{province}", cycle_id="c-2024", category_id="regency-city", province=province,
        rubric_version=1, publication=publication, places=[ranking.RankedEntry(candidate_id="kota-a", rank=1, total=80.5)],
        leaderboard_digest=DIGEST, published_by="sekda").model_dump(mode="json")


def nominated(province: str = "jawa-barat") -> dict:
    return ranking.NomineeNominated(
        board_id=f"c-2024:regency-city:{province}", cycle_id="c-2024", category_id="regency-city", province=province,
        zone="jawa-bali", candidate_id="kota-a", name="Kota A", rank=1, total=80.5, indicators={"policy": 80.0},
        leaderboard_digest=DIGEST).model_dump(mode="json")


def envelope(stream: str, sequence: int, previous: str | None, payload: dict | None = None,
             event_type_: str = "ProvincialResultsPublished") -> Envelope:
    return seal({
        "event_id": f"{stream}-{sequence}", "type": event_type_, "schema_version": 1, "stream": stream,
        "sequence": sequence, "occurred_at": WHEN + timedelta(seconds=sequence),
        "actor": {"id": "sekda", "role": "committee-chair"}, "causation_id": None, "correlation_id": "corr",
        "payload": payload or published(publication=sequence), "previous_hash": previous,
    })


def chain(stream: str, length: int) -> list[Envelope]:
    events: list[Envelope] = []
    for sequence in range(1, length + 1):
        events.append(envelope(stream, sequence, events[-1].hash if events else None))
    return events


def tampered(env: Envelope, **payload) -> bytes:
    raw = json.loads(encode(env))
    raw["payload"].update(payload)
    return json.dumps(raw).encode()


def forged(after: Envelope, previous: str) -> Envelope:
    """A well-formed, self-consistent event inserted after `after` that names the wrong previous hash."""
    return envelope(after.stream, after.sequence + 1, previous)


# -- one event ---------------------------------------------------------------------------------------


def test_a_sound_event_verifies_and_decodes_to_its_contract():
    env = envelope("board-1", 1, None)
    assert verify_event(encode(env)) == env == verify_event(encode(env).decode()) == verify_event(env)
    event = typed_event(env)
    assert isinstance(event, ranking.ProvincialResultsPublished) and event.places[0].candidate_id == "kota-a"
    assert decode(encode(env)) == (env, event)
    assert event_type("NomineeNominated") is ranking.NomineeNominated
    assert events_topic("demo1", "ranking") == "demo1.ranking.events"


def test_what_is_not_a_sound_event_is_refused_and_says_why_and_where():
    env = envelope("board-1", 1, None)
    with pytest.raises(InvalidEvent, match="t/0/7: hash mismatch for event board-1-1"):
        verify_event(tampered(env, publication=9), where="t/0/7")
    with pytest.raises(InvalidEvent, match="not an event envelope"):
        verify_event(b"{not json")
    newer = json.loads(encode(env)) | {"envelope_version": 99}
    with pytest.raises(InvalidEvent, match="newer than this reader"):
        verify_event(json.dumps(newer).encode())
    unknown = envelope("board-1", 1, None, {"x": 1}, event_type_="SomethingNew")
    assert verify_event(encode(unknown)) == unknown  # sound, just not ours to parse
    with pytest.raises(InvalidEvent, match="unknown event type"):
        typed_event(unknown)
    with pytest.raises(InvalidEvent, match="invalid ProvincialResultsPublished payload"):
        typed_event(envelope("board-1", 1, None, {"board_id": "b"}))
    with pytest.raises(KitError):  # the whole family shares one base
        verify_event(b"")


def test_other_languages_verify_the_hash_on_the_stored_bytes_without_the_hash_member():
    """docs/plugin-kit.md: the value is canonical JSON, so the bytes as stored less the top-level
    `,"hash":"<hex>"` member are exactly what was hashed; no re-serialising of numbers needed."""
    env = envelope("board-ü", 1, None, nominated() | {"name": "Kota Tasikmalaya ✓", "total": 90.0})
    stored = encode(env)
    assert b'"total":90.0' in stored and "✓".encode() in stored
    without = stored.decode().replace(f',"hash":"{env.hash}"', "", 1).encode()
    assert hashlib.sha256(without).hexdigest() == env.hash


# -- chains ------------------------------------------------------------------------------------------


def test_a_chain_from_its_first_event_is_intact_and_a_forged_link_is_found():
    events = chain("board-1", 3)
    assert verify_chain(events).intact
    assert verify_chain(encode(e) for e in events).intact
    report = verify_chain([*events[:2], forged(events[1], previous=events[0].hash)])
    assert not report.intact and report.first_break.problem == "previous_hash_mismatch"
    assert verify_chain([events[0], tampered(events[1], publication=7)]).first_break.problem == "hash_mismatch"


def test_the_chain_follower_links_anchors_recognises_republishes_and_refuses_breaks():
    events = chain("board-1", 4)
    follower = ChainFollower()
    assert [follower.follow(e) for e in events[:3]] == ["linked", "linked", "linked"]
    assert follower.follow(events[1]) == "duplicate"  # republished after a crash: same event, same hash
    with pytest.raises(BrokenChain, match="names previous hash"):
        follower.follow(forged(events[2], previous=events[0].hash))
    with pytest.raises(BrokenChain, match="jumps from sequence 3 to 5"):
        follower.follow(envelope("board-1", 5, events[3].hash))
    with pytest.raises(BrokenChain, match="already holds another event"):
        follower.follow(envelope("board-1", 2, events[0].hash, published(publication=9)))
    assert follower.follow(events[3]) == "linked"  # the stream goes on from its real last event

    resumed = ChainFollower()  # a reader that resumed in the middle of a stream
    assert resumed.follow(events[2]) == "anchored" and resumed.follow(events[3]) == "linked"
    with pytest.raises(BrokenChain, match="opens board-2 but names a previous hash"):
        resumed.follow(envelope("board-2", 1, "0" * 64))


# -- the consumer ------------------------------------------------------------------------------------


class FakeSubscription(Subscription):
    """Hands out the given batches, then nothing; writes every poll, commit and close to `journal`."""

    def __init__(self, *batches: list[bytes], journal: list[str]) -> None:
        offsets = iter(range(1000))
        self._batches = [[Record(TOPIC, 0, next(offsets), "k", value) for value in batch] for batch in batches]
        self.journal = journal
        self.committed: list[int] = []

    async def poll(self, max_records: int = 500, timeout: float = 0.2) -> list[Record]:
        if not self._batches:
            await asyncio.sleep(0.01)
            return []
        return self._batches.pop(0)

    async def commit(self, records: Sequence[Record]) -> None:
        self.committed += [r.offset for r in records]
        self.journal += [f"commit {r.offset}" for r in records]

    async def close(self) -> None:
        self.journal.append("close")


def consumer_of(*batches: list[Envelope | bytes], **options) -> tuple[EventConsumer, FakeSubscription]:
    journal: list[str] = []
    values = [[encode(v) if isinstance(v, Envelope) else v for v in batch] for batch in batches]
    subscription = FakeSubscription(*values, journal=journal)
    return EventConsumer(subscription, **options), subscription


def handler_writing_to(journal: list[str], fail_on: int | None = None):
    async def handle(delivery) -> None:
        journal.append(f"handle {delivery.record.offset}")
        if delivery.record.offset == fail_on:
            raise RuntimeError("the notice could not be written")
    return handle


async def test_each_record_is_committed_only_after_its_handler_returned():
    events = chain("board-1", 3)
    consumer, subscription = consumer_of(events[:2], events[2:])
    async with consumer:
        handled = await consumer.run(handler_writing_to(subscription.journal), idle_timeout=0.05)
    assert handled == 3
    assert subscription.journal == ["handle 0", "commit 0", "handle 1", "commit 1", "handle 2", "commit 2", "close"]


async def test_a_failing_handler_leaves_its_record_and_the_rest_uncommitted():
    consumer, subscription = consumer_of(chain("board-1", 3))
    with pytest.raises(RuntimeError, match="could not be written"):
        await consumer.run(handler_writing_to(subscription.journal, fail_on=1), idle_timeout=0.05)
    assert subscription.journal == ["handle 0", "commit 0", "handle 1"]
    with pytest.raises(RuntimeError, match="open a new one to resume"):  # it read past record 1
        await consumer.run(handler_writing_to(subscription.journal), idle_timeout=0.05)


async def test_iterating_yields_envelope_and_typed_event_and_commits_after_the_body():
    events = chain("board-1", 2)
    consumer, subscription = consumer_of(events)
    seen = []
    async for env, event in consumer:
        seen.append((env.sequence, type(event), list(subscription.committed)))
        if env.sequence == 2:
            break  # leaving the loop: this last delivery is not committed, it comes again next time
    assert seen == [(1, ranking.ProvincialResultsPublished, []), (2, ranking.ProvincialResultsPublished, [0])]
    await asyncio.sleep(0)
    assert subscription.committed == [0]
    with pytest.raises(RuntimeError, match="open a new one to resume"):
        [d async for d in consumer]


async def test_an_event_that_does_not_check_out_stops_the_consumer_uncommitted():
    events = chain("board-1", 3)
    consumer, subscription = consumer_of([events[0], tampered(events[1], publication=5), events[2]])
    with pytest.raises(InvalidEvent, match=f"{TOPIC}/0/1: hash mismatch"):
        await consumer.run(handler_writing_to(subscription.journal), idle_timeout=0.05)
    assert subscription.committed == [0]

    consumer, subscription = consumer_of([events[0], forged(events[0], previous="f" * 64)])
    with pytest.raises(BrokenChain):
        await consumer.run(handler_writing_to(subscription.journal), idle_timeout=0.05)
    assert subscription.committed == [0]


async def test_an_on_invalid_callback_takes_the_bad_record_which_is_then_committed_and_skipped():
    events = chain("board-1", 2)
    parked = []

    async def park(record, error) -> None:
        parked.append((record.offset, type(error).__name__))

    consumer, subscription = consumer_of([b"garbage", events[0], events[1]], on_invalid=park)
    assert await consumer.run(handler_writing_to(subscription.journal), idle_timeout=0.05) == 2
    assert parked == [(0, "InvalidEvent")] and subscription.committed == [0, 1, 2]


async def test_types_outside_the_filter_and_republished_events_are_verified_committed_and_not_handed_over():
    events = chain("board-1", 2)
    nomination = envelope("nominee-1", 1, None, nominated(), event_type_="NomineeNominated")
    unknown = envelope("other-1", 1, None, {"anything": True}, event_type_="SomethingNew")
    consumer, subscription = consumer_of([events[0], nomination, unknown, events[1], events[1]],
                                         types=[ranking.NomineeNominated])
    deliveries = []

    async def keep(delivery) -> None:
        deliveries.append(delivery)

    assert await consumer.run(keep, idle_timeout=0.05) == 1
    [delivery] = deliveries
    assert delivery.envelope == nomination and delivery.event.candidate_id == "kota-a" and delivery.linked
    assert subscription.committed == [0, 1, 2, 3, 4]

    anchored, _ = consumer_of([events[1]])
    [late] = [d async for d in anchored.deliveries(idle_timeout=0.05)]
    assert not late.linked  # resumed mid-stream: its predecessor was not seen


async def test_stop_ends_the_run_after_the_current_record_is_committed():
    consumer, subscription = consumer_of(chain("board-1", 3))

    async def handle_one(delivery) -> None:
        subscription.journal.append(f"handle {delivery.record.offset}")
        consumer.stop()

    assert await consumer.run(handle_one) == 1
    assert subscription.journal == ["handle 0", "commit 0"]


async def test_on_the_embedded_demo_log_a_group_resumes_after_its_commits_and_the_topic_verifies(tmp_path):
    path, topic = tmp_path / "demo-events.sqlite", events_topic("demo", "ranking")
    log = EmbeddedEventLog(path)
    await log.start()
    await log.ensure_topics([TopicSpec(topic, 2)])
    events = chain("board-1", 3)
    for event in events:
        await log.append(topic, "board-1", encode(event))
    assert (await verify_topic(path, "demo", "ranking")).intact

    async def read(group: str) -> list[tuple[int, bool]]:
        async with EventConsumer.embedded(path, "demo", "ranking", group, poll_seconds=0.05) as consumer:
            return [(d.envelope.sequence, d.linked) async for d in consumer.deliveries(idle_timeout=0.3)]

    assert await read("g") == [(1, True), (2, True), (3, True)]
    await log.append(topic, "board-1", encode(forged(events[2], previous=events[0].hash)))
    # resumed after its commits, the group meets only the forged event: anchored, its link unchecked ...
    assert await read("g") == [(4, False)]
    with pytest.raises(BrokenChain):  # ... which a reader of the whole topic catches
        await read("another-group")
    report = await verify_topic(path, "demo", "ranking")
    assert not report.intact and report.first_break.problem == "previous_hash_mismatch"
    await log.close()
    with pytest.raises(FileNotFoundError):
        EventConsumer.embedded(tmp_path / "missing.sqlite", "demo", "ranking", "g")


# -- the API client ----------------------------------------------------------------------------------


def token(role: str = "regional-service", provinces=("jawa-barat",)) -> str:
    claims = {"sub": "dinas-jabar", "role": role, "provinces": list(provinces), "iss": "paritrana", "exp": 2**31}
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


def figure(n: int = 1, **changes) -> SubmitCoverageFigure:
    return SubmitCoverageFigure(**{"figure_id": f"f-{n}", "candidate_id": f"kota-{n}", "period": "2024",
                                   "workers_eligible": 100, "workers_enrolled": 50, "source": "disnaker", **changes})


class Evidence:
    """A stand-in for the evidence service: remembers what it was sent, answers as told."""

    def __init__(self, *answers: tuple[int, dict]) -> None:
        self.answers, self.requests = list(answers), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if self.answers else (201, accepted(request))
        return httpx.Response(status, json=body)


def accepted(request: httpx.Request) -> dict:
    body = json.loads(request.content)
    return {"command_id": request.headers["idempotency-key"], "status": "accepted", "aggregate_id": body["candidate_id"],
            "version": 1, "events": [{"event_id": f"e-{body['figure_id']}", "type": "CoverageFigureSubmitted",
                                      "sequence": 1}]}


def client_for(service: Evidence, **options) -> ParitranaClient:
    return ParitranaClient(token(), {"evidence": "http://evidence.test"}, transport=httpx.MockTransport(service),
                           retry_seconds=0, **options)


async def test_the_client_sends_the_token_and_a_stable_idempotency_key_and_types_the_answer():
    service = Evidence()
    async with client_for(service) as client:
        outcome = await client.submit_coverage_figure(figure())
        again = await client.submit_coverage_figure(figure())
        assert client.principal.role == "regional-service" and client.principal.covers("jawa-barat")
    first, second = service.requests
    assert first.url == "http://evidence.test/coverage-figures"
    assert first.headers["authorization"] == f"Bearer {token()}"
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]  # the same figure decides once
    assert json.loads(first.content) == {"figure_id": "f-1", "candidate_id": "kota-1", "period": "2024",
                                         "workers_eligible": 100, "workers_enrolled": 50, "source": "disnaker"}
    assert outcome.status == "accepted" and outcome.events[0]["event_id"] == "e-f-1" and again == outcome


async def test_refusals_carry_the_rule_and_an_unavailable_service_is_asked_again_with_the_same_key():
    refused = {"detail": {"rule": "outside_scope", "reason": "kota-1 is not in a province dinas-jabar acts for"}}
    service = Evidence((503, {"detail": "busy"}), (403, refused))
    async with client_for(service) as client:
        with pytest.raises(ApiError) as error:
            await client.submit_coverage_figure(figure(), key="feed-kota-1-f-1")
    assert (error.value.status, error.value.rule) == (403, "outside_scope")
    assert "dinas-jabar acts for" in error.value.reason
    assert [r.headers["idempotency-key"] for r in service.requests] == ["feed-kota-1-f-1"] * 2

    async with client_for(Evidence(*[(503, {"detail": "busy"})] * 3), retries=2) as client:
        with pytest.raises(ApiError) as error:
            await client.submit_coverage_figure(figure())
    assert error.value.status == 503


def test_a_tokens_claims_are_read_and_a_non_token_is_refused():
    who = principal_of(token(provinces=("bali", "ntb")))
    assert (who.id, who.role, who.provinces) == ("dinas-jabar", "regional-service", ["bali", "ntb"])
    with pytest.raises(KitError, match="not a Paritrana token"):
        principal_of("not-a-token")


# -- the provincial feed -----------------------------------------------------------------------------

HEADER = "figure_id,candidate_id,period,workers_eligible,workers_enrolled"


def test_the_feed_reads_the_provinces_csv_with_its_breakdown_and_leaves_foreign_columns_aside(tmp_path):
    csv = tmp_path / "figures.csv"
    csv.write_text(f"\ufeff{HEADER},wage_earners_enrolled,non_wage_earners_enrolled,source,kepala_dinas\n"
                   "f-1,kota-1,2024,1000,700,500,200,,Pak Budi\n"
                   "\n"
                   "f-2, kota-2 ,2024-12,800,100,,,SIAPKerja export,\n", encoding="utf-8")
    rows = feed.read_csv(csv)
    assert [line for line, _row in rows] == [2, 4]
    batch = feed.figures(rows, source="jawa-barat system")
    assert [(f.figure_id, f.candidate_id, f.period, f.workers_enrolled, f.source) for f in batch] == [
        ("f-1", "kota-1", "2024", 700, "jawa-barat system"), ("f-2", "kota-2", "2024-12", 100, "SIAPKerja export")]
    assert (batch[0].wage_earners_enrolled, batch[0].non_wage_earners_enrolled) == (500, 200)
    assert batch[1].wage_earners_enrolled is None


def test_the_feed_names_every_bad_row_and_sends_nothing_then(tmp_path):
    csv = tmp_path / "figures.csv"
    csv.write_text(f"{HEADER},wage_earners_enrolled,non_wage_earners_enrolled\n"
                   "f-1,kota-1,2024,1000,700,,\n"
                   "f-2,kota-2,2024,zero,100,,\n"
                   "f-1,kota-3,2024,1000,100,,\n"
                   "f-4,kota-4,24,1000,100,,\n"
                   "f-5,kota-5,2024,1000,700,600,50\n", encoding="utf-8")
    with pytest.raises(feed.BadRows) as bad:
        feed.figures(feed.read_csv(csv), source="s")
    problems = bad.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 3 (f-2)", "line 4 (f-1)", "line 5 (f-4)", "line 6 (f-5)"]
    assert "workers_eligible" in problems[0] and "duplicate_in_file" in problems[1]
    assert "must add up" in problems[3]
    (tmp_path / "short.csv").write_text("figure_id,candidate_id,period\nf-1,kota-1,2024\n", encoding="utf-8")
    with pytest.raises(feed.BadRows, match="lacks the columns workers_eligible, workers_enrolled"):
        feed.read_csv(tmp_path / "short.csv")


def test_the_feed_reads_a_table_of_the_provinces_sqlite_database(tmp_path):
    path = tmp_path / "disnaker.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE coverage (figure_id TEXT, candidate_id TEXT, period TEXT, workers_eligible INTEGER,"
                   " workers_enrolled INTEGER, arrears_months INTEGER)")
        db.executemany("INSERT INTO coverage VALUES (?, ?, ?, ?, ?, ?)",
                       [("f-1", "kota-1", "2024", 1000, 900, None), ("f-2", "kota-2", "2024", 500, 100, 3)])
    rows = feed.read_sqlite(path, "coverage")
    assert rows == [(1, {"figure_id": "f-1", "candidate_id": "kota-1", "period": "2024", "workers_eligible": "1000",
                         "workers_enrolled": "900"}),
                    (2, {"figure_id": "f-2", "candidate_id": "kota-2", "period": "2024", "workers_eligible": "500",
                         "workers_enrolled": "100", "arrears_months": "3"})]
    assert [f.arrears_months for f in feed.figures(rows, source="s")] == [0, 3]
    with pytest.raises(feed.BadRows, match="is not a table name"):
        feed.read_sqlite(path, "coverage; DROP TABLE coverage")


async def test_the_feed_reports_recorded_already_recorded_and_refused_figures():
    duplicate = {"detail": {"rule": "duplicate_figure", "reason": "figure f-2 was already submitted"}}
    stage = {"detail": {"rule": "wrong_stage", "reason": "the cycle is in provincial_results"}}
    service = Evidence((201, {"command_id": "c", "status": "accepted", "aggregate_id": "kota-1",
                              "events": [{"event_id": "e-1", "type": "CoverageFigureSubmitted", "sequence": 1}]}),
                       (409, duplicate), (409, stage))
    async with client_for(service) as client:
        report = await feed.send(client, [figure(1), figure(2), figure(3)])
    assert [(f["figure_id"], f["events"]) for f in report["recorded"]] == [("f-1", ["e-1"]), ("f-2", [])]
    assert report["refused"] == [{"figure_id": "f-3", "candidate_id": "kota-3", "status": 409, "rule": "wrong_stage",
                                  "reason": "the cycle is in provincial_results"}]
    assert [r.headers["idempotency-key"] for r in service.requests] == ["feed-kota-1-f-1", "feed-kota-2-f-2",
                                                                        "feed-kota-3-f-3"]


def test_the_feed_refuses_a_token_that_does_not_fit_its_province_before_reading_anything(tmp_path, capsys):
    feed.check_token(token(provinces=("*",)), "jawa-barat")  # a national service may feed any province
    for wrong in (token(role="organiser", provinces=("*",)), token(provinces=("bali",))):
        with pytest.raises(KitError, match="a feed needs a regional-service token for jawa-barat"):
            feed.check_token(wrong, "jawa-barat")
    argv = ["--province", "jawa-barat", "--csv", str(tmp_path / "missing.csv")]
    assert feed.main([*argv, "--token", token(provinces=("bali",))]) == 2
    assert "feed stopped" in capsys.readouterr().err
    assert feed.main([*argv, "--token", token()]) == 2  # the file is missing: nothing sent


def test_the_tutorials_example_figures_are_for_the_tutorials_candidates():
    data = ROOT / "kit" / "examples" / "data"
    batch = feed.figures(feed.read_csv(data / "coverage-jawa-barat-2024.csv"), source="s")
    with (data / "candidates-jawa-barat-2024.csv").open(encoding="utf-8") as file:
        candidates = {row["candidate_id"]: row for row in csv.DictReader(file)}
    assert sorted(f.candidate_id for f in batch) == sorted(candidates)
    assert {row["province"] for row in candidates.values()} == {"jawa-barat"}


# -- the provincial notifier -------------------------------------------------------------------------


def test_the_notifier_gives_notices_of_its_own_provinces_results_and_nominations_only(tmp_path):
    board = envelope("board-1", 1, None)
    notice = notifier.notice_of(board, typed_event(board), "jawa-barat")
    assert notice["notice"] == "results_published" and notice["event"]["hash"] == board.hash
    assert notice["message"]["en"] == ("Results of c-2024 / regency-city / jawa-barat published (publication 1): "
                                       "1. kota-a (80.50)")
    assert notice["message"]["id"].startswith("Hasil c-2024 / regency-city / jawa-barat diumumkan")
    nominee = envelope("nominee-1", 1, None, nominated(), event_type_="NomineeNominated")
    assert notifier.notice_of(nominee, typed_event(nominee), "jawa-barat", linked=False)["event"]["chain"] == "anchored"
    assert notifier.notice_of(nominee, typed_event(nominee), "bali") is None
    shortlist = envelope("s-1", 1, None, {"x": 1}, event_type_="ShortlistSettled")
    assert notifier.notice_of(shortlist, object(), "jawa-barat") is None

    path = notifier.write_notice(tmp_path / "notices", notice)
    assert notifier.write_notice(tmp_path / "notices", notice) == path  # delivered again: the same file
    assert json.loads(path.read_text(encoding="utf-8")) == notice
    assert [p.name for p in (tmp_path / "notices").iterdir()] == [f"{board.event_id}.json"]


# -- schemas for other languages ---------------------------------------------------------------------


def test_the_kit_writes_the_schemas_the_repository_keeps(tmp_path, capsys):
    write_schemas([str(tmp_path / "schemas")])
    written = {p.relative_to(tmp_path / "schemas").as_posix() for p in (tmp_path / "schemas").rglob("*.*")}
    assert written == set(files()) >= {"asyncapi.yaml", "envelope.v1.json", "events/ProvincialResultsPublished.v1.json"}
    for path in ("envelope.v1.json", "events/NomineeNominated.v1.json"):
        assert (tmp_path / "schemas" / path).read_text() == (ROOT / "schemas" / path).read_text()
    assert f"wrote {len(written)} files" in capsys.readouterr().out


def test_the_tutorials_code_compiles_and_names_what_the_kit_has():
    text = (ROOT / "docs" / "plugin-kit.md").read_text(encoding="utf-8")
    blocks = text.split("```python\n")[1:]
    assert len(blocks) == 2
    for n, block in enumerate(blocks):
        compile(block.split("```", 1)[0], f"plugin-kit.md block {n}", "exec")
    import paritrana_kit
    for name in ("verify_event", "verify_chain", "verify_topic", "ChainFollower", "EventConsumer", "ParitranaClient"):
        assert name in text and hasattr(paritrana_kit, name)
