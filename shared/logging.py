"""JSON logs through structlog; the correlation id travels in context variables."""

from __future__ import annotations

import logging
import sys

import structlog

bind_correlation = structlog.contextvars.bind_contextvars
clear_context = structlog.contextvars.clear_contextvars


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)

    def add_service(logger, method, event: dict) -> dict:
        # a processor, not a context variable: clearing the context per request must keep it
        event.setdefault("service", service)
        return event

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_service,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str = "paritrana"):
    return structlog.get_logger(name)
