"""The envelope (seal, hash chain), the codec (encode/decode, poison records) and the contract
registry (parse_payload, upcasters)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest
from pydantic import ValidationError

from shared.codec import PoisonRecord, decode, encode
from shared.contracts import base
from shared.contracts.base import DomainEvent, UnknownEventType, contract, latest_version, parse_payload, registered
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.registration import CommitteeMemberAppointed, ConflictDeclared, PanellistAppointed
from shared.contracts.evidence import (
    CandidateScreened,
    CategoryScreening,
    CoverageFigureCorrected,
    CoverageFigureSubmitted,
    DocumentAttached,
    EvidenceRejected,
    EvidenceVerified,
    Figures,
    MembershipDataImported,
    MembershipScreened,
    RegionMembership,
    RuleFailure,
)
from shared.contracts.interview import (
    Attendee,
    InterviewMissed,
    InterviewScheduled,
    InterviewScoreAmended,
    InterviewScored,
    Substitute,
)
from shared.contracts.ranking import (
    CorrectedFigure,
    Deviation,
    NominationWithdrawn,
    NomineeNominated,
    PanellistExcluded,
    ProvincialResultsPublished,
    RankedEntry,
    ReopeningRequested,
    ResultsReopened,
    ScenarioSaved,
    ScenarioSpec,
    ScoresExcluded,
    ShortlistSettled,
)
from shared.contracts.registration import (
    CandidateRegistered,
    CandidateWithdrawn,
    CycleOpened,
    CycleStageAdvanced,
    ReferenceDataImported,
)
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.envelope import ENVELOPE_VERSION, Actor, canonical_json, chain_hash, seal

EVENT = InterviewScored(score_id="i-1", candidate_id="kota-bandung", cycle_id="demo-2024",
                        interviewer_id="iv-1", value=80, attendee="Wali Kota")
WHEN = datetime(2025, 2, 3, 9, 30, tzinfo=UTC)


def fields(event: DomainEvent = EVENT, **changes) -> dict:
    return {
        "event_id": "ev-1", "type": event.TYPE, "schema_version": event.VERSION, "stream": "interview/c/kota-bandung",
        "sequence": 1, "occurred_at": WHEN, "actor": Actor(id="iv-1", role="interviewer"), "causation_id": "cmd-1",
        "correlation_id": "corr-1", "payload": event.model_dump(mode="json"), "previous_hash": None, **changes,
    }


# hashing -----------------------------------------------------------------------------------

def test_hash_is_sha256_of_the_canonical_json_of_every_other_field():
    by_hand = {
        "envelope_version": 1, "event_id": "ev-1", "type": "InterviewScored", "schema_version": 1,
        "stream": "interview/c/kota-bandung", "sequence": 1, "occurred_at": "2025-02-03T09:30:00Z",
        "actor": {"id": "iv-1", "role": "interviewer"}, "causation_id": "cmd-1", "correlation_id": "corr-1",
        "payload": {"score_id": "i-1", "candidate_id": "kota-bandung", "cycle_id": "demo-2024",
                    "interviewer_id": "iv-1", "value": 80.0, "attendee": "Wali Kota", "indicator_id": None,
                    "criteria": None},
        "previous_hash": None,
    }
    text = json.dumps(by_hand, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sealed = seal(fields())
    assert sealed.hash == hashlib.sha256(text.encode()).hexdigest()
    assert len(sealed.hash) == 64 and sealed.hash_is_valid()
    assert sealed.envelope_version == ENVELOPE_VERSION == 1


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_unicode():
    assert canonical_json({"b": 1, "a": [1, 2], "c": "Bekasi–Jawa Barat é"}) == \
        '{"a":[1,2],"b":1,"c":"Bekasi–Jawa Barat é"}'.encode()
    assert chain_hash({"b": 1, "a": 2}) == chain_hash({"a": 2, "b": 1})


def test_hash_does_not_depend_on_payload_key_order():
    payload = EVENT.model_dump(mode="json")
    reversed_payload = dict(reversed(list(payload.items())))
    assert seal(fields(payload=reversed_payload)).hash == seal(fields()).hash


def test_a_hash_given_to_seal_is_ignored():
    assert seal({**fields(), "hash": "f" * 64}).hash == seal(fields()).hash


@pytest.mark.parametrize(
    "field, value",
    [
        ("envelope_version", 2),
        ("event_id", "ev-2"),
        ("type", "CandidateWithdrawn"),
        ("schema_version", 2),
        ("stream", "interview/c/kota-bogor"),
        ("sequence", 2),
        ("occurred_at", datetime(2025, 2, 3, 9, 30, 1, tzinfo=UTC)),
        ("actor", Actor(id="iv-2", role="interviewer")),
        ("actor", Actor(id="iv-1", role="assessor")),
        ("causation_id", None),
        ("causation_id", "cmd-2"),
        ("correlation_id", "corr-2"),
        ("payload", {**EVENT.model_dump(mode="json"), "value": 80.5}),
        ("payload", {**EVENT.model_dump(mode="json"), "attendee": "Wakil Wali Kota"}),
        ("previous_hash", "0" * 64),
    ],
)
def test_changing_any_field_changes_the_hash(field, value):
    original = seal(fields())
    changed = seal(fields(**{field: value}))
    assert changed.hash != original.hash
    tampered = original.model_copy(update={field: value})  # same hash, altered field
    assert not tampered.hash_is_valid()


def test_a_chain_links_each_event_to_the_hash_of_the_one_before():
    first = seal(fields())
    second = seal(fields(event_id="ev-2", sequence=2, previous_hash=first.hash))
    third = seal(fields(event_id="ev-3", sequence=3, previous_hash=second.hash))
    assert [e.previous_hash for e in (first, second, third)] == [None, first.hash, second.hash]
    assert all(e.hash_is_valid() for e in (first, second, third))
    # rewriting history changes the hash the next event should have pointed to
    rewritten = seal(fields(payload={**EVENT.model_dump(mode="json"), "value": 10.0}))
    assert rewritten.hash != second.previous_hash


@pytest.mark.parametrize(
    "changes",
    [{"sequence": 0}, {"actor": {"id": "", "role": "x"}}, {"actor": {"id": "a", "role": ""}},
     {"actor": {"id": "a", "role": "x", "extra": 1}}, {"unexpected": 1}, {"payload": "not a dict"}],
)
def test_seal_refuses_an_invalid_envelope(changes):
    with pytest.raises(ValidationError):
        seal(fields(**changes))


def test_envelope_is_frozen():
    with pytest.raises(ValidationError):
        seal(fields()).sequence = 5  # type: ignore[misc]


# codec -------------------------------------------------------------------------------------

CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo",
    "categories": [{"id": "regency-city", "name": "Best regency/city", "segment": "government", "level": "regency_city",
                    "rubric": {"version": 1, "indicators": [{"id": "policy", "name": "Policy", "weight": 1,
                                                             "method": "judged"}]}}],
    "stages": [],
})

ONE_OF_EACH = [
    CycleOpened(config=CONFIG),
    CycleStageAdvanced(cycle_id="demo-2024", from_stage="registration", to_stage="screening"),
    CandidateRegistered(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                        kind="regency_city", name="Kota Bandung", province="jawa-barat", regency_code="32.73",
                        zone="jawa-bali"),
    CandidateWithdrawn(candidate_id="kota-bandung", cycle_id="demo-2024", reason="surat bupati"),
    ReferenceDataImported(version="kemendagri-2025", base_version="kemendagri-2024", villages=84276, sha256="e" * 64,
                          size=2_600_000, imported_by="organiser-1"),
    CoverageFigureSubmitted(figure_id="f-1", candidate_id="kota-bandung", cycle_id="demo-2024",
                            category_id="regency-city", period="2024-12", workers_eligible=1000,
                            workers_enrolled=450, source="BPJS Ketenagakerjaan"),
    CoverageFigureCorrected(figure_id="f-2", supersedes="f-1", candidate_id="kota-bandung", cycle_id="demo-2024",
                            category_id="regency-city", period="2024-12", workers_eligible=1000,
                            workers_enrolled=460, source="BPJS Ketenagakerjaan", reason="late enrolments"),
    EvidenceVerified(evidence_id="f-2", kind="figure", candidate_id="kota-bandung", cycle_id="demo-2024",
                     category_id="regency-city",
                     figures=Figures(period="2024-12", workers_eligible=1000, workers_enrolled=460)),
    EvidenceRejected(evidence_id="f-1", kind="figure", candidate_id="kota-bandung", cycle_id="demo-2024",
                     reason="does not match the membership export"),
    CandidateScreened(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city", eligible=False,
                      passed=["no_arrears"], failed=[RuleFailure(rule="min_coverage_ratio", reason="0.45 < 0.5")],
                      not_checked=["documents_required"]),
    MembershipDataImported(period="2025-02", employers=839937, sha256="a" * 64, size=71_000_000,
                           imported_by="bpjs-data-office",
                           by_province={"jawa-barat": RegionMembership(employers=120000, by_size={"micro": 97000},
                                                                       workers_eligible=4_000_000,
                                                                       workers_enrolled=2_500_000, in_arrears=9000)}),
    MembershipScreened(cycle_id="demo-2024", period="2025-02", snapshot_sha256="a" * 64, considered=839937,
                       eligible=5120, by_category={"small-micro": CategoryScreening(considered=800000, eligible=4000)},
                       per_province=20, nominated=4400,
                       eligible_sha256="b" * 64, eligible_size=600_000, screened_by="organiser-1"),
    CommitteeMemberAppointed(person_id="sekda-jabar", name="Sekda", cycle_id="demo-2024", committee="jawa-barat",
                             role="chair", represents="provincial secretary"),
    PanellistAppointed(person_id="a-1", name="A", cycle_id="demo-2024", duty="assessor", province="jawa-barat",
                       category_ids=["regency-city"]),
    ConflictDeclared(person_id="a-1", cycle_id="demo-2024", candidate_id="kota-bandung", nature="related_to"),
    DocumentAttached(document_id="doc-1", candidate_id="kota-bandung", cycle_id="demo-2024", indicator_id="policy",
                     title="Regional regulation 4/2023", filename="perda-4-2023.pdf", media_type="application/pdf",
                     size=1024, sha256="a" * 64),
    IndicatorScored(score_id="s-1", candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                    indicator_id="coverage", assessor_id="rule:coverage-bands:v1", value=50, rubric_version=1,
                    evidence=["f-1"], rule="coverage-bands@v1",
                    inputs={"figure_id": "f-1", "workers_eligible": 1000, "workers_enrolled": 450}),
    ScoreAmended(score_id="s-2", supersedes="s-1", candidate_id="kota-bandung", indicator_id="policy",
                 assessor_id="a-1", value=75.5, reason="salah ketik"),
    ScoreFlaggedForReview(score_id="s-2", candidate_id="kota-bandung", indicator_id="policy", assessor_id="a-1",
                          evidence_id="doc-1", reason="document doc-1 was rejected", cause="ev-9"),
    ScoreConfirmed(score_id="s-2", candidate_id="kota-bandung", assessor_id="a-1", note="the regulation stands"),
    ShortlistSettled(shortlist_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024",
                     category_id="regency-city", province="jawa-barat", rubric_version=1,
                     shortlisted=["kota-bandung"], ranking=[RankedEntry(candidate_id="kota-bandung", rank=1, total=80)],
                     ranking_digest="b" * 64,
                     deviations=[Deviation(candidate_id="kab-bogor", rank=None, shortlisted=False, reason="late")]),
    ProvincialResultsPublished(board_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024",
                               category_id="regency-city", province="jawa-barat", rubric_version=1, publication=2,
                               places=[RankedEntry(candidate_id="kota-bandung", rank=1, total=81.5)],
                               leaderboard_digest="c" * 64, published_by="sekda-jabar"),
    NomineeNominated(board_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024", category_id="regency-city",
                     province="jawa-barat", zone="jawa-bali", candidate_id="kota-bandung", name="Kota Bandung", rank=1,
                     total=81.5, indicators={"policy": 90, "interview": 68.75}, leaderboard_digest="c" * 64),
    NominationWithdrawn(board_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024",
                        category_id="regency-city", province="jawa-barat", zone="jawa-bali", candidate_id="kab-bogor",
                        total=None, leaderboard_digest="c" * 64, reason="displaced by publication 2"),
    ReopeningRequested(board_id="demo-2024:regency-city:jawa-barat", requested_by="sesmenko",
                       reason="a late verified figure"),
    ResultsReopened(board_id="demo-2024:regency-city:jawa-barat", requested_by="sesmenko", approved_by="dir-bpjs",
                    reason="a late verified figure"),
    InterviewScheduled(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                       province="jawa-barat", scheduled_for=WHEN, panel=["iv-1"],
                       principal=Attendee(name="Muhammad Farhan", position="Wali Kota"),
                       officials=[Attendee(name="Sekda", position="regional secretary")],
                       substitute=Substitute(name="Erwin", position="Wakil Wali Kota", reason="state visit")),
    InterviewScoreAmended(score_id="i-2", supersedes="i-1", candidate_id="kota-bandung", interviewer_id="iv-1",
                          indicator_id="interview", value=82, reason="work plan annex read late"),
    InterviewMissed(candidate_id="kota-bandung", cycle_id="demo-2024", reason="did not come",
                    consequence="disqualified"),
    ProvincialResultsPublished(board_id="demo-2024:regency-city:jawa-barat", cycle_id="demo-2024",
                               category_id="regency-city", province="jawa-barat", rubric_version=1, publication=1,
                               places=[RankedEntry(candidate_id="kota-bandung", rank=1, total=81.5)],
                               leaderboard_digest="c" * 64, published_by="sekda-jabar", merkle_root="d" * 64,
                               merkle_leaves=42, merkle_as_of=WHEN),
    ScenarioSaved(scenario_id="without-a-3", cycle_id="demo-2024", name="Without assessor 3",
                  description="a conflict found late", saved_by="sesmenko",
                  spec=ScenarioSpec(aggregation="trimmed_mean", trim_fraction=0.25,
                                    weights={"regency-city": {"policy": 0.3, "implementation": 0.2}},
                                    excluded=["a-3"], figures={"kab-bogor": CorrectedFigure(
                                        workers_eligible=1000, workers_enrolled=650, note="late BPJS export")})),
    PanellistExcluded(cycle_id="demo-2024", person_id="a-3", scenario_id="without-a-3", excluded_by="sesmenko",
                      reason="employed by a candidate's regional company", candidate_ids=["kab-bogor", "kota-bandung"]),
    ScoresExcluded(cycle_id="demo-2024", candidate_id="kab-bogor", person_id="a-3", scenario_id="without-a-3"),
    EVENT,
]


def test_every_published_contract_is_registered_once_at_version_1():
    # a new contract must get a sample in ONE_OF_EACH, so that it is round-tripped below
    without_sample = set(registered()) - {(e.TYPE, 1) for e in ONE_OF_EACH}
    assert not without_sample, f"add a sample of each to ONE_OF_EACH: {sorted(without_sample)}"
    assert set(registered()) == {(e.TYPE, 1) for e in ONE_OF_EACH}
    assert all(latest_version(e.TYPE) == 1 for e in ONE_OF_EACH)


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.TYPE)
def test_every_contract_round_trips_through_the_codec(event):
    sealed = seal(fields(event))
    raw = encode(sealed)
    assert raw == canonical_json(sealed.model_dump(mode="json"))
    back, decoded = decode(raw)
    assert back == sealed and decoded == event and type(decoded) is type(event)


def test_decode_keeps_the_dates_of_a_cycle_config():
    config = CONFIG.model_copy(update={"stages": []})
    _, event = decode(encode(seal(fields(CycleOpened(config=config)))))
    assert event.config == config


def _raw(**changes) -> dict:
    return {**json.loads(encode(seal(fields()))), **changes}


def _resealed(**changes) -> bytes:
    doc = _raw(**changes)
    del doc["hash"]
    return encode(seal(doc))


@pytest.mark.parametrize(
    "value, reason",
    [
        (b"", "malformed envelope"),
        (b"not json", "malformed envelope"),
        (b"{\"event_id\": ", "malformed envelope"),
        (b"\xff\xfe\xfa", "malformed envelope"),
        (b"[]", "malformed envelope"),
        (b"null", "malformed envelope"),
        (b'{"event_id": "x"}', "malformed envelope"),
        (json.dumps(_raw(sequence=0)).encode(), "malformed envelope"),
        (json.dumps(_raw(surprise=True)).encode(), "malformed envelope"),
        (json.dumps({k: v for k, v in _raw().items() if k != "hash"}).encode(), "malformed envelope"),
        (json.dumps(_raw(hash="0" * 64)).encode(), "hash mismatch for event ev-1"),
        (json.dumps(_raw(payload={**EVENT.model_dump(mode="json"), "value": 99.0})).encode(),
         "hash mismatch for event ev-1"),
        (json.dumps(_raw(stream="other")).encode(), "hash mismatch"),
        (_resealed(type="Nonexistent"), "unknown event type 'Nonexistent'"),
        (_resealed(schema_version=2), r"InterviewScored v2 is newer than this reader \(v1\)"),
        (_resealed(schema_version=0), "unknown event version InterviewScored v0"),
        (_resealed(payload={"score_id": "x"}), "invalid InterviewScored payload"),
        (_resealed(payload={**EVENT.model_dump(mode="json"), "extra": 1}), "invalid InterviewScored payload"),
        (_resealed(payload={**EVENT.model_dump(mode="json"), "attendee": ""}), "invalid InterviewScored payload"),
        (_resealed(payload={**EVENT.model_dump(mode="json"), "value": "high"}), "invalid InterviewScored payload"),
    ],
    ids=["empty", "not-json", "truncated", "not-utf8", "list", "null", "missing-fields", "sequence-0",
         "extra-field", "no-hash", "wrong-hash", "tampered-payload", "tampered-stream", "unknown-type",
         "future-version", "version-0", "payload-missing-fields", "payload-extra-field", "payload-constraint",
         "payload-wrong-type"],
)
def test_poison_records_are_refused_with_their_reason(value, reason):
    with pytest.raises(PoisonRecord, match=reason):
        decode(value)


def test_poison_reason_is_short():
    huge = b"{" + b'"x":' * 10_000
    with pytest.raises(PoisonRecord) as poison:
        decode(huge)
    assert len(str(poison.value)) <= len("malformed envelope: ") + 300


def test_a_future_envelope_version_is_a_poison_record():
    with pytest.raises(PoisonRecord, match="envelope version 2 is newer than this reader"):
        decode(_resealed(envelope_version=ENVELOPE_VERSION + 1))


# registry and upcasters --------------------------------------------------------------------

class _GreetedV1(DomainEvent):
    TYPE: ClassVar[str] = "TestGreeted"
    VERSION: ClassVar[int] = 1
    name: str


class _GreetedV2(DomainEvent):
    TYPE: ClassVar[str] = "TestGreeted"
    VERSION: ClassVar[int] = 2
    first_name: str
    last_name: str = ""


class _GreetedV3(DomainEvent):
    TYPE: ClassVar[str] = "TestGreeted"
    VERSION: ClassVar[int] = 3
    first_name: str
    last_name: str = ""
    language: str


def _v1_to_v2(payload):
    first, _, last = payload["name"].partition(" ")
    return {"first_name": first, "last_name": last}


def _v2_to_v3(payload):
    return {**payload, "language": "id"}


@pytest.fixture
def greeted(monkeypatch):
    """A throwaway contract with three versions, registered only for one test."""
    for cls in (_GreetedV1, _GreetedV2, _GreetedV3):
        monkeypatch.setitem(base._registry, (cls.TYPE, cls.VERSION), cls)
    monkeypatch.setitem(base._upcasters, ("TestGreeted", 1), _v1_to_v2)
    monkeypatch.setitem(base._upcasters, ("TestGreeted", 2), _v2_to_v3)


def test_an_old_payload_is_upcast_step_by_step_to_the_newest_version(greeted):
    event = parse_payload("TestGreeted", 1, {"name": "Joko Widodo"})
    assert event == _GreetedV3(first_name="Joko", last_name="Widodo", language="id")
    assert parse_payload("TestGreeted", 2, {"first_name": "Sri"}) == _GreetedV3(first_name="Sri", language="id")
    assert parse_payload("TestGreeted", 3, {"first_name": "Ma", "language": "jv"}).language == "jv"


def test_a_missing_upcaster_makes_old_payloads_unreadable(greeted, monkeypatch):
    monkeypatch.delitem(base._upcasters, ("TestGreeted", 2))
    with pytest.raises(UnknownEventType, match="no upcaster for TestGreeted v2"):
        parse_payload("TestGreeted", 1, {"name": "Joko Widodo"})


def test_an_upcast_payload_is_still_validated(greeted):
    with pytest.raises(ValidationError):
        parse_payload("TestGreeted", 2, {"last_name": "Widodo"})  # upcast to v3, but first_name is missing
    with pytest.raises(ValidationError):
        parse_payload("TestGreeted", 3, {"first_name": "Sri"})  # v3 needs a language


def test_a_malformed_old_payload_is_a_poison_record_not_a_crash(greeted):
    # validated against its own version before upcasting, so the upcaster never sees it
    sealed = seal({**fields(), "type": "TestGreeted", "schema_version": 1, "payload": {"nama": "Joko"}})
    with pytest.raises(PoisonRecord, match="invalid TestGreeted payload"):
        decode(encode(sealed))


def test_a_decoded_old_envelope_is_upcast(greeted):
    sealed = seal({**fields(), "type": "TestGreeted", "schema_version": 1, "payload": {"name": "Joko Widodo"}})
    _, event = decode(encode(sealed))
    assert isinstance(event, _GreetedV3) and event.last_name == "Widodo"


def test_registering_a_contract_twice_is_refused():
    class Again(DomainEvent):
        TYPE: ClassVar[str] = "InterviewScored"

    with pytest.raises(ValueError, match=r"\('InterviewScored', 1\) registered twice"):
        contract(Again)
    assert registered()[("InterviewScored", 1)] is InterviewScored


def test_events_are_frozen_and_refuse_unknown_fields():
    with pytest.raises(ValidationError):
        EVENT.value = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        InterviewScored(**EVENT.model_dump(), mood="good")


@pytest.mark.parametrize(
    "changes",
    [{"period": "24"}, {"period": "2024-1"}, {"period": "2024/12"}, {"workers_eligible": 0},
     {"workers_enrolled": -1}, {"source": ""}, {"source": "x" * 201}],
)
def test_coverage_figure_contract_constraints(changes):
    with pytest.raises(ValidationError):
        CoverageFigureSubmitted(**{**ONE_OF_EACH[4].model_dump(), **changes})


def test_cycle_opened_payload_holds_dates_as_iso_strings():
    config = CONFIG.model_copy(update={"stages": []})
    payload = CycleOpened(config=CycleConfig.model_validate(
        {**config.model_dump(), "stages": [{"stage": s, "opens": date(2025, 1, 6), "closes": date(2025, 1, 6)}
                                           for s in ("registration", "screening", "assessment", "plenary",
                                                     "interview", "provincial_results", "national_round",
                                                     "national_results", "closed")]})).model_dump(mode="json")
    assert payload["config"]["stages"][0] == {"stage": "registration", "opens": "2025-01-06", "closes": "2025-01-06"}
