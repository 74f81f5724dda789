"""Conflicting commands at once, on both backends: of several amendments of the same score sent
together exactly one takes effect; of several commands expecting the same aggregate version exactly
one is accepted and the others are refused as stale, as is one whose expected version is behind; the
same idempotency key sent together is decided once. The log holds exactly the accepted events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from paritrana.client import ApiError
from paritrana.scenario import ASSESSORS, advance, appoint_panel, demo_config, open_cycle, register
from shared import topics
from shared.codec import decode

CYCLE = "conc-2024"
CANDIDATE = "conc-kota-bandung"
AT_ONCE = 8
EXTRA_ASSESSORS = tuple(f"conc-assessor-{n}" for n in range(AT_ONCE))


@pytest.fixture(scope="module")
def scored(running):
    """A cycle in its assessment stage with one candidate, its verified figure, and two scores."""
    api = running.api
    open_cycle(api, {**demo_config(), "cycle_id": CYCLE})
    register(api, CYCLE, {CANDIDATE: "Kota Bandung"})
    appoint_panel(api, CYCLE, assessors=ASSESSORS + EXTRA_ASSESSORS)
    api.as_actor("bpjs-data-office", "regional-service").post("evidence", "/coverage-figures", {
        "figure_id": "conc-cov", "candidate_id": CANDIDATE, "period": "2024", "workers_eligible": 1000,
        "workers_enrolled": 600, "source": "BPJS Ketenagakerjaan membership"}, key="conc-figure")
    api.as_actor("secretary-jabar", "committee-secretary").post("evidence", "/verifications", {
        "candidate_id": CANDIDATE, "evidence_id": "conc-cov", "verdict": "verified"}, key="conc-verify")
    advance(api, CYCLE, "assessment")
    api.wait_for("scoring", f"/candidates/{CANDIDATE}/citable-evidence", until=lambda d: "conc-cov" in str(d))
    assessor = api.as_actor(ASSESSORS[0], "assessor")
    outcomes = {}
    for indicator in ("policy", "implementation"):
        outcomes[indicator] = assessor.post("scoring", "/scores", {
            "score_id": f"conc-{indicator}", "candidate_id": CANDIDATE, "indicator_id": indicator,
            "assessor_id": ASSESSORS[0], "value": 70, "evidence": ["conc-cov"]}, key=f"conc-score-{indicator}")
    return outcomes


def _at_once(calls) -> list[tuple[int, dict]]:
    """Run the calls together; each gives (HTTP status, body)."""
    def call(fn):
        try:
            return 201, fn()
        except ApiError as refused:
            return refused.response.status_code, refused.response.json()["detail"]

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(call, calls))


def _amendment(score_id: str, n: int, value: float) -> dict:
    return {"score_id": f"{score_id}-a{n}", "candidate_id": CANDIDATE, "supersedes": score_id,
            "assessor_id": ASSESSORS[0], "value": value, "reason": f"second reading number {n}"}


def _scoring_events(running) -> list:
    records = running.records(topics.events(running.settings.namespace, "scoring"))
    return [decode(r.value) for r in records]


def test_of_amendments_of_the_same_score_sent_at_once_exactly_one_takes_effect(running, scored):
    assessor = running.api.as_actor(ASSESSORS[0], "assessor")
    answers = _at_once([lambda n=n: assessor.post("scoring", "/amendments", _amendment("conc-policy", n, 60 + n))
                        for n in range(AT_ONCE)])
    accepted = [body for status, body in answers if status == 201]
    refused = [(status, body["rule"]) for status, body in answers if status != 201]
    assert len(accepted) == 1, answers
    assert refused == [(409, "score_superseded")] * (AT_ONCE - 1)
    amendments = [(e.event_id, event) for e, event in _scoring_events(running)
                  if e.type == "ScoreAmended" and event.supersedes == "conc-policy"]
    assert {event_id for event_id, _ in amendments} == {e["event_id"] for e in accepted[0]["events"]}
    winner = amendments[0][1]
    standing = running.api.wait_for("ranking", f"/standings/{CANDIDATE}",
                                    until=lambda s: winner.score_id in s["scores"])
    current = [sid for sid, entry in standing["scores"].items() if entry["indicator_id"] == "policy"
               and entry["current"]]
    assert current == [winner.score_id]
    assert standing["scores"][winner.score_id]["value"] == winner.value


def test_a_command_expecting_an_older_version_is_refused_as_stale(running, scored):
    assessor = running.api.as_actor(ASSESSORS[0], "assessor")
    version = scored["implementation"]["version"]
    current = assessor.post("scoring", "/amendments", _amendment("conc-implementation", 0, 72),
                            key="conc-probe-version")["version"]
    assert current > version
    with pytest.raises(ApiError) as stale:
        assessor.post("scoring", "/amendments", _amendment("conc-implementation-a0", 1, 73),
                      expected_version=current - 1)
    assert stale.value.response.status_code == 409
    assert stale.value.response.json()["detail"]["rule"] == "stale_version"

    # several commands, each acceptable alone, expecting the version it is at now: one wins, the rest are stale
    people = [running.api.as_actor(person, "assessor") for person in EXTRA_ASSESSORS]
    bodies = [{"score_id": f"conc-implementation-{n}", "candidate_id": CANDIDATE, "indicator_id": "implementation",
               "assessor_id": person, "value": 50 + n, "evidence": ["conc-cov"]}
              for n, person in enumerate(EXTRA_ASSESSORS)]
    answers = _at_once([lambda b=b, p=p: p.post("scoring", "/scores", b, expected_version=current)
                        for b, p in zip(bodies, people)])
    accepted = [body for status, body in answers if status == 201]
    assert len(accepted) == 1, answers
    assert accepted[0]["version"] == current + 1
    assert sorted(body["rule"] for status, body in answers if status != 201) == ["stale_version"] * (AT_ONCE - 1)
    extra = [e for e, event in _scoring_events(running) if e.type == "IndicatorScored"
             and event.assessor_id in EXTRA_ASSESSORS and event.candidate_id == CANDIDATE]
    assert [e.event_id for e in extra] == [e["event_id"] for e in accepted[0]["events"]]


def test_the_same_idempotency_key_sent_at_once_is_decided_once(running, scored):
    assessor = running.api.as_actor(ASSESSORS[1], "assessor")
    body = {"score_id": "conc-policy-2", "candidate_id": CANDIDATE, "indicator_id": "policy",
            "assessor_id": ASSESSORS[1], "value": 81, "evidence": ["conc-cov"]}
    answers = _at_once([lambda: assessor.post("scoring", "/scores", body, key="conc-same-key")] * AT_ONCE)
    assert {status for status, _ in answers} == {201}
    assert len({str(body["events"]) for _, body in answers}) == 1
    events = [e for e, event in _scoring_events(running) if e.causation_id == "conc-same-key"]
    assert len({e.event_id for e in events}) == 1
