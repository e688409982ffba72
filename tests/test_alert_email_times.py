"""An alert email dates its evidence as the terminal does: in the owner's zone, named."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from monitor.alerts.render import AlertMail, EvidenceLine, alert_email

MERIDIAN_QUESTION = EvidenceLine(
    date=datetime(2026, 11, 16, 10, 5, tzinfo=UTC),
    sender="helen.fairbairn@meridian-freight.example",
    subject="RE: Revised rollout plan and change request CR-03",
)


def render(tz) -> tuple[str, str]:
    mail = AlertMail(
        alert_id=7,
        event_id=12,
        client="Meridian Freight",
        kind="unanswered",
        severity="critical",
        event="opened",
        explanation="'RE: Revised rollout plan and change request CR-03' has waited 3.9 working "
        "days (4 days) for our reply (since 16 Nov).",
        evidence=(MERIDIAN_QUESTION,),
    )
    message = alert_email(
        mail,
        sender="relmon@northwind-advisory.example",
        sender_name="relmon",
        recipients=["ben.okafor@northwind-advisory.example"],
        when=datetime(2026, 11, 20, 9, tzinfo=UTC),
        tz=tz,
        first=True,
    )
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_evidence_times_carry_the_owners_zone() -> None:
    text, html = render(ZoneInfo("Europe/London"))
    berlin_text, _ = render(ZoneInfo("Europe/Berlin"))

    assert "  Mon 16 Nov 2026 10:05 GMT  helen.fairbairn@meridian-freight.example" in text
    assert "Mon 16 Nov 2026 10:05 GMT" in html
    assert "  Mon 16 Nov 2026 11:05 CET  helen.fairbairn@meridian-freight.example" in berlin_text
