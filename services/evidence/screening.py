"""Data screening (penapisan): a candidate's verified evidence against its category's eligibility rules."""

from __future__ import annotations

from shared.contracts.cycle_config import Category, EligibilityRule
from shared.contracts.evidence import CandidateScreened, Figures, RuleFailure


def screen(
    candidate_id: str, cycle_id: str, category: Category, latest: Figures | None, documented: set[str]
) -> CandidateScreened:
    """Pure: `latest` is the newest verified coverage figure (None when none is verified);
    `documented` the indicators with at least one verified supporting document."""
    passed, failed, not_checked = [], [], []
    for rule in category.eligibility:
        reason = _failure(rule, latest, documented)
        if reason is None:
            passed.append(rule.rule)
        else:
            failed.append(RuleFailure(rule=rule.rule, reason=reason))
    return CandidateScreened(
        candidate_id=candidate_id, cycle_id=cycle_id, category_id=category.id,
        eligible=not failed, passed=passed, failed=failed, not_checked=not_checked,
    )


def _failure(rule: EligibilityRule, latest: Figures | None, documented: set[str]) -> str | None:
    if rule.rule == "documents_required":
        missing = [i for i in rule.indicators if i not in documented]
        return f"no verified document for {', '.join(missing)}" if missing else None
    if latest is None:
        return "no verified coverage figure"
    if rule.rule == "min_coverage_ratio":
        ratio = latest.workers_enrolled / latest.workers_eligible
        return None if ratio >= rule.value else f"coverage {ratio:.3f} is below {rule.value}"
    return None if latest.arrears_months == 0 else f"{latest.arrears_months} months of contribution arrears"
