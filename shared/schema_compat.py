"""Which changes to an event schema would break a reader of the same (type, version)?

Once published, a version's payloads stay in the log forever, so a new schema for the same
version may only add optional fields. Anything else needs a new version and an upcaster.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    return _compare(old, new, old.get("$defs", {}), new.get("$defs", {}), "payload")


def _resolve(node: Schema, defs: Schema) -> Schema:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _variants(node: Schema, defs: Schema) -> list[Schema]:
    node = _resolve(node, defs)
    options = node.get("anyOf") or node.get("oneOf")
    return [_resolve(o, defs) for o in options] if options else [node]


def _shape(node: Schema, defs: Schema) -> set[str]:
    """The JSON types a value may take, with array item shapes, e.g. {'string', 'null', 'array[number]'}."""
    shapes = set()
    for variant in _variants(node, defs):
        kind = variant.get("type", "object" if "properties" in variant else "any")
        if kind == "array":
            items = variant.get("items", {})
            kind = f"array[{','.join(sorted(_shape(items, defs)))}]"
        shapes.add(kind if isinstance(kind, str) else ",".join(sorted(kind)))
    return shapes


def _objects(node: Schema, defs: Schema) -> list[Schema]:
    return [v for v in _variants(node, defs) if "properties" in v]


def _compare(old: Schema, new: Schema, old_defs: Schema, new_defs: Schema, where: str) -> list[str]:
    problems: list[str] = []
    old, new = _resolve(old, old_defs), _resolve(new, new_defs)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_prop in old_props.items():
        path = f"{where}.{name}"
        if name not in new_props:
            problems.append(f"{path}: removed")
            continue
        problems += _compare_property(old_prop, new_props[name], old_defs, new_defs, path)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{where}.{name}: " + ("made required" if name in old_props else "added as required"))
    return problems


def _compare_property(old: Schema, new: Schema, old_defs: Schema, new_defs: Schema, path: str) -> list[str]:
    old_shape, new_shape = _shape(old, old_defs), _shape(new, new_defs)
    if not old_shape <= new_shape:
        return [f"{path}: type changed from {sorted(old_shape)} to {sorted(new_shape)}"]
    problems = []
    old_enum, new_enum = _enum(old, old_defs), _enum(new, new_defs)
    if old_enum and new_enum is not None and not old_enum <= new_enum:
        problems.append(f"{path}: enum lost {sorted(old_enum - new_enum)}")
    for old_obj, new_obj in zip(_objects(old, old_defs), _objects(new, new_defs)):
        problems += _compare(old_obj, new_obj, old_defs, new_defs, path)
    return problems


def _enum(node: Schema, defs: Schema) -> set[Any] | None:
    values = [v.get("enum", [v["const"]] if "const" in v else None) for v in _variants(node, defs)]
    known = [set(v) for v in values if v is not None]
    return set().union(*known) if known else None
