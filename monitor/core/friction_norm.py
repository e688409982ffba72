"""Friction against the client's own norm: is this client writing to us differently lately?

Each scored client message gets a friction strength (0–1) from how it addresses us — its
impoliteness (the politeness model), its curtness (orders, bare questions, shouting), its tone
read as business mail (work words at no valence) and a greeting or thanks dropped where this
client usually writes one. The judgement compares the recent messages with the client's own 90
days before them:

- **a turn**: the client's latest messages are much likelier from a client that turned curt
  than from its usual self, from frictional messages spanning at least a week, rising well
  beyond the spread of the client's own strengths, once
  the client has enough history to have a norm. Each message weighs by how curt it reads
  against how often this client writes that curtly: a message only a little past
  :data:`FRICTIONAL` is common among polite messages without a greeting, and counts for much
  less than an order or a bare "why?" (about one polite message in eight without a greeting
  reads frictional; a yes/no count at one threshold let several of them add up like curt ones).
  The evidence is summed over the latest run of messages that carries the most (up to
  :data:`RECENT_LONGEST` days), so a client that writes rarely is judged on enough messages,
  and polite messages count against a turn;
- **an outburst**: one clearly hostile message from a client that is normally warm.

The evidence is the log of a likelihood ratio. Were the client's norm known exactly, its usual
writing would reach a ratio of ``r`` in the latest run with a chance of at most ``1/r``,
whatever the client writes like (Ville's inequality); a client is evaluated every day, so the
threshold is high.

Messages in a language without a politeness model are unscored and left out, never counted
as calm. Pure: records and ``now`` in, a :class:`NormFacts` out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.core.records import Record, dated_between, dated_from, dated_within, utc

#: Recent messages shown (and outbursts looked for) when no run carries evidence of a turn.
RECENT_DAYS = 14
#: The longest run judged: six weeks, so a client writing weekly has several messages in it.
#: The norm is the NORM_DAYS before it, so a turn does not become its own norm while it lasts.
RECENT_LONGEST = 42
NORM_DAYS = 90
NORM_MIN = 6  # scored messages the 90 days must hold to be a norm
#: A message at or above this strength counts as frictional.
FRICTIONAL = 0.35
#: The client's usual top is the strength its sharpest tenth of messages reaches. Escalation
#: words and pointed questions count, and an outburst is hostile, only above it: "why did you
#: ...?" is how a client that always writes tersely asks.
USUAL_SHARE = 0.1
#: Strength bins: a message's evidence depends on how curt it reads, not only on whether it
#: reaches FRICTIONAL.
EDGES = (0.2, 0.35, 0.5, 0.65, 0.8)
#: Made-up messages spread evenly over the bins before the client's own are counted (half a
#: message a bin, Jeffreys' prior): a bin the client has not been seen in is rare, not
#: impossible, so one message in it is never proof.
PRIOR_MESSAGES = 3.0
#: A client that turned curt writes this share of its messages like a curt one, the rest as
#: usual. Curt messages are taken to grow likelier the curter they read (a density rising
#: with strength, assumed, not fitted to any corpus; ``bench/curt_density.py`` measures how
#: curt requests the model never read spread over the bins, beside it).
TURNED_SHARE = 0.9
#: A message at or above this strength, with escalation words, is an outburst. On the rated
#: requests the most polite half's messages with escalation words stay under 0.2 and nine in
#: ten of the least polite fiftieth with "This is unacceptable." reach 0.5.
HOSTILE = 0.5
#: Escalation words in a message whose tone (read as business mail) is at most this are an
#: outburst whatever its politeness score: none of the most polite half of the rated requests
#: and none of 1,414 messages of public mailing lists have both.
HOSTILE_TONE = -0.5
#: A client whose norm has at most this share of frictional messages is warm.
WARM_RATE = 0.15
#: The evidence (log of the likelihood ratio) at or above which the latest run is a turn
#: (critical: far beyond). Three messages as curt as can be, against a polite norm of a dozen
#: weekly messages, reach it; the same three at the frictional threshold do not.
WARNING_EVIDENCE = math.log(800)
CRITICAL_EVIDENCE = math.log(100_000)
#: A client that greets or thanks in at least this share of its messages expects it.
COURTEOUS_RATE = 0.6
#: The frictional messages of a turn span at least a week, first to last: a few sharp
#: messages within days are one incident or one long thread, not a relationship turning. Out
#: of sample (a politeness model trained on half the rated requests, the bench's mail written
#: from the other half) such bursts were most of the false alarms from polite clients.
TURN_SPAN_DAYS = 7
#: The run's mean strength must also rise above the norm's by this many standard errors (the
#: norm's standard deviation over the square root of the run's length). The evidence weighs a
#: message by how rare its strength bin is in the norm, and a norm of a couple of dozen messages
#: tells the rare top bins poorly; its mean and spread it tells well. Out of sample, the client
#: that writes curtly all year raised most of the remaining false alarms this way, reaching 4.0
#: to 6.3 standard errors, where 37 of 38 true turns passed 5 (bench/eval_friction.py
#: --out-of-sample, seeds 31-50).
BEYOND_SPREAD = 5.0
#: A norm of messages that all read alike has a spread of about this, not none.
SPREAD_FLOOR = 0.05
#: The run's mean strength must exceed the client's usual one by at least this much: a client
#: that always writes tersely has runs of its curter messages by chance.
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
    """Clearly hostile: escalation words ("unacceptable", "refund") with strong friction,
    beyond what the client's own sharpest tenth reaches (``usual_top``), or with anger in its
    tone read as business mail (work words at no valence)."""
    if value <= usual_top or not any(c.startswith("escalation:") for c in record.friction):
        return False
    angry = record.tone is not None and record.tone <= HOSTILE_TONE
    return angry or value >= HOSTILE


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


def strength_bin(value: float) -> int:
    """The bin of :data:`EDGES` a strength falls in (0: under the first edge)."""
    return sum(1 for edge in EDGES if value >= edge)


def curt_share(index: int) -> float:
    """The share of curt messages in strength bin ``index``: a density rising with strength."""
    bounds = (0.0, *EDGES, 1.0)
    return bounds[index + 1] ** 2 - bounds[index] ** 2


def norm_shares(values: Sequence[float]) -> tuple[float, ...]:
    """The client's own share of messages in each strength bin, its count spread by
    PRIOR_MESSAGES made-up messages evenly over the bins (a short history says little)."""
    counts = [0] * (len(EDGES) + 1)
    for value in values:
        counts[strength_bin(value)] += 1
    total = len(values) + PRIOR_MESSAGES
    return tuple((c + PRIOR_MESSAGES / len(counts)) / total for c in counts)


def evidence(value: float, shares: Sequence[float]) -> float:
    """How much likelier a message of this strength is from the client turned curt (a share
    TURNED_SHARE of its messages curt) than from its usual self, as a natural log."""
    index = strength_bin(value)
    ratio = curt_share(index) / shares[index]
    return math.log(TURNED_SHARE * ratio + 1 - TURNED_SHARE)


@dataclass(frozen=True)
class NormFacts:
    """The recent messages against the client's norm, with what changed."""

    recent: tuple[tuple[Record, float], ...]  # scored recent messages, with their strength
    frictional: tuple[tuple[Record, float], ...]  # those at or above FRICTIONAL
    norm_messages: int  # scored messages in the 90 days before
    norm_rate: float | None  # share of frictional messages then; None: too little history
    norm_strength: float | None  # their mean strength
    norm_spread: float  # their standard deviation (0: no norm)
    usual_top: float  # the strength the client's sharpest tenth reaches (0: no norm)
    norm_courtesy: float | None  # share greeting or thanking then
    unscored: int  # recent client messages in a language without a model
    evidence: float | None  # log-likelihood ratio of the recent strengths: turned vs usual
    outburst: tuple[Record, float] | None  # a hostile message from a warm client

    @property
    def span_days(self) -> int:
        """Calendar days from the first frictional message to the last (0: fewer than two)."""
        dates = [r.date.date() for r, _ in self.frictional]
        return (max(dates) - min(dates)).days if dates else 0

    @property
    def turn_evidence(self) -> float | None:
        """The evidence of a turn where every other condition of one holds (a norm, frictional
        messages spanning a week, a rise over the usual strength beyond its spread), else
        ``None``: how near the recent messages come to a turn."""
        if self.norm_rate is None or self.evidence is None or len(self.frictional) < 2:
            return None
        rise = sum(s for _, s in self.recent) / len(self.recent) - (self.norm_strength or 0.0)
        lasting = self.span_days >= TURN_SPAN_DAYS
        spread = max(self.norm_spread, SPREAD_FLOOR) / math.sqrt(len(self.recent))
        beyond = rise >= MIN_RISE and rise >= BEYOND_SPREAD * spread
        return self.evidence if lasting and beyond else None

    @property
    def turn(self) -> bool:
        evidence = self.turn_evidence
        return evidence is not None and evidence >= WARNING_EVIDENCE

    @property
    def critical(self) -> bool:
        return self.turn and self.evidence is not None and self.evidence >= CRITICAL_EVIDENCE

    def records(self) -> list[Record]:
        found = {r.key: r for r, _ in self.frictional}
        if self.outburst is not None:
            found[self.outburst[0].key] = self.outburst[0]
        return sorted(found.values(), key=lambda r: r.date)


