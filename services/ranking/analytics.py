"""Assessor and interviewer analytics from a cycle's events (pure), for the committee.

Per person and duty (assessor: judged scores, never those a rule derived; interviewer: interview
scores), from the events in order:
- leniency: the mean offset of their current scores from the panel, where a panel is every
  current score of the same indicator of the same candidate and counts once it has `min_panel`
  scores (the person's own included); the offset is from the panel's median, so one lenient
  person does not make the others look harsh. With two people on a panel the offsets would mirror
  each other, so such panels are not compared. `leniency_share`: the same over the scale's range;
- spread: the population standard deviation of their current scores;
- agreement: the share of their compared scores within `tolerance` (of the range) of the median;
- amendment churn: amendments per score given;
- amendments after others' scores: an amendment made after another person scored the same
  indicator of the same candidate (and whether it moved towards the others' mean);
- scores near the deadline: first scores given within `near_deadline_hours` before the end of
  their stage's window (assessment or interview; the window's last day ends at midnight WIB,
  UTC+7), or after it.
Flags, each with the events behind it: `lenient` / `harsh` (leniency_share beyond `offset`),
`disagrees` (agreement below `min_agreement`), both only after `min_scores` compared scores;
`amendment_churn` (more than `churn` amendments per score, two at least); `amended_towards_others`
(amendments after others' scores that moved towards them); `deadline_rush` (more than
`deadline_share` of the first scores near the deadline, `min_scores` at least); `after_deadline`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from statistics import mean, median, pstdev
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.ranking.replay import Pair
from services.ranking.trail import aware
from shared.contracts.cycle_config import CycleConfig
from shared.contracts.interview import InterviewScoreAmended, InterviewScored
from shared.contracts.ranking import PanellistExcluded
from shared.contracts.registration import CandidateRegistered, CycleOpened, PanellistAppointed
from shared.contracts.scoring import IndicatorScored, ScoreAmended

WIB = timezone(timedelta(hours=7))
STAGE_OF = {"assessor": "assessment", "interviewer": "interview"}


class Thresholds(BaseModel):
    """When a figure is an outlier (shares are of the scale's range); see the module's docstring."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_panel: int = Field(default=3, ge=2)
    offset: float = Field(default=0.1, gt=0, le=1)
    tolerance: float = Field(default=0.1, ge=0, le=1)
    min_agreement: float = Field(default=0.5, ge=0, le=1)
    min_scores: int = Field(default=3, ge=1)
    churn: float = Field(default=0.5, ge=0)
    near_deadline_hours: float = Field(default=24.0, ge=0, le=24 * 366)  # past a year, no date is before a deadline
    deadline_share: float = Field(default=0.5, ge=0, le=1)


@dataclass
class Given:
    """One score as given: who, on what, the event, and whether it still counts."""

    event_id: str
    at: datetime
    person: str
    duty: str
    candidate_id: str
    indicator_id: str | None
    value: float
    scale: tuple[float, float]
    supersedes: str | None = None
    current: bool = True
    panel_median: float | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.candidate_id, self.indicator_id

    @property
    def offset(self) -> float | None:
        return None if self.panel_median is None else self.value - self.panel_median

    def share(self) -> float:
        low, high = self.scale
        return self.offset / (high - low)

    def shown(self, **extra) -> dict[str, Any]:
        offset = None if self.offset is None else round(self.offset, 6)
        return {"event_id": self.event_id, "at": self.at.isoformat(), "candidate_id": self.candidate_id,
                "indicator_id": self.indicator_id, "value": self.value, "panel_median": self.panel_median,
                "offset": offset, **extra}


@dataclass
class _Cycle:
    """What the events say of the cycle: its configuration, candidates, people and scores."""

    cycle_id: str
    config: CycleConfig | None = None
    candidates: dict[str, CandidateRegistered] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    scores: dict[tuple[str, str], Given] = field(default_factory=dict)  # by (candidate id, score id)


def _scale(cycle: _Cycle, candidate: CandidateRegistered) -> tuple[float, float]:
    category = cycle.config.category(candidate.category_id) if cycle.config else None
    return (category.rubric.scale.min, category.rubric.scale.max) if category else (0.0, 100.0)


def _given(cycle: _Cycle, envelope, event) -> Given | None:
    candidate = cycle.candidates.get(event.candidate_id)
    if candidate is None:
        return None
    if isinstance(event, (IndicatorScored, ScoreAmended)):
        if event.rule is not None or event.assessor_id.startswith("rule:"):
            return None
        person, duty = event.assessor_id, "assessor"
    else:
        person, duty = event.interviewer_id, "interviewer"
    return Given(envelope.event_id, aware(envelope.occurred_at), person, duty, event.candidate_id, event.indicator_id,
                 event.value, _scale(cycle, candidate), getattr(event, "supersedes", None))


def _read(pairs: Iterable[Pair], cycle_id: str, where: dict[str, str]) -> _Cycle:
    cycle = _Cycle(cycle_id)
    for envelope, event in pairs:
        if isinstance(event, CycleOpened) and event.config.cycle_id == cycle_id:
            cycle.config = event.config
        elif isinstance(event, CandidateRegistered) and event.cycle_id == cycle_id and all(
                getattr(event, k) == v for k, v in where.items()):
            cycle.candidates[event.candidate_id] = event
        elif isinstance(event, PanellistAppointed) and event.cycle_id == cycle_id:
            cycle.names[event.person_id] = event.name
        elif isinstance(event, PanellistExcluded) and event.cycle_id == cycle_id:
            cycle.excluded[event.person_id] = event.scenario_id
        elif isinstance(event, (IndicatorScored, ScoreAmended, InterviewScored, InterviewScoreAmended)):
            given = _given(cycle, envelope, event)
            if given is not None:
                superseded = cycle.scores.get((event.candidate_id, given.supersedes or ""))
                if superseded is not None:
                    superseded.current = False
                cycle.scores[(event.candidate_id, event.score_id)] = given
    return cycle


def _compare_to_panels(scores: list[Given], min_panel: int) -> None:
    panels: dict[tuple, list[Given]] = defaultdict(list)
    for given in scores:
        if given.current:
            panels[(given.duty, *given.key)].append(given)
    for panel in panels.values():
        if len(panel) >= min_panel:
            centre = median(g.value for g in panel)
            for given in panel:
                given.panel_median = centre


def _deadline(config: CycleConfig | None, duty: str) -> datetime | None:
    window = next((w for w in (config.stages if config else []) if w.stage == STAGE_OF[duty]), None)
    return datetime.combine(window.closes + timedelta(days=1), time(), WIB) if window else None


def _after_others(amendment: Given, scores: list[Given], before: Given | None) -> dict[str, Any] | None:
    """The amendment, if made after another person scored the same indicator of the candidate."""
    earlier = [g for g in scores if g.key == amendment.key and g.duty == amendment.duty and
               g.person != amendment.person and (g.at, g.event_id) < (amendment.at, amendment.event_id)]
    if not earlier:
        return None
    others = mean(g.value for g in earlier)
    towards = before is not None and abs(amendment.value - others) < abs(before.value - others)
    return amendment.shown(after=[g.event_id for g in earlier], others_mean=round(others, 6),
                           was=before.value if before else None, towards_others=towards)


def _flag(name: str, reason: str, events: list[dict]) -> dict[str, Any]:
    return {"flag": name, "reason": reason, "events": events}


def _person(person: str, duty: str, mine: list[Given], by_key: dict[tuple, list[Given]], cycle: _Cycle,
            limits: Thresholds) -> dict[str, Any]:
    first = [g for g in mine if g.supersedes is None]
    amendments = [g for g in mine if g.supersedes is not None]
    current = [g for g in mine if g.current]
    compared = [g for g in current if g.offset is not None]
    leniency = mean(g.offset for g in compared) if compared else None
    share = mean(g.share() for g in compared) if compared else None
    agreeing = [g for g in compared if abs(g.share()) <= limits.tolerance]
    agreement = len(agreeing) / len(compared) if compared else None
    after_others = [a for a in (_after_others(g, by_key[(g.duty, *g.key)], cycle.scores.get(
        (g.candidate_id, g.supersedes))) for g in amendments) if a is not None]
    deadline = _deadline(cycle.config, duty)
    near = [g for g in first if deadline and deadline - timedelta(hours=limits.near_deadline_hours) <= g.at < deadline]
    late = [g for g in first if deadline and g.at >= deadline]
    flags = []
    if share is not None and len(compared) >= limits.min_scores and abs(share) > limits.offset:
        kind = "lenient" if share > 0 else "harsh"
        flags.append(_flag(kind, f"scores {abs(share):.0%} of the scale {'above' if share > 0 else 'below'} their "
                                 f"panels' medians on average ({len(compared)} compared)",
                           [g.shown() for g in sorted(compared, key=lambda g: -abs(g.offset))]))
    if agreement is not None and len(compared) >= limits.min_scores and agreement < limits.min_agreement:
        flags.append(_flag("disagrees", f"only {agreement:.0%} of the compared scores within {limits.tolerance:.0%} "
                                        "of the scale of the panel's median",
                           [g.shown() for g in compared if g not in agreeing]))
    if len(amendments) >= 2 and first and len(amendments) / len(first) > limits.churn:
        flags.append(_flag("amendment_churn", f"{len(amendments)} amendments of {len(first)} scores",
                           [g.shown(supersedes=g.supersedes) for g in amendments]))
    herding = [a for a in after_others if a["towards_others"]]
    if herding:
        flags.append(_flag("amended_towards_others", f"{len(herding)} amendments made after others had scored the "
                                                     "same indicator moved towards their scores", herding))
    if len(first) >= limits.min_scores and len(near) / len(first) > limits.deadline_share:
        flags.append(_flag("deadline_rush", f"{len(near)} of {len(first)} scores in the last "
                                            f"{limits.near_deadline_hours:g} h before {deadline.isoformat()}",
                           [g.shown() for g in near]))
    if late:
        flags.append(_flag("after_deadline", f"{len(late)} scores after the {STAGE_OF[duty]} window closed "
                                             f"({deadline.isoformat()})", [g.shown() for g in late]))
    return {
        "person_id": person, "name": cycle.names.get(person), "duty": duty,
        "excluded_by_scenario": cycle.excluded.get(person),
        "scores": len(first), "amendments": len(amendments), "current": len(current), "compared": len(compared),
        "leniency": _round(leniency), "leniency_share": _round(share),
        "spread": _round(pstdev([g.value for g in current])) if current else None,
        "agreement": _round(agreement),
        "churn": _round(len(amendments) / len(first)) if first else None,
        "amended_after_others": len(after_others), "amendments_after_others": after_others,
        "near_deadline": len(near), "after_deadline": len(late), "deadline": deadline.isoformat() if deadline else None,
        "flags": flags,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def panellists(pairs: Iterable[Pair], cycle_id: str, limits: Thresholds = Thresholds(),
               **where: str) -> dict[str, Any]:
    """Every assessor's and interviewer's figures in the cycle (optionally only on the candidates of
    one category or province: `category_id=`, `province=`), and the people flagged. Pass the events
    in order (replay.up_to)."""
    cycle = _read(pairs, cycle_id, where)
    everyone = list(cycle.scores.values())
    _compare_to_panels(everyone, limits.min_panel)
    by_person: dict[tuple[str, str], list[Given]] = defaultdict(list)
    by_key: dict[tuple, list[Given]] = defaultdict(list)
    for given in everyone:
        by_person[(given.person, given.duty)].append(given)
        by_key[(given.duty, *given.key)].append(given)
    people = [_person(person, duty, mine, by_key, cycle, limits) for (person, duty), mine in sorted(by_person.items())]
    return {
        "cycle_id": cycle_id, **({"where": where} if where else {}), "thresholds": limits.model_dump(),
        "people": people,
        "flagged": [{"person_id": p["person_id"], "duty": p["duty"], "flags": [f["flag"] for f in p["flags"]]}
                    for p in people if p["flags"]],
    }
