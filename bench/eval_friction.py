"""Friction alerts on a year of realistic client mail: precision, recall, polite-only false alarms.

Ten client timelines of a year each are built from real rated text, the Wikipedia requests of
the Stanford Politeness Corpus (../shared/data/politeness, Apache-2.0): polite periods from the
top half, curt periods from the bottom quartile, technical questions from the polite half that
plain VADER reads as negative, our own curt words quoted back under a polite reply, a client
that is always terse, and one hostile outburst. Each client message is written as mail (a
greeting and thanks where that client usually writes them) with our answer three hours later,
one mbox per client; the mail is ingested into a fresh SQLite store as `relmon ingest` does and
replayed day by day by the function behind `relmon backtest --json`.

A friction alert is correct when it fires during a friction episode or within 14 days after it;
every other friction alert is a false alarm. The requests are drawn with a seed; the default,
2027, was looked at while the detector's rules were first shaped, and 5, 11, 31, 1, 99, 123,
777, 2, 3 and 4 while they were revised, so judge the rules by several seeds (--seeds), never
by one, and by seeds they never saw; 6, 7, 8, 9, 10 and 12 compared politeness models 2 and 3;
13 to 20 found the polite-only false alarms of the yes/no count, and all of 2027, 1 to 20, 31,
99, 123 and 777 shaped the strength-weighted evidence that replaced it; 1001 to 1010 were then
run once to judge it. The same 25 then showed the outbursts that were feelings of the reader's
("I know you're disappointed"), and 2001 to 2010 were run once to judge that rule; 3001 to
3010 and 4001 to 4010 were each run once since, to judge the rules unchanged, and all thirty
since to try an outburst threshold of 0.35 (not adopted: it calls ordinary requests to cancel a
meeting hostile); 5001 to 5010, then 5011 to 5020, 5021 to 5030 and 5031 to 5040, were each
run once to judge the rules unchanged again; 5041 to 5060 were run once to judge the rules of
a turn spanning a week and of an angry outburst, and 5061 to 5080 the rise beyond the norm's
spread; 5081 to 5100 were run once to judge the rules unchanged, 5090 looked at again, and 5101 to
5110 run once to judge them unchanged again, then 5111 to 5120, then 5121 to 5130, then 5131 to
5140, then 5141 to 5150, then 5151 to 5160 (5161 on are unseen); 1 to 20 were run again to try
a measured density of curt messages' strengths (bench/curt_density.py; not adopted).
Note: the shipped politeness model was trained on these same requests, so its per-message
scores are in-sample here: expect new text to do worse. ``--out-of-sample`` writes the mail
from half the requests (drawn with the seed) and scores it with a model trained on the other
half as the shipped one is (bench/held_out.py). Out of sample, seeds 1 to 30 shaped those two
rules and 31 to 50 were run once to judge them; 1 to 50 then shaped the rise beyond the norm's
spread and 51 to 70 judged it; 71 to 90, then 91 to 100, then 101 to 110, were run once to
judge the rules unchanged, then 111 to 120, 121 to 140, 141 to 150, 151 to 160, 161 to 170 and
171 to 180, the last twice: before and after tone read as business mail everywhere (181 on are
unseen; 143, 146, 147 and 149 were looked at with --margins); 1 to 50 were looked at
again to measure the strength of curt messages against the density the evidence assumes, and 1
to 20 run again to try a measured density (not adopted).

    python bench/eval_friction.py [--seed 2027]
    python bench/eval_friction.py --seeds 5,11,31,2027,1,99,123,777   # one line per seed, mean
    python bench/eval_friction.py --margins --seeds 5011,5014   # how near each client came
    python bench/eval_friction.py --out-of-sample --seeds 51,52,53   # text the model never read

``--margins`` prints, per seed and client, the most evidence of a turn the detector saw on any
day outside the client's friction episodes (and their 14 days of grace) and inside them,
counting only days where every other condition of a turn holds, next to the warning threshold:
how far apart the clients that should stay quiet and the ones that should warn are.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import held_out
from held_out import Pool

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


def rated_requests() -> list[tuple[str, float]]:
    path = CORPORA / "politeness" / "wikipedia.annotated.csv"
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(handle)]


def load_pools(rng: random.Random, rows: list[tuple[str, float]]) -> Pools:
    from monitor.core.sentiment import LinearVader, score

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
    return Pools(*(Pool(p, rng) for p in (polite, curt, technical, hostile)))


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
    mail: list[tuple[datetime, str]] = []
    for day in range(DAYS):
        moment = START + timedelta(days=day)
        if moment.weekday() >= 5 or rng.random() >= client.per_week / 5:
            continue
        body, _ = _text_for(client, day, rng, pools)
        when = moment.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59))
        mail.append((when, body))
    if client.outburst_day is not None:
        when = (START + timedelta(days=client.outburst_day)).replace(hour=11)
        outburst = clean(pools.hostile.pop()) + " This is unacceptable."
        mail.append((when, outburst))
        client.episodes.append((when.date(), when.date()))
    if client.curt_from is not None:
        first = (START + timedelta(days=client.curt_from)).date()
        client.episodes.append((first, first + timedelta(days=client.curt_days)))
    return sorted(mail)


def slug(client: Client) -> str:
    return client.name.lower().replace(" ", "-")


def message(
    sender: str, to: str, when: datetime, subject: str, body: str, mid: str, **extra: str
) -> str:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{mid}>",
        *(f"{name}: {value}" for name, value in extra.items()),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    stuffed = "\n".join(
        (">" + line) if line.startswith("From ") else line for line in body.splitlines()
    )
    envelope = sender.split("<")[-1].rstrip(">")
    return (
        f"From {envelope} {when:%a %b %d %H:%M:%S %Y}\n" + "\n".join(headers) + f"\n\n{stuffed}\n\n"
    )


def write_mbox(client: Client, mail: list[tuple[datetime, str]], folder: Path) -> None:
    """The client's year as one mbox: each client message and our answer three hours later."""
    sender = f"Dana <dana@{slug(client)}.example>"
    parts = []
    for index, (when, body) in enumerate(mail):
        mid = f"{index}@{slug(client)}.example"
        parts.append(message(sender, US, when, f"Request {index}", body, mid))
        parts.append(
            message(
                US,
                sender,
                when + timedelta(hours=3),
                f"Re: Request {index}",
                "Hi Dana,\n\nDone, see the page.\n\nAlice",
                f"r{index}.{slug(client)}@northwind-advisory.example",
                **{"In-Reply-To": f"<{mid}>", "References": f"<{mid}>"},
            )
        )
    (folder / f"{slug(client)}.mbox").write_text("".join(parts), encoding="utf-8")


