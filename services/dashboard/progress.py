"""Cycle progress per province as ranking answers it (`GET /progress/{cycle}`, counted there from
its read models, for the provinces the person may see): how many candidates are registered,
withdrawn, screened (and found eligible), scored by an assessor, shortlisted, interviewed, and how
many categories each province has published. Pure."""

from __future__ import annotations

from typing import Any

COUNTS = ("registered", "withdrawn", "screened", "eligible", "scored", "shortlisted", "interviewed", "published")


def per_province(answer: dict[str, Any]) -> dict[str, dict[str, int]]:
    """{province: {count name: n}} in province order; a count the service did not give is 0."""
    provinces = answer.get("provinces") or {}
    return {name: {c: int((provinces[name] or {}).get(c) or 0) for c in COUNTS} for name in sorted(provinces)}


def totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    return {name: sum(row[name] for row in counts.values()) for name in COUNTS}
