"""The pages: sign-in, leaderboards, a candidate, cycle progress, coverage year on year, and the
audit trail. Each fetches through the adapter with the person's token and hands the answers to a
pure view builder; a refusal is shown with the service's own reason."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.dashboard import progress as progress_figures
from services.dashboard.adapter import ServiceError
from services.dashboard.chart import line_chart
from services.dashboard.context import Page, page, templates, texts_for, other_language_url
from services.dashboard.coverage import cycle_coverage, year_on_year
from services.dashboard.regions import province_name, provinces, zones
from services.dashboard.session import check_token, forget_token, keep_token
from services.dashboard.views import audit_view, board_view, candidate_view
from shared.auth import ALL_PROVINCES, Unauthenticated

P = Annotated[Page, Depends(page)]
Opt = Annotated[str | None, Query(max_length=200)]
LEVELS = ("province", "zone", "national")


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no other host) after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/leaderboards"


def _categories(cycle: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(((cycle or {}).get("config") or {}).get("categories", []))


def pages() -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/leaderboards", 303)

    @router.get("/sign-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request, next: Opt = None, expired: Opt = None):
        t = texts_for(request)
        return templates.TemplateResponse(request, "sign_in.html", {
            "t": t, "lang": t.lang, "who": None, "nav": "sign-in", "next": _safe_next(next),
            "message": t("signin.expired") if expired else "",
            "other_language_url": other_language_url(request, t.lang)})

    @router.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request):
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        settings = request.app.state.settings
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        token, target = form.get("token", ""), _safe_next(form.get("next"))
        try:
            check_token(token, secret)
        except Unauthenticated as exc:
            t = texts_for(request)
            return templates.TemplateResponse(request, "sign_in.html", {
                "t": t, "lang": t.lang, "who": None, "nav": "sign-in", "next": target,
                "message": t("signin.invalid", reason=str(exc)),
                "other_language_url": other_language_url(request, t.lang)}, status_code=401)
        response = RedirectResponse(target, 303)
        keep_token(response, request, token)
        return response

    @router.post("/sign-out")
    async def sign_out() -> RedirectResponse:
        response = RedirectResponse("/sign-in", 303)
        forget_token(response)
        return response

    @router.get("/leaderboards", response_class=HTMLResponse)
    async def leaderboards(p: P, cycle: Opt = None, category: Opt = None, level: Opt = None, area: Opt = None):
        offered = await p.cycles()
        cycle = cycle or p.default_cycle(offered)
        level = level if level in LEVELS else "province"
        mine = [v for v in p.who.provinces if v != ALL_PROVINCES]
        if level == "province":
            area = area or next(iter(mine), None) or next((v.id for v in provinces()), None)
        elif level == "zone":
            area = area or next(iter(zones()), None)
        else:
            area = None
        values: dict[str, Any] = {"cycle": cycle, "category": category, "level": level, "area": area,
                                  "categories": [], "provinces": provinces(), "zones": zones(), "levels": LEVELS,
                                  "board": None, "error": "", "best_in_zone": [], "known_cycles": offered}
        if not cycle:
            return p.render("leaderboards.html", "leaderboards", **values)
        try:
            config = await p.services.cycle(cycle)
            values["categories"] = _categories(config)
            values["category"] = category = category or next((c["id"] for c in values["categories"]), None)
            if category:
                board = await p.services.board(cycle, category, level, area)
                values["board"] = board_view(board, level, area, p.t)
                values["best_in_zone"] = [(p.t.label("zone", z), c)
                                          for z, c in (board.get("best_in_zone") or {}).items()]
        except ServiceError as exc:
            values["error"], status = p.failure(exc)
            return p.render("leaderboards.html", "leaderboards", status, **values)
        return p.render("leaderboards.html", "leaderboards", **values)

    @router.get("/candidates", include_in_schema=False)
    async def find_candidate(p: P, id: Opt = None) -> RedirectResponse:
        return RedirectResponse(f"/candidates/{quote(id.strip(), safe='')}" if id and id.strip() else "/", 303)

    @router.get("/candidates/{candidate_id}", response_class=HTMLResponse)
    async def candidate(p: P, candidate_id: str):
        explanation, registration, scores, interview = await p.services.gather(
            p.services.explanation(candidate_id), p.services.candidate(candidate_id),
            p.services.scores(candidate_id), p.services.interview(candidate_id))
        if isinstance(explanation, ServiceError):
            error, status = p.failure(explanation)
            return p.render("candidate.html", "candidate", status, view=None, error=error)
        keep = [None if isinstance(x, ServiceError) else x for x in (registration, scores, interview)]
        notes = [p.failure(x)[0] for x in (registration, scores, interview) if isinstance(x, ServiceError)]
        view = candidate_view(explanation, *keep, p.t)
        return p.render("candidate.html", "candidate", view=view, error="; ".join(dict.fromkeys(notes)))

    @router.get("/progress", response_class=HTMLResponse)
    async def progress(p: P, cycle: Opt = None, category: Opt = None):
        offered = await p.cycles()
        cycle = cycle or p.default_cycle(offered)
        values: dict[str, Any] = {"cycle": cycle, "category": category or "", "categories": [], "rows": [],
                                  "total": None, "stage": None, "error": "", "columns": progress_figures.COUNTS,
                                  "known_cycles": offered, "scope": None}
        if not cycle:
            return p.render("progress.html", "progress", **values)
        try:
            answer = await p.services.progress(cycle, category or None)
        except ServiceError as exc:
            values["error"], status = p.failure(exc)
            return p.render("progress.html", "progress", status, **values)
        values["categories"] = list(answer.get("categories") or [])
        per_province = progress_figures.per_province(answer)
        values["rows"] = [(province_name(name), counts) for name, counts in per_province.items()]
        values["total"] = progress_figures.totals(per_province)
        values["stage"] = p.t.label("stage", answer.get("stage"))
        if answer.get("scope") not in (None, "all"):
            values["scope"] = ", ".join(province_name(v) for v in answer["scope"])
        return p.render("progress.html", "progress", **values)

    @router.get("/coverage", response_class=HTMLResponse)
    async def coverage(p: P, cycles: Annotated[str | None, Query(max_length=1000)] = None):
        offered = await p.cycles()
        chosen = ([c.strip() for c in (cycles or "").split(",") if c.strip()] or p.settings.cycles()
                  or [c for c, _ in offered])
        values: dict[str, Any] = {"cycles": ", ".join(chosen), "table": None, "chart": None, "error": "",
                                  "known_cycles": offered}
        if not chosen:
            return p.render("coverage.html", "coverage", **values)
        answers = await p.services.gather(*(p.services.coverage(c) for c in chosen))
        failed = [(c, a) for c, a in zip(chosen, answers) if isinstance(a, ServiceError)]
        if failed and len(failed) == len(chosen):
            values["error"], status = p.failure(failed[0][1])
            return p.render("coverage.html", "coverage", status, **values)
        values["error"] = "; ".join(f"{c}: {p.failure(e)[0]}" for c, e in failed)
        table = year_on_year(cycle_coverage(a) for a in answers if not isinstance(a, ServiceError))
        labels = [f"{c.edition_year or '–'}" for c in table.columns]
        values["table"] = {
            "columns": [(f"{c.edition_year or '–'}", c.cycle_id) for c in table.columns],
            "rows": [(province_name(r), [p.t.percent(v) for v in table.ratios[r]]) for r in table.regions],
        }
        if table.regions:
            values["chart"] = line_chart(labels, {province_name(r): [None if v is None else v * 100 for v in row]
                                                  for r, row in table.ratios.items()})
        return p.render("coverage.html", "coverage", **values)

    @router.get("/audit", response_class=HTMLResponse)
    async def audit(p: P, cycle: Opt = None):
        offered = await p.cycles()
        cycle = cycle or p.default_cycle(offered)
        calls = [p.services.verify()] + ([p.services.trail(cycle)] if cycle else [])
        report, *rest = await p.services.gather(*calls)
        events = rest[0] if rest else None
        errors = [p.failure(x) for x in (report, events) if isinstance(x, ServiceError)]
        view = audit_view(None if isinstance(report, ServiceError) else report,
                          None if isinstance(events, ServiceError) else events, p.t)
        status = errors[0][1] if errors and len(errors) == len(calls) else 200
        return p.render("audit.html", "audit", status, view=view, cycle=cycle, known_cycles=offered,
                        error="; ".join(dict.fromkeys(e[0] for e in errors)))

    @router.get("/audit/export.csv")
    async def audit_csv(p: P, cycle: Annotated[str, Query(max_length=200)]):
        try:
            body = await p.services.trail_csv(cycle)
        except ServiceError as exc:
            text, status = p.failure(exc)
            return Response(text, status_code=status, media_type="text/plain; charset=utf-8")
        return Response(body, media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{quote(cycle)}-events.csv"'})

    return router