def config_text(database: Path) -> str:
    clients = "".join(
        f'[[clients]]\nname = "{c.name}"\ndomains = ["{slug(c)}.example"]\nowner = "{US}"\n'
        for c in CLIENTS
    )
    return (
        '[team]\ndomains = ["northwind-advisory.example"]\ntimezone = "Europe/London"\n'
        f'working_hours = "Mon-Fri 09:00-17:30"\n[[team.members]]\nname = "Alice Marsh"\n'
        f'address = "{US}"\n{clients}[store]\nurl = "sqlite:///{database}"\n'
    )


def score(client: Client, fired: list[date]) -> tuple[int, int, int]:
    """(correct alerts, false alarms, episodes found)."""
    correct = [d for d in fired if any(a <= d <= b + GRACE for a, b in client.episodes)]
    found = sum(1 for a, b in client.episodes if any(a <= d <= b + GRACE for d in fired))
    return len(correct), len(fired) - len(correct), found


Row = tuple[Client, int, int, int, int, list[object]]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--seeds", help="comma-separated seeds: one summary line each, and the mean"
    )
    parser.add_argument(
        "--margins", action="store_true", help="the most turn evidence per client, in and out"
    )
    parser.add_argument(
        "--out-of-sample",
        action="store_true",
        help="write the mail from half the requests, scored by a model trained on the other half",
    )
    args = parser.parse_args()
    if not (CORPORA / "politeness").exists():
        print(f"politeness corpus not found under {CORPORA}", file=sys.stderr)
        return 2
    if args.margins:
        seeds = [int(s) for s in (args.seeds or str(args.seed)).split(",")]
        return report_margins(seeds, args.out_of_sample)
    if args.seeds:
        return report_seeds([int(seed) for seed in args.seeds.split(",")], args.out_of_sample)
    return report(run(args.seed, out_of_sample=args.out_of_sample))


Margins = dict[str, tuple[float | None, float | None]]


def run(seed: int, margins: Margins | None = None, out_of_sample: bool = False) -> list[Row]:
    """One year of the ten clients' mail drawn with ``seed``, ingested and backtested;
    ``margins``, when given, receives each client's :func:`evidence_margins`. ``out_of_sample``:
    the mail is drawn from half the requests and scored by a model trained on the other half."""
    from monitor.app.backtests import backtest
    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from monitor.config import load_config_text

    rng = random.Random(seed)
    rows = rated_requests()
    clients = [replace(c, episodes=[]) for c in CLIENTS]
    with tempfile.TemporaryDirectory() as tmp:
        analyzer, rows = text_analyzer(rows, seed, Path(tmp) if out_of_sample else None)
        pools = load_pools(rng, rows)
        folder = Path(tmp) / "mail"
        folder.mkdir()
        counts = {}
        for client in clients:
            mail = timeline(client, rng, pools)
            counts[client.name] = len(mail)
            write_mbox(client, mail, folder)
        config = load_config_text(config_text(Path(tmp) / "relmon.db"))
        runtime = Runtime.open(config, analyzer=analyzer)
        until = START + timedelta(days=DAYS)
        ingest_paths(runtime, [folder], account="bench", now=until)
        result = backtest(runtime, until, START)  # what `relmon backtest --json` prints
        if margins is not None:
            margins.update(evidence_margins(runtime, clients, until))
        runtime.close()
    rows = []
    for client, entry in zip(clients, result["clients"], strict=True):
        fired = [f for f in entry["fired"] if f["kind"] == "friction"]
        dates = [f["date"] for f in fired]
        rows.append((client, counts[client.name], *score(client, dates), fired))
    return rows


