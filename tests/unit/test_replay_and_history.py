"""Boards rebuilt from the log as of a time or an event, the reproducible CSV of every board of a
cycle, the year-on-year history of a subject, and the insight routes over an embedded log and store.

Numbers by hand (demo rubric, see test_trail_and_explain): Kab. Bogor's policy is 67.5 and its
document total 70.78125 until the amendment, 75 and 73.125 from it; final total 74.5.
The 2023 edition by hand: Kab. Bogor policy 50/60 -> 55, implementation 60/70 -> 65, coverage
450 of 1000 (band .3) -> 50: (.25*55 + .25*65 + .3*50) / .8 = 56.25, second after Kota Bandung
(.25*80 + .25*80 + .3*90) / .8 = 83.75; no plenary yet, so no final total.
"""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from services.ranking.history import Appearance, appearances, subject_key, year_on_year
from services.ranking.insight_routes import insight_routes
from services.ranking.projections import STANDINGS
from services.ranking.replay import board, fold, leaderboards_csv, place_on, places, up_to, views
from services.ranking.trail import AUDIT_TRAILS, AuditTrail
from services.registration.cycle_files import shipped
from shared import topics
from shared.codec import encode
from shared.contracts.cycle_config import CycleConfig
from shared.directory import CYCLES
from shared.eventlog.embedded import EmbeddedEventLog
from shared.readstore.embedded import EmbeddedReadStore
from shared.shortlists import SHORTLISTS
from tests.unit.test_trail_and_explain import (
    CATEGORY,
    CYCLE,
    DEMO,
    PROVINCE,
    Facts,
    assess,
    demo_facts,
)

EARLIER = {"kota-bandung-2023": ("Kota Bandung", "32.73", 700, {"policy": [80, 80], "implementation": [80, 80]}, 0),
           "kab-bogor-2023": ("Kabupaten Bogor", "32.01", 450, {"policy": [50, 60], "implementation": [60, 70]}, 0)}


def _bogor(board_: dict) -> dict:
    return place_on(board_, "kab-bogor")["row"]


def _amendment(facts: Facts):
    return next(envelope for envelope, event in facts.pairs if event.TYPE == "ScoreAmended")


def _as_of(facts: Facts, **point) -> dict | None:
    return board(views(up_to(facts.pairs, **point)), CYCLE, CATEGORY, PROVINCE)


# --- as of a time or an event ----------------------------------------------------------------------

def test_as_of_the_event_before_the_amendment_and_the_amendment_itself():
    facts = demo_facts()
    amendment = _amendment(facts)
    before = facts.pairs[facts.pairs.index(next(p for p in facts.pairs if p[0] is amendment)) - 1][0]
    earlier = _as_of(facts, until_event=before.event_id)
    assert earlier["stage"] == "document"
    assert _bogor(earlier)["indicators"]["policy"] == 67.5 and _bogor(earlier)["document_total"] == 70.78125
    assert _bogor(earlier)["rank"] == 3  # Bekasi's 74.0625 is ahead either way
    later = _as_of(facts, until_event=amendment.event_id)  # inclusive
    assert _bogor(later)["indicators"]["policy"] == 75 and _bogor(later)["document_total"] == 73.125


def test_as_of_a_time():
    facts = demo_facts()
    amendment = _amendment(facts)
    assert _bogor(_as_of(facts, at=amendment.occurred_at - timedelta(seconds=1)))["document_total"] == 70.78125
    assert _bogor(_as_of(facts, at=amendment.occurred_at))["document_total"] == 73.125
    final = _as_of(facts, at=facts.pairs[-1][0].occurred_at + timedelta(days=365))
    assert final["stage"] == "final" and _bogor(final)["total"] == 74.5
    assert [r["candidate_id"] for r in final["ranked"]] == ["kota-bandung", "kab-bekasi", "kab-bogor"]
    assert _as_of(facts, at=facts.pairs[0][0].occurred_at - timedelta(seconds=1)) is None  # no cycle yet


