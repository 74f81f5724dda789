"""A cycle's configuration: categories and their versioned rubrics. Data, never code."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import Id



class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CoverageBand(Frozen):
    """A coverage ratio at or above `min_ratio` earns `score` (the highest band that fits wins)."""

    min_ratio: float = Field(ge=0, le=1)
    score: float


class CoverageRule(Frozen):
    id: str = Id
    version: int = Field(ge=1)
    bands: list[CoverageBand] = Field(min_length=1)


class SubIndicator(Frozen):
    """What assessors look at within an indicator; weights within one indicator add up to 1."""

    id: str = Id
    name: str = Field(min_length=1)
    weight: float = Field(gt=0, le=1)


class Indicator(Frozen):
    id: str = Id
    name: str = Field(min_length=1)
    weight: float = Field(gt=0, le=1)
    method: Literal["judged", "computed", "interview"]
    rule: CoverageRule | None = None
    sub_indicators: list[SubIndicator] = []

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if (self.method == "computed") != (self.rule is not None):
            raise ValueError("a computed indicator needs a rule, and only a computed one has one")
        if self.sub_indicators and abs(sum(s.weight for s in self.sub_indicators) - 1) > 1e-9:
            raise ValueError(f"sub-indicator weights of {self.id} must add up to 1")
        return self

    def score_of(self, value: float | None, criteria: dict[str, float]) -> float:
        """One assessor's score: given directly, or, where the indicator has sub-indicators
        (criteria), their weighted sum. Raises ValueError saying what does not fit."""
        if not self.sub_indicators:
            if criteria or value is None:
                raise ValueError(f"{self.id} has no criteria: give one value")
            return value
        expected = {s.id for s in self.sub_indicators}
        if value is not None or set(criteria) != expected:
            raise ValueError(f"{self.id} is scored by its criteria {sorted(expected)}, each once")
        return round(sum(s.weight * criteria[s.id] for s in self.sub_indicators), 6)


class Scale(Frozen):
    min: float = 0
    max: float = 100

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise ValueError("scale min must be below max")
        return self


class Rubric(Frozen):
    version: int = Field(ge=1)
    scale: Scale = Scale()
    indicators: list[Indicator] = Field(min_length=1)
    aggregation: Literal["mean", "median", "trimmed_mean", "zscore"] = "mean"
    trim_fraction: float = Field(default=0.2, ge=0, lt=0.5, description="cut from each end (trimmed_mean)")
    min_assessors: int = Field(default=1, ge=1)
    shortlist_size: int = Field(default=5, ge=1)
    national_nominees: int = Field(default=1, ge=1)
    tie_break: list[str] = []
    interview_no_show: Literal["disqualified", "scale_minimum"] = "disqualified"

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("indicator ids must be unique")
        if abs(sum(i.weight for i in self.indicators) - 1) > 1e-9:
            raise ValueError("indicator weights must add up to 1")
        unknown = set(self.tie_break) - set(ids)
        if unknown:
            raise ValueError(f"tie_break names unknown indicators: {sorted(unknown)}")
        for indicator in self.indicators:
            for band in indicator.rule.bands if indicator.rule else []:
                if not self.scale.min <= band.score <= self.scale.max:
                    raise ValueError(f"band score {band.score} of {indicator.id} is outside the scale")
        return self

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def has_interview(self) -> bool:
        return any(i.method == "interview" for i in self.indicators)


Stage = Literal[
    "registration",
    "screening",
    "assessment",
    "plenary",
    "interview",
    "provincial_results",
    "national_round",
    "national_results",
    "closed",
]
STAGES: tuple[str, ...] = Stage.__args__  # in the only order a cycle moves through them


class StageWindow(Frozen):
    stage: Stage
    opens: date
    closes: date

    @model_validator(mode="after")
    def _ordered(self) -> StageWindow:
        if self.closes < self.opens:
            raise ValueError(f"stage {self.stage} closes before it opens")
        return self


class EligibilityRule(Frozen):
    """A screening rule: `min_coverage_ratio` (value), `no_arrears`, `documents_required` (indicators)."""

    rule: Literal["min_coverage_ratio", "no_arrears", "documents_required"]
    value: float | None = None
    indicators: list[str] = []

    @model_validator(mode="after")
    def _meaningful(self) -> EligibilityRule:
        if self.rule == "min_coverage_ratio" and (self.value is None or not 0 <= self.value <= 1):
            raise ValueError("min_coverage_ratio needs a value between 0 and 1")
        if self.rule == "documents_required" and not self.indicators:
            raise ValueError("documents_required needs the indicators whose documents are required")
        return self


class Category(Frozen):
    id: str = Id
    name: str = Field(min_length=1)
    segment: Literal["government", "business"]
    level: Literal["province", "regency_city", "village", "business", "public_service"]
    sector: str | None = None
    size: str | None = None
    rubric: Rubric
    eligibility: list[EligibilityRule] = []

    @model_validator(mode="after")
    def _eligibility_names_known_indicators(self) -> Category:
        for rule in self.eligibility:
            unknown = [i for i in rule.indicators if self.rubric.indicator(i) is None]
            if unknown:
                raise ValueError(f"eligibility rule {rule.rule} of {self.id} names unknown indicators {unknown}")
        return self

    def admits(self, sector: str | None, size: str | None) -> bool:
        """A business candidate fits a category of its sector, and of its size (`medium-large` takes both)."""
        if self.sector is not None and sector != self.sector:
            return False
        return self.size is None or (size is not None and size in self.size.split("-"))


class CycleConfig(Frozen):
    cycle_id: str = Id
    edition_year: int = Field(ge=2017, le=2100)
    name: str = Field(min_length=1)
    config_version: int = Field(default=1, ge=1)
    reference_data_version: str = Field(default="kemendagri-2024", min_length=1, max_length=64)
    stages: list[StageWindow] = []
    categories: list[Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CycleConfig:
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError("category ids must be unique")
        named = [w.stage for w in self.stages]
        if named and named != list(STAGES):
            raise ValueError(f"stages must list every stage once, in order: {', '.join(STAGES)}")
        for earlier, later in zip(self.stages, self.stages[1:]):
            if later.opens < earlier.opens:
                raise ValueError(f"stage {later.stage} opens before {earlier.stage}")
        return self

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)
