"""Logs explain what happened without ever carrying a secret or a message body."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

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


def test_logging_configured_lazily_writes_the_same_lines_once_something_logs() -> None:
    """The command line configures logging without importing structlog; the first line logged,
    by relmon or by a library, comes out in the configured shape all the same."""
    program = (
        "import logging, sys\n"
        "from monitor.log import configure, get_logger\n"
        "configure(level='info', json=True, stream=sys.stdout, lazy=True)\n"
        "print(sys.modules.get('structlog') is None)\n"
        "get_logger().info('store_migrated', before='0014', after='0015')\n"
        "logging.getLogger('alembic.runtime.migration').warning('connection reset')\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": ""},
        check=True,
    )

    first, *lines = result.stdout.strip().splitlines()
    assert first == "True"
    records = [json.loads(line) for line in lines]
    assert [(r["event"], r["level"], r["logger"]) for r in records] == [
        ("store_migrated", "info", "__main__"),
        ("connection reset", "warning", "alembic.runtime.migration"),
    ]
    assert records[0]["after"] == "0015"


def test_a_channel_holding_a_revealed_secret_never_prints_it() -> None:
    """A channel printed by a debugging session, an error message or a future log line shows
    where it sends, not the SMTP password or the webhook's signing key it holds."""
    from monitor.alerts.smtp import SmtpTransport
    from monitor.alerts.webhook import WebhookChannel
    from monitor.config import Secret, Smtp, Webhook

    smtp = SmtpTransport(
        Smtp(host="smtp.northwind-advisory.example", port=587, security="starttls"),
        password="SMTP-hunter2-S3cr3t",
    )
    hook = WebhookChannel(
        Webhook(
            name="ops",
            url="https://hooks.northwind-advisory.example/relmon",
            secret=Secret(key="webhooks[0].secret", env="RELMON_WEBHOOK_SECRET"),
        ),
        secret=b"webhook-signing-S3cr3t",
    )

    printed = repr(smtp) + str(smtp) + repr(hook)

    assert "smtp.northwind-advisory.example" in printed and "hooks.northwind" in printed
    assert "S3cr3t" not in printed
