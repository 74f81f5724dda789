"""A small typed client for the services' HTTP APIs, calling as the holder of one bearer token.

Every route but health, readiness, metrics and the API docs wants `Authorization: Bearer <jwt>`;
the token names a person, a role and the provinces they act for (a province's own system uses the
role `regional-service`), and the services check it against each route's rule. Commands are
sent with an `Idempotency-Key` derived from what is sent, so sending the same thing twice (a
retry, a re-run of a feed) decides it once; a service that is briefly unavailable (503, a
connection refused) is asked again with the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Mapping
from typing import Any

import httpx
import jwt
from pydantic import BaseModel

from services.evidence.domain import CorrectCoverageFigure, SubmitCoverageFigure
from shared.auth import Principal
from shared.commands import Outcome
from shared.envelope import canonical_json
from shared.topics import SERVICES

from paritrana_kit.verify import KitError

FIRST_PORT = 8101  # `make run` serves registration on 8101 ... ranking on 8105, in SERVICES order


def default_urls(host: str = "127.0.0.1", first_port: int = FIRST_PORT) -> dict[str, str]:
    """Each service's base URL from PARITRANA_<SERVICE>_URL, else the port `make run` gives it."""
    return {service: os.environ.get(f"PARITRANA_{service.upper()}_URL", f"http://{host}:{first_port + n}")
            for n, service in enumerate(SERVICES)}


def principal_of(token: str) -> Principal:
    """Who a token says it is: person, role, provinces (read, not checked: only the services hold the key)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return Principal(id=claims["sub"], role=claims["role"], provinces=claims.get("provinces", []),
                         candidate_id=claims.get("candidate_id"))
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise KitError(f"not a Paritrana token: {exc}") from exc


class ApiError(KitError):
    """A service refused (`status` 4xx with the `rule` it applied and its `reason`) or failed."""

    def __init__(self, method: str, url: str, status: int, detail: Any) -> None:
        self.status, self.detail = status, detail
        self.rule = detail.get("rule") if isinstance(detail, dict) else None
        self.reason = str(detail.get("reason", detail)) if isinstance(detail, dict) else str(detail)
        super().__init__(f"{method} {url} -> {status} {self.rule or ''}: {self.reason}"[:1000])


class ParitranaClient:
    """Calls the services as the holder of `token`; `urls` maps each service to its base URL."""

    def __init__(self, token: str, urls: Mapping[str, str] | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0, retries: int = 3,
                 retry_seconds: float = 1.0) -> None:
        self.token, self.urls = token, {**default_urls(), **(urls or {})}
        self._retries, self._retry_seconds = retries, retry_seconds
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout,
                                       headers={"Authorization": f"Bearer {token}"})

    @property
    def principal(self) -> Principal:
        return principal_of(self.token)

    async def __aenter__(self) -> ParitranaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- typed calls -------------------------------------------------------------------------------

    async def submit_coverage_figure(self, figure: SubmitCoverageFigure, key: str | None = None) -> Outcome:
        """POST /coverage-figures on evidence: one figure for one candidate (of a province the token covers)."""
        return Outcome.model_validate(await self.post("evidence", "/coverage-figures", figure, key=key))

    async def correct_coverage_figure(self, correction: CorrectCoverageFigure, key: str | None = None) -> Outcome:
        """POST /coverage-figures/corrections: a figure that supersedes an earlier one, with the reason."""
        return Outcome.model_validate(await self.post("evidence", "/coverage-figures/corrections", correction, key=key))

    async def import_coverage_figures(self, csv: bytes, key: str) -> dict[str, Any]:
        """POST /coverage-figures/import: a whole CSV, all rows or none (a national service's token only)."""
        return await self.send("POST", "evidence", "/coverage-figures/import", key=key, content=csv,
                               headers={"Content-Type": "text/csv"})

    async def import_progress(self, service: str, key: str) -> dict[str, Any]:
        """GET /imports/{key}: rows decided of the total, for an import sent with that key."""
        return await self.get(service, f"/imports/{key}")

    async def cycle(self, cycle_id: str) -> dict[str, Any]:
        """GET /cycles/{cycle_id} on registration: the cycle's stage and configuration."""
        return await self.get("registration", f"/cycles/{cycle_id}")

    # -- any route ---------------------------------------------------------------------------------

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.send("GET", service, path, params=params or None)

    async def post(self, service: str, path: str, body: BaseModel | Mapping[str, Any], *, key: str | None = None,
                   **params: Any) -> Any:
        """POST a JSON command; without `key` its Idempotency-Key is derived from the path and body."""
        payload = body.model_dump(mode="json", exclude_unset=True) if isinstance(body, BaseModel) else dict(body)
        key = key or f"kit-{hashlib.sha256(canonical_json([path, payload])).hexdigest()[:40]}"
        return await self.send("POST", service, path, key=key, json=payload, params=params or None)

    async def send(self, method: str, service: str, path: str, *, key: str | None = None,
                   headers: Mapping[str, str] | None = None, **request: Any) -> Any:
        url = f"{self.urls[service]}{path}"
        headers = {**(headers or {}), **({"Idempotency-Key": key} if key else {})}
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = await self._http.request(method, url, headers=headers, **request)
            except httpx.TransportError as exc:
                if last:
                    raise ApiError(method, url, 0, f"could not be reached: {exc!r}") from exc
            else:
                if response.status_code != 503 or last:
                    return _answer(method, url, response)
            await asyncio.sleep(self._retry_seconds * (attempt + 1))
        raise AssertionError("unreachable")


def _answer(method: str, url: str, response: httpx.Response) -> Any:
    if response.status_code < 400:
        return response.json() if response.content else None
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    raise ApiError(method, url, response.status_code, detail)


__all__ = ["ApiError", "CorrectCoverageFigure", "FIRST_PORT", "ParitranaClient", "SubmitCoverageFigure",
           "default_urls", "principal_of"]
