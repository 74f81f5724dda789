"""Fixtures for both backends. Tests marked `infra` need the Kafka and FerretDB that
`make test` starts (`make up`); they fail, never skip, when those cannot be reached."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from shared.settings import Settings


def _reachable(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def mongo_address(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0]


@pytest.fixture(scope="session")
def infra_settings() -> Settings:
    settings = Settings(backend="kafka")
    missing = [
        name
        for name, address in (("Kafka", settings.kafka_bootstrap), ("FerretDB", mongo_address(settings.mongo_url)))
        if not _reachable(address)
    ]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not reachable: start them with `make up` (make test does)")
    return settings


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def eventually(check, timeout: float = 20.0, interval: float = 0.05):
    """Await `check()` until it returns a truthy value; fail with its last value otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            assert result, f"condition not met in {timeout}s: {result!r}"
            return result
        await asyncio.sleep(interval)