def test_the_shortlist_turns_the_board_to_the_final_stage():
    facts = demo_facts()
    settled = next(envelope for envelope, event in facts.pairs if event.TYPE == "ShortlistSettled")
    just_before = _as_of(facts, at=settled.occurred_at - timedelta(seconds=1))
    assert just_before["stage"] == "document" and len(just_before["ranked"]) == 4
    after = _as_of(facts, until_event=settled.event_id)
    assert after["stage"] == "final" and [r["candidate_id"] for r in after["incomplete"]] == [
        "kab-bekasi", "kab-bogor", "kota-bandung"]  # shortlisted, not yet interviewed
    assert [r["candidate_id"] for r in after["not_shortlisted"]] == ["kota-depok"]


def test_arrival_order_and_redelivery_do_not_change_a_replay():
    facts = demo_facts()
    shuffled = facts.pairs + facts.pairs[:10]
    random.Random(7).shuffle(shuffled)
    assert views(up_to(shuffled)) == views(up_to(facts.pairs))


def test_fold_applies_each_event_once():
    facts = demo_facts()
    once = fold(AuditTrail(), facts.pairs)
    assert fold(AuditTrail(), facts.pairs + facts.pairs) == once


def test_places_walks_every_list_of_a_board():
    final = _as_of(demo_facts())
    assert [(p["list"], p["rank"], p["candidate_id"]) for p in places(final)] == [
        ("ranked", 1, "kota-bandung"), ("ranked", 2, "kab-bekasi"), ("ranked", 3, "kab-bogor"),
        ("not_shortlisted", None, "kota-depok")]
    withdrawn = {**final, "withdrawn": ["kota-x"]}
    assert place_on(withdrawn, "kota-x") == {"list": "withdrawn", "rank": None, "candidate_id": "kota-x", "row": None}
    assert place_on(final, "nobody") is None and place_on(None, "kab-bogor") is None


# --- the CSV ---------------------------------------------------------------------------------------

EXPECTED_CSV = """\
cycle_id,category_id,province,stage,place,candidate_id,name,total,document_total,interview_total,indicators
demo-2024,regency-city,jawa-barat,final,1,kota-bandung,Kota Bandung,84.6,83.75,88.0,\
"{""coverage"":90.0,""implementation"":75.0,""interview"":88.0,""policy"":85.0}"
demo-2024,regency-city,jawa-barat,final,2,kab-bekasi,Kabupaten Bekasi,77.25,74.0625,90.0,\
"{""coverage"":50.0,""implementation"":85.0,""interview"":90.0,""policy"":92.0}"
demo-2024,regency-city,jawa-barat,final,3,kab-bogor,Kabupaten Bogor,74.5,73.125,80.0,\
"{""coverage"":70.0,""implementation"":75.0,""interview"":80.0,""policy"":75.0}"
demo-2024,regency-city,jawa-barat,final,not_shortlisted,kota-depok,Kota Depok,,48.125,,\
"{""coverage"":20.0,""implementation"":60.0,""policy"":70.0}"
"""


def test_the_csv_of_every_board_is_the_same_bytes_every_time():
    facts = demo_facts()
    first = leaderboards_csv(views(up_to(facts.pairs)), CYCLE)
    assert first == EXPECTED_CSV
    shuffled = facts.pairs[::-1] + facts.pairs[:3]
    assert leaderboards_csv(views(up_to(shuffled)), CYCLE).encode() == first.encode()


def test_the_csv_lists_every_board_and_the_candidates_apart():
    facts = demo_facts()
    assess(facts, {"kota-denpasar": ("Kota Denpasar", "51.71", 700, {"policy": [80]}, 0)}, shipped("demo"),
           province="bali")
    lines = leaderboards_csv(views(up_to(facts.pairs)), CYCLE).splitlines()
    assert lines[1].startswith("demo-2024,regency-city,bali,document,incomplete,kota-denpasar,Kota Denpasar,,,,")
    assert [line.split(",")[2] for line in lines[1:]] == ["bali"] + ["jawa-barat"] * 4
    assert leaderboards_csv(views(up_to(facts.pairs)), "no-such-cycle").splitlines() == lines[:1]