def text_analyzer(
    rows: list[tuple[str, float]], seed: int, folder: Path | None
) -> tuple[object, list[tuple[str, float]]]:
    """relmon's text analyzer and the requests to write mail from: all of them, scored by the
    shipped model; or, given a ``folder``, half of them, scored by a model trained there on the
    other half (drawn with ``seed``)."""
    from monitor.core.politeness import PolitenessModel
    from monitor.core.sentiment import LinearVader
    from monitor.core.text import TextAnalyzer

    analyzer = TextAnalyzer.load()
    if folder is None:
        return analyzer, rows
    halves = held_out.split(rows, seed)
    model = PolitenessModel.load(LinearVader().lexicon, held_out.train(halves.trained_on, folder))
    return replace(analyzer, politeness=model), halves.held_out


def evidence_margins(runtime, clients: list[Client], until: datetime) -> Margins:  # type: ignore[no-untyped-def]
    """Per client, the most evidence of a turn on any day outside its episodes (with their
    grace) and inside them, on days where every other condition of a turn holds (None: no such
    day)."""
    from monitor.core import friction_norm
    from monitor.core.model import Direction
    from monitor.store.records import load_records

    found: Margins = {}
    for client in clients:
        records = load_records(runtime.store.engine, as_of=until, client=client.name)
        inbound = [r for r in records if r.direction is Direction.INBOUND and r.counts]
        best: dict[bool, float | None] = {False: None, True: None}
        for day in range(DAYS):
            now = (START + timedelta(days=day)).replace(hour=23)
            evidence = friction_norm.assess(inbound, now).turn_evidence
            if evidence is None:
                continue
            inside = any(a <= now.date() <= b + GRACE for a, b in client.episodes)
            previous = best[inside]
            best[inside] = evidence if previous is None else max(previous, evidence)
        found[client.name] = (best[False], best[True])
    return found


def report_margins(seeds: list[int], out_of_sample: bool = False) -> int:
    from monitor.core.friction_norm import WARNING_EVIDENCE

    print(
        "Most turn evidence (log likelihood ratio) outside / inside each client's episodes; "
        f"a warning at {WARNING_EVIDENCE:.2f}; '-' no day came that near"
    )
    names = [c.name for c in CLIENTS]
    print(f"{'seed':>6} " + " ".join(f"{n[:13]:>13}" for n in names))

    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    for seed in seeds:
        margins: Margins = {}
        run(seed, margins, out_of_sample)
        cells = [f"{shown(margins[n][0])}/{shown(margins[n][1])}" for n in names]
        print(f"{seed:>6} " + " ".join(f"{cell:>13}" for cell in cells))
    return 0


def figures(rows: list[Row]) -> tuple[float, float, int]:
    """Precision, recall and friction alerts for polite-only clients."""
    alerts = sum(r[2] + r[3] for r in rows)
    correct = sum(r[2] for r in rows)
    episodes = sum(len(r[0].episodes) for r in rows)
    found = sum(r[4] for r in rows)
    polite_false = sum(r[3] for r in rows if r[0].name.startswith("Polite"))
    precision = correct / alerts if alerts else 1.0
    recall = found / episodes if episodes else 1.0
    return precision, recall, polite_false


def report_seeds(seeds: list[int], out_of_sample: bool = False) -> int:
    print(f"{'seed':>6} {'precision':>9} {'recall':>6} {'polite-only alerts':>18} {'false':>5}")
    results = []
    for seed in seeds:
        rows = run(seed, out_of_sample=out_of_sample)
        precision, recall, polite_false = figures(rows)
        false = sum(r[3] for r in rows)
        results.append((precision, recall, polite_false, false))
        print(f"{seed:>6} {precision:>9.2f} {recall:>6.2f} {polite_false:>18d} {false:>5d}")
    mean = [sum(r[i] for r in results) / len(results) for i in range(4)]
    print(f"{'mean':>6} {mean[0]:>9.2f} {mean[1]:>6.2f} {mean[2]:>18.2f} {mean[3]:>5.2f}")
    met = sum(
        1
        for p, r, polite, _ in results
        if p >= TARGET_PRECISION and r >= TARGET_RECALL and polite == 0
    )
    print(f"seeds meeting every target: {met} of {len(results)}")
    return 0


def report(rows: list[Row]) -> int:
    print(f"{'client':22} {'msgs':>5} {'episodes':>8} {'found':>5} {'alerts':>6} {'false':>5}")
    for client, count, correct, false, found, _ in rows:
        print(
            f"{client.name:22} {count:5d} {len(client.episodes):8d} {found:5d} "
            f"{correct + false:6d} {false:5d}"
        )
    precision, recall, polite_false = figures(rows)

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
            print(f"  {client.name}: {f['date']} {f['severity']}: {f['explanation']}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
