"""Logging: structlog configured once; JSON lines when not on a terminal, readable text on one.

Standard-library loggers (imapclient, APScheduler, SQLAlchemy, alembic) are routed through the
same processors, so every line has the same shape. Never log a secret or a message body: log
message keys, counts and reasons.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

logger = structlog.get_logger()

_configured = False


def configure(
    *, level: str = "info", json: bool | None = None, stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library's root logger.

    ``json=None`` picks JSON when ``stream`` is not a terminal. CLI commands log to stderr so that
    their stdout stays clean for ``--json`` output; the daemon logs to stdout.
    """
    global _configured
    stream = stream if stream is not None else sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())

    shared, renderer = _processors(json=json, stream=stream)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    _route_standard_library(formatter, stream=stream, level=level)
    _configured = True


def _processors(*, json: bool, stream: TextIO) -> tuple[list[Any], Any]:
    """The processors every line goes through, and the renderer at the end."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any
    if json:
        renderer = structlog.processors.JSONRenderer()
        # Tracebacks as data, but never with local variables: they can hold secrets and mail.
        shared.append(
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        )
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=stream.isatty() if hasattr(stream, "isatty") else False,
            exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False),
        )
    return shared, renderer


def _route_standard_library(formatter: logging.Formatter, *, stream: TextIO, level: str) -> None:
    """One handler on the root logger, so that libraries log through the same processors."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that are chatty at INFO; their warnings still come through.
    for noisy in (
        "sqlalchemy",
        "alembic",
        "imapclient",
        "apscheduler",
        "urllib3",
        "msal",
        "mail.log",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def ensure_configured() -> None:
    """Configure with defaults if nothing has configured logging yet (library use, tests)."""
    if not _configured:
        configure()
