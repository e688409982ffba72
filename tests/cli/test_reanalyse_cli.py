"""``relmon db reanalyse`` from the command line: what it judged again, and what it could not."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from tests.cli.helpers import run_json
from tests.factories import ALICE, CONFIG, DANA, email


def _ingested(tmp_path: Path, privacy: str = "") -> Path:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + privacy + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.M1:2,S").write_bytes(email())
    (maildir / "cur" / "2.M2:2,S").write_bytes(
        email(
            frm=ALICE,
            to=DANA,
            subject="Re: Q3 roadmap review",
            message_id="roadmap-2@northwind-advisory.example",
            in_reply_to="roadmap-1@acme-logistics.example",
            body="Hi Dana,\n\nThe plan is attached.\n\nBest,\nAlice",
        )
    )
    result = CliRunner().invoke(
        cli, ["--config", str(config), "ingest", str(maildir)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return config


def test_without_snippets_it_says_own_text_was_not_judged_again_and_how_to_get_there(
    tmp_path: Path,
) -> None:
    config = _ingested(tmp_path)

    result = CliRunner().invoke(
        cli, ["--config", str(config), "db", "reanalyse"], catch_exceptions=False
    )

    assert result.exit_code == 0
    assert result.stdout.startswith("2 messages judged again (0 with their own text); changed: 0")
    assert "2 of 2 messages: own text, tone and cues not judged again" in result.stdout
    assert "privacy.store_snippets is off" in result.stdout
    assert "relmon sync" in result.stdout


def test_with_whole_snippets_the_json_counts_every_message_judged_and_nothing_to_change(
    tmp_path: Path,
) -> None:
    config = _ingested(tmp_path, "\n[privacy]\nstore_snippets = true\nsnippet_chars = 2000\n")

    done = run_json(config, "db", "reanalyse", "--dry-run", "--batch", "1", "--json")

    assert done["schema"] == "relmon/db-reanalyse/v1"
    assert (done["messages"], done["text_judged"], done["text_not_stored"]) == (2, 2, 0)
    assert done["changed"] == 0 and done["dry_run"] is True
    assert done["limits"] == []
