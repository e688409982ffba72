"""Friction against the client's own norm: is this client writing to us differently lately?

Each scored client message gets a friction strength (0–1) from how it addresses us — its
impoliteness (the politeness model), its curtness (orders, bare questions, shouting), its tone
read as business mail (work words at no valence) and a greeting or thanks dropped where this
client usually writes one. The judgement compares the recent messages with the client's own 90
days before them:

- **a turn**: more frictional messages lately than the client's usual rate explains, given how
  many it wrote (a binomial tail against its smoothed rate), from at least two messages on at
  least two days, once the client has enough history to have a norm. A client that writes
  rarely is judged on its last :data:`RECENT_MIN` messages (up to :data:`RECENT_LONGEST` days),
  not on one or two;
- **an outburst**: one clearly hostile message from a client that is normally warm.

A client is evaluated every day, so a window that looks unusual by chance once in a hundred
times would raise a false alarm every few months on a steady client: the tails are strict.

Messages in a language without a politeness model are unscored and left out, never counted
as calm. Pure: records and ``now`` in, a :class:`NormFacts` out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.core.records import Record

RECENT_DAYS = 14
#: A client with fewer scored messages in RECENT_DAYS is judged on its last RECENT_MIN, from
#: at most RECENT_LONGEST days: two messages are too few to tell a turn from chance.
RECENT_MIN = 4
RECENT_LONGEST = 28
NORM_DAYS = 90
RECENT_MAX = 10  # the last this many scored messages in the recent window
NORM_MIN = 6  # scored messages the 90 days must hold to be a norm
#: A message at or above this strength counts as frictional.
FRICTIONAL = 0.35
#: The client's usual top is the strength its sharpest tenth of messages reaches. Escalation
#: words and pointed questions count, and an outburst is hostile, only above it: "why did you
#: ...?" is how a client that always writes tersely asks.
USUAL_SHARE = 0.1
#: The least rate the norm is taken to have: about one polite message in ten reads as curt
#: (one in twenty-five of the most polite half of the rated requests, one in seven of their
#: technical questions, on text the model was trained on), so a client never seen curt is
#: still expected to look so now and then. Two curt messages alone are then never a turn.
MIN_RATE = 0.1
#: A message at or above this strength, with escalation words, is an outburst. On the rated
#: requests the most polite half's messages with escalation words stay under 0.2 and nine in
#: ten of the least polite fiftieth with "This is unacceptable." reach 0.5.
HOSTILE = 0.5
#: A client whose norm has at most this share of frictional messages is warm.
WARM_RATE = 0.15
#: The chance of the recent count under the client's own rate, below which it is a turn
#: (critical: far beyond). Evaluated daily over overlapping windows, about 25 independent ones
#: a year: a window as unusual as one in 200 turns up by chance about once in eight years of a
#: steady client.
WARNING_TAIL = 0.005
CRITICAL_TAIL = 0.0002
#: A client that greets or thanks in at least this share of its messages expects it.
COURTEOUS_RATE = 0.6
#: The recent share of frictional messages must exceed the usual one by at least this much.
MIN_RISE = 0.3


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def strength(record: Record, *, courteous: bool = False) -> float | None:
    """The friction of one message, 0–1; ``None`` when its text is unscored.

    ``courteous``: the client usually greets or thanks, so a message with neither counts."""
    if record.impoliteness is None:
        return None
    # Scaled on the rated requests: a polite request greeted and thanked scores under 0.15,
    # the least polite quarter's median about 0.4 (bench/eval_friction.py shows the effect).
    impolite = _clamp((record.impoliteness - 0.15) / 0.45)
    curt = record.curtness or 0.0
    tone = record.tone if record.tone is not None else 0.0
    negative = _clamp((-tone - 0.3) / 0.5)
    dropped = 0.15 if courteous and record.courtesy is False else 0.0
    return round(_clamp(0.7 * impolite + 0.35 * curt + 0.2 * negative + dropped), 3)


def hostile(record: Record, value: float, usual_top: float = 0.0) -> bool:
    """Clearly hostile: strong friction, beyond what the client's own sharpest tenth reaches
    (``usual_top``), with escalation words ("unacceptable", "refund")."""
    strong = value >= HOSTILE and value > usual_top
    return strong and any(c.startswith("escalation:") for c in record.friction)


def sharper_than_usual(value: float, usual_top: float = 0.0) -> bool:
    """Frictional, and sharper than the client's own sharpest tenth usually is."""
    return value >= FRICTIONAL and value > usual_top


def reads_polite(record: Record, usual_top: float = 0.0) -> bool:
    """A message that is not frictional reads as polite for this client: its escalation and
    challenge words ("terminate the process", "how come the test passes?") describe the work,
    and add no friction points. Pointed reminders and senior people copied in count whatever
    the wording. A message without a score (another language) is not known to be polite."""
    value = strength(record)
    return value is not None and not sharper_than_usual(value, usual_top)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@dataclass(frozen=True)
