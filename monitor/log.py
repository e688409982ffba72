"""Logging: structlog configured once; JSON lines when not on a terminal, readable text on one.

Standard-library loggers (imapclient, APScheduler, SQLAlchemy, alembic) are routed through the
same processors, so every line has the same shape. Never log a secret or a message body: log
message keys, counts and reasons.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

_configured = False
#: What ``configure(lazy=True)`` asked for (JSON or not, and the stream), until the first line.
_pending: tuple[bool, TextIO] | None = None


def configure(
    *,
    level: str = "info",
    json: bool | None = None,
    stream: TextIO | None = None,
    lazy: bool = False,
) -> None:
    """Configure structlog and the standard library's root logger.

    ``json=None`` picks JSON when ``stream`` is not a terminal. CLI commands log to stderr so that
    their stdout stays clean for ``--json`` output; the daemon logs to stdout.

    ``lazy``: structlog (and rich, which it loads for tracebacks) is imported with the first
    line logged, not now: a query that logs nothing starts faster. Loggers from
    :func:`get_logger` and the standard library's both wait for it.
    """
    global _configured, _pending
    stream = stream if stream is not None else sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    _route_standard_library(_Formatter(json=json, stream=stream), stream=stream, level=level)
    if lazy and "structlog" not in sys.modules:
        _pending = (json, stream)
    else:
        _pending = None
        _configure_structlog(json=json, stream=stream)
    _configured = True


def _configure_structlog(*, json: bool, stream: TextIO) -> None:
    import structlog

    shared, _ = _processors(json=json, stream=stream)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _apply_pending() -> None:
    """Configure structlog as a lazy :func:`configure` asked, unless something configured it
    since (a test capturing the logs)."""
    global _pending
    if _pending is None:
        return
    json, stream = _pending
    _pending = None
    import structlog

    if not structlog.is_configured():
        _configure_structlog(json=json, stream=stream)


class _Formatter(logging.Formatter):
    """structlog's formatter for the root logger's handler, built for the first line."""

    def __init__(self, *, json: bool, stream: TextIO) -> None:
        super().__init__()
        self._json = json
        self._stream = stream
        self._inner: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._inner is None:
            import structlog

            shared, renderer = _processors(json=self._json, stream=self._stream)
            self._inner = structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=shared,
                processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            )
        return self._inner.format(record)


class _Logger:
    """structlog's logger, imported (and a lazy configuration applied) on its first use."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        _apply_pending()
        import structlog

        return getattr(structlog.get_logger(self._name), attribute)


def get_logger(name: str | None = None) -> Any:
    """A module's logger, as ``structlog.get_logger(name)`` gives it, without importing
    structlog before the first line is logged. Without a name, the calling module's (the name
    structlog would give it)."""
    return _Logger(name or sys._getframe(1).f_globals.get("__name__", "?"))


def _processors(*, json: bool, stream: TextIO) -> tuple[list[Any], Any]:
    """The processors every line goes through, and the renderer at the end."""
    import structlog

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
