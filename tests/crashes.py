"""A relmon installation driven as a separate process, for tests that kill it on purpose."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.factories import CONFIG, email

QUESTION = (
    "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before "
    "Thursday?\n\nThanks,\nDana"
)


def crash_setup(tmp_path: Path, store_url: str, smtp_server) -> list[str]:
    """A question Acme has waited ten days for (a critical alert), ingested; the command
    line that runs relmon on it."""
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + smtp_server.config() + f'\n[store]\nurl = "{store_url}"\n')
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.M1:2,S").write_bytes(
        email(
            date=datetime.now(UTC) - timedelta(days=10),
            subject="Revised rollout dates",
            body=QUESTION,
        )
    )
    command = [sys.executable, "-m", "monitor", "--config", str(config)]
    subprocess.run([*command, "ingest", str(maildir)], check=True, capture_output=True)
    return command
