"""Insight on the demo cycle through the five running services, on both backends: Kab. Bogor's
explanation lists the amendment with its reason and recomputes 74.5 from its events alone; the
board as of the event before the amendment shows the earlier policy score; the CSV of every
board is the same bytes twice. (Totals by hand in test_slice.py and tests/unit/test_trail_and_explain.py.)"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from statistics import mean

import httpx
import pytest
from typer.testing import CliRunner

from paritrana.cli import app
from paritrana.scenario import AMENDMENT, CATEGORY, PROVINCE, play_demo
from tests.unit.test_replay_and_history import EXPECTED_CSV
from tests.unit.test_trail_and_explain import fold_listed

CYCLE = "demo-2024"
AS_OF = f"/leaderboards/{CYCLE}/{CATEGORY}/provinces/{PROVINCE}/as-of"


@pytest.fixture(scope="module")
def explanation(running) -> dict:
    play_demo(running.api)
    return running.api.wait_for("ranking", "/candidates/kab-bogor/explanation", timeout=60,
                                until=lambda e: (e["live"] or {}).get("list") == "ranked" and e["matches_live"])


def _get(running, path: str, **params) -> httpx.Response:
    return httpx.get(f"{running.services.url('ranking')}{path}", params=params, timeout=120,
                     headers=running.api.headers)


def _bogor(board: dict) -> dict:
    return next(r for r in board["ranked"] + board["incomplete"] if r["candidate_id"] == "kab-bogor")


def test_the_explanation_lists_the_amendment_and_recomputes_the_total(explanation):
    _candidate, indicator, assessor, value, reason = AMENDMENT
    [amended] = [s for s in explanation["events"] if s["type"] == "ScoreAmended"]
    assert amended["who"] == {"id": assessor, "role": "assessor"} and amended["details"]["reason"] == reason
    assert amended["details"]["indicator_id"] == indicator and amended["details"]["value"] == value
    assert f"60 -> {value}" in amended["what"]
    kinds = {s["type"] for s in explanation["events"]}
    assert {"CycleOpened", "CandidateRegistered", "CoverageFigureSubmitted", "EvidenceVerified", "IndicatorScored",
            "ShortlistSettled", "InterviewScheduled", "InterviewScored"} <= kinds
    assert all(s["who"]["id"] and s["when"] for s in explanation["events"])
    rubric, values = fold_listed(explanation["events"])
    recomputed = sum(i["weight"] * mean(values[i["id"]]) for i in rubric["indicators"])
    assert recomputed == pytest.approx(74.5) and explanation["totals"]["total"] == pytest.approx(74.5)
    assert explanation["totals"]["document_total"] == 73.125
    assert explanation["live"]["rank"] == 3 and explanation["matches_live"] is True


def test_the_board_as_of_the_event_before_the_amendment(running, explanation):
    chain = explanation["events"]
    amended = next(s for s in chain if s["type"] == "ScoreAmended")
    before = chain[chain.index(amended) - 1]
    earlier = _get(running, AS_OF, until_event=before["event_id"])
    assert earlier.status_code == 200, earlier.text
    assert _bogor(earlier.json())["indicators"]["policy"] == 67.5  # mean(60, 75)
    assert earlier.json()["stage"] == "document" and earlier.json()["as_of"]["until_event"] == before["event_id"]
    just_before = (datetime.fromisoformat(amended["when"]) - timedelta(microseconds=1)).isoformat()
    assert _bogor(_get(running, AS_OF, at=just_before).json())["document_total"] == 70.78125
    later = _get(running, AS_OF, until_event=amended["event_id"]).json()
    assert _bogor(later)["indicators"]["policy"] == 75 and _bogor(later)["document_total"] == 73.125


def test_the_leaderboards_csv_is_the_same_bytes_twice(running, explanation):
    first = _get(running, f"/exports/{CYCLE}/leaderboards.csv")
    second = _get(running, f"/exports/{CYCLE}/leaderboards.csv")
    assert first.status_code == 200, first.text
    assert first.content == second.content == EXPECTED_CSV.encode()


def test_bad_requests_are_refused_with_their_reason(running, explanation):
    refusals = [
        ("/candidates/nobody/explanation", {}, 404, "unknown_candidate"),
        (AS_OF, {}, 422, "one_point_in_time"),
        (AS_OF, {"at": "last tuesday"}, 422, "bad_datetime"),
        ("/exports/nothing-2030/leaderboards.csv", {}, 404, "unknown_cycle"),
        ("/history/regency_city/32.01", {}, 404, "unknown_subject"),  # the demo registers no regency codes
    ]
    for path, params, status, rule in refusals:
        response = _get(running, path, **params)
        assert (response.status_code, response.json()["detail"]["rule"]) == (status, rule), path


def test_the_cli_explains_a_rank_and_exports_the_leaderboards(running, explanation, tmp_path):
    url = running.services.url("ranking")
    env = _token_env(running)
    shown = CliRunner().invoke(app, ["explain", "kab-bogor", "--ranking-url", url], env=env)
    assert shown.exit_code == 0, shown.output
    assert "total 74.5" in shown.stdout and "ScoreAmended" in shown.stdout
    as_json = json.loads(CliRunner().invoke(app, ["explain", "kab-bogor", "--json", "--ranking-url", url], env=env).stdout)
    assert as_json["totals"]["total"] == 74.5
    assert any(AMENDMENT[4] in e["what"] for e in as_json["events"] if e["type"] == "ScoreAmended")
    target = tmp_path / "boards.csv"
    exported = CliRunner().invoke(app, ["leaderboards", "export", CYCLE, "--output", str(target), "--ranking-url", url],
                                  env=env)
    assert exported.exit_code == 0, exported.output
    assert target.read_bytes() == EXPECTED_CSV.encode()


def _token_env(running) -> dict[str, str]:
    return {"PARITRANA_TOKEN": running.api.token or ""}