class NormFacts:
    """The recent messages against the client's norm, with what changed."""

    recent: tuple[tuple[Record, float], ...]  # scored recent messages, with their strength
    frictional: tuple[tuple[Record, float], ...]  # those at or above FRICTIONAL
    norm_messages: int  # scored messages in the 90 days before
    norm_rate: float | None  # share of frictional messages then; None: too little history
    usual_top: float  # the strength the client's sharpest tenth reaches (0: no norm)
    norm_courtesy: float | None  # share greeting or thanking then
    unscored: int  # recent client messages in a language without a model
    tail: float | None  # chance of the recent count under the norm rate
    outburst: tuple[Record, float] | None  # a hostile message from a warm client

    @property
    def days(self) -> int:
        return len({r.date.date() for r, _ in self.frictional})

    @property
    def turn(self) -> bool:
        if self.norm_rate is None or self.tail is None or len(self.frictional) < 2:
            return False
        rise = len(self.frictional) / len(self.recent) - self.norm_rate
        return self.days >= 2 and rise >= MIN_RISE and self.tail <= WARNING_TAIL

    @property
    def critical(self) -> bool:
        return self.turn and self.tail is not None and self.tail <= CRITICAL_TAIL

    def records(self) -> list[Record]:
        found = {r.key: r for r, _ in self.frictional}
        if self.outburst is not None:
            found[self.outburst[0].key] = self.outburst[0]
        return sorted(found.values(), key=lambda r: r.date)


def _share(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _recent_start(inbound: Sequence[Record], now: datetime) -> datetime:
    """RECENT_DAYS back, or further (up to RECENT_LONGEST) to hold RECENT_MIN scored messages."""
    start = now - timedelta(days=RECENT_DAYS)
    earliest = now - timedelta(days=RECENT_LONGEST)
    scored = [r.date for r in inbound if r.date <= now and r.impoliteness is not None]
    if len(scored) >= RECENT_MIN and scored[-RECENT_MIN] < start:
        return max(earliest, scored[-RECENT_MIN])
    return start


def _usual_top(values: Sequence[float]) -> float:
    """The strength the client's own sharpest tenth of messages reaches."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * (1 - USUAL_SHARE)))]


def assess(inbound: Sequence[Record], now: datetime) -> NormFacts:
    """The client's recent messages (inbound, counted, up to ``now``) against its norm."""
    start = _recent_start(inbound, now)
    in_recent = [r for r in inbound if start <= r.date <= now]
    norm = [
        r
        for r in inbound
        if start - timedelta(days=NORM_DAYS) <= r.date < start and r.impoliteness is not None
    ]
    norm_courtesy = _share([r.courtesy is True for r in norm if r.courtesy is not None])
    courteous = norm_courtesy is not None and norm_courtesy >= COURTEOUS_RATE
    scored = [r for r in in_recent if r.impoliteness is not None][-RECENT_MAX:]
    recent = tuple((r, s) for r in scored if (s := strength(r, courteous=courteous)) is not None)
    norm_values = [strength(r, courteous=courteous) or 0.0 for r in norm]
    has_norm = len(norm) >= NORM_MIN
    usual_top = _usual_top(norm_values) if has_norm else 0.0
    found = tuple(item for item in recent if item[1] >= FRICTIONAL)
    norm_rate = _share([v >= FRICTIONAL for v in norm_values]) if has_norm else None
    tail = None
    if norm_rate is not None and recent:
        smoothed = (norm_rate * len(norm) + 1) / (len(norm) + 2)
        tail = binomial_tail(len(found), len(recent), max(MIN_RATE, smoothed))
    warm = norm_rate is not None and norm_rate <= WARM_RATE
    outburst = max(
        ((r, s) for r, s in recent if warm and hostile(r, s, usual_top)),
        key=lambda i: i[1],
        default=None,
    )
    return NormFacts(
        recent=recent,
        frictional=found,
        norm_messages=len(norm),
        norm_rate=norm_rate,
        usual_top=usual_top,
        norm_courtesy=norm_courtesy,
        unscored=len(in_recent) - len(scored),
        tail=tail,
        outburst=outburst,
    )


def _in_ten(share: float) -> str:
    return f"{max(0, round(share * 10))} in 10"


def explain(client: str, facts: NormFacts) -> str:
    """What changed, in the client's own terms: "Tailspin's last 6 messages: no greeting or
    thanks in 5 (usually 1 in 10); 'you need to further explain' …"."""
    if not facts.recent:
        return f"{client}: no scored messages in the last {RECENT_DAYS} days"
    n = len(facts.recent)
    parts = [f"{len(facts.frictional)} read as curt or impolite"]
    if facts.norm_rate is not None:
        parts[0] += f" (usually {_in_ten(facts.norm_rate)})"
    bare = sum(1 for r, _ in facts.recent if r.courtesy is False)
    if bare and facts.norm_courtesy is not None:
        parts.append(
            f"no greeting or thanks in {bare} (usually {_in_ten(1 - facts.norm_courtesy)})"
        )
    cues = [r.friction_evidence for r in facts.records() if r.friction_evidence]
    distinct = list(dict.fromkeys(cues))
    if distinct:
        more = " …" if len(distinct) > 3 else ""
        parts.append(", ".join(f"'{c}'" for c in distinct[:3]) + more)
    if facts.outburst is not None:
        parts.append(f"one hostile message on {facts.outburst[0].date:%-d %b}")
    if facts.unscored:
        parts.append(f"{facts.unscored} in another language not scored")
    return f"{client}'s last {n} message{'s' if n != 1 else ''}: " + "; ".join(parts)