# --- history ---------------------------------------------------------------------------------------

def two_editions() -> Facts:
    facts = Facts()
    earlier = CycleConfig.model_validate({**shipped("demo").model_dump(mode="json"), "cycle_id": "demo-2023",
                                          "edition_year": 2023})
    assess(facts, EARLIER, earlier, cycle_id="demo-2023")
    return demo_facts(facts)


def _appearances(facts: Facts, key: str) -> list[Appearance]:
    known = views(up_to(facts.pairs))
    found = []
    for standing in known.standings.values():
        if subject_key(standing) == key:
            board_ = [s for s in known.standings.values()
                      if all(s[k] == standing[k] for k in ("cycle_id", "category_id", "province"))]
            settled = known.shortlists.get(f"{standing['cycle_id']}:{CATEGORY}:{PROVINCE}")
            found.append(Appearance(CycleConfig.model_validate(known.cycles[standing["cycle_id"]]["config"]),
                                    standing, board_, settled["shortlisted"] if settled else None))
    return found


EXPECTED_HISTORY = {
    "kind": "regency_city", "subject_key": "32.01",
    "cycles": [
        {"cycle_id": "demo-2023", "edition_year": 2023, "category_id": CATEGORY, "rubric_version": 1,
         "candidate_id": "kab-bogor-2023", "name": "Kabupaten Bogor", "province": PROVINCE, "stage": "document",
         "list": "ranked", "rank": 2, "document_total": 56.25, "total": None, "coverage_ratio": 0.45,
         "change": None},
        {"cycle_id": "demo-2024", "edition_year": 2024, "category_id": CATEGORY, "rubric_version": 1,
         "candidate_id": "kab-bogor", "name": "Kabupaten Bogor", "province": PROVINCE, "stage": "final",
         "list": "ranked", "rank": 3, "document_total": 73.125, "total": 74.5, "coverage_ratio": 0.62,
         "change": {"document_total": 16.875, "total": None, "coverage_ratio": 0.17, "rank": 1}},
    ],
}


def test_year_on_year_lists_each_edition_and_the_change():
    found = _appearances(two_editions(), "32.01")
    assert year_on_year("regency_city", "32.01", found[::-1]) == EXPECTED_HISTORY


def test_subject_keys_by_kind():
    assert subject_key({"kind": "regency_city", "regency_code": "32.01"}) == "32.01"
    assert subject_key({"kind": "province", "province": "jawa-barat"}) == "jawa-barat"
    assert subject_key({"kind": "business", "employer_id": "npp-123"}) == "npp-123"
    assert subject_key({"kind": "public_service", "employer_id": "npp-9"}) == "npp-9"
    assert subject_key({"kind": "village", "province": "jawa-barat", "name": "Desa  Suka Maju"}) == (
        "jawa-barat:desa-suka-maju")
    assert subject_key({"kind": "regency_city", "regency_code": None}) is None


async def _filled(tmp_path, facts: Facts):
    """An embedded log and a ranking store holding the facts, as the running service would."""
    log, store = EmbeddedEventLog(tmp_path / "events.sqlite"), EmbeddedReadStore(tmp_path / "ranking.sqlite")
    await log.start()
    await store.start()
    await log.ensure_topics(topics.all_topics("t", 2))
    for envelope, _event in facts.pairs:
        service, _kind, key = envelope.stream.split("/")
        await log.append(topics.events("t", service), key, encode(envelope))
    known = views(up_to(facts.pairs))
    for collection, docs in ((CYCLES, known.cycles), (STANDINGS, known.standings), (SHORTLISTS, known.shortlists),
                             (AUDIT_TRAILS, fold(AuditTrail(), facts.pairs))):
        for doc_id, doc in docs.items():
            await store.put(collection, doc_id, doc)
    return log, store


