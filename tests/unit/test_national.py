"""Zone and national boards: the current nominees (nominated, not withdrawn) ranked by the totals
their provinces published, ties broken by the rubric's tie-break, the best of each zone."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from services.ranking.national import NOMINATIONS, Nominations, national_board, nomination_key, zone_board
from services.ranking.publication_routes import publication_routes
from shared.contracts.cycle_config import Rubric
from shared.contracts.ranking import NominationWithdrawn, NomineeNominated
from tests.unit.test_publication import Store

RUBRIC = Rubric.model_validate({"version": 3, "tie_break": ["interview"], "indicators": [
    {"id": "policy", "name": "Policy", "weight": 0.6, "method": "judged"},
    {"id": "interview", "name": "Interview", "weight": 0.4, "method": "interview"}]})
PROVINCE_ZONE = {"jawa-barat": "jawa-bali", "bali": "jawa-bali", "aceh": "sumatra", "sulawesi-selatan": "sulawesi",
                 "papua": "nusa-tenggara-maluku-papua", "old-record": None}


def nominated(candidate, province, policy, interview, digest="a") -> NomineeNominated:
    total = round(0.6 * policy + 0.4 * interview, 6)
    return NomineeNominated(board_id=f"demo-2024:regency-city:{province}", cycle_id="demo-2024",
                            category_id="regency-city", province=province, zone=PROVINCE_ZONE[province],
                            candidate_id=candidate, name=candidate.title(), rank=1, total=total,
                            indicators={"policy": policy, "interview": interview}, leaderboard_digest=digest * 64)


def withdrawn(nomination: NomineeNominated, total=None) -> NominationWithdrawn:
    return NominationWithdrawn(**nomination.model_dump(include={"board_id", "cycle_id", "category_id", "province",
                                                                "zone", "candidate_id"}),
                               total=total, leaderboard_digest="b" * 64, reason="publication 2 does not place it")


def project(*events) -> list[dict]:
    docs: dict[str, dict] = {}
    for event in events:
        key = Nominations().doc_id(None, event)
        docs[key] = Nominations().apply(docs.get(key, {}), None, event)
    return list(docs.values())


KOTA_BANDUNG = nominated("kota-bandung", "jawa-barat", 80, 80)  # 80, interview 80
KAB_ACEH_BESAR = nominated("kab-aceh-besar", "aceh", 90, 65)  # 80, interview 65: below kota-bandung on the tie-break
KOTA_DENPASAR = nominated("kota-denpasar", "bali", 85, 85)  # 85
KOTA_MAKASSAR = nominated("kota-makassar", "sulawesi-selatan", 70, 70)  # 70
KAB_JAYAPURA = nominated("kab-jayapura", "papua", 99, 99)  # 99, but withdrawn
KAB_X = nominated("kab-x", "old-record", 60, 60)  # registered before zones were recorded
NOMINATIONS_NOW = project(KOTA_BANDUNG, KAB_ACEH_BESAR, KOTA_DENPASAR, KOTA_MAKASSAR, KAB_JAYAPURA,
                          withdrawn(KAB_JAYAPURA, 70), KAB_X)


def test_a_nomination_is_kept_per_cycle_category_and_candidate_and_a_withdrawal_keeps_why():
    [doc] = project(KAB_JAYAPURA, withdrawn(KAB_JAYAPURA, 70))
    assert Nominations().doc_id(None, KAB_JAYAPURA) == nomination_key("demo-2024", "regency-city", "kab-jayapura") \
        == "demo-2024:regency-city:kab-jayapura"
    assert Nominations.collection == NOMINATIONS
    assert doc == {**KAB_JAYAPURA.model_dump(mode="json"), "nominated": False,
                   "withdrawal": {"reason": "publication 2 does not place it", "total": 70,
                                  "leaderboard_digest": "b" * 64}}
    [again] = project(KAB_JAYAPURA, withdrawn(KAB_JAYAPURA), nominated("kab-jayapura", "papua", 99, 99, "c"))
    assert again["nominated"] and "withdrawal" not in again and again["leaderboard_digest"] == "c" * 64


def test_the_national_board_ranks_current_nominees_by_published_total_then_the_tie_break():
    board = national_board(RUBRIC, NOMINATIONS_NOW)
    assert [(r["rank"], r["candidate_id"], r["total"]) for r in board["ranked"]] == [
        (1, "kota-denpasar", 85), (2, "kota-bandung", 80), (3, "kab-aceh-besar", 80), (4, "kota-makassar", 70),
        (5, "kab-x", 60)]
    assert board["best_in_zone"] == {"jawa-bali": "kota-denpasar", "sumatra": "kab-aceh-besar",
                                     "sulawesi": "kota-makassar"}
    assert (board["stage"], board["rubric_version"]) == ("national", 3)
    first = board["ranked"][0]
    assert {k: first[k] for k in ("province", "zone", "name", "board_id", "leaderboard_digest")} == {
        "province": "bali", "zone": "jawa-bali", "name": "Kota-Denpasar", "board_id": "demo-2024:regency-city:bali",
        "leaderboard_digest": "a" * 64}


def test_equal_totals_and_tie_break_fall_back_to_the_id():
    twins = project(nominated("kota-b", "jawa-barat", 70, 70), nominated("kota-a", "bali", 70, 70))
    assert [r["candidate_id"] for r in national_board(RUBRIC, twins)["ranked"]] == ["kota-a", "kota-b"]


def test_a_zone_board_ranks_the_zones_nominees_and_names_the_best():
    board = zone_board(RUBRIC, NOMINATIONS_NOW, "jawa-bali")
    assert [(r["rank"], r["candidate_id"]) for r in board["ranked"]] == [(1, "kota-denpasar"), (2, "kota-bandung")]
    assert (board["best"], board["zone"], board["stage"]) == ("kota-denpasar", "jawa-bali", "zone")
    papua = zone_board(RUBRIC, NOMINATIONS_NOW, "nusa-tenggara-maluku-papua")
    assert (papua["ranked"], papua["best"]) == ([], None)


def test_the_routes_publish_reopen_and_show_the_boards():
    routes = {(r.path, method) for r in publication_routes().routes if isinstance(r, APIRoute) for method in r.methods}
    assert routes == {
        ("/publications", "POST"), ("/reopening-requests", "POST"), ("/reopening-approvals", "POST"),
        ("/publications/{cycle_id}/{category_id}/provinces/{province}", "GET"),
        ("/leaderboards/{cycle_id}/{category_id}/zones/{zone}", "GET"),
        ("/leaderboards/{cycle_id}/{category_id}/national", "GET"),
    }


async def test_the_boards_and_a_publication_are_read_from_the_store():
    cycle = {"config": {"cycle_id": "demo-2024", "edition_year": 2024, "name": "Demo", "categories": [
        {"id": "regency-city", "name": "Regencies", "segment": "government", "level": "regency_city",
         "rubric": RUBRIC.model_dump(mode="json")}]}}
    status = {"_id": "x", "_seen": {}, "board_id": "demo-2024:regency-city:bali", "published": 1, "reopened": False}
    docs = {("directory_cycles", "demo-2024"): cycle, ("board_status", "demo-2024:regency-city:bali"): status,
            **{(NOMINATIONS, d["candidate_id"]): {**d, "_seen": {}} for d in NOMINATIONS_NOW}}
    app = FastAPI()
    app.include_router(publication_routes())
    app.state.runtime = SimpleNamespace(store=Store(docs))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ranking") as client:
        national = (await client.get("/leaderboards/demo-2024/regency-city/national")).json()
        zone = (await client.get("/leaderboards/demo-2024/regency-city/zones/sumatra")).json()
        published = (await client.get("/publications/demo-2024/regency-city/provinces/bali")).json()
        assert (await client.get("/publications/demo-2024/regency-city/provinces/aceh")).status_code == 404
        assert (await client.get("/leaderboards/demo-2024/village/national")).status_code == 404
    assert [r["candidate_id"] for r in national["ranked"]][:2] == ["kota-denpasar", "kota-bandung"]
    assert (zone["cycle_id"], zone["best"]) == ("demo-2024", "kab-aceh-besar")
    assert published == {"board_id": "demo-2024:regency-city:bali", "published": 1, "reopened": False,
                         "nominations": [{**KOTA_DENPASAR.model_dump(mode="json"), "nominated": True}]}
