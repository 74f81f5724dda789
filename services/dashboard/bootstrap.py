"""The dashboard app: `create_app(settings)`; served by `python -m services.dashboard --port N`."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from services.dashboard.adapter import SignInAgain
from services.dashboard.i18n import LANGUAGES
from services.dashboard.context import NotSignedIn
from services.dashboard.pages import pages
from services.dashboard.session import forget_token, keep_language
from services.dashboard.settings import DashboardSettings

HERE = Path(__file__).parent


def create_app(settings: DashboardSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`transport` replaces the network in tests (an httpx.MockTransport answering as the services)."""
    settings = settings or DashboardSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(timeout=settings.service_timeout, transport=transport) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Paritrana dashboard", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages())

    @app.get("/health", include_in_schema=False)
    @app.get("/ready", include_in_schema=False)
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.middleware("http")
    async def remember_language(request: Request, call_next):
        response = await call_next(request)
        lang = request.query_params.get("lang")
        if lang in LANGUAGES:
            keep_language(response, request, lang)
        return response

    @app.exception_handler(NotSignedIn)
    async def to_sign_in(request: Request, exc: NotSignedIn):
        return _sign_in_redirect(request, expired=False)

    @app.exception_handler(SignInAgain)
    async def sign_in_again(request: Request, exc: SignInAgain):
        return _sign_in_redirect(request, expired=True)

    return app


def _sign_in_redirect(request: Request, expired: bool) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/sign-in?next={quote(here, safe='')}" + ("&expired=1" if expired else ""), 303)
    if expired:
        forget_token(response)
    return response


def app() -> FastAPI:
    """For uvicorn's factory mode."""
    return create_app()
