"""Settings from the environment (PARITRANA_*), validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARITRANA_", extra="ignore")

    backend: Literal["embedded", "kafka"] = "embedded"
    data_dir: Path = Path("var")
    kafka_bootstrap: str = "127.0.0.1:29092"
    mongo_url: str = "mongodb://127.0.0.1:27117/?directConnection=true"
    namespace: str = "paritrana"  # prefixes topics, consumer groups and databases
    partitions: int = 6
    command_timeout: float = 15.0
    max_document_bytes: int = 20 * 1024 * 1024
    max_json_bytes: int = Field(default=2 * 1024 * 1024, gt=0)  # a command or query body; files stream apart
    max_import_rows: int = Field(default=1_000_000, gt=0)  # rows of one CSV import (candidates, coverage figures)
    log_level: str = "INFO"
    # On Kafka, services with a faust worker (ranking) run it only when asked: faust-streaming 0.15.3
    # was seen to drop a record during a rebalance (see services/ranking/stream.py).
    stream_engine: Literal["consumer", "faust"] = "consumer"
    # The provinces whose inbound topics the evidence service reads: "all" (the reference data's),
    # "none", or province ids separated by commas. Unset: all on Kafka, none on the embedded log,
    # which has no per-province users to keep one province from writing another's topic.
    inbound_provinces: str | None = Field(default=None, pattern=r"^(all|none|[a-z0-9-]+(,[a-z0-9-]+)*)$")
    # The key bearer tokens are signed with (HS256). No default: without it every request but the
    # operational ones (health, readiness, metrics, docs) is refused with 401.
    jwt_secret: SecretStr | None = Field(default=None, min_length=32)
