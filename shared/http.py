"""The FastAPI app factory every service uses: health, readiness, metrics, errors, correlation."""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import bulk, metrics
from shared.access import authorize
from shared.body_limit import JsonBodyLimit
from shared.commands import CommandBody, Outcome
from shared.dead_letters_http import dead_letter_routes
from shared.envelope import Actor
from shared.logging import bind_correlation, clear_context, configure_logging, get_logger
from shared.ports import Unavailable
from shared.runtime import Runtime, ServiceSpec
from shared.settings import Settings

log = get_logger(__name__)


class CommandRejected(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def actor(request: Request) -> Actor:
    """The authenticated person (shared.access put them on the request): events record them."""
    principal = request.state.principal
    return Actor(id=principal.id, role=principal.role)


CurrentActor = Annotated[Actor, Depends(actor)]
IdempotencyKey = Annotated[str | None, Header(min_length=8, max_length=128)]


def correlation_id(request: Request) -> str:
    return request.state.correlation_id


CorrelationId = Annotated[str, Depends(correlation_id)]


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def accepted(outcome: Outcome) -> JSONResponse:
    """Answer with the decision: 201 and the events, or the rule that refused it."""
    if outcome.status != "accepted":
        raise CommandRejected(outcome)
    return JSONResponse(outcome.model_dump(exclude={"rule", "reason", "http_status"}), status_code=201)


async def bulk_response(importing) -> dict:
    """Await a bulk import; an unreadable file or rejected rows become a 422 that says why."""
    try:
        return await importing
    except bulk.BadFile as bad:
        raise HTTPException(422, {"rule": "unreadable_file", "reason": str(bad)}) from bad
    except bulk.RowsRejected as rejected:
        raise HTTPException(422, {"rule": "rows_rejected", "accepted": 0,
                                  "rejected_total": rejected.total, "rejected": rejected.report}) from rejected


ExpectedVersion = Annotated[int | None, Query(ge=0, description="refuse unless the aggregate is at this version")]


def command_route(router: APIRouter, path: str, body_type: type[CommandBody], summary: str | None = None) -> None:
    """POST `path`: the body is the command; the answer is its decision (201 with the events, or the rule)."""

    async def route(body, rt, who, cid, idempotency_key=None, expected_version=None) -> JSONResponse:
        return accepted(await rt.submit(body, who, cid, idempotency_key, expected_version))

    parameter = partial(inspect.Parameter, kind=inspect.Parameter.KEYWORD_ONLY)
    route.__signature__ = inspect.Signature([
        parameter("body", annotation=body_type),
        parameter("rt", annotation=Annotated[Runtime, Depends(runtime)]),
        parameter("who", annotation=CurrentActor),
        parameter("cid", annotation=CorrelationId),
        parameter("idempotency_key", default=None, annotation=IdempotencyKey),
        parameter("expected_version", default=None, annotation=ExpectedVersion),
    ])
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", body_type.NAME).lower()
    router.post(path, status_code=201, name=name, summary=summary, description=body_type.__doc__)(route)


def create_app(spec: ServiceSpec, routes: Callable[[], APIRouter], settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(spec.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.runtime = Runtime(spec, settings)
        await app.state.runtime.start()
        log.info("service started", backend=settings.backend, namespace=settings.namespace)
        yield
        await app.state.runtime.stop()

    app = FastAPI(title=f"Paritrana {spec.name}", lifespan=lifespan, dependencies=[Depends(authorize)])
    app.state.settings = settings
    metrics.instrument(app, spec.name)
    app.include_router(routes())
    _add_operations(app)
    _add_error_handlers(app)
    app.add_middleware(JsonBodyLimit, limit=settings.max_json_bytes)
    return app


class Correlated:
    """Each request's correlation id: the caller's X-Correlation-Id or a new one, bound to the logs,
    kept in `request.state` and echoed in the answer. Plain ASGI, like the other middlewares."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clear_context()
        correlation_id = Headers(scope=scope).get("x-correlation-id") or uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        bind_correlation(correlation_id=correlation_id)

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation_id
            await send(message)

        await self.app(scope, receive, sending)


def _add_operations(app: FastAPI) -> None:
    app.add_middleware(Correlated)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    async def ready(request: Request) -> JSONResponse:
        rt: Runtime = request.app.state.runtime
        try:
            await rt.log.ping()
            await rt.store.ping()
        except Exception as exc:  # any failure means not ready; say which
            return JSONResponse({"status": "unavailable", "reason": str(exc)[:300]}, status_code=503)
        if joining := rt.joining():  # events sent now would wait unseen until the group has formed
            return JSONResponse({"status": "joining", "reason": f"consumer groups not joined yet: {joining}"},
                                status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/imports/{key}", tags=["operations"])
    async def import_progress(key: str, request: Request) -> dict:
        """Progress of a bulk import sent with this Idempotency-Key: rows decided of the total."""
        doc = await request.app.state.runtime.store.get(bulk.IMPORTS, key)
        if doc is None:
            raise HTTPException(404, {"rule": "unknown_import",
                                      "reason": f"no import {key} (yet): rows are validated before it starts"})
        return {"total": doc["total"], "decided": doc["decided"]}

    app.include_router(dead_letter_routes())

    @app.get("/metrics", tags=["operations"])
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CommandRejected)
    async def rejected(request: Request, exc: CommandRejected) -> JSONResponse:
        o = exc.outcome
        return JSONResponse({"detail": {"rule": o.rule, "reason": o.reason}}, status_code=o.http_status)

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Every refusal names a rule: Starlette's own (no such path, method, unreadable body) too."""
        detail = exc.detail
        if isinstance(detail, str):
            detail = {"rule": HTTP_RULES.get(exc.status_code, f"http_{exc.status_code}"), "reason": detail}
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's list of what is wrong, without echoing the input (it may not even be text)."""
        errors = [{k: v for k, v in error.items() if k not in ("input", "ctx")} for error in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


HTTP_RULES = {400: "unreadable_body", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}
