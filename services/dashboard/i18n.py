"""Texts and number formats per language: one catalog a language (locales/<lang>.json), Indonesian
by default. Numbers follow the language: 84,6 and 1.000 in Indonesian, 84.6 and 1,000 in English."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALES = Path(__file__).parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def pick_language(asked: str | None, remembered: str | None) -> str:
    """`?lang=` wins, then the remembered choice, then Indonesian."""
    for lang in (asked, remembered):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))])


@dataclass(frozen=True)
class Texts:
    """What a page needs of its language: `t("key", name=...)` and numbers written the local way."""

    lang: str

    def __call__(self, key: str, **values: object) -> str:
        text = catalog(self.lang).get(key)
        if text is None:
            text = catalog(DEFAULT_LANGUAGE).get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalog(self.lang)

    def number(self, value: float | int | None, decimals: int = 2) -> str:
        """At most `decimals` decimals (half up), trailing zeros dropped: 84.6, 77.25, 1,000 (en)."""
        if value is None:
            return "–"
        exact = abs(Decimal(repr(value)))  # as written, so 48.125 rounds half up to 48.13
        text = str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
        text = text.rstrip("0").rstrip(".") if "." in text else text
        whole, _, fraction = text.partition(".")
        thousands, point = (".", ",") if self.lang == "id" else (",", ".")
        sign = "-" if value < 0 and text.strip("0.") else ""
        return sign + _group(whole, thousands) + (point + fraction if fraction else "")

    def percent(self, ratio: float | None, decimals: int = 2) -> str:
        return "–" if ratio is None else f"{self.number(ratio * 100, decimals)}%"

    def label(self, prefix: str, key: str | None) -> str:
        """A translated name for a code (a stage, a zone, a role), or the code itself."""
        if key is None:
            return "–"
        full = f"{prefix}.{key}"
        return self(full) if self.has(full) else key
