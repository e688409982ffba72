"""A client too new for a score still ranks by its alerts and says so in words at 80 columns."""

from __future__ import annotations

from rich.console import Console

from monitor.app.views import health
from monitor.cli.health_table import Reading, health_layout
from tests.factories import BEN, JANA
from tests.scenario import LONDON, Scenario, at


def test_too_little_history_reads_in_words_at_80_columns_beside_its_critical_alert(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    try:
        asked = s.client_writes(
            "2026-06-01 10:00",
            "Warehouse figures for week 23",
            "Hi Alice, could you send the updated warehouse figures? Thanks, Dana",
        )
        s.we_reply(asked, "2026-06-02 09:30", "Hi Dana, attached. Alice")
        first = s.client_writes(
            "2026-06-03 09:15",
            "Angebot Wartungsvertrag",
            "Dear Ben, could you send us the maintenance contract offer? Regards, Jana",
            frm=JANA,
            to=BEN,
        )
        s.client_writes(
            "2026-06-10 09:15",
            "Re: Angebot Wartungsvertrag",
            "Dear Ben, we still need the offer by Friday. Could you please reply? Jana",
            reply_to=first,
            frm=JANA,
            to=BEN,
        )
        when = at("2026-06-26 17:00")
        rows = health(s.runtime, when)
    finally:
        s.close()

    out = Console(width=80, record=True, color_system=None)
    out.print(health_layout(rows, Reading(LONDON, when), 80).table)
    lines = out.export_text().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    first_row = lines[lines.index(next(line for line in lines if line.startswith("━"))) + 1 :]
    falkenberg = " ".join(" ".join(first_row[:4]).split())
    assert "Falkenberg" in falkenberg
    assert "too" in falkenberg and "little" in falkenberg and "history" in falkenberg
    assert "unanswered" in falkenberg
    waits = " ".join(" ".join(line.split("│")[3] for line in first_row[:3]).split())
    assert waits == "1, oldest 18 working days (23 days)"
