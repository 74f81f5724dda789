"""The five services as separate processes, on each backend, for the slice tests."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from shared.backends import build_event_log
from paritrana.client import Api
from paritrana.launcher import Cluster, cluster
from shared.settings import Settings
from tests.conftest import unique

# the local broker's SASL/SCRAM listener, where regional services connect with their own users
SASL_BOOTSTRAP = os.environ.get("PARITRANA_KAFKA_SASL_BOOTSTRAP") or (
    f"127.0.0.1:{os.environ.get('PARITRANA_KAFKA_SASL_PORT', '29094')}")


class Running:
    def __init__(self, services: Cluster, settings: Settings) -> None:
        self.services, self.settings = services, settings
        self.api = Api(services.urls(), "test", "organiser", services.jwt_secret)

    def records(self, topic: str) -> list:
        async def read():
            log = build_event_log(self.settings, "test-reader")
            await log.start()
            try:
                return [r async for r in log.read_all(topic)]
            finally:
                await log.close()

        return asyncio.run(read())

    def append(self, topic: str, key: str, value: bytes) -> None:
        async def write():
            log = build_event_log(self.settings, "test-writer")
            await log.start()
            try:
                await log.append(topic, key, value)
            finally:
                await log.close()

        asyncio.run(write())


def _running(backend: str, tmp_path_factory):
    data_dir: Path = tmp_path_factory.mktemp(f"slice-{backend}")
    env = {
        "PARITRANA_BACKEND": backend,
        "PARITRANA_NAMESPACE": unique("it"),
        "PARITRANA_DATA_DIR": str(data_dir),
        "PARITRANA_PARTITIONS": "3",
        "PARITRANA_MAX_DOCUMENT_BYTES": "100000",
    }
    services = cluster(env, data_dir / "logs")
    services.start()
    settings = Settings(
        backend=backend, namespace=env["PARITRANA_NAMESPACE"], data_dir=data_dir, partitions=3
    )
    yield Running(services, settings)
    services.stop()


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("kafka", marks=pytest.mark.infra)],
)
def running(request, tmp_path_factory) -> Running:
    if request.param == "kafka":
        request.getfixturevalue("infra_settings")
    yield from _running(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def running_embedded(tmp_path_factory) -> Running:
    """For what does not depend on the backend."""
    yield from _running("embedded", tmp_path_factory)
