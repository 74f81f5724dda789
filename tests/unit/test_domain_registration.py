"""Registration's deciders: the Cycle (open, advance one stage at a time), the Candidate
(register against the cycle's categories and pinned regions and villages, withdraw with a reason)
and the ReferenceDataVersion (import villages once on a known base)."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from pydantic import ValidationError

from services.registration import reference
from services.registration.domain import (
    AdvanceStage,
    Candidate,
    CandidateState,
    Cycle,
    CycleContext,
    CycleState,
    OpenCycle,
    RegisterCandidate,
    RegistrationContext,
    WithdrawCandidate,
    next_stage,
)
from services.registration.reference import Province, ReferenceData, Regency
from services.registration.reference_imports import (
    ImportVillages, ReferenceDataVersion, VersionContext, VersionState, VillageSource,
)
from shared.commands import Rejected
from shared.contracts.cycle_config import STAGES, CycleConfig
from shared.contracts.registration import (
    CandidateRegistered, CandidateWithdrawn, CycleOpened, CycleStageAdvanced, ReferenceDataImported,
)


def _category(id_, level, segment="government", **extra):
    return {"id": id_, "name": id_, "segment": segment, "level": level, **extra,
            "rubric": {"version": 1, "indicators": [{"id": "policy", "name": "Policy", "weight": 1,
                                                     "method": "judged"}]}}


CONFIG = CycleConfig.model_validate({
    "cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo", "reference_data_version": "kemendagri-2024",
    "categories": [_category("regency-city", "regency_city"), _category("village", "village"),
                   _category("large-finance", "business", "business", sector="finance", size="large"),
                   _category("trade-medium-large", "business", "business", sector="trade", size="medium-large"),
                   _category("any-business", "business", "business")],
})

REGIONS = ReferenceData(
    "kemendagri-2024",
    MappingProxyType({"jawa-barat": Province("jawa-barat", "32", "Jawa Barat", "jawa-bali"),
                      "aceh": Province("aceh", "11", "Aceh", "sumatra")}),
    MappingProxyType({"32.73": Regency("32.73", "jawa-barat", "Kota Bandung", "city"),
                      "11.01": Regency("11.01", "aceh", "Kabupaten Simeulue", "regency")}),
)


def in_stage(stage: str | None, config: CycleConfig | None = CONFIG) -> RegistrationContext:
    return RegistrationContext(cycle=CycleState(config=config, stage=stage), regions=REGIONS)


OPEN = in_stage("registration")


def refused(aggregate, command, state, context) -> tuple[str, int]:
    with pytest.raises(Rejected) as rejection:
        aggregate.decide(command, state, context)
    return rejection.value.rule, rejection.value.status


def fold(aggregate, state, events):
    for event in events:
        state = aggregate.evolve(state, event)
    return state


# the cycle ---------------------------------------------------------------------------------

def test_opening_a_cycle_records_its_whole_config_and_starts_in_registration():
    cycle = Cycle()
    assert cycle.initial_state() == CycleState()
    events = cycle.decide(OpenCycle(config=CONFIG), CycleState(), None)
    assert events == [CycleOpened(config=CONFIG)]
    state = fold(cycle, CycleState(), events)
    assert (state.config, state.stage) == (CONFIG, "registration")
    assert OpenCycle(config=CONFIG).aggregate_id() == "demo-2024"


def test_a_cycle_opens_only_once():
    state = CycleState(config=CONFIG, stage="assessment")
    assert refused(Cycle(), OpenCycle(config=CONFIG), state, None) == ("cycle_already_open", 409)


def test_a_cycle_pinned_to_unknown_reference_data_is_refused():
    config = CONFIG.model_copy(update={"reference_data_version": "bps-1999"})
    with pytest.raises(Rejected) as rejection:
        Cycle().decide(OpenCycle(config=config), CycleState(), None)
    assert (rejection.value.rule, rejection.value.status) == ("unknown_reference_data", 422)
    assert "kemendagri-2024" in rejection.value.reason


def test_advancing_a_cycle_never_opened_is_refused():
    assert refused(Cycle(), AdvanceStage(cycle_id="demo-2024", to_stage="screening"), CycleState(), None) == \
        ("unknown_cycle", 404)


@pytest.mark.parametrize("stage, following", list(zip(STAGES, STAGES[1:])))
def test_a_cycle_advances_to_the_next_stage(stage, following):
    cycle, state = Cycle(), CycleState(config=CONFIG, stage=stage)
    events = cycle.decide(AdvanceStage(cycle_id="demo-2024", to_stage=following), state, None)
    assert events == [CycleStageAdvanced(cycle_id="demo-2024", from_stage=stage, to_stage=following)]
    assert fold(cycle, state, events) == CycleState(config=CONFIG, stage=following)


@pytest.mark.parametrize(
    "stage, target",
    [(s, t) for i, s in enumerate(STAGES) for j, t in enumerate(STAGES) if j != i + 1],
)
def test_a_cycle_cannot_skip_stay_or_go_back(stage, target):
    state = CycleState(config=CONFIG, stage=stage)
    assert refused(Cycle(), AdvanceStage(cycle_id="demo-2024", to_stage=target), state, None) == ("stage_order", 409)


def test_a_closed_cycle_can_move_on_to_nothing():
    with pytest.raises(Rejected, match="only move on to nothing"):
        Cycle().decide(AdvanceStage(cycle_id="demo-2024", to_stage="closed"), CycleState(config=CONFIG,
                                                                                         stage="closed"), None)
    assert next_stage("closed") is None
    assert next_stage("registration") == "screening"


def test_a_full_cycle_folds_through_every_stage():
    cycle = Cycle()
    state = fold(cycle, CycleState(), cycle.decide(OpenCycle(config=CONFIG), CycleState(), None))
    seen = [state.stage]
    while next_stage(state.stage):
        state = fold(cycle, state, cycle.decide(AdvanceStage(cycle_id="demo-2024", to_stage=next_stage(state.stage)),
                                                state, None))
        seen.append(state.stage)
    assert tuple(seen) == STAGES
    assert state.config == CONFIG


# registering a candidate -------------------------------------------------------------------

REGISTER = dict(candidate_id="kota-bandung", cycle_id="demo-2024", category_id="regency-city",
                kind="regency_city", name="Kota Bandung", province="jawa-barat")


def test_a_registration_records_exactly_what_was_registered_and_the_provinces_zone():
    command = RegisterCandidate(**REGISTER, regency_code="32.73")
    [event] = Candidate().decide(command, CandidateState(), OPEN)
    assert isinstance(event, CandidateRegistered)
    assert event.model_dump() == {**REGISTER, "regency_code": "32.73", "employer_id": None, "sector": None,
                                  "size": None, "zone": "jawa-bali", "village_code": None}
    assert command.aggregate_id() == "kota-bandung"


def test_the_zone_comes_from_the_cycles_reference_data_and_older_registrations_have_none():
    command = RegisterCandidate(**{**REGISTER, "province": "aceh"})
    [event] = Candidate().decide(command, CandidateState(), OPEN)
    assert event.zone == "sumatra"
    assert CandidateRegistered(**REGISTER).zone is None


def test_a_business_keeps_its_employer_sector_and_size():
    command = RegisterCandidate(candidate_id="bank-x", cycle_id="demo-2024", category_id="large-finance",
                                kind="business", name="PT Bank X", province="aceh", employer_id="NPP-123",
                                sector="finance", size="large")
    [event] = Candidate().decide(command, CandidateState(), OPEN)
    assert (event.employer_id, event.sector, event.size, event.regency_code) == ("NPP-123", "finance", "large", None)


@pytest.mark.parametrize(
    "changes, context, rule, status",
    [
        ({}, in_stage(None, config=None), "unknown_cycle", 422),
        ({"category_id": "province"}, OPEN, "unknown_category", 422),
        ({"kind": "village"}, OPEN, "kind_mismatch", 422),
        ({"category_id": "village"}, OPEN, "kind_mismatch", 422),
        ({"province": "atlantis"}, OPEN, "unknown_province", 422),
        ({"province": "Jawa Barat"}, OPEN, "unknown_province", 422),
        ({}, RegistrationContext(cycle=OPEN.cycle, regions=None), "unknown_province", 422),
        ({"regency_code": "99.99"}, OPEN, "unknown_regency", 422),
        ({"regency_code": "11.01"}, OPEN, "regency_outside_province", 422),
        *[({}, in_stage(stage), "wrong_stage", 409) for stage in STAGES[1:]],
    ],
    ids=["no-cycle", "no-category", "kind-vs-category", "category-vs-kind", "no-province", "province-by-name",
         "no-regions", "no-regency", "regency-elsewhere", *[f"in-{s}" for s in STAGES[1:]]],
)
def test_registration_rules(changes, context, rule, status):
    assert refused(Candidate(), RegisterCandidate(**{**REGISTER, **changes}), CandidateState(), context) == \
        (rule, status)


def test_registering_twice_is_refused_before_anything_else():
    state = CandidateState(registered=CandidateRegistered(**REGISTER))
    # even against a closed cycle or a wrong category, the duplicate is what the caller hears about
    assert refused(Candidate(), RegisterCandidate(**{**REGISTER, "category_id": "nope"}), state,
                   in_stage("closed")) == ("duplicate_candidate", 409)


def test_a_regency_outside_its_province_names_both():
    with pytest.raises(Rejected, match="Kabupaten Simeulue is in aceh, not jawa-barat"):
        Candidate().decide(RegisterCandidate(**REGISTER, regency_code="11.01"), CandidateState(), OPEN)


@pytest.mark.parametrize(
    "changes",
    [{"candidate_id": "Kota-Bandung"}, {"candidate_id": "-bandung"}, {"candidate_id": "k" * 65},
     {"candidate_id": "kota bandung"}, {"cycle_id": "Demo"}, {"category_id": ""}, {"kind": "district"},
     {"name": ""}, {"name": "x" * 201}, {"province": ""}, {"regency_code": "3273"}, {"regency_code": "32.7"},
     {"employer_id": ""}, {"unknown": 1}],
)
def test_malformed_registration_commands_do_not_validate(changes):
    with pytest.raises(ValidationError):
        RegisterCandidate(**{**REGISTER, **changes})


# withdrawing -------------------------------------------------------------------------------

REGISTERED = CandidateState(registered=CandidateRegistered(**REGISTER))
WITHDRAW = WithdrawCandidate(candidate_id="kota-bandung", reason="surat bupati")


@pytest.mark.parametrize("stage", STAGES[:-2])
def test_a_candidate_may_withdraw_until_the_national_results(stage):
    [event] = Candidate().decide(WITHDRAW, REGISTERED, in_stage(stage))
    assert event == CandidateWithdrawn(candidate_id="kota-bandung", cycle_id="demo-2024", reason="surat bupati")


@pytest.mark.parametrize(
    "command, state, stage, rule, status",
    [
        (WITHDRAW, CandidateState(), "registration", "unknown_candidate", 404),
        (WITHDRAW, REGISTERED.model_copy(update={"withdrawn": True}), "registration", "already_withdrawn", 409),
        (WithdrawCandidate(candidate_id="kota-bandung"), REGISTERED, "registration", "withdrawal_reason_required",
         422),
        (WithdrawCandidate(candidate_id="kota-bandung", reason=" \n\t"), REGISTERED, "registration",
         "withdrawal_reason_required", 422),
        (WITHDRAW, REGISTERED, "national_results", "wrong_stage", 409),
        (WITHDRAW, REGISTERED, "closed", "wrong_stage", 409),
    ],
)
def test_withdrawal_rules(command, state, stage, rule, status):
    assert refused(Candidate(), command, state, in_stage(stage)) == (rule, status)


def test_register_then_withdraw_folds_into_a_withdrawn_candidate_that_keeps_its_registration():
    candidate = Candidate()
    state = fold(candidate, candidate.initial_state(),
                 candidate.decide(RegisterCandidate(**REGISTER), CandidateState(), OPEN))
    assert state == CandidateState(registered=CandidateRegistered(**REGISTER, zone="jawa-bali"), withdrawn=False)
    state = fold(candidate, state, candidate.decide(WITHDRAW, state, in_stage("interview")))
    assert state.withdrawn is True
    assert state.registered == CandidateRegistered(**REGISTER, zone="jawa-bali")
    assert refused(candidate, WITHDRAW, state, in_stage("interview")) == ("already_withdrawn", 409)
    assert refused(candidate, RegisterCandidate(**REGISTER), state, OPEN) == ("duplicate_candidate", 409)


def test_a_withdrawal_reason_may_not_exceed_2000_characters():
    with pytest.raises(ValidationError):
        WithdrawCandidate(candidate_id="kota-bandung", reason="x" * 2001)



BUSINESS = dict(candidate_id="pt-x", cycle_id="demo-2024", kind="business", name="PT X", province="aceh")


@pytest.mark.parametrize(
    "category, sector, size",
    [("large-finance", "finance", "large"), ("trade-medium-large", "trade", "medium"),
     ("trade-medium-large", "trade", "large"), ("any-business", None, None), ("any-business", "mining", "small")],
)
def test_a_business_fits_a_category_of_its_sector_and_size(category, sector, size):
    command = RegisterCandidate(**BUSINESS, category_id=category, sector=sector, size=size)
    [event] = Candidate().decide(command, CandidateState(), OPEN)
    assert (event.category_id, event.sector, event.size) == (category, sector, size)


@pytest.mark.parametrize(
    "category, sector, size",
    [("large-finance", "education", "large"), ("large-finance", "finance", "medium"),
     ("large-finance", None, "large"), ("large-finance", "finance", None), ("trade-medium-large", "trade", "small"),
     ("trade-medium-large", "trade", None)],
)
def test_a_business_in_another_sector_or_size_than_its_category_is_refused(category, sector, size):
    command = RegisterCandidate(**BUSINESS, category_id=category, sector=sector, size=size)
    assert refused(Candidate(), command, CandidateState(), OPEN) == ("category_mismatch", 422)


def test_kind_is_checked_before_sector_and_size():
    command = RegisterCandidate(**{**BUSINESS, "kind": "village"}, category_id="large-finance", sector="education")
    assert refused(Candidate(), command, CandidateState(), OPEN) == ("kind_mismatch", 422)


# a cycle pinning an imported reference data version ------------------------------------------

IMPORTED = ReferenceDataImported(version="kemendagri-2025", base_version="kemendagri-2024", villages=2,
                                 sha256="e" * 64, size=99, imported_by="organiser-1")


class Docs:
    """A read store holding a few aggregate documents, for the contexts that read them."""

    def __init__(self, **docs: dict) -> None:
        self.docs = docs

    async def get(self, collection, doc_id):
        return self.docs.get(doc_id) if collection == "aggregates" else None


def test_a_cycle_may_pin_a_version_imported_before():
    config = CONFIG.model_copy(update={"reference_data_version": "kemendagri-2025"})
    [event] = Cycle().decide(OpenCycle(config=config), CycleState(), CycleContext(imported_version=True))
    assert event == CycleOpened(config=config)
    assert refused(Cycle(), OpenCycle(config=config), CycleState(), CycleContext()) == ("unknown_reference_data", 422)


async def test_opening_a_cycle_looks_up_whether_its_version_was_imported():
    store = Docs(**{"reference-data/kemendagri-2025": {"version": 1, "state": {"imported": IMPORTED.model_dump()}}})
    pins = OpenCycle(config=CONFIG.model_copy(update={"reference_data_version": "kemendagri-2025"}))
    assert await Cycle().context(pins, store) == CycleContext(imported_version=True)
    assert await Cycle().context(OpenCycle(config=CONFIG), store) == CycleContext(imported_version=False)
    assert await Cycle().context(AdvanceStage(cycle_id="demo-2024", to_stage="screening"), store) == CycleContext()


# a village candidate names its village -------------------------------------------------------

WITH_VILLAGES = RegistrationContext(cycle=OPEN.cycle, regions=dataclasses.replace(
    REGIONS, villages=MappingProxyType({"32.73.01.1001": "Sukaluyu", "11.01.01.2001": "Keude Bakongan"})))
VILLAGE = dict(candidate_id="sukaluyu", cycle_id="demo-2024", category_id="village", kind="village",
               name="Kelurahan Sukaluyu", province="jawa-barat", regency_code="32.73")


def test_a_village_candidate_records_its_village():
    [event] = Candidate().decide(RegisterCandidate(**VILLAGE, village_code="32.73.01.1001"), CandidateState(),
                                 WITH_VILLAGES)
    assert (event.village_code, event.regency_code, event.zone) == ("32.73.01.1001", "32.73", "jawa-bali")
    [event] = Candidate().decide(RegisterCandidate(**VILLAGE), CandidateState(), WITH_VILLAGES)
    assert event.village_code is None  # naming the village is optional


@pytest.mark.parametrize(
    "changes, context, rule",
    [
        ({"village_code": "32.73.01.1002"}, WITH_VILLAGES, "unknown_village"),
        ({"village_code": "32.73.01.1001"}, OPEN, "unknown_village"),  # the villages were not loaded
        ({"village_code": "11.01.01.2001"}, WITH_VILLAGES, "village_outside_regency"),
        ({"village_code": "32.73.01.1001", "regency_code": None}, WITH_VILLAGES, "regency_required"),
        ({"village_code": "32.73.01.1001", "category_id": "regency-city", "kind": "regency_city"}, WITH_VILLAGES,
         "village_code_not_allowed"),
        ({"village_code": "32.73.01.1001", "regency_code": "11.01"}, WITH_VILLAGES, "regency_outside_province"),
    ],
    ids=["no-such-village", "villages-not-loaded", "village-elsewhere", "no-regency", "not-a-village",
         "regency-checked-first"],
)
def test_village_rules(changes, context, rule):
    assert refused(Candidate(), RegisterCandidate(**{**VILLAGE, **changes}), CandidateState(), context) == (rule, 422)


def test_a_village_outside_its_regency_names_both():
    with pytest.raises(Rejected, match=r"Keude Bakongan \(11.01.01.2001\) is in 11.01, not 32.73"):
        Candidate().decide(RegisterCandidate(**VILLAGE, village_code="11.01.01.2001"), CandidateState(), WITH_VILLAGES)


@pytest.mark.parametrize("code", ["32.73.01", "32.73.01.10011", "3273011001", "32.73.01.100a", ""])
def test_a_malformed_village_code_does_not_validate(code):
    with pytest.raises(ValidationError):
        RegisterCandidate(**VILLAGE, village_code=code)


async def test_a_registration_loads_the_villages_only_when_it_names_one(tmp_path):
    store = Docs(**{"cycle/demo-2024": {"version": 1, "state": CycleState(config=CONFIG, stage="registration").model_dump()}})
    candidate = Candidate(VillageSource(tmp_path))
    named = await candidate.context(RegisterCandidate(**VILLAGE, village_code="32.73.01.1001"), store)
    assert named.regions is reference.load_with_villages("kemendagri-2024")
    unnamed = await candidate.context(RegisterCandidate(**VILLAGE), store)
    assert unnamed.regions is reference.load("kemendagri-2024") and unnamed.cycle.stage == "registration"


# importing a reference data version ----------------------------------------------------------

IMPORT = ImportVillages(version="kemendagri-2025", base_version="kemendagri-2024", villages=2, sha256="e" * 64,
                        size=99, imported_by="organiser-1")


def test_an_import_records_the_version_its_base_count_hash_and_who():
    versions = ReferenceDataVersion()
    [event] = versions.decide(IMPORT, VersionState(), VersionContext(base_known=True))
    assert event == IMPORTED
    assert versions.evolve(VersionState(), event) == VersionState(imported=IMPORTED)
    assert IMPORT.aggregate_id() == "kemendagri-2025"


@pytest.mark.parametrize(
    "command, state, base_known, rule, status",
    [
        (IMPORT.model_copy(update={"version": "kemendagri-2024"}), VersionState(), True, "shipped_reference_data",
         409),
        (IMPORT, VersionState(imported=IMPORTED), True, "reference_data_already_imported", 409),
        (IMPORT.model_copy(update={"sha256": "f" * 64}), VersionState(imported=IMPORTED), True,
         "reference_data_already_imported", 409),
        (IMPORT.model_copy(update={"base_version": "bps-1999"}), VersionState(), False, "unknown_base_version", 422),
    ],
    ids=["shipped-name", "imported-again", "another-file-same-version", "unknown-base"],
)
def test_import_rules(command, state, base_known, rule, status):
    context = VersionContext(base_known=base_known)
    assert refused(ReferenceDataVersion(), command, state, context) == (rule, status)


async def test_the_base_is_known_when_shipped_or_imported_before():
    store = Docs(**{"reference-data/kemendagri-2025": {"version": 1, "state": {"imported": IMPORTED.model_dump()}}})
    versions = ReferenceDataVersion()
    for base, known in (("kemendagri-2024", True), ("kemendagri-2025", True), ("bps-1999", False)):
        command = IMPORT.model_copy(update={"version": "next", "base_version": base})
        assert await versions.context(command, store) == VersionContext(base_known=known)


@pytest.mark.parametrize(
    "changes",
    [{"version": "Kemendagri-2025"}, {"version": "kemendagri.2025"}, {"base_version": ""}, {"villages": 0},
     {"sha256": "E" * 64}, {"sha256": "e" * 63}, {"size": 0}, {"imported_by": ""}],
)
def test_malformed_imports_do_not_validate(changes):
    with pytest.raises(ValidationError):
        ImportVillages(**{**IMPORT.model_dump(), **changes})
