"""The alert email on a phone: rendered by a real browser (headless Chromium) at 390 px, the
width of a common phone, and at 760 px, a small tablet or a narrow mail pane. Nothing may
scroll sideways, text stays at a readable size, and the evidence is not squeezed into a
column one word wide. Screenshots are kept in tests/screenshots/ to look at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.alerts.render import AlertMail, DigestEntry, EvidenceLine, client_email, digest_email
from monitor.alerts.summary import SummaryAlert, SummaryClient, summary_email
from monitor.core.health import ADVICE, COMMON_ADVICE, Pattern

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).parent / "screenshots"
LONDON = ZoneInfo("Europe/London")
SENDER = "relmon@northwind-advisory.example"
OWNER = "alice.marsh@northwind-advisory.example"
WIDTHS = (390, 760)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip("chromium and chromedriver are not installed (tests/system-packages)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    instance = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield instance
    finally:
        instance.quit()


def _evidence(day: int, hour: int, subject: str) -> EvidenceLine:
    return EvidenceLine(
        datetime(2026, 5, day, hour, 12, tzinfo=UTC),
        "helen.park@acme-logistics.example",
        subject,
        name="Helen Park",
    )


def _two_alerts() -> str:
    """Acme went quiet and is due a check-in, in one email, with long real-world subjects."""
    common = {
        "client": "Acme Logistics",
        "severity": "critical",
        "event": "opened",
        "pattern": Pattern.LAISSEZ_FAIRE.value,
        "advice": ADVICE[Pattern.LAISSEZ_FAIRE],
        "common_advice": COMMON_ADVICE,
        "health": 38,
        "trend": tuple(range(70, 40, -1)),
        "raised_at": datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        "day_hours": 8.5,
    }
    silence = AlertMail(
        alert_id=41,
        event_id=90,
        kind="silence",
        explanation=(
            "Acme Logistics usually writes every 6 days; silent for 27 days (4.5× its norm); "
            "last message: 'Re: Q3 roadmap – warehouse pick-rate review and pilot go-live', 5 May."
        ),
        evidence=(
            _evidence(5, 14, "Re: Q3 roadmap – warehouse pick-rate review and pilot go-live"),
        ),
        figures={"cadence_days": 6.0, "silent_days": 27.0, "ratio": 4.5},
        **common,
    )
    checkin = AlertMail(
        alert_id=42,
        event_id=91,
        kind="checkin_due",
        explanation=(
            "We last wrote to Acme Logistics 48 days ago ('Re: Revised rollout plan for the "
            "Rotterdam and Antwerp distribution centres (v3, incl. budget CR-03)', 14 Apr); "
            "check-in interval 21 days."
        ),
        evidence=(
            _evidence(
                14,
                9,
                "Re: Revised rollout plan for the Rotterdam and Antwerp distribution centres "
                "(v3, incl. budget CR-03)",
            ),
        ),
        figures={"days_since_we_wrote": 48.0, "interval_days": 21.0},
        **common,
    )
    message = client_email(
        [silence, checkin],
        sender=SENDER,
        sender_name="relmon",
        recipients=[OWNER],
        when=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        tz=LONDON,
        first=True,
    )
    return str(message.get_body(("html",)).get_content())


def _summary() -> str:
    clients = [
        SummaryClient(
            "Acme Logistics",
            (
                SummaryAlert(
                    41,
                    "silence",
                    "critical",
                    "Acme Logistics usually writes every 6 "
                    "days; silent for 27 days (4.5× its norm).",
                ),
                SummaryAlert(
                    43,
                    "unanswered",
                    "warning",
                    "'Revised rollout plan' from "
                    "helen.park@acme-logistics.example has waited 2.5 working days.",
                ),
            ),
        ),
        SummaryClient("Harbour Board", ()),
        SummaryClient("Falkenberg Maschinenbau", ()),
    ]
    message = summary_email(
        clients,
        owner=OWNER,
        sender=SENDER,
        sender_name="relmon",
        when=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        tz=LONDON,
        digest_hour=8,
    )
    return str(message.get_body(("html",)).get_content())


_MEASURE = """
const width = window.innerWidth;
const texts = [...document.querySelectorAll('body *')].filter(
    e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
// Blocks of running text (an inline <b> is as wide as its words, whatever the layout).
const blocks = texts.filter(
    e => getComputedStyle(e).display !== 'inline' && e.textContent.trim().length > 30);
return {
  width: width,
  scroll: document.documentElement.scrollWidth,
  overflowing: texts.filter(e => e.getBoundingClientRect().right > width + 1)
                    .map(e => e.textContent.slice(0, 40)),
  smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize))),
  narrowest: Math.min(...blocks.map(e => e.getBoundingClientRect().width)),
};
"""


def _render(browser, html: str, width: int, name: str, tmp_path: Path) -> dict:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.get(page.as_uri())
    measured = browser.execute_script(_MEASURE)
    # The whole email in one picture: as tall as its content.
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / f"{name}-{width}.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    return measured


def _digest() -> str:
    entries = [
        DigestEntry(
            51,
            "Harbour Board",
            "unanswered",
            "warning",
            "'Berth schedule for the pilot – revised draft with the Antwerp slots' from "
            "mia.holt@harbour-board.example has waited 2 working days for our reply.",
            datetime(2026, 6, 3, 10, 30, tzinfo=UTC),
        ),
        DigestEntry(
            52,
            "Falkenberg Maschinenbau",
            "checkin_due",
            "warning",
            "We last wrote to Falkenberg Maschinenbau 23 days ago; check-in interval 21 days.",
            datetime(2026, 6, 3, 10, 30, tzinfo=UTC),
        ),
    ]
    message = digest_email(
        entries,
        owner=OWNER,
        day="2026-06-04",
        sender=SENDER,
        sender_name="relmon",
        when=datetime(2026, 6, 4, 7, 0, tzinfo=UTC),
        tz=LONDON,
    )
    return str(message.get_body(("html",)).get_content())


PAGES = {"two-alerts": _two_alerts, "first-run-summary": _summary, "daily-digest": _digest}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_alert_email_reads_on_a_phone_without_sideways_scrolling(
    browser, tmp_path, name: str, width: int
) -> None:
    html = PAGES[name]()

    measured = _render(browser, html, width, name, tmp_path)

    assert measured["width"] == width
    assert measured["scroll"] <= width, measured
    assert measured["overflowing"] == [], measured
    assert measured["smallest"] >= 12, measured  # footnotes; body text is 16 px
    # A line of text is never squeezed into a column a few words wide.
    assert measured["narrowest"] >= min(300, width * 0.75), measured


@pytest.fixture(scope="module")
def demo_emails(tmp_path_factory) -> list[Path]:
    from click.testing import CliRunner

    from monitor.cli import cli

    out = tmp_path_factory.mktemp("demo-outbox")
    result = CliRunner().invoke(cli, ["demo", "--outbox-dir", str(out)])
    assert result.exit_code == 0, result.output
    return sorted(out.glob("*.eml"))


def test_every_email_of_the_demo_reads_on_a_phone(browser, demo_emails, tmp_path) -> None:
    """The emails the demo's sample firm produces, end to end through the real pipeline."""
    import email
    from email.policy import default

    for path in demo_emails:
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        html = message.get_body(("html",)).get_content()

        measured = _render(browser, html, 390, "demo-" + path.stem[:24], tmp_path)

        assert measured["width"] == 390 and measured["scroll"] <= 390, (path.name, measured)
        assert measured["overflowing"] == [], (path.name, measured)
    assert len(demo_emails) >= 3
