"""Who may do what, endpoint by endpoint: every route of the five services × every role × a target
in the caller's own province (or the candidate itself, or the person themselves) and one outside it.
The expectations below are written out independently of shared/access.py, so an unexpected allow
there fails here. A request that is let through may still be refused by the route (404, 409, 422:
the bodies here are incomplete on purpose); it must not be refused for access (401, 403).

Authorisation does not depend on the backend, so this runs on the embedded one only."""

from __future__ import annotations

import json

import httpx
import pytest

from paritrana.scenario import play_demo
from shared.auth import ALL_PROVINCES

ROLES = ("organiser", "auditor", "committee-chair", "committee-secretary", "assessor", "interviewer",
         "candidate", "regional-service")
COMMITTEE = "committee-chair committee-secretary"
PROVINCIAL = f"{COMMITTEE} assessor interviewer"
BOARD = f"organiser auditor {PROVINCIAL}"
CANDIDATE = f"{BOARD} candidate"
EVERYONE = f"{CANDIDATE} regional-service"

# (service, method, path): (roles allowed, scoped: only for their own province/candidate/self; or
# NATIONAL: only for a caller acting for every province)
NATIONAL = "national"
EXPECTED = {
    ("registration", "POST", "/cycles"): ("organiser", False),
    ("registration", "POST", "/cycle-documents"): ("organiser", False),
    ("registration", "POST", "/cycles/{cycle_id}/stage"): ("organiser", False),
    ("registration", "GET", "/cycles/{cycle_id}"): (EVERYONE, False),
    ("registration", "POST", "/candidates"): ("organiser", False),
    ("registration", "POST", "/candidates/import"): ("organiser", False),
    ("registration", "GET", "/candidates/{candidate_id}"): (CANDIDATE, True),
    ("registration", "POST", "/candidates/{candidate_id}/withdrawal"): ("organiser candidate", True),
    ("registration", "POST", "/committee-members"): ("organiser", False),
    ("registration", "POST", "/panellists"): ("organiser", False),
    ("registration", "POST", "/conflicts"): ("organiser assessor interviewer", True),
    ("registration", "GET", "/people/{person_id}"): (f"organiser auditor {PROVINCIAL}", True),
    ("registration", "POST", "/reference-data/{version}/villages"): ("organiser", False),
    ("registration", "GET", "/reference-data"): (EVERYONE, False),
    ("registration", "GET", "/reference-data/{version}"): (EVERYONE, False),
    ("registration", "GET", "/reference-data/{version}/villages/{code}"): (EVERYONE, False),
    ("evidence", "POST", "/coverage-figures"): ("organiser regional-service committee-secretary", True),
    ("evidence", "POST", "/coverage-figures/corrections"): ("organiser regional-service committee-secretary", True),
    ("evidence", "POST", "/coverage-figures/import"): ("organiser regional-service", NATIONAL),
    ("evidence", "POST", "/verifications"): ("organiser committee-secretary", True),
    ("evidence", "POST", "/screenings"): ("organiser", False),
    ("evidence", "POST", "/membership-data/{period}"): ("organiser regional-service", NATIONAL),
    ("evidence", "GET", "/membership-data/{period}"): ("organiser auditor regional-service", False),
    ("evidence", "POST", "/membership-screenings"): ("organiser", False),
    ("evidence", "GET", "/membership-screenings/{cycle_id}/{period}"): ("organiser auditor", False),
    ("evidence", "GET", "/membership-screenings/{cycle_id}/{period}/eligible.csv"): ("organiser auditor", False),
    ("evidence", "POST", "/candidates/{candidate_id}/documents"): ("organiser committee-secretary candidate", True),
    ("evidence", "GET", "/candidates/{candidate_id}/documents/{sha256}"): (CANDIDATE, True),
    ("evidence", "GET", "/candidates/{candidate_id}/evidence"): (CANDIDATE, True),
    ("scoring", "POST", "/scores"): ("assessor", True),
    ("scoring", "POST", "/amendments"): ("assessor", True),
    ("scoring", "POST", "/confirmations"): ("assessor", True),
    ("scoring", "GET", "/candidates/{candidate_id}/scores"): (CANDIDATE, True),
    ("scoring", "GET", "/candidates/{candidate_id}/citable-evidence"): (CANDIDATE, True),
    ("interview", "POST", "/interviews"): (f"organiser {COMMITTEE}", True),
    ("interview", "POST", "/no-shows"): (f"organiser {COMMITTEE}", True),
    ("interview", "POST", "/interview-scores"): ("interviewer", True),
    ("interview", "POST", "/interview-amendments"): ("interviewer", True),
    ("interview", "GET", "/candidates/{candidate_id}/interview"): (CANDIDATE, True),
    ("ranking", "POST", "/shortlists"): (COMMITTEE, True),
    ("ranking", "POST", "/publications"): (f"organiser {COMMITTEE}", True),
    ("ranking", "POST", "/reopening-requests"): ("organiser", False),
    ("ranking", "POST", "/reopening-approvals"): ("organiser", False),
    ("ranking", "GET", "/publications/{cycle_id}/{category_id}/provinces/{province}"): (BOARD, True),
    ("ranking", "GET", "/leaderboards/{cycle_id}/{category_id}/provinces/{province}"): (BOARD, True),
    ("ranking", "GET", "/leaderboards/{cycle_id}/{category_id}/provinces/{province}/as-of"): (BOARD, True),
    ("ranking", "GET", "/leaderboards/{cycle_id}/{category_id}/zones/{zone}"): (f"organiser auditor {COMMITTEE}", False),
    ("ranking", "GET", "/leaderboards/{cycle_id}/{category_id}/national"): (f"organiser auditor {COMMITTEE}", False),
    ("ranking", "GET", "/standings/{candidate_id}"): (CANDIDATE, True),
    ("ranking", "GET", "/candidates/{candidate_id}/explanation"): (CANDIDATE, True),
    ("ranking", "GET", "/exports/{cycle_id}/leaderboards.csv"): ("organiser auditor", False),
    ("ranking", "GET", "/history/{kind}/{subject_key}"): ("organiser auditor", False),
    ("ranking", "GET", "/audit/verify"): ("organiser auditor", False),
    ("ranking", "GET", "/audit/cycles/{cycle_id}/events.{export_format}"): ("organiser auditor", False),
    ("ranking", "POST", "/rebuilds"): ("organiser", False),
    ("ranking", "GET", "/rebuilds"): ("organiser auditor", False),
    ("ranking", "POST", "/rebuilds/switch"): ("organiser", False),
    ("ranking", "POST", "/scenarios"): ("organiser", False),
    ("ranking", "POST", "/scenarios/preview"): ("organiser auditor", False),
    ("ranking", "GET", "/scenarios"): ("organiser auditor", False),
    ("ranking", "GET", "/scenarios/compare"): ("organiser auditor", False),
    ("ranking", "GET", "/scenarios/{scenario_id}"): ("organiser auditor", False),
    ("ranking", "GET", "/scenarios/{scenario_id}/outcome"): ("organiser auditor", False),
    ("ranking", "POST", "/panellist-exclusions"): ("organiser", False),
    ("ranking", "GET", "/analytics/{cycle_id}/panellists"): ("organiser auditor", False),
    ("ranking", "GET", "/cycles"): (EVERYONE, False),
    ("ranking", "GET", "/progress/{cycle_id}"): (f"organiser auditor {COMMITTEE}", False),
    ("ranking", "GET", "/coverage/{cycle_id}/provinces"): (f"organiser auditor {COMMITTEE}", False),
    ("ranking", "GET", "/publications/{cycle_id}/{category_id}/provinces/{province}/proof-leaves"): (EVERYONE, False),
    ("ranking", "GET", "/publications/{cycle_id}/{category_id}/provinces/{province}/proofs/{event_id}"):
        (EVERYONE, False),
}
SHARED = {
    ("GET", "/imports/{key}"): ("organiser regional-service", False),
    ("GET", "/dead-letters"): ("organiser auditor", False),
    ("POST", "/dead-letters/{partition}/{offset}/replay"): ("organiser", False),
    ("GET", "/directory/candidates/{candidate_id}"): (CANDIDATE, True),
    ("GET", "/directory/cycles/{cycle_id}"): (EVERYONE, False),
    ("GET", "/shortlists/{cycle_id}/{category_id}/provinces/{province}"): (BOARD, True),
    ("GET", "/directory/panellists/{cycle_id}/{person_id}"): (f"organiser auditor {PROVINCIAL}", True),
}
PUBLIC = {"/health", "/ready", "/metrics"}
SERVICES = ("registration", "evidence", "scoring", "interview", "ranking")
OWN, OTHER = "jawa-barat", "bali"
PATH_VALUES = {"scenario_id": "no-such-scenario", "event_id": "no-such-event", "version": "kemendagri-2024", "code": "32.73.01.1001", "cycle_id": "demo-2024", "category_id": "regency-city", "zone": "jawa-bali", "kind": "province",
               "subject_key": "jawa-barat", "key": "some-import-key", "sha256": "0" * 64, "export_format": "csv",
               "partition": "0", "offset": "999999", "period": "2025-02"}
