"""Which changes to an event schema would break a reader of the same (type, version)?

Once published, a version's payloads stay in the log forever, so a new schema for the same
version must still accept every payload the old one accepted: it may add optional fields or
widen a type, nothing else. Anything else needs a new version and an upcaster.

Works on JSON Schemas as pydantic v2 generates them: `$defs`/`$ref`, `anyOf` for unions and
optionals, `enum`/`const` for literals and enums, `items` for lists, `additionalProperties`
for dicts. Validation keywords (pattern, minLength, minimum...) are not compared.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
               (dict, "object"), (type(None), "null"))


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Human-readable reasons why `new` may reject a payload `old` accepted; empty if none."""
    return _Diff(old.get("$defs", {}), new.get("$defs", {})).value(old, new, "")


def _label(path: str) -> str:
    return path or "(root)"


def _json_type(value: Any) -> str:
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _types(variant: Schema) -> set[str]:
    """JSON types one (resolved, non-union) schema allows; 'any' when it does not say."""
    kind = variant.get("type")
    if kind is not None:
        return set(kind) if isinstance(kind, list) else {kind}
    if "enum" in variant or "const" in variant:
        return {_json_type(v) for v in variant.get("enum", [variant.get("const")])}
    if "properties" in variant or "additionalProperties" in variant:
        return {"object"}
    return {"any"}


def _enum(variants: list[Schema]) -> set[Any] | None:
    """The only values allowed, when every non-null variant is an enum or const; else None (unrestricted)."""
    values: set[Any] = set()
    for variant in variants:
        if "enum" in variant or "const" in variant:
            values |= set(variant.get("enum", [variant.get("const")]))
        elif _types(variant) != {"null"}:
            return None
    return values - {None} or None


class _Diff:
    def __init__(self, old_defs: Schema, new_defs: Schema) -> None:
        self.old_defs, self.new_defs = old_defs, new_defs
        self.open: set[tuple[int, int]] = set()  # (old, new) subschemas being compared, for recursive models

    @staticmethod
    def _variants(node: Schema, defs: Schema) -> list[Schema]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        options = node.get("anyOf") or node.get("oneOf")
        return [v for option in options for v in _Diff._variants(option, defs)] if options else [node]

    def value(self, old: Schema, new: Schema, path: str) -> list[str]:
        olds, news = self._variants(old, self.old_defs), self._variants(new, self.new_defs)
        old_types = set().union(*map(_types, olds))
        new_types = set().union(*map(_types, news))
        accepted = new_types | ({"integer"} if "number" in new_types else set())
        if "any" not in new_types and not old_types <= accepted:
            return [f"{_label(path)}: type changed from {sorted(old_types)} to {sorted(new_types)}"]
        problems = []
        old_enum, new_enum = _enum(olds), _enum(news)
        if new_enum is not None and (old_enum is None or not old_enum <= new_enum):
            lost = f"restricted to {sorted(new_enum, key=repr)}" if old_enum is None else (
                f"enum lost {sorted(old_enum - new_enum, key=repr)}")
            problems.append(f"{_label(path)}: {lost}")
        for kind, compare in (("object", self._object), ("array", self._array)):
            pairs = zip([v for v in olds if kind in _types(v)], [v for v in news if kind in _types(v)])
            for old_v, new_v in pairs:
                pair = (id(old_v), id(new_v))
                if pair not in self.open:  # else a recursive model, already being compared further up
                    self.open.add(pair)
                    problems += compare(old_v, new_v, path)
                    self.open.remove(pair)
        return problems

    def _object(self, old: Schema, new: Schema, path: str) -> list[str]:
        problems = []
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name, old_prop in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                problems.append(f"{where}: removed")
            else:
                problems += self.value(old_prop, new_props[name], where)
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            where = f"{path}.{name}" if path else name
            problems.append(f"{where}: " + ("made required" if name in old_props else "added as required"))
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            problems += self.value(old_extra, new_extra, f"{path}{{}}")
        return problems

    def _array(self, old: Schema, new: Schema, path: str) -> list[str]:
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            return self.value(old["items"], new["items"], f"{path}[]")
        return []
