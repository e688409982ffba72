"""Friction alerts on a year of realistic client mail: precision, recall, polite-only false alarms.

Ten client timelines of a year each are built from real rated text, the Wikipedia requests of
the Stanford Politeness Corpus (../shared/data/politeness, Apache-2.0): polite periods from the
top half, curt periods from the bottom quartile, technical questions from the polite half that
plain VADER reads as negative, our own curt words quoted back under a polite reply, and one
hostile outburst. Each client message is wrapped as mail is written (a greeting and thanks where
that client usually writes them), reduced to its own text by relmon's quote stripping, analysed
by relmon's text analyzer and replayed day by day by ``monitor.core.backtest`` — the same
analysis ``relmon backtest`` runs on a store, without MIME parsing or a database.

A friction alert is correct when it fires during a friction episode or within 14 days after it;
every other friction alert is a false alarm. The requests are drawn with a seed (default 2027)
that was not used while the detector was built. Note: the politeness model was trained on these
same requests, so its per-message scores are in-sample here.

    python bench/eval_friction.py [--seed 2027]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
ZONE = ZoneInfo("Europe/London")
START = datetime(2025, 7, 1, tzinfo=UTC)
DAYS = 365
BOTTOM_QUARTILE = -0.443
GRACE = timedelta(days=14)
US = "alice.marsh@northwind-advisory.example"

TARGET_PRECISION = 0.9
TARGET_RECALL = 0.9


@dataclass
class Pools:
    polite: list[str]
    curt: list[str]
    technical: list[str]  # polite half, read as negative by plain VADER
    hostile: list[str]


@dataclass
class Client:
    name: str
    per_week: float
    courtesy: float  # share of its messages with a greeting and thanks
    technical: float = 0.0  # share of technical questions while polite
    quoted_anger: float = 0.0  # share of polite replies quoting our curt words
    curt_from: int | None = None  # day of the year a curt period starts
    curt_days: int = 0
    always_curt: bool = False
    outburst_day: int | None = None
    episodes: list[tuple[date, date]] = field(default_factory=list)


CLIENTS = [
    Client("Polite weekly", 1.0, 0.8),
    Client("Polite busy", 4.0, 0.7),
    Client("Polite technical", 2.5, 0.6, technical=0.5),
    Client("Polite quoting", 2.0, 0.7, quoted_anger=0.4),
    Client("Polite sparse", 0.5, 0.9),
    Client("Curt turn", 1.5, 0.8, curt_from=240, curt_days=42),
    Client("Curt turn busy", 4.0, 0.7, curt_from=200, curt_days=35),
    Client("Curt turn technical", 2.5, 0.6, technical=0.4, curt_from=280, curt_days=42),
    Client("Outburst", 1.5, 0.8, outburst_day=250),
    Client("Always terse", 2.0, 0.1, always_curt=True),
]


def load_pools(rng: random.Random) -> Pools:
    from monitor.core.sentiment import LinearVader, score

    path = CORPORA / "politeness" / "wikipedia.annotated.csv"
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        rows = [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(handle)]
    scores = sorted(s for _, s in rows)
    median = scores[len(scores) // 2]
    vader = LinearVader()
    polite = [t for t, s in rows if s >= median]
    technical = [
        t for t in polite if (c := score(t, "en", vader).compound) is not None and c <= -0.3
    ]
    curt = [t for t, s in rows if s <= BOTTOM_QUARTILE]
    hostile = [t for t, s in sorted(rows, key=lambda r: r[1])[: len(rows) // 50]]
    for pool in (polite, technical, curt, hostile):
        rng.shuffle(pool)
    return Pools(polite, curt, technical, hostile)


def clean(text: str) -> str:
    return text.replace("<url>", "the page").replace("<person>", "Sam")


def wrap(text: str, courteous: bool, rng: random.Random) -> str:
    if not courteous:
        return clean(text)
    greeting = rng.choice(["Hi Alice,", "Hello Alice,", "Dear Alice,", "Good morning Alice,"])
    thanks = rng.choice(["Thanks,", "Many thanks,", "Thank you,", "Cheers,"])
    return f"{greeting}\n\n{clean(text)}\n\n{thanks}\nDana"


def quoting(text: str, quoted: str) -> str:
    lines = "\n".join(f"> {line}" for line in clean(quoted).splitlines())
    return f"{text}\n\nOn Mon, 1 Jun 2026 at 10:00, Alice Marsh <{US}> wrote:\n{lines}\n"


def _text_for(client: Client, day: int, rng: random.Random, pools: Pools) -> tuple[str, bool]:
    """The client's message body on ``day`` of the year, and whether it is friction."""
    curt_now = client.always_curt or (
        client.curt_from is not None
        and client.curt_from <= day < client.curt_from + client.curt_days
    )
    if curt_now:
        return wrap(pools.curt.pop(), rng.random() < 0.15, rng), not client.always_curt
    source = pools.technical if rng.random() < client.technical else pools.polite
    body = wrap(source.pop(), rng.random() < client.courtesy, rng)
    if rng.random() < client.quoted_anger:
        body = quoting(body, pools.curt.pop())
    return body, False


