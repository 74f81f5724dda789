"""Scoring's pure core: a candidate's score sheet. Scores are added or amended, never overwritten."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.cycle_config import CoverageRule, CycleConfig, Rubric
from shared.contracts.scoring import IndicatorScored, ScoreAmended
from shared.directory import Registered, look_up



class ScoreIndicator(CommandBody):
    NAME = "ScoreIndicator"
    score_id: str = Id
    candidate_id: str = Id
    indicator_id: str = Id
    assessor_id: str = Field(min_length=1, max_length=128)
    value: float
    evidence: list[str] = []

    def aggregate_id(self) -> str:
        return self.candidate_id


class AmendScore(CommandBody):
    NAME = "AmendScore"
    score_id: str = Id
    candidate_id: str = Id
    supersedes: str = Id
    assessor_id: str = Field(min_length=1, max_length=128)
    value: float
    reason: str = Field(default="", max_length=2000)

    def aggregate_id(self) -> str:
        return self.candidate_id


class ScoreFromFigure(CommandBody):
    """Issued by the scoring service itself when a coverage figure arrives."""

    NAME = "ScoreFromFigure"
    candidate_id: str = Id
    cycle_id: str = Id
    category_id: str = Id
    figure_id: str = Id
    workers_eligible: int = Field(gt=0)
    workers_enrolled: int = Field(ge=0)

    def aggregate_id(self) -> str:
        return self.candidate_id


class ScoreEntry(BaseModel):
    indicator_id: str
    assessor_id: str
    value: float
    current: bool = True


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


RULE_PREFIX, DERIVED_PREFIX = "rule:", "auto-"


def band_score(rule: CoverageRule, ratio: float, floor: float = 0.0) -> float:
    """The score of the highest band the ratio reaches; below every band, the bottom of the scale."""
    fitting = [b for b in rule.bands if ratio >= b.min_ratio]
    return max(fitting, key=lambda b: b.min_ratio).score if fitting else floor


def _rubric(context: Registered) -> Rubric:
    context.require_active("assessment")
    return context.category.rubric


def _check_scale(rubric: Rubric, value: float) -> None:
    if not rubric.scale.min <= value <= rubric.scale.max:
        raise Rejected(
            "score_outside_scale", f"{value} is outside the rubric's scale {rubric.scale.min}-{rubric.scale.max}", 422
        )


class CandidateScores(Aggregate[ScoreSheet]):
    kind = "score-sheet"
    state_type = ScoreSheet
    commands = (ScoreIndicator, AmendScore, ScoreFromFigure)

    async def context(self, command, store):
        if isinstance(command, ScoreFromFigure):
            cycle = await store.get("directory_cycles", command.cycle_id)
            return CycleConfig.model_validate(cycle["config"]) if cycle else None
        return await look_up(store, command.candidate_id)

    def decide(self, command, state, context):
        if getattr(command, "score_id", None) in state.scores:
            raise Rejected("duplicate_score_id", f"score {command.score_id} already exists")
        if isinstance(command, ScoreIndicator):
            return self._score(command, state, context)
        if isinstance(command, AmendScore):
            return self._amend(command, state, context)
        return self._score_from_figure(command, state, context)

    def _score(self, command: ScoreIndicator, state: ScoreSheet, context: Registered):
        rubric = _rubric(context)
        indicator = rubric.indicator(command.indicator_id)
        if indicator is None:
            raise Rejected("unknown_indicator", f"the rubric has no indicator {command.indicator_id}", 422)
        if indicator.method != "judged":
            raise Rejected("indicator_not_judged", f"{indicator.id} is {indicator.method}, not judged", 422)
        _check_scale(rubric, command.value)
        if state.current(command.indicator_id, command.assessor_id):
            raise Rejected("already_scored", "this assessor already scored this indicator: amend it instead")
        if command.score_id.startswith(DERIVED_PREFIX) or command.assessor_id.startswith(RULE_PREFIX):
            raise Rejected("reserved_for_rules", f"ids starting {DERIVED_PREFIX!r}/{RULE_PREFIX!r} are the rules'", 422)
        category = context.category
        return [
            IndicatorScored(
                cycle_id=context.candidate["cycle_id"],
                category_id=category.id,
                rubric_version=rubric.version,
                **command.model_dump(),
            )
        ]

    def _amend(self, command: AmendScore, state: ScoreSheet, context: Registered):
        if not command.reason.strip():
            raise Rejected("amendment_reason_required", "an amendment must give its reason", 422)
        if command.score_id.startswith(DERIVED_PREFIX):
            raise Rejected("reserved_for_rules", f"score ids starting {DERIVED_PREFIX!r} are the rules'", 422)
        old = state.scores.get(command.supersedes)
        if old is None:
            raise Rejected("unknown_score", f"no score {command.supersedes} for this candidate")
        if not old.current:
            raise Rejected("score_superseded", f"score {command.supersedes} was already amended")
        if old.assessor_id.startswith(RULE_PREFIX):
            raise Rejected("computed_score", "a computed score changes only through a corrected, verified figure")
        if old.assessor_id != command.assessor_id:
            raise Rejected("not_own_score", "only the assessor who gave a score may amend it")
        _check_scale(_rubric(context), command.value)
        return [ScoreAmended(indicator_id=old.indicator_id, **command.model_dump())]

    def _score_from_figure(self, command: ScoreFromFigure, state: ScoreSheet, config: CycleConfig | None):
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
            value = band_score(rule, ratio, category.rubric.scale.min)
            previous = state.current(indicator.id, assessor)
            if previous is None:
                events.append(
                    IndicatorScored(
                        score_id=score_id,
                        candidate_id=command.candidate_id,
                        cycle_id=command.cycle_id,
                        category_id=category.id,
                        indicator_id=indicator.id,
                        assessor_id=assessor,
                        value=value,
                        rubric_version=category.rubric.version,
                        evidence=[command.figure_id],
                        rule=f"{rule.id}@v{rule.version}",
                        inputs=inputs,
                    )
                )
            else:
                events.append(
                    ScoreAmended(
                        score_id=score_id,
                        supersedes=previous,
                        candidate_id=command.candidate_id,
                        indicator_id=indicator.id,
                        assessor_id=assessor,
                        value=value,
                        reason=f"re-derived from coverage figure {command.figure_id}",
                    )
                )
        return events

    def evolve(self, state, event):
        scores = dict(state.scores)
        if isinstance(event, ScoreAmended):
            scores[event.supersedes] = scores[event.supersedes].model_copy(update={"current": False})
        scores[event.score_id] = ScoreEntry(
            indicator_id=event.indicator_id, assessor_id=event.assessor_id, value=event.value
        )
        return ScoreSheet(scores=scores)
