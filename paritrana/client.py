"""A small HTTP client for the services' APIs, used by the demo, the tests and the CLI."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared.auth import ALL_PROVINCES, Principal, issue_token


class ApiError(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}")
        self.response = response


class Api:
    """Calls the services as one person: with a bearer token minted from the services' key (the
    demo's and the tests' clusters make one; real deployments hand tokens out instead)."""

    def __init__(self, urls: dict[str, str], actor_id: str, role: str, jwt_secret: str | None = None,
                 provinces: tuple[str, ...] = (ALL_PROVINCES,), candidate_id: str | None = None,
                 http: httpx.Client | None = None) -> None:
        self._urls, self._secret = urls, jwt_secret
        self._headers: dict[str, str] = {}
        if jwt_secret is not None:
            who = Principal(id=actor_id, role=role, provinces=list(provinces), candidate_id=candidate_id)
            self._headers["Authorization"] = f"Bearer {issue_token(jwt_secret, who)}"
        self._http = http or httpx.Client(timeout=30)  # shared by as_actor's clients (httpx: safe across threads)

    def as_actor(self, actor_id: str, role: str, provinces: tuple[str, ...] = (ALL_PROVINCES,),
                 candidate_id: str | None = None) -> Api:
        return Api(self._urls, actor_id, role, self._secret, provinces, candidate_id, self._http)

    @property
    def token(self) -> str | None:
        return self._headers.get("Authorization", " ").split(" ", 1)[1] or None

    @property
    def headers(self) -> dict[str, str]:
        """The headers that say who is asking, for calls made without this client."""
        return dict(self._headers)

    def post(self, service: str, path: str, body: dict[str, Any], key: str | None = None, **params) -> dict:
        headers = {**self._headers, "Idempotency-Key": key or uuid.uuid4().hex}
        response = self._http.post(f"{self._urls[service]}{path}", json=body, headers=headers, params=params)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    def post_raw(self, service: str, path: str, content: bytes, content_type: str, key: str | None = None,
                 **params) -> dict:
        """POST a body that is not JSON (a CSV import, a document upload)."""
        headers = {**self._headers, "Content-Type": content_type, "Idempotency-Key": key or uuid.uuid4().hex}
        response = self._http.post(f"{self._urls[service]}{path}", content=content, headers=headers, params=params,
                                   timeout=600)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    def get(self, service: str, path: str) -> dict:
        response = self._http.get(f"{self._urls[service]}{path}", headers=self._headers)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    def wait_for(self, service: str, path: str, until: Callable[[dict], bool] = bool, timeout: float = 30) -> dict:
        """Poll a read model until it shows what is expected (projections are eventually consistent)."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                last = self.get(service, path)
                if until(last):
                    return last
            except ApiError as exc:
                if exc.response.status_code != 404:
                    raise
            time.sleep(0.1)
        raise TimeoutError(f"{service}{path} did not reach the expected state in {timeout}s; last: {last}")
