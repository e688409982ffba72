"""`relmon alerts` says when the stored alerts lag the stored mail, instead of "No open alerts."."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import BEN, CONFIG, JANA
from tests.scenario import Scenario


def _relmon(config, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_alerts_after_an_ingest_say_none_were_raised_yet_and_what_would_fire(
    tmp_path, analyzer
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    s = Scenario(tmp_path, analyzer)
    try:
        first = s.client_writes(
            "2026-06-03 09:15",
            "Angebot Wartungsvertrag",
            "Dear Ben, could you send us the maintenance contract offer? Regards, Jana",
            frm=JANA,
            to=BEN,
        )
        # Mail is stored; nothing has evaluated alerts yet.
        listing = _relmon(config, "alerts")
        assert "No open alerts." not in listing
        assert "No alerts raised yet" in listing
        assert "`relmon run` or `relmon alerts send`" in listing
        health = json.loads(_relmon(config, "health", "--json"))
        firing = sum(len(row["alerts"]) for row in health["clients"])
        assert firing >= 1
        assert f"({firing} condition" in listing
        evaluated = json.loads(_relmon(config, "alerts", "--json"))["evaluated"]
        assert evaluated["stale"] is True and evaluated["at"] is None
        assert evaluated["would_fire"] == firing

        _relmon(config, "alerts", "send")
        listing = _relmon(config, "alerts")
        assert "Angebot Wartungsvertrag" in listing
        assert "would fire" not in listing
        # When it was raised, in the team's zone, named (GMT or BST in London).
        assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d (GMT|BST)", listing), listing
        # At 80 columns each alert is a heading line and its explanation wrapped beneath,
        # whole words, instead of a table whose explanation column would be a few letters wide.
        narrow = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--config", str(config), "alerts"])
        lines = narrow.stdout.splitlines()
        assert max(len(line.rstrip()) for line in lines) <= 80
        assert any(
            re.match(r"\d+  Falkenberg Maschinenbau  unanswered  critical  open", x) for x in lines
        )
        assert "    'Angebot Wartungsvertrag' from j.becker.falkenberg@gmail.com" in narrow.stdout
        assert json.loads(_relmon(config, "alerts", "--json"))["evaluated"]["stale"] is False

        # New mail after the last evaluation: the listing says it may be behind.
        s.client_writes(
            "2026-06-10 09:15",
            "Re: Angebot Wartungsvertrag",
            "Dear Ben, we still need the offer. Jana",
            reply_to=first,
            frm=JANA,
            to=BEN,
        )
        listing = _relmon(config, "alerts")
        assert "last evaluated before the newest mail was stored" in listing
    finally:
        s.close()
