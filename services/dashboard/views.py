"""Pure view building: the services' answers (plain data) in, what a template shows out, numbers
already written the page's language's way. No I/O here; the routes fetch, these shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.dashboard.i18n import Texts
from services.dashboard.regions import province_name

APART = ("incomplete", "withdrawn", "disqualified", "not_shortlisted")


@dataclass(frozen=True)
class Row:
    rank: str
    candidate_id: str
    name: str
    province: str
    cells: dict[str, str]
    note: str = ""
    best: bool = False


@dataclass(frozen=True)
class BoardView:
    title: str
    stage: str
    rubric: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[Row]
    apart: list[tuple[str, list[Row]]] = field(default_factory=list)


def _what(names: list[str]) -> str:
    return ", ".join(names)


def board_view(board: dict[str, Any], level: str, area: str | None, t: Texts) -> BoardView:
    """A provincial, zone or national leaderboard as the ranking service answers it."""
    provincial = level == "province"
    final = board.get("stage") in ("final", "zone", "national")
    columns = [("province", t("board.province"))] if not provincial else []
    columns += [("document_total", t("board.document_total"))] if provincial else []
    columns += [("interview_total", t("board.interview_total"))] if provincial and final else []
    columns += [("total", t("board.total"))] if final else []
    columns += [("coverage", t("board.coverage"))] if provincial else []
    best = set((board.get("best_in_zone") or {}).values()) | ({board["best"]} if board.get("best") else set())

    def row(entry: dict[str, Any], apart: str | None = None) -> Row:
        cells = {
            "province": province_name(entry.get("province")),
            "document_total": t.number(entry.get("document_total")),
            "interview_total": t.number(entry.get("interview_total")),
            "total": t.number(entry.get("total")),
            "coverage": t.percent(entry.get("coverage_ratio")),
        }
        notes = [t(f"board.apart.{apart}")] if apart else []
        notes += [t("board.missing", what=_what(entry["missing"]))] if entry.get("missing") else []
        notes += [t("board.under_review", what=_what(entry["under_review"]))] if entry.get("under_review") else []
        rank = str(entry["rank"]) if entry.get("rank") is not None and apart is None else "–"
        return Row(rank, entry["candidate_id"], entry.get("name") or entry["candidate_id"],
                   province_name(entry.get("province")), cells, "; ".join(notes), entry["candidate_id"] in best)

    area_name = province_name(area) if provincial else t.label("zone", area)
    rubric = ""
    if board.get("rubric_version") is not None:
        rubric = t("board.rubric", version=board["rubric_version"])
        rubric += f", {t('board.aggregation', aggregation=board['aggregation'])}" if board.get("aggregation") else ""
    return BoardView(
        title=t(f"board.title.{level}", area=area_name),
        stage=t.label("board.stage", board.get("stage")),
        rubric=rubric,
        columns=columns,
        rows=[row(entry) for entry in board.get("ranked", [])],
        apart=[(t(f"board.apart.{kind}"), [row(e, kind) for e in board.get(kind, [])])
               for kind in APART if board.get(kind)],
    )


@dataclass(frozen=True)
class IndicatorLine:
    name: str
    method: str
    weight: str
    scores: str
    value: str
    contribution: str


@dataclass(frozen=True)
class EventLine:
    when: str
    who: str
    kind: str
    what: str


@dataclass(frozen=True)
class ScoreLine:
    score_id: str
    indicator: str
    by: str
    value: str
    current: bool


@dataclass(frozen=True)
class CandidateView:
    candidate_id: str
    name: str
    facts: str
    stage: str
    list_name: str
    rank: str
    totals: list[tuple[str, str]]
    matches_live: bool
    indicators: list[IndicatorLine]
    events: list[EventLine]
    scores: list[ScoreLine]


def _when(moment: str | None) -> str:
    return (moment or "")[:19].replace("T", " ")


def candidate_view(explanation: dict[str, Any], registration: dict[str, Any] | None,
                   scores: dict[str, Any] | None, interview: dict[str, Any] | None, t: Texts) -> CandidateView:
    """A candidate's scores and the explanation of its rank (ranking's explanation, the score sheets)."""
    live = explanation.get("live") or {}
    totals = explanation.get("totals") or {}
    reg = registration or explanation
    facts = t("candidate.facts", category=explanation.get("category_id", "–"),
              province=province_name(reg.get("province")), zone=t.label("zone", reg.get("zone")),
              cycle=explanation.get("cycle_id", "–"))
    indicators = [
        IndicatorLine(
            name=line.get("name") or line["indicator_id"],
            method=t.label("candidate.method", line.get("method")),
            weight=t.percent(line.get("weight"), 0),
            scores=", ".join(f"{s['by']}: {t.number(s['value'])}" for s in line.get("scores", [])),
            value=t.number(line.get("value")),
            contribution=t.number(line.get("contribution")),
        )
        for line in explanation.get("indicators", [])
    ]
    events = [
        EventLine(_when(e.get("when")), f"{e['who']['id']} ({t.label('role', e['who'].get('role'))})",
                  e.get("type", ""), e.get("what", ""))
        for e in explanation.get("events", [])
    ]
    lines = [ScoreLine(score_id, s.get("indicator_id", ""), s.get("assessor_id", ""), t.number(s.get("value")),
                       bool(s.get("current")))
             for score_id, s in ((scores or {}).get("scores") or {}).items()]
    lines += [ScoreLine(score_id, s.get("indicator_id", ""), s.get("interviewer_id", ""), t.number(s.get("value")),
                        bool(s.get("current")))
              for score_id, s in ((interview or {}).get("scores") or {}).items()]
    return CandidateView(
        candidate_id=explanation["candidate_id"],
        name=explanation.get("name") or explanation["candidate_id"],
        facts=facts,
        stage=t.label("board.stage", live.get("stage") or totals.get("stage")),
        list_name=t.label("board.apart", live.get("list")) if live.get("list") != "ranked" else "",
        rank=str(live["rank"]) if live.get("rank") is not None else "–",
        totals=[(t("board.document_total"), t.number(totals.get("document_total"))),
                (t("board.interview_total"), t.number(totals.get("interview_total"))),
                (t("board.total"), t.number(totals.get("total")))],
        matches_live=bool(explanation.get("matches_live")),
        indicators=indicators,
        events=events,
        scores=lines,
    )


@dataclass(frozen=True)
class TrailLine:
    when: str
    kind: str
    who: str
    stream: str
    hash: str


@dataclass(frozen=True)
class AuditView:
    intact: bool | None
    facts: list[tuple[str, str]]
    first_break: str
    findings: list[str]
    trail: list[TrailLine]
    trail_count: str
    trail_cut: str = ""  # said when only the first events are listed


TRAIL_ROWS = 2000  # listed on the page; the CSV download has them all


def audit_view(report: dict[str, Any] | None, events: list[dict[str, Any]] | None, t: Texts,
               limit: int = TRAIL_ROWS) -> AuditView:
    """`GET /audit/verify`'s report and the cycle's events (either may be missing: None); the
    first `limit` events are listed."""
    report = report or {}
    brk = report.get("first_break")
    first_break = t("audit.first_break", topic=brk.get("topic", "–"), partition=brk.get("partition", "–"),
                    offset=brk.get("offset", "–")) if brk else ""
    facts = [(t("audit.events_checked"), t.number(report.get("events"), 0)),
             (t("audit.streams"), t.number(report.get("streams"), 0)),
             (t("audit.duplicates"), t.number(report.get("duplicates"), 0)),
             (t("audit.findings"), t.number(report.get("findings_total"), 0))] if report else []
    findings = [str(f.get("reason") or f) if isinstance(f, dict) else str(f) for f in report.get("findings", [])]
    trail = [TrailLine(_when(e.get("occurred_at")), e.get("type", ""),
                       f"{(e.get('actor') or {}).get('id', '–')} ({t.label('role', (e.get('actor') or {}).get('role'))})",
                       f"{e.get('stream', '')}#{e.get('sequence', '')}", (e.get("hash") or "")[:12])
             for e in (events or [])[:limit]]
    total = len(events or [])
    cut = t("audit.cut", shown=t.number(len(trail), 0)) if total > len(trail) else ""
    return AuditView(report.get("intact") if report else None, facts, first_break, findings, trail,
                     t("audit.count", count=t.number(total, 0)), cut)