IDENTITY = ("assessor_id", "interviewer_id", "decided_by", "published_by", "requested_by", "approved_by",
            "saved_by", "excluded_by", "person_id")


@pytest.fixture(scope="module")
def played(running_embedded):
    play_demo(running_embedded.api)
    return running_embedded


def _expected(service: str, method: str, path: str) -> tuple[set[str], bool]:
    roles, scoped = EXPECTED.get((service, method, path)) or SHARED[(method, path)]
    return set(roles.split()), scoped


def _routes(running) -> list[tuple[str, str, str]]:
    routes = []
    for service in SERVICES:
        spec = httpx.get(f"{running.services.url(service)}/openapi.json").json()
        routes += [(service, method.upper(), path) for path, ops in spec["paths"].items() for method in ops
                   if path not in PUBLIC]
    return routes


def _request(running, service: str, method: str, path: str, role: str, own: bool) -> httpx.Response:
    person = f"{role}-1"
    provinces = (OWN if own else OTHER,) if role in ("committee-chair", "committee-secretary", "assessor",
                                                      "interviewer", "regional-service") else (ALL_PROVINCES,)
    if _expected(service, method, path)[1] == NATIONAL and role != "candidate":
        provinces = (ALL_PROVINCES,) if own else (OWN,)
    candidate = "kota-bandung" if own else "kab-bekasi"
    api = running.api.as_actor(person, role, provinces=provinces, candidate_id=candidate)
    values = {**PATH_VALUES, "candidate_id": "kota-bandung", "province": OWN,
              "person_id": person if own else "someone-else"}
    url = running.services.url(service) + path.format(**values)
    body = {"candidate_id": "kota-bandung", "province": OWN, "cycle_id": "demo-2024",
            **{field: person for field in IDENTITY}}
    if not own:
        body["person_id"] = "someone-else"
    return httpx.request(method, url, json=body if method == "POST" else None, headers=api.headers, timeout=30)


