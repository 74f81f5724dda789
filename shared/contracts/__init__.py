"""Event contracts shared by every service; `schemas/` is generated from them."""

from shared.contracts import evidence, interview, ranking, registration, scoring
from shared.contracts.base import DomainEvent, parse_payload, registered

__all__ = ["DomainEvent", "evidence", "interview", "parse_payload", "ranking", "registered", "registration", "scoring"]
