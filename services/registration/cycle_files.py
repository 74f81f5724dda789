"""Cycle configuration documents (YAML or JSON) to a validated CycleConfig.

Top-level keys starting with `x-` hold YAML anchors shared inside the document; they are
not part of the configuration and are dropped before validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.contracts.cycle_config import CycleConfig

SHIPPED = Path(__file__).resolve().parent / "cycles"
# Values a document may hold once its aliases are followed (the 2024 edition holds about 2,000): a
# few hundred bytes of nested aliases would otherwise expand to billions of values to validate.
MAX_VALUES = 100_000


class InvalidCycleDocument(ValueError):
    """The document is not valid YAML/JSON, or not a valid configuration; `errors` say where."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in errors))
        self.errors = errors


def parse(text: str) -> CycleConfig:
    try:
        document = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise InvalidCycleDocument([{"loc": [], "msg": f"not YAML or JSON: {exc}"}]) from exc
    except RecursionError as exc:  # PyYAML composes nested collections recursively
        raise InvalidCycleDocument([{"loc": [], "msg": "nested too deeply to be a cycle document"}]) from exc
    if not isinstance(document, dict):
        raise InvalidCycleDocument([{"loc": [], "msg": "a cycle document is a mapping"}])
    if _exceeds(document, MAX_VALUES):
        raise InvalidCycleDocument([{"loc": [], "msg": f"more than {MAX_VALUES} values once its aliases are followed"}])
    try:
        return CycleConfig.model_validate({k: v for k, v in document.items() if not str(k).startswith("x-")})
    except ValidationError as exc:
        raise InvalidCycleDocument(
            [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_url=False)]
        ) from exc


def _exceeds(document: Any, limit: int) -> bool:
    """Whether the document holds more than `limit` values, each alias counted again; stops at the limit."""
    pending, seen = [document], 1
    while pending:
        value = pending.pop()
        inside = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        inside = inside if isinstance(inside, list) else []
        seen += len(inside)
        if seen > limit:
            return True
        pending += inside
    return False


def shipped(name: str) -> CycleConfig:
    """A configuration shipped with the repo, e.g. `paritrana-2024` or `demo`."""
    return parse((SHIPPED / f"{name}.yaml").read_text())
