"""`make run`: start the five services and the dashboard, play the demo cycle, print the leaderboard,
keep serving."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from paritrana.client import Api
from paritrana.launcher import DASHBOARD, cluster
from paritrana.scenario import CATEGORY, PROVINCE, advance, appoint_organisers, demo_config, play_demo, publish_results
from shared.settings import Settings
from shared.topics import SERVICES


def print_leaderboard(board: dict) -> None:
    print(f"\nProvincial leaderboard ({board['stage']} stage): cycle {board['cycle_id']}, {board['category_id']}, "
          f"{board['province']}, rubric v{board['rubric_version']} ({board['aggregation']})")
    print(f"{'rank':>4}  {'candidate':<22} {'total':>8}  indicators")
    for row in board["ranked"]:
        scores = ", ".join(f"{k} {v:g}" for k, v in row["indicators"].items())
        print(f"{row['rank']:>4}  {row['name']:<22} {row['total']:>8.2f}  {scores}")
    for row in board["incomplete"]:
        print(f"   -  {row['name']:<22} {'incomplete':>8}  missing: {', '.join(row['missing'])}")
    for row in board.get("not_shortlisted", []):
        print(f"   -  {row['name']:<22} {'not shortlisted':>8}  document stage {row['document_total']:.2f}")


def publish_demo(api: Api, cycle_id: str) -> dict:
    appoint_organisers(api, cycle_id)
    advance(api, cycle_id, "provincial_results")
    return publish_results(api, cycle_id)


def print_publication(status: dict) -> None:
    [published] = status["publications"]
    print(f"\nPublished by {published['published_by']}; leaderboard digest {published['leaderboard_digest']}")
    for nomination in status["nominations"]:
        print(f"  nominated to the national round: {nomination['name']} ({nomination['zone']}), "
              f"total {nomination['total']:.2f}")


def main() -> None:
    settings = Settings()
    data_dir = Path(tempfile.mkdtemp(prefix="paritrana-demo-")) if settings.backend == "embedded" else Path("var")
    namespace = f"demo{int(time.time())}"
    cycle_id = demo_config()["cycle_id"]
    env = {"PARITRANA_DATA_DIR": str(data_dir), "PARITRANA_NAMESPACE": namespace,
           "PARITRANA_DASHBOARD_CYCLES": cycle_id}
    base = int(os.environ.get("PARITRANA_PORT_BASE", "8101"))
    ports = {name: base + n for n, name in enumerate((*SERVICES, DASHBOARD))}
    services = cluster(env, data_dir / "logs", ports, dashboard=True)
    print(f"Starting the five services and the dashboard on the {settings.backend} backend (namespace {namespace}) ...")
    services.start()
    try:
        api = Api(services.urls(), "demo", "organiser", services.jwt_secret)
        board = play_demo(api)
        print_leaderboard(board)
        print_publication(publish_demo(api, board["cycle_id"]))
        print("\nServing (Ctrl-C to stop). An organiser's token for this run (the key is made per run):")
        print(f"  export PARITRANA_TOKEN={api.token}")
        print(f"  export PARITRANA_RANKING_URL={services.url('ranking')}   # then e.g. paritrana explain kab-bogor")
        for name, url in services.urls().items():
            if name != DASHBOARD:
                print(f"  {name:<13} {url}/docs")
        print(f"\nDashboard (sign in with the token above): {services.url(DASHBOARD)}"
              f"/leaderboards?cycle={cycle_id}&category={CATEGORY}&level=province&area={PROVINCE}")
        print(f"  logs in {data_dir / 'logs'}")
        if os.environ.get("PARITRANA_DEMO_SERVE", "1") == "1":
            stop = {signal.SIGINT, signal.SIGTERM}
            signal.pthread_sigmask(signal.SIG_BLOCK, stop)
            signal.sigwait(stop)
    finally:
        services.stop()
        if settings.backend == "embedded":
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