async def test_history_reads_the_subjects_boards_from_the_store(tmp_path):
    log, store = await _filled(tmp_path, two_editions())
    try:
        found = await appearances(store, "regency_city", "32.01")
        assert year_on_year("regency_city", "32.01", found) == EXPECTED_HISTORY
        assert await appearances(store, "regency_city", "99.99") == []
        village = await appearances(store, "village", "jawa-barat:kabupaten-bogor")
        assert village == []  # Kab. Bogor is a regency, whatever its name
    finally:
        await store.close()
        await log.close()


# --- the routes ------------------------------------------------------------------------------------

@pytest.fixture
async def client(tmp_path):
    log, store = await _filled(tmp_path, two_editions())
    app = FastAPI()
    app.include_router(insight_routes())
    app.state.runtime = SimpleNamespace(log=log, store=store, settings=SimpleNamespace(namespace="t"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ranking") as http:
        yield http
    await store.close()
    await log.close()


async def _refusal(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]["rule"]


async def test_the_explanation_route(client):
    explanation = (await client.get("/candidates/kab-bogor/explanation")).json()
    assert explanation["totals"]["total"] == 74.5 and explanation["matches_live"] is True
    assert explanation["live"]["rank"] == 3
    [amended] = [s for s in explanation["events"] if s["type"] == "ScoreAmended"]
    assert amended["details"]["reason"].startswith("regional regulation 4/2023")
    assert await _refusal(await client.get("/candidates/nobody/explanation")) == (404, "unknown_candidate")
    assert await _refusal(await client.get("/candidates/cycle:demo-2024/explanation")) == (404, "unknown_candidate")


async def test_the_as_of_route(client):
    path = f"/leaderboards/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}/as-of"
    explanation = (await client.get("/candidates/kab-bogor/explanation")).json()
    chain = [s["event_id"] for s in explanation["events"]]
    amendment = next(s for s in explanation["events"] if s["type"] == "ScoreAmended")
    before = chain[chain.index(amendment["event_id"]) - 1]
    earlier = (await client.get(path, params={"until_event": before})).json()
    assert _bogor(earlier)["indicators"]["policy"] == 67.5 and earlier["as_of"]["until_event"] == before
    later = (await client.get(path, params={"at": amendment["when"]})).json()
    assert _bogor(later)["indicators"]["policy"] == 75 and later["as_of"]["last_event_id"] == amendment["event_id"]
    refusals = [
        ({}, 422, "one_point_in_time"),
        ({"at": amendment["when"], "until_event": before}, 422, "one_point_in_time"),
        ({"at": "yesterday"}, 422, "bad_datetime"),
        ({"at": "2025-02-13T09:00:00"}, 422, "datetime_without_zone"),
        ({"until_event": "not-an-id"}, 422, "bad_event_id"),
        ({"until_event": "00000000-0000-7000-8000-ffffffffffff"}, 404, "unknown_event"),
    ]
    for params, status, rule in refusals:
        assert await _refusal(await client.get(path, params=params)) == (status, rule), params
    unknown = f"/leaderboards/{CYCLE}/village/provinces/{PROVINCE}/as-of"
    assert await _refusal(await client.get(unknown, params={"at": amendment["when"]})) == (404, "unknown_category")


async def test_the_csv_route(client):
    first = await client.get(f"/exports/{CYCLE}/leaderboards.csv")
    second = await client.get(f"/exports/{CYCLE}/leaderboards.csv")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/csv")
    assert first.content == second.content == EXPECTED_CSV.encode()
    assert await _refusal(await client.get("/exports/no-such-cycle/leaderboards.csv")) == (404, "unknown_cycle")


async def test_the_history_route(client):
    assert (await client.get("/history/regency_city/32.01")).json() == EXPECTED_HISTORY
    assert await _refusal(await client.get("/history/galaxy/32.01")) == (422, "unknown_kind")
    assert await _refusal(await client.get("/history/regency_city/99.99")) == (404, "unknown_subject")


def test_the_demo_candidates_are_those_of_the_scenario():
    from paritrana.scenario import CANDIDATES

    assert {c: (name, enrolled, scores, interview) for c, (name, _code, enrolled, scores, interview) in DEMO.items()} \
        == CANDIDATES
