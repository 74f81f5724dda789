"""Run the dashboard: `python -m services.dashboard --port N` (service URLs from PARITRANA_*_URL)."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run("services.dashboard.bootstrap:app", factory=True, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