def _share(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _best_run(weights: Sequence[float]) -> int:
    """Where the run of latest messages with the most evidence in total starts (a CUSUM)."""
    best, start, total = 0.0, len(weights), 0.0
    for index in range(len(weights) - 1, -1, -1):
        total += weights[index]
        if total > best:
            best, start = total, index
    return start


def _usual_top(values: Sequence[float]) -> float:
    """The strength the client's own sharpest tenth of messages reaches."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * (1 - USUAL_SHARE)))]


def _unscored(
    in_recent: list[Record],
    scored: list[Record],
    recent: Sequence[tuple[Record, float]],
    now: datetime,
) -> int:
    """Messages without a score since the run began (or in the last RECENT_DAYS), of those
    ``in_recent``, the ``scored`` among them apart."""
    since = now - timedelta(days=RECENT_DAYS)
    if recent:
        since = min(since, recent[0][0].date)
    return len(dated_from(in_recent, since)) - len(dated_from(scored, since))


def assess(
    inbound: list[Record], now: datetime, *, scored: list[Record] | None = None
) -> NormFacts:
    """The client's recent messages against its norm, from its counted inbound messages
    (sorted by date). ``scored``: those of them with a politeness score (of any date), when the
    caller keeps them (a history asked every day of a backtest)."""
    local_start = now - timedelta(days=RECENT_LONGEST)
    # The cuts, in UTC (the records' zone), converted once for all of them.
    start, since, until = utc(local_start), utc(local_start - timedelta(days=NORM_DAYS)), utc(now)
    in_recent = dated_within(inbound, start, until)
    if scored is None:
        scored = [r for r in dated_within(inbound, since, until) if r.impoliteness is not None]
    norm = dated_between(scored, since, start)
    norm_courtesy = _share([r.courtesy is True for r in norm if r.courtesy is not None])
    courteous = norm_courtesy is not None and norm_courtesy >= COURTEOUS_RATE
    scored = dated_within(scored, start, until)
    latest = [(r, s) for r in scored if (s := strength(r, courteous=courteous)) is not None]
    norm_values = [strength(r, courteous=courteous) or 0.0 for r in norm]
    has_norm = len(norm) >= NORM_MIN
    usual_top = _usual_top(norm_values) if has_norm else 0.0
    norm_rate = _share([v >= FRICTIONAL for v in norm_values]) if has_norm else None
    weight = None
    lately = tuple(item for item in latest if item[0].date >= now - timedelta(days=RECENT_DAYS))
    recent = lately
    if norm_rate is not None and latest:
        shares = norm_shares(norm_values)
        weights = [evidence(s, shares) for _, s in latest]
        first = _best_run(weights)
        weight = sum(weights[first:])
        if first < len(latest):
            recent = tuple(latest[first:])
    found = tuple(item for item in recent if item[1] >= FRICTIONAL)
    warm = norm_rate is not None and norm_rate <= WARM_RATE
    outburst = max(
        ((r, s) for r, s in lately if warm and hostile(r, s, usual_top)),
        key=lambda i: i[1],
        default=None,
    )
    return NormFacts(
        recent=recent,
        frictional=found,
        norm_messages=len(norm),
        norm_rate=norm_rate,
        norm_strength=sum(norm_values) / len(norm_values) if has_norm else None,
        norm_spread=statistics.pstdev(norm_values) if has_norm else 0.0,
        usual_top=usual_top,
        norm_courtesy=norm_courtesy,
        unscored=_unscored(in_recent, scored, recent, now),
        evidence=weight,
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
