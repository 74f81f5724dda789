"""Run one service: `python -m shared.serve <service> --port N` (settings from PARITRANA_*)."""

from __future__ import annotations

import argparse

import uvicorn

from shared.topics import SERVICES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        f"services.{args.service}.bootstrap:app", factory=True, host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
