"""What every page has: the person (from the token cookie), their services, the language, and a
render helper that gives templates the texts and the links they need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from services.dashboard.adapter import ServiceError, Services, SignInAgain
from services.dashboard.i18n import Texts, pick_language
from services.dashboard.session import LANG_COOKIE, TOKEN_COOKIE, check_token
from services.dashboard.settings import DashboardSettings
from shared.auth import Principal, Unauthenticated

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class NotSignedIn(Exception):
    pass


def texts_for(request: Request) -> Texts:
    return Texts(pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)))


def other_language_url(request: Request, lang: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return f"{request.url.path}?{urlencode({**params, 'lang': 'en' if lang == 'id' else 'id'})}"


def error_text(error: ServiceError, t: Texts) -> str:
    if error.status == 0:
        return t("error.unavailable", service=error.service)
    if error.status == 403:
        return t("error.forbidden", reason=error.reason)
    if error.status == 404:
        return t("error.not_found", reason=error.reason)
    return t("error.other", service=error.service, status=error.status, reason=error.reason)


@dataclass
class Page:
    request: Request
    settings: DashboardSettings
    who: Principal
    services: Services
    t: Texts

    def render(self, template: str, nav: str, status_code: int = 200, **values: Any):
        return templates.TemplateResponse(self.request, template, {
            "t": self.t, "lang": self.t.lang, "who": self.who, "nav": nav,
            "other_language_url": other_language_url(self.request, self.t.lang),
            "known_cycles": [(c, c) for c in self.settings.cycles()], **values,
        }, status_code=status_code)

    async def cycles(self) -> list[tuple[str, str]]:
        """The cycles the filters offer, as (id, label): ranking's list (newest edition first), then
        any named in PARITRANA_DASHBOARD_CYCLES it does not list; only those when it cannot answer."""
        try:
            listed = await self.services.cycles()
        except SignInAgain:
            raise
        except ServiceError:
            listed = []
        offered = [(c["cycle_id"], f"{c.get('name') or c['cycle_id']} ({c.get('edition_year') or '–'})")
                   for c in listed]
        known = {cycle_id for cycle_id, _ in offered}
        return offered + [(c, c) for c in self.settings.cycles() if c not in known]

    def default_cycle(self, offered: list[tuple[str, str]]) -> str | None:
        """PARITRANA_DASHBOARD_CYCLES' first, else the newest edition listed."""
        return next(iter(self.settings.cycles()), None) or next((c for c, _ in offered), None)

    def failure(self, error: ServiceError) -> tuple[str, int]:
        """What to show for a refusal, and the page's status; a 401 sends the person to sign in."""
        if isinstance(error, SignInAgain):
            raise error
        return error_text(error, self.t), (error.status if error.status >= 400 else 502)


def page(request: Request) -> Page:
    """The signed-in person's page context; without a valid token, off to sign in."""
    settings: DashboardSettings = request.app.state.settings
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise NotSignedIn()
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    try:
        who = check_token(token, secret)
    except Unauthenticated as exc:
        raise NotSignedIn() from exc
    return Page(request, settings, who, Services(settings.urls(), token, request.app.state.http), texts_for(request))
