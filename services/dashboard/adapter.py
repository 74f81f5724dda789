"""The thin HTTP adapter: the five services' read APIs, asked with the signed-in person's token.

Refusals keep the services' own `rule` and `reason`, so the page can say why; a 401 means the
token no longer works and the person is sent back to sign in."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

SERVICES = ("registration", "evidence", "scoring", "interview", "ranking")


class ServiceError(Exception):
    """An answer other than success: `status` 0 when the service could not be reached."""

    def __init__(self, service: str, status: int, rule: str, reason: str) -> None:
        super().__init__(f"{service} {status} {rule}: {reason}")
        self.service, self.status, self.rule, self.reason = service, status, rule, reason


class SignInAgain(ServiceError):
    """401: the token is missing, expired or signed with another key."""


def _p(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe="") for part in parts)


def _refusal(service: str, response: httpx.Response) -> ServiceError:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    rule, reason = "http_error", response.text[:300]
    if isinstance(detail, dict):
        rule, reason = str(detail.get("rule", rule)), str(detail.get("reason", reason))
    elif isinstance(detail, str):
        reason = detail
    kind = SignInAgain if response.status_code == 401 else ServiceError
    return kind(service, response.status_code, rule, reason)


@dataclass
class Services:
    """One person's view of the services (made per request with that person's token)."""

    urls: dict[str, str]
    token: str
    client: httpx.AsyncClient

    async def _get(self, service: str, path: str, **params: str) -> httpx.Response:
        try:
            response = await self.client.get(f"{self.urls[service]}{path}", params=params or None,
                                              headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise ServiceError(service, 0, "unavailable", str(exc)) from exc
        if response.status_code >= 400:
            raise _refusal(service, response)
        return response

    async def get(self, service: str, path: str, **params: str) -> Any:
        return (await self._get(service, path, **params)).json()

    async def gather(self, *calls) -> list[Any]:
        """Several calls at once; each result is the answer or the ServiceError it raised
        (a SignInAgain is raised, since nothing else on the page can work then)."""
        results = await asyncio.gather(*calls, return_exceptions=True)
        for result in results:
            if isinstance(result, SignInAgain):
                raise result
            if isinstance(result, BaseException) and not isinstance(result, ServiceError):
                raise result
        return list(results)

    # registration
    async def cycle(self, cycle_id: str) -> dict:
        return await self.get("registration", _p("cycles", cycle_id))

    async def candidate(self, candidate_id: str) -> dict:
        return await self.get("registration", _p("candidates", candidate_id))

    # scoring and interview
    async def scores(self, candidate_id: str) -> dict:
        return await self.get("scoring", _p("candidates", candidate_id, "scores"))

    async def interview(self, candidate_id: str) -> dict:
        return await self.get("interview", _p("candidates", candidate_id, "interview"))

    # ranking
    async def board(self, cycle_id: str, category_id: str, level: str, area: str | None) -> dict:
        tail = {"province": ("provinces", area or ""), "zone": ("zones", area or ""), "national": ("national",)}[level]
        return await self.get("ranking", _p("leaderboards", cycle_id, category_id, *tail))

    async def explanation(self, candidate_id: str) -> dict:
        return await self.get("ranking", _p("candidates", candidate_id, "explanation"))

    async def cycles(self) -> list[dict]:
        """Every cycle ranking knows (id, edition year, name, stage, categories), newest first."""
        return (await self.get("ranking", "/cycles"))["cycles"]

    async def progress(self, cycle_id: str, category_id: str | None = None) -> dict:
        """Counts per province of the provinces the person may see (ranking's progress read model)."""
        params = {"category_id": category_id} if category_id else {}
        return await self.get("ranking", _p("progress", cycle_id), **params)

    async def coverage(self, cycle_id: str) -> dict:
        """Workers enrolled and eligible per province, from the verified coverage figures."""
        return await self.get("ranking", _p("coverage", cycle_id, "provinces"))

    async def verify(self) -> dict:
        return await self.get("ranking", "/audit/verify")

    async def trail(self, cycle_id: str) -> list[dict]:
        """The cycle's events as the log stores them (JSON Lines), in canonical order."""
        response = await self._get("ranking", _p("audit", "cycles", cycle_id, "events.jsonl"))
        return [json.loads(line) for line in response.text.splitlines() if line.strip()]

    async def trail_csv(self, cycle_id: str) -> bytes:
        return (await self._get("ranking", _p("audit", "cycles", cycle_id, "events.csv"))).content
