"""The dashboard app without servers: its pages answered by an httpx.MockTransport playing the
services. Sign-in and its cookie, the language cookie, and refusals shown with their reason."""

from __future__ import annotations

import httpx
import pytest

from services.dashboard.bootstrap import create_app
from services.dashboard.settings import DashboardSettings
from shared.auth import ALL_PROVINCES, Principal, issue_token, read_token

SECRET = "k" * 40
CYCLE = {"stage": "provincial_results", "config": {"cycle_id": "c1", "categories": [{"id": "regency-city",
                                                                                      "name": "Regency/city"}]}}
BOARD = {"stage": "final", "rubric_version": 1, "aggregation": "mean", "ranked": [
    {"candidate_id": "a", "name": "Kota A", "province": "jawa-barat", "document_total": 83.75,
     "interview_total": 88.0, "total": 84.6, "coverage_ratio": 0.7, "rank": 1}]}


CYCLES = [{"cycle_id": "c1", "edition_year": 2024, "name": "Cycle One", "stage": "provincial_results"},
          {"cycle_id": "c0", "edition_year": 2023, "name": "Cycle Zero", "stage": "closed"}]
COUNTS = {"jawa-barat": {"registered": 3, "withdrawn": 1, "screened": 2, "eligible": 1, "scored": 2,
                         "shortlisted": 2, "interviewed": 1, "published": 1},
          "banten": {"registered": 1234, "withdrawn": 0, "screened": 1, "eligible": 1, "scored": 0,
                     "shortlisted": 0, "interviewed": 0, "published": 0}}
FIGURES = {"jawa-barat": {"workers_enrolled": 985, "workers_eligible": 2000, "candidates": 2}}
cycles_down: dict[str, bool] = {}


def _scoped(request: httpx.Request, per_province: dict) -> dict:
    """As ranking answers: a provincial role its own provinces only (each listed), others all."""
    who = read_token(SECRET, request.headers["authorization"].removeprefix("Bearer "))
    if who.role in ("organiser", "auditor") or ALL_PROVINCES in who.provinces:
        return {"scope": "all", "provinces": per_province}
    return {"scope": who.provinces, "provinces": {p: per_province.get(p, {}) for p in who.provinces}}


def _services(request: httpx.Request) -> httpx.Response:
    seen.append(request)
    if request.headers.get("authorization") != f"Bearer {token_now['value']}":
        return httpx.Response(401, json={"detail": {"rule": "invalid_token", "reason": "bad"}})
    path = request.url.path
    if path == "/cycles" and not cycles_down:
        return httpx.Response(200, json={"cycles": CYCLES})
    if path == "/progress/c1":
        return httpx.Response(200, json={**CYCLES[0], **CYCLE["config"], **_scoped(request, COUNTS)})
    if path == "/coverage/c1/provinces":
        return httpx.Response(200, json={**CYCLES[0], **_scoped(request, FIGURES)})
    if path == "/cycles/c1":
        return httpx.Response(200, json=CYCLE)
    if path == "/leaderboards/c1/regency-city/provinces/jawa-barat":
        return httpx.Response(200, json=BOARD)
    if path.startswith("/audit/") or path.startswith("/leaderboards/c1/regency-city/provinces/"):
        return httpx.Response(403, json={"detail": {"rule": "role_not_allowed", "reason": "a candidate may not"}})
    return httpx.Response(404, json={"detail": {"rule": "unknown", "reason": f"nothing at {path}"}})


seen: list[httpx.Request] = []
token_now: dict[str, str] = {}


def _token(role: str = "organiser", secret: str = SECRET, provinces: tuple[str, ...] = ("*",)) -> str:
    return issue_token(secret, Principal(id="someone", role=role, provinces=list(provinces)))


@pytest.fixture
async def client():
    seen.clear()
    cycles_down.clear()
    settings = DashboardSettings(jwt_secret=SECRET, dashboard_cycles="c1",
                                 **{f"{s}_url": f"http://{s}.test" for s in ("registration", "evidence", "scoring",
                                                                              "interview", "ranking")})
    app = create_app(settings, httpx.MockTransport(_services))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dash.test") as c:
            yield c


async def _sign_in(client: httpx.AsyncClient, token: str, target: str = "/leaderboards") -> httpx.Response:
    token_now["value"] = token
    return await client.post("/sign-in", data={"token": token, "next": target})


async def test_pages_send_whoever_is_not_signed_in_to_sign_in(client):
    for path in ("/leaderboards", "/progress?cycle=c1", "/coverage", "/audit", "/candidates/a"):
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=%2F"), path
    assert not seen  # nothing was asked of the services
    assert (await client.get("/sign-in")).status_code == 200


