"""Each service's OpenAPI document, generated into schemas/openapi/ (`make schemas`) and kept fresh like the
event schemas, so a provincial team can build a client without starting the services.

    python -m services.openapi           # write schemas/openapi/<service>.json
    python -m services.openapi --check   # exit 1 if one is stale
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from shared.schemagen import OPENAPI, ROOT, compare, render
from shared.topics import SERVICES

DIR = ROOT / OPENAPI


def documents() -> dict[str, str]:
    """{file name: text} of every service's OpenAPI document, as its app serves it at /openapi.json."""
    return {f"{name}.json": render(_app(name).openapi()) for name in SERVICES}


def _app(name: str):
    return importlib.import_module(f"services.{name}.bootstrap").app()


def stale(directory: Path = DIR) -> list[str]:
    return compare(documents(), directory, source="any service")


def write(directory: Path = DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in documents().items():
        (directory / name).write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    if not parser.parse_args().check:
        write()
        return
    problems = stale()
    if problems:
        sys.exit("\n".join([*problems, "schemas/openapi is stale: run `make schemas` (python -m services.openapi)"]))
    print("OpenAPI documents are up to date")


if __name__ == "__main__":
    main()
