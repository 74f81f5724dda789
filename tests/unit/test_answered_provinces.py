"""Reads scoped "own provinces" are answered for the caller's provinces, decided by the access rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from shared.access import answered_provinces, authorize
from shared.auth import ALL_PROVINCES, Principal, issue_token

SECRET = "s" * 40


@pytest.fixture
def client() -> TestClient:
    app = FastAPI(dependencies=[Depends(authorize)])
    app.state.settings = SimpleNamespace(jwt_secret=SimpleNamespace(get_secret_value=lambda: SECRET))

    @app.get("/progress/{cycle_id}")
    def progress(cycle_id: str, request: Request):
        return {"provinces": answered_provinces(request)}

    @app.get("/cycles")
    def cycles(request: Request):  # its rule is not scoped "own provinces"
        return {"provinces": answered_provinces(request)}

    return TestClient(app)


def _as(client: TestClient, role: str, provinces: tuple[str, ...], path: str = "/progress/c1"):
    token = issue_token(SECRET, Principal(id="someone", role=role, provinces=list(provinces)))
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(("role", "provinces", "answered"), [
    ("organiser", (ALL_PROVINCES,), None),
    ("auditor", (ALL_PROVINCES,), None),
    ("committee-secretary", ("jawa-barat",), ["jawa-barat"]),
    ("committee-chair", ("bali", "aceh", "bali"), ["aceh", "bali"]),
    ("committee-chair", (ALL_PROVINCES,), None),
])
def test_national_roles_are_answered_for_every_province_a_committee_for_its_own(client, role, provinces, answered):
    response = _as(client, role, provinces)
    assert response.status_code == 200 and response.json() == {"provinces": answered}


def test_a_role_the_rule_does_not_name_is_refused_before_any_answer(client):
    response = _as(client, "assessor", ("jawa-barat",))
    assert response.status_code == 403 and response.json()["detail"]["rule"] == "role_not_allowed"


def test_a_route_whose_rule_is_not_scoped_to_own_provinces_cannot_narrow_by_them(client):
    with pytest.raises(RuntimeError, match="no 'own provinces' access rule"):
        _as(client, "organiser", (ALL_PROVINCES,), "/cycles")
