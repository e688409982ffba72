"""Text stored while ``privacy.store_snippets`` was on is forgotten once it is turned off: no
snippet, sentence or excerpt is kept or shown after that, only the scores and cue terms."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config.validation import load_checked_config
from monitor.core.curtness import evidence_terms
from monitor.daemon.lifecycle import reloaded
from monitor.store.forget import leading_term
from tests.factories import CONFIG, email

SNIPPETS = "\n[privacy]\nstore_snippets = true\n"
PHRASE = "Zanzibar"


def _config(tmp_path: Path, privacy: str) -> Path:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + privacy + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    return config


def _relmon(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _ingested(tmp_path: Path) -> Path:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    body = (
        "You need to fix the Zanzibar invoice before Friday. I am very angry and frustrated "
        "that the Zanzibar audit failed again. Why is this still wrong??"
    )
    (maildir / "cur" / "1.M1:2,S").write_bytes(email(subject="Invoice", body=body))
    config = _config(tmp_path, SNIPPETS)
    _relmon(config, "ingest", str(maildir))
    return config


def _stored_text(database: Path) -> list[str]:
    """Every stored value, of every table, that holds the phrase."""
    found = []
    with sqlite3.connect(database) as connection:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our tables
                found += [f"{table}: {v}" for v in row if isinstance(v, str) and PHRASE in v]
    return found


def test_turning_snippets_off_forgets_the_text_stored_while_they_were_on(tmp_path: Path) -> None:
    config = _ingested(tmp_path)
    shown_with = _relmon(config, "client", "Acme Logistics", "--as-of", "2026-06-03")
    stored_with = _stored_text(tmp_path / "relmon.db")

    config = _config(tmp_path, "")
    shown_without = _relmon(config, "client", "Acme Logistics", "--as-of", "2026-06-03")
    stored_without = _stored_text(tmp_path / "relmon.db")
    with sqlite3.connect(tmp_path / "relmon.db") as connection:
        cue, evidence = connection.execute(
            "SELECT friction_evidence, evidence FROM messages"
        ).fetchone()

    assert PHRASE in shown_with and stored_with  # the text was there to forget
    assert PHRASE not in shown_without
    assert stored_without == []
    assert cue == "you need to"  # the cue's term stays, its excerpt goes
    assert '"' not in evidence.replace('""', "")  # the sentences keep places and scores only


def test_an_excerpt_keeps_the_term_it_starts_with_and_nothing_else() -> None:
    terms = evidence_terms()

    assert leading_term("You need to fix the Zanzibar invoice", terms) == "you need to"
    assert leading_term("Why?  I asked for the Zanzibar figures", terms) == "why"
    assert leading_term("WHERE IS THE ZANZIBAR REPORT", terms) is None


class _Notifier:
    def send(self, **_fields: object) -> None:
        pass


def test_a_daemon_reloaded_with_snippets_off_forgets_the_text_at_once(tmp_path: Path) -> None:
    config = _ingested(tmp_path)
    running = Runtime.open(load_checked_config(str(config)))

    config = _config(tmp_path, "")  # edited, then SIGHUP
    runtime = reloaded(running, str(config), _Notifier())  # type: ignore[arg-type]
    assert runtime is not None
    runtime.close()

    assert _stored_text(tmp_path / "relmon.db") == []
