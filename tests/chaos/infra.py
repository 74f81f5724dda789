"""A Kafka and a FerretDB of the suite's own (deploy/local/up.sh on free ports and a cache directory of
their own), so that stopping them never touches the ones other tests share. The jars and the FerretDB
binary are linked from the repository's cache (`make up` fetched and built them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from paritrana.launcher import free_port

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "deploy" / "local"
SHARED_CACHE = Path(os.environ.get("PARITRANA_CACHE", REPO / ".cache")) / "local"


@dataclass
class OwnInfra:
    cache: Path
    kafka_port: int
    controller_port: int
    sasl_port: int
    mongo_port: int

    @classmethod
    def prepare(cls, cache: Path) -> OwnInfra:
        kafka, ferret = cache / "local" / "kafka", cache / "local" / "ferretdb"
        kafka.mkdir(parents=True)
        ferret.mkdir(parents=True)
        source_lib, source_bin = SHARED_CACHE / "kafka" / "lib", SHARED_CACHE / "ferretdb" / "ferretdb"
        if not source_lib.is_dir() or not source_bin.exists():
            raise RuntimeError(f"no Kafka jars or FerretDB binary under {SHARED_CACHE}: run `make up` once")
        (kafka / "lib").symlink_to(source_lib)
        shutil.copy(SHARED_CACHE / "kafka" / "lib.sha256", kafka / "lib.sha256")
        (ferret / "ferretdb").symlink_to(source_bin)
        shutil.copy(SHARED_CACHE / "ferretdb" / "ferretdb.sha256", ferret / "ferretdb.sha256")
        return cls(cache, free_port(), free_port(), free_port(), free_port())

    @property
    def env(self) -> dict[str, str]:
        """For up.sh and down.sh."""
        return {**os.environ, "PARITRANA_CACHE": str(self.cache), "PARITRANA_KAFKA_PORT": str(self.kafka_port),
                "PARITRANA_KAFKA_CONTROLLER_PORT": str(self.controller_port),
                "PARITRANA_KAFKA_SASL_PORT": str(self.sasl_port), "PARITRANA_MONGO_PORT": str(self.mongo_port),
                "PYTHON": sys.executable}

    @property
    def service_env(self) -> dict[str, str]:
        """For the services and the test's own readers."""
        return {"PARITRANA_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.kafka_port}",
                "PARITRANA_MONGO_URL": f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"}

    def up(self) -> float:
        """Start whatever of the two is not running; the seconds it took."""
        started = time.monotonic()
        subprocess.run([str(LOCAL / "up.sh")], env=self.env, check=True, capture_output=True, timeout=240)
        return time.monotonic() - started

    def down(self) -> None:
        subprocess.run([str(LOCAL / "down.sh")], env=self.env, check=True, capture_output=True, timeout=120)

    def stop(self, which: str) -> None:
        """SIGTERM one of them (as an operator's restart would), and wait until it is gone."""
        pidfile = self.cache / "local" / which / f"{which}.pid"
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            if _zombie(pid):
                break
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists() and not _zombie(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True
