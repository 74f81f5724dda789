"""schemas/ is generated from the contracts, kept fresh, and never broken for old readers."""

from __future__ import annotations

import json
import subprocess
from typing import Literal

import pytest
from pydantic import BaseModel

from shared.schema_compat import breaking_changes
from shared.schemagen import ROOT, generate, stale


def test_committed_schemas_are_up_to_date():
    assert stale() == [], "schemas/ is stale: run `make schemas` and commit the result"


def _history(path: str) -> list[str]:
    """Every committed version of a schema file (empty outside a git checkout)."""
    try:
        shas = subprocess.run(
            ["git", "log", "--format=%H", "--", f"schemas/{path}"],
            cwd=ROOT.parent, capture_output=True, text=True, check=True,
        ).stdout.split()
        return [
            subprocess.run(["git", "show", f"{sha}:schemas/{path}"], cwd=ROOT.parent, capture_output=True,
                           text=True, check=True).stdout
            for sha in shas
        ]
    except (OSError, subprocess.CalledProcessError):
        return []


@pytest.mark.parametrize("path", sorted(generate()))
def test_no_published_version_of_a_schema_is_broken(path):
    current = generate()[path]
    published = _history(path) or [(ROOT / path).read_text()]
    for text in published:
        assert breaking_changes(json.loads(text), current) == [], f"{path} breaks readers of an earlier commit"


class Inner(BaseModel):
    label: str
    count: int


class V1(BaseModel):
    name: str
    score: float
    note: str | None = None
    stage: Literal["a", "b"] = "a"
    inner: Inner
    tags: list[str] = []


def _changes(model: type[BaseModel]) -> list[str]:
    return breaking_changes(V1.model_json_schema(), model.model_json_schema())


def test_adding_an_optional_field_is_compatible():
    class Added(V1):
        extra: int | None = None

    assert _changes(Added) == []


def test_removed_field_is_breaking():
    class Removed(BaseModel):
        name: str
        note: str | None = None
        stage: Literal["a", "b"] = "a"
        inner: Inner
        tags: list[str] = []

    assert _changes(Removed) == ["payload.score: removed"]


def test_retyped_field_is_breaking():
    class Retyped(V1):
        score: str

    assert _changes(Retyped) == ["payload.score: type changed from ['number'] to ['string']"]


def test_optional_made_required_and_new_required_are_breaking():
    class Stricter(V1):
        note: str
        added: int

    assert _changes(Stricter) == [
        "payload.note: type changed from ['null', 'string'] to ['string']",
        "payload.added: added as required",
        "payload.note: made required",
    ]


def test_enum_losing_a_value_is_breaking():
    class Narrower(V1):
        stage: Literal["a"] = "a"

    assert _changes(Narrower) == ["payload.stage: enum lost ['b']"]


def test_change_inside_a_nested_model_is_breaking():
    class Inner2(BaseModel):
        label: str
        count: str

    class Nested(V1):
        inner: Inner2

    assert _changes(Nested) == ["payload.inner.count: type changed from ['integer'] to ['string']"]


def test_array_item_type_change_is_breaking():
    class Items(V1):
        tags: list[int] = []

    assert _changes(Items) == ["payload.tags: type changed from ['array[string]'] to ['array[integer]']"]
