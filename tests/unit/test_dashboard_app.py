"""The dashboard app without servers: its pages answered by an httpx.MockTransport playing the
services. Sign-in and its cookie, the language cookie, and refusals shown with their reason."""

from __future__ import annotations

import httpx
import pytest

from services.dashboard.bootstrap import create_app
from services.dashboard.settings import DashboardSettings
from shared.auth import Principal, issue_token

SECRET = "k" * 40
CYCLE = {"stage": "provincial_results", "config": {"cycle_id": "c1", "categories": [{"id": "regency-city",
                                                                                      "name": "Regency/city"}]}}
BOARD = {"stage": "final", "rubric_version": 1, "aggregation": "mean", "ranked": [
    {"candidate_id": "a", "name": "Kota A", "province": "jawa-barat", "document_total": 83.75,
     "interview_total": 88.0, "total": 84.6, "coverage_ratio": 0.7, "rank": 1}]}


def _services(request: httpx.Request) -> httpx.Response:
    seen.append(request)
    if request.headers.get("authorization") != f"Bearer {token_now['value']}":
        return httpx.Response(401, json={"detail": {"rule": "invalid_token", "reason": "bad"}})
    path = request.url.path
    if path == "/cycles/c1":
        return httpx.Response(200, json=CYCLE)
    if path == "/leaderboards/c1/regency-city/provinces/jawa-barat":
        return httpx.Response(200, json=BOARD)
    if path.startswith("/audit/") or path.startswith("/leaderboards/c1/regency-city/provinces/"):
        return httpx.Response(403, json={"detail": {"rule": "role_not_allowed", "reason": "a candidate may not"}})
    return httpx.Response(404, json={"detail": {"rule": "unknown", "reason": f"nothing at {path}"}})


seen: list[httpx.Request] = []
token_now: dict[str, str] = {}


def _token(role: str = "organiser", secret: str = SECRET) -> str:
    return issue_token(secret, Principal(id="someone", role=role, provinces=["*"]))


@pytest.fixture
async def client():
    seen.clear()
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
