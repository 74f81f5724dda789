"""The dashboard's settings (PARITRANA_*): where the five services answer, the key tokens are
checked with, and the cycles offered in the filters."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

FIRST_PORT = 8101  # `make run` serves registration on 8101 ... ranking on 8105, the dashboard on 8106


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARITRANA_", extra="ignore")

    registration_url: str = f"http://127.0.0.1:{FIRST_PORT}"
    evidence_url: str = f"http://127.0.0.1:{FIRST_PORT + 1}"
    scoring_url: str = f"http://127.0.0.1:{FIRST_PORT + 2}"
    interview_url: str = f"http://127.0.0.1:{FIRST_PORT + 3}"
    ranking_url: str = f"http://127.0.0.1:{FIRST_PORT + 4}"
    # Checks a pasted token before it is kept; without it the services alone judge it.
    jwt_secret: SecretStr | None = Field(default=None, min_length=32)
    # Cycle ids offered in the filters (comma-separated); any other can be typed in.
    dashboard_cycles: str = ""
    service_timeout: float = 30.0

    def urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/")
                for name in ("registration", "evidence", "scoring", "interview", "ranking")}

    def cycles(self) -> list[str]:
        return [c.strip() for c in self.dashboard_cycles.split(",") if c.strip()]
