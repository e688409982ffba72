"""`relmon health` ranks clients by their open alerts first, even those too new for a score."""

from __future__ import annotations

from rich.console import Console

from monitor.app.views import health
from monitor.cli.health_cmd import health_table
from tests.factories import BEN, JANA
from tests.scenario import LONDON, Scenario, at


def test_a_new_client_with_a_critical_alert_sorts_first_and_says_it_has_too_little_history(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    try:
        # Acme: a settled relationship, every request answered the next morning.
        for day in ("01", "08", "15", "22"):
            asked = s.client_writes(
                f"2026-06-{day} 10:00",
                f"Warehouse figures for week {day}",
                "Hi Alice, could you send the updated warehouse figures? Thanks, Dana",
            )
            s.we_reply(asked, f"2026-06-{int(day) + 1:02d} 09:30", "Hi Dana, attached. Alice")
        # Falkenberg: a new client who has written twice and heard nothing for weeks.
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
        rows = health(s.runtime, at("2026-06-26 17:00"))
    finally:
        s.close()

    falkenberg = rows[0]
    assert falkenberg["name"] == "Falkenberg Maschinenbau"
    assert falkenberg["health"] is None
    assert ("unanswered", "critical") in {(a["kind"], a["severity"]) for a in falkenberg["alerts"]}
    assert rows[1]["name"] == "Acme Logistics" and rows[1]["health"] is not None

    out = Console(width=250, record=True)
    out.print(health_table(rows, LONDON))
    lines = out.export_text().splitlines()
    row = next(line for line in lines if "Falkenberg" in line)
    assert "too little history" in row


def test_a_client_name_with_brackets_is_printed_as_written(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    try:
        s.client_writes(
            "2026-06-01 10:00",
            "Warehouse figures",
            "Hi Alice, could you send the updated warehouse figures? Thanks, Dana",
        )
        rows = health(s.runtime, at("2026-06-02 17:00"))
    finally:
        s.close()
    acme = next(row for row in rows if row["name"] == "Acme Logistics")
    acme["name"] = "Acme Logistics [Leeds] [bold]"

    out = Console(width=250, record=True)
    out.print(health_table([acme], LONDON))

    assert "Acme Logistics [Leeds] [bold]" in out.export_text()
