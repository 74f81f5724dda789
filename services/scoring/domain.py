"""Scoring's pure core: a candidate's score sheet. Scores are added or amended, never overwritten;
a score whose evidence changed is flagged until its assessor confirms or amends it."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from services.scoring.commands import AmendScore, ConfirmScore, FlagScoresForReview, ScoreFromFigure, ScoreIndicator
from services.scoring.evidence_index import EVIDENCE, not_citable, screened_out
from shared.board_status import look_up_board, require_open
from shared.commands import Aggregate, Rejected
from shared.contracts.cycle_config import CoverageRule, CycleConfig, Rubric
from shared.contracts.scoring import IndicatorScored, ScoreAmended, ScoreConfirmed, ScoreFlaggedForReview
from shared.directory import CYCLES, Registered, look_up, parsed_config
from shared.judging import score_value
from shared.panel import look_up_person, require_panellist


class Review(BaseModel):
    evidence_id: str
    reason: str
    cause: str


class ScoreEntry(BaseModel):
    indicator_id: str
    assessor_id: str
    value: float
    current: bool = True
    evidence: list[str] = []
    review: Review | None = None


class ScoreSheet(BaseModel):
    scores: dict[str, ScoreEntry] = {}

    def current(self, indicator_id: str, assessor_id: str) -> str | None:
        return next(
            (
                sid
                for sid, s in self.scores.items()
                if s.current and s.indicator_id == indicator_id and s.assessor_id == assessor_id
            ),
            None,
        )


@dataclass(frozen=True)
class Judging:
    """What an assessor's command is decided against besides the sheet: the candidate and its
    rubric, the assessor's appointments and conflicts, the candidate's evidence, and the status of
    the board it is ranked on (amendments after the interview stage need it reopened)."""

    registered: Registered
    assessor: dict | None
    evidence: dict | None
    board: dict | None = None


RULE_PREFIX, DERIVED_PREFIX = "rule:", "auto-"


def band_score(rule: CoverageRule, ratio: float, floor: float = 0.0) -> float:
    """The score of the highest band the ratio reaches; below every band, the bottom of the scale."""
    fitting = [b for b in rule.bands if ratio >= b.min_ratio]
    return max(fitting, key=lambda b: b.min_ratio).score if fitting else floor


def _rubric(context: Judging, amending: bool = False) -> Rubric:
    """New scores are given in assessment; amendments and confirmations also on a reopened board."""
    if amending:
        context.registered.require_active()
        require_open(context.board, context.registered.stage, "assessment")
    else:
        context.registered.require_active("assessment")
    require_panellist(context.assessor, "assessor", context.registered.candidate)
    failed = screened_out(context.evidence)
    if failed is not None:
        raise Rejected("screened_out", f"the candidate failed data screening ({', '.join(failed)})")
    return context.registered.category.rubric


def _citing(context: Judging, evidence: list[str]) -> list[str]:
    if not evidence:
        raise Rejected("evidence_required", "a judged score must cite the evidence it relies on", 422)
    stale = not_citable(context.evidence, evidence)
    if stale:
        raise Rejected("evidence_not_citable", f"not standing evidence of this candidate: {stale}", 422)
    return evidence


def _own_current(state: ScoreSheet, score_id: str, assessor_id: str) -> ScoreEntry:
    old = state.scores.get(score_id)
    if old is None:
        raise Rejected("unknown_score", f"no score {score_id} for this candidate")
    if not old.current:
        raise Rejected("score_superseded", f"score {score_id} was already amended")
    if old.assessor_id.startswith(RULE_PREFIX):
        raise Rejected("computed_score", "a computed score changes only through a corrected, verified figure")
    if old.assessor_id != assessor_id:
        raise Rejected("not_own_score", "only the assessor who gave a score may amend or confirm it")
    return old


class CandidateScores(Aggregate[ScoreSheet]):
    kind = "score-sheet"
    state_type = ScoreSheet
    commands = (ScoreIndicator, AmendScore, ConfirmScore, ScoreFromFigure, FlagScoresForReview)

    async def context(self, command, store):
        if isinstance(command, FlagScoresForReview):
            return None
        if isinstance(command, ScoreFromFigure):
            cycle = await store.get(CYCLES, command.cycle_id)
            return parsed_config(cycle["config"]) if cycle else None
        registered = await look_up(store, command.candidate_id)
        cycle_id = registered.candidate["cycle_id"] if registered.candidate else ""
        amending = isinstance(command, (AmendScore, ConfirmScore))
        return Judging(registered, await look_up_person(store, cycle_id, command.assessor_id),
                       await store.get(EVIDENCE, command.candidate_id),
                       await look_up_board(store, registered.candidate) if amending else None)

    def decide(self, command, state, context):
        if isinstance(command, (ScoreIndicator, AmendScore)) and command.score_id in state.scores:
            raise Rejected("duplicate_score_id", f"score {command.score_id} already exists")
        if isinstance(command, ScoreIndicator):
            return self._score(command, state, context)
        if isinstance(command, AmendScore):
            return self._amend(command, state, context)
        if isinstance(command, ConfirmScore):
            return self._confirm(command, state, context)
        if isinstance(command, FlagScoresForReview):
            return _flag(command, state)
        return _score_from_figure(command, state, context)

    def _score(self, command: ScoreIndicator, state: ScoreSheet, context: Judging):
        if command.score_id.startswith(DERIVED_PREFIX) or command.assessor_id.startswith(RULE_PREFIX):
            raise Rejected("reserved_for_rules", f"ids starting {DERIVED_PREFIX!r}/{RULE_PREFIX!r} are the rules'", 422)
        rubric = _rubric(context)
        indicator = rubric.indicator(command.indicator_id)
        if indicator is None:
            raise Rejected("unknown_indicator", f"the rubric has no indicator {command.indicator_id}", 422)
        if indicator.method != "judged":
            raise Rejected("indicator_not_judged", f"{indicator.id} is {indicator.method}, not judged", 422)
        value = score_value(rubric, indicator, command.value, command.criteria)
        if state.current(command.indicator_id, command.assessor_id):
            raise Rejected("already_scored", "this assessor already scored this indicator: amend it instead")
        candidate = context.registered.candidate
        return [
            IndicatorScored(
                cycle_id=candidate["cycle_id"],
                category_id=candidate["category_id"],
                rubric_version=rubric.version,
                value=value,
                criteria=command.criteria or None,
                evidence=_citing(context, command.evidence),
                **command.model_dump(include={"score_id", "candidate_id", "indicator_id", "assessor_id"}),
            )
        ]

    def _amend(self, command: AmendScore, state: ScoreSheet, context: Judging):
        if not command.reason.strip():
            raise Rejected("amendment_reason_required", "an amendment must give its reason", 422)
        if command.score_id.startswith(DERIVED_PREFIX):
            raise Rejected("reserved_for_rules", f"score ids starting {DERIVED_PREFIX!r} are the rules'", 422)
        old = _own_current(state, command.supersedes, command.assessor_id)
        rubric = _rubric(context, amending=True)
        value = score_value(rubric, rubric.indicator(old.indicator_id), command.value, command.criteria)
        return [
            ScoreAmended(
                indicator_id=old.indicator_id,
                value=value,
                criteria=command.criteria or None,
                evidence=_citing(context, command.evidence or old.evidence),
                **command.model_dump(include={"score_id", "candidate_id", "supersedes", "assessor_id", "reason"}),
            )
        ]

    def _confirm(self, command: ConfirmScore, state: ScoreSheet, context: Judging):
        old = _own_current(state, command.score_id, command.assessor_id)
        _rubric(context, amending=True)
        if old.review is None:
            raise Rejected("not_under_review", f"score {command.score_id} is not flagged for review")
        if not command.note.strip():
            raise Rejected("confirmation_note_required", "say why the score stands despite the changed evidence", 422)
        return [ScoreConfirmed(**command.model_dump())]

    def evolve(self, state, event):
        scores = dict(state.scores)
        if isinstance(event, ScoreFlaggedForReview):
            review = Review(evidence_id=event.evidence_id, reason=event.reason, cause=event.cause)
            scores[event.score_id] = scores[event.score_id].model_copy(update={"review": review})
            return ScoreSheet(scores=scores)
        if isinstance(event, ScoreConfirmed):
            scores[event.score_id] = scores[event.score_id].model_copy(update={"review": None})
            return ScoreSheet(scores=scores)
        if isinstance(event, ScoreAmended):
            scores[event.supersedes] = scores[event.supersedes].model_copy(update={"current": False})
        scores[event.score_id] = ScoreEntry(
            indicator_id=event.indicator_id, assessor_id=event.assessor_id, value=event.value, evidence=event.evidence
        )
        return ScoreSheet(scores=scores)


def _flag(command: FlagScoresForReview, state: ScoreSheet) -> list[ScoreFlaggedForReview]:
    """Every current judged score citing the evidence, once per cause."""
    return [
        ScoreFlaggedForReview(
            score_id=score_id,
            indicator_id=entry.indicator_id,
            assessor_id=entry.assessor_id,
            **command.model_dump(include={"candidate_id", "evidence_id", "reason", "cause"}),
        )
        for score_id, entry in state.scores.items()
        if entry.current
        and not entry.assessor_id.startswith(RULE_PREFIX)
        and command.evidence_id in entry.evidence
        and (entry.review is None or entry.review.cause != command.cause)
    ]


def _score_from_figure(command: ScoreFromFigure, state: ScoreSheet, config: CycleConfig | None):
    category = config.category(command.category_id) if config else None
    if category is None:
        raise Rejected("unknown_category", f"no category {command.category_id} in cycle {command.cycle_id}", 422)
    ratio = command.workers_enrolled / command.workers_eligible
    inputs = {"figure_id": command.figure_id, **command.model_dump(include={"workers_eligible", "workers_enrolled"})}
    events = []
    for indicator in (i for i in category.rubric.indicators if i.rule is not None):
        rule = indicator.rule
        assessor = f"{RULE_PREFIX}{rule.id}:v{rule.version}"
        score_id = f"{DERIVED_PREFIX}{command.figure_id}-{indicator.id}"
        if score_id in state.scores:
            raise Rejected("figure_already_scored", f"figure {command.figure_id} was already scored")
        derived = {
            "score_id": score_id,
            "candidate_id": command.candidate_id,
            "indicator_id": indicator.id,
            "assessor_id": assessor,
            "value": band_score(rule, ratio, category.rubric.scale.min),
            "evidence": [command.figure_id],
            "rule": f"{rule.id}@v{rule.version}",
            "inputs": inputs,
            "cause": command.cause,
        }
        previous = state.current(indicator.id, assessor)
        if previous is None:
            events.append(IndicatorScored(cycle_id=command.cycle_id, category_id=category.id,
                                          rubric_version=category.rubric.version, **derived))
        else:
            reason = f"re-derived from coverage figure {command.figure_id}"
            events.append(ScoreAmended(supersedes=previous, reason=reason, **derived))
    return events