async def test_a_valid_token_is_kept_httponly_and_samesite_strict(client):
    answer = await _sign_in(client, _token())
    assert answer.status_code == 303 and answer.headers["location"] == "/leaderboards"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("paritrana_token=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = await client.get("/leaderboards?cycle=c1&category=regency-city&level=province&area=jawa-barat")
    assert page.status_code == 200 and "Kota A" in page.text and "84,6" in page.text
    assert seen[-1].headers["authorization"] == f"Bearer {token_now['value']}"  # the person's own token


async def test_a_bad_token_or_one_signed_with_another_key_is_refused_at_the_door(client):
    assert (await _sign_in(client, "nonsense")).status_code == 401
    answer = await _sign_in(client, _token(secret="x" * 40))
    assert answer.status_code == 401 and "Token ini tidak sah" in answer.text
    assert "paritrana_token" not in answer.headers.get("set-cookie", "")


async def test_sign_in_goes_back_only_to_a_page_of_this_site(client):
    for target in ("https://evil.test/", "//evil.test/x", "/\\evil.test"):
        assert (await _sign_in(client, _token(), target)).headers["location"] == "/leaderboards"
    assert (await _sign_in(client, _token(), "/audit?cycle=c1")).headers["location"] == "/audit?cycle=c1"


async def test_language_is_asked_by_query_and_remembered(client):
    await _sign_in(client, _token())
    url = "/leaderboards?cycle=c1&category=regency-city&level=province&area=jawa-barat"
    english = await client.get(url + "&lang=en")
    assert "84.6" in english.text and 'lang="en"' in english.text and "Provincial leaderboard" in english.text
    assert "paritrana_lang=en" in english.headers["set-cookie"]
    assert "84.6" in (await client.get(url)).text  # remembered
    indonesian = await client.get(url + "&lang=id")
    assert "84,6" in indonesian.text and "Peringkat provinsi" in indonesian.text


async def test_a_refusal_is_shown_with_the_service_s_reason(client):
    await _sign_in(client, _token())
    answer = await client.get("/leaderboards?cycle=c1&category=regency-city&level=province&area=banten&lang=en")
    assert answer.status_code == 403 and "Your role may not see this: a candidate may not" in answer.text
    audit = await client.get("/audit?cycle=c1")
    assert audit.status_code == 403 and "a candidate may not" in audit.text


async def test_a_token_the_services_no_longer_accept_sends_back_to_sign_in(client):
    await _sign_in(client, _token())
    token_now["value"] = "rotated"  # the services now refuse the kept token with 401
    answer = await client.get("/leaderboards?cycle=c1")
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert 'paritrana_token=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]


async def test_sign_out_forgets_the_token(client):
    await _sign_in(client, _token())
    answer = await client.post("/sign-out")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert (await client.get("/leaderboards")).status_code == 303


async def test_the_cycle_filter_offers_ranking_s_cycles_and_falls_back_to_the_configured_ones(client):
    await _sign_in(client, _token())
    page = await client.get("/progress?lang=en")  # no cycle asked: the configured one
    assert page.status_code == 200 and 'name="cycle" list="known-cycles" value="c1"' in page.text
    assert '<option value="c1">Cycle One (2024)</option>' in page.text
    assert '<option value="c0">Cycle Zero (2023)</option>' in page.text
    cycles_down["yes"] = True  # ranking cannot list them: the configured ones are still offered
    page = await client.get("/leaderboards?lang=en")
    assert '<option value="c1">c1</option>' in page.text and "c0" not in page.text


async def test_progress_is_counted_by_ranking_and_a_committee_sees_only_its_province(client):
    await _sign_in(client, _token())
    page = await client.get("/progress?cycle=c1&lang=en")
    assert page.status_code == 200 and 'data-province="Jawa Barat"' in page.text and "1,234" in page.text
    assert "All provinces" in page.text and "Your provinces only" not in page.text
    assert [r.url.path for r in seen if r.url.path.startswith("/audit")] == []  # no event export read
    await _sign_in(client, _token("committee-chair", provinces=("banten",)))
    page = await client.get("/progress?cycle=c1&category=regency-city&lang=en")
    assert page.status_code == 200 and 'data-province="Banten"' in page.text
    assert 'data-province="Jawa Barat"' not in page.text and "Your provinces only: Banten" in page.text
    asked = [r for r in seen if r.url.path == "/progress/c1"][-1]
    assert asked.url.params["category_id"] == "regency-city"


async def test_coverage_is_read_from_ranking_s_sums_per_province(client):
    await _sign_in(client, _token())
    page = await client.get("/coverage?lang=en")  # the configured cycles by default
    assert page.status_code == 200 and 'data-region="Jawa Barat"' in page.text and "49.25%" in page.text
    assert 'data-cycle="c0"' in page.text  # the known cycles are offered
