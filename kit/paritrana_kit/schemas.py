"""The contracts as JSON Schema and AsyncAPI 3.0, for teams that read the events in another language.

    python -m paritrana_kit.schemas OUT_DIR    # or: paritrana-kit-schemas OUT_DIR

writes what the repository keeps in schemas/: events/<Type>.v<N>.json for every event contract,
envelope.v1.json (what every record's value is), commands/CommandMessage.v1.json and
asyncapi.yaml (every topic, `<namespace>.<service>.events` among them, and every message). They
are generated from the same models the services validate against, so they match this kit's version.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.schemagen import files, write


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="paritrana-kit-schemas", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="where to write them (created if missing)")
    out_dir = parser.parse_args(argv).out_dir
    write(out_dir)
    print(f"wrote {len(files())} files to {out_dir}")


if __name__ == "__main__":
    main()

__all__ = ["files", "main", "write"]