def timeline(client: Client, rng: random.Random, pools: Pools) -> list[tuple[datetime, str]]:
    from monitor.core.owntext import own_text

    mail: list[tuple[datetime, str]] = []
    for day in range(DAYS):
        moment = START + timedelta(days=day)
        if moment.weekday() >= 5 or rng.random() >= client.per_week / 5:
            continue
        body, _ = _text_for(client, day, rng, pools)
        when = moment.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59))
        mail.append((when, own_text(body).text))
    if client.outburst_day is not None:
        when = (START + timedelta(days=client.outburst_day)).replace(hour=11)
        outburst = clean(pools.hostile.pop()) + " This is unacceptable."
        mail.append((when, outburst))
        client.episodes.append((when.date(), when.date()))
    if client.curt_from is not None:
        first = (START + timedelta(days=client.curt_from)).date()
        client.episodes.append((first, first + timedelta(days=client.curt_days)))
    return sorted(mail)


def records(client: Client, mail: list[tuple[datetime, str]], analyzer: object) -> list[object]:
    from monitor.core.model import Direction
    from monitor.core.records import Record

    out: list[object] = []
    sender = f"dana@{client.name.lower().replace(' ', '-')}.example"
    for index, (when, text) in enumerate(mail):
        f = analyzer.analyse(text, date=when)  # type: ignore[attr-defined]
        thread = f"t{index}"
        common = {"client": client.name, "thread": thread, "subject": f"Request {index}"}
        out.append(
            Record(
                key=f"<{index}@{sender}>",
                date=when,
                direction=Direction.INBOUND,
                sender=sender,
                needs_reply=True,
                recipients=frozenset({US}),
                sentiment=f.sentiment,
                impoliteness=f.impoliteness,
                tone=f.tone,
                curtness=f.curtness,
                courtesy=f.courtesy,
                friction_evidence=f.friction_evidence,
                language=f.language,
                friction=f.friction,
                pressure=f.pressure,
                questions=f.questions,
                own_chars=f.own_chars,
                **common,
            )
        )
        out.append(
            Record(
                key=f"<r{index}@northwind-advisory.example>",
                date=when + timedelta(hours=3),
                direction=Direction.OUTBOUND,
                sender=US,
                recipients=frozenset({sender}),
                **common,
            )
        )
    return out


def history(client: Client, recs: list[object]) -> object:
    from monitor.core.calendar import BusinessCalendar, parse_working_hours
    from monitor.core.history import ClientContext, ClientHistory

    calendar = BusinessCalendar(ZONE, parse_working_hours(["Mon-Fri 09:00-17:30"]))
    context = ClientContext(name=client.name, owner=US, ours=calendar, theirs=calendar)
    return ClientHistory.build(context, recs)  # type: ignore[arg-type]


def score(client: Client, fired: list[date]) -> tuple[int, int, int]:
    """(correct alerts, false alarms, episodes found)."""
    correct = [d for d in fired if any(a <= d <= b + GRACE for a, b in client.episodes)]
    found = sum(1 for a, b in client.episodes if any(a <= d <= b + GRACE for d in fired))
    return len(correct), len(fired) - len(correct), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    if not (CORPORA / "politeness").exists():
        print(f"politeness corpus not found under {CORPORA}", file=sys.stderr)
        return 2
    from monitor.core.analysis import day_ends
    from monitor.core.backtest import run
    from monitor.core.detectors import Kind
    from monitor.core.text import TextAnalyzer

    rng = random.Random(args.seed)
    pools = load_pools(rng)
    analyzer = TextAnalyzer.load()
    days = day_ends(START + timedelta(days=DAYS), DAYS, ZONE)
    rows = []
    for client in CLIENTS:
        mail = timeline(client, rng, pools)
        result = run([history(client, records(client, mail, analyzer))], days)  # type: ignore[list-item]
        fired = [f for f in result.fired if f.kind is Kind.FRICTION]
        dates = [f.day.astimezone(ZONE).date() for f in fired]
        rows.append((client, len(mail), *score(client, dates), fired))
    return report(rows)


def report(rows: list[tuple[Client, int, int, int, int, list[object]]]) -> int:
    print(f"{'client':22} {'msgs':>5} {'episodes':>8} {'found':>5} {'alerts':>6} {'false':>5}")
    for client, count, correct, false, found, _ in rows:
        print(
            f"{client.name:22} {count:5d} {len(client.episodes):8d} {found:5d} "
            f"{correct + false:6d} {false:5d}"
        )
    alerts = sum(r[2] + r[3] for r in rows)
    correct = sum(r[2] for r in rows)
    episodes = sum(len(r[0].episodes) for r in rows)
    found = sum(r[4] for r in rows)
    polite_false = sum(r[3] for r in rows if r[0].name.startswith("Polite"))
    precision = correct / alerts if alerts else 1.0
    recall = found / episodes if episodes else 1.0

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(
        f"\nprecision {precision:.2f} (target >= {TARGET_PRECISION}: "
        f"{verdict(precision >= TARGET_PRECISION)})\n"
        f"recall    {recall:.2f} (target >= {TARGET_RECALL}: {verdict(recall >= TARGET_RECALL)})\n"
        f"friction alerts for polite-only clients: {polite_false} (target 0: "
        f"{verdict(polite_false == 0)})"
    )
    for client, *_, fired in rows:
        for f in fired:
            print(f"  {client.name}: {f.day:%Y-%m-%d} {f.severity.value}: {f.explanation}")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