def test_every_route_has_an_expectation_here(played):
    missing = [r for r in _routes(played) if r not in EXPECTED and r[1:] not in SHARED]
    assert not missing, f"routes without an access expectation: {missing}"


def test_every_route_refuses_a_request_without_a_valid_token(played):
    for service, method, path in _routes(played):
        url = played.services.url(service) + path.format(**{**PATH_VALUES, "candidate_id": "kota-bandung",
                                                             "province": OWN, "person_id": "x"})
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = httpx.request(method, url, headers=headers, json={} if method == "POST" else None)
            assert response.status_code == 401, (service, method, path, response.text)


def test_every_route_by_role_and_province(played):
    unexpected = []
    # POST /rebuilds is allowed and would start a rebuild; its refusals are covered below
    routes = [r for r in _routes(played) if r != ("ranking", "POST", "/rebuilds")]
    for service, method, path in routes:
        allowed_roles, scoped = _expected(service, method, path)
        for role in ROLES:
            for own in (True, False):
                allowed = role in allowed_roles and (own or not scoped or role in ("organiser", "auditor"))
                status = _request(played, service, method, path, role, own).status_code
                if allowed == (status in (401, 403)):
                    unexpected.append((service, method, path, role, "own" if own else "other", status))
    print(f"\n{len(routes) * len(ROLES) * 2} requests: {len(routes)} routes x {len(ROLES)} roles x own/other province")
    assert not unexpected, f"{len(unexpected)} unexpected answers: {unexpected}"


def test_rebuilds_are_the_organisers_only(played):
    for role in ROLES:
        if role != "organiser":
            assert _request(played, "ranking", "POST", "/rebuilds", role, True).status_code == 403


def test_nobody_acts_on_behalf_of_someone_else(played):
    assessor = played.api.as_actor("assessor-1", "assessor")
    body = {"score_id": "s-x", "candidate_id": "kota-bandung", "indicator_id": "policy", "assessor_id": "assessor-2",
            "value": 50, "evidence": ["cov-2024-kota-bandung"]}
    response = httpx.post(f"{played.services.url('scoring')}/scores", json=body, headers=assessor.headers)
    assert response.status_code == 403 and response.json()["detail"]["rule"] == "not_yourself"


def test_events_record_the_authenticated_actor(played):
    records = played.records(f"{played.settings.namespace}.scoring.events")
    actors = {json.loads(r.value)["actor"]["id"] for r in records}
    assert {"assessor-1", "assessor-2"} <= actors


def _bookkeeping(answer, where: str = "") -> list[str]:
    """Where in a JSON answer a read store's bookkeeping field (`_seen`, `_revision`) shows."""
    if isinstance(answer, dict):
        return [f"{where}/{k}" for k in answer if k in ("_seen", "_revision")] + [
            found for k, v in answer.items() for found in _bookkeeping(v, f"{where}/{k}")]
    if isinstance(answer, list):
        return [found for i, v in enumerate(answer) for found in _bookkeeping(v, f"{where}/{i}")]
    return []


def test_no_answer_carries_the_stores_bookkeeping(played):
    """Reads answer with the read model, not with how the store keeps it idempotent."""
    leaks, answered = [], 0
    for service, method, path in _routes(played):
        if method != "GET":
            continue
        response = _request(played, service, method, path, "auditor", True)
        if response.status_code == 200 and response.headers["content-type"].startswith("application/json"):
            answered += 1
            leaks += [(service, path, found) for found in _bookkeeping(response.json())]
    assert answered >= 20, f"only {answered} reads answered: the played cycle is not what this test expects"
    assert not leaks, leaks
