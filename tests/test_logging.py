"""Logs explain what happened without ever carrying a secret or a message body."""

from __future__ import annotations

import io
import json
import logging

import structlog

from monitor.log import configure


def test_tracebacks_in_json_logs_carry_no_local_variables() -> None:
    stream = io.StringIO()
    configure(level="info", json=True, stream=stream)
    logger = structlog.get_logger()

    def log_in(password: str, body: str) -> None:
        raise ConnectionRefusedError("imap.northwind-advisory.example:993 refused the connection")

    try:
        log_in("hunter2-correct-horse", "Dear Alice, the merger is confidential")
    except ConnectionRefusedError:
        logger.exception("account_sync_crashed", account="alice-imap")

    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert record["event"] == "account_sync_crashed"
    assert record["exception"][0]["exc_type"] == "ConnectionRefusedError"
    assert "hunter2" not in stream.getvalue()
    assert "merger" not in stream.getvalue()


def test_standard_library_loggers_share_the_json_format() -> None:
    stream = io.StringIO()
    configure(level="info", json=True, stream=stream)

    logging.getLogger("imapclient.imapclient").warning("connection reset")

    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert (record["event"], record["level"], record["logger"]) == (
        "connection reset",
        "warning",
        "imapclient.imapclient",
    )
