"""The rows :mod:`monitor.app.views` answers with: what tables print and ``--json`` emits.

They are TypedDicts, so the JSON output is exactly these dicts in this key order, and mypy checks
every key a command reads. The documented ones carry their meaning in a :class:`Doc`, and
``docs/json.md``'s tables are generated from them (:mod:`monitor.app.jsondoc`; a test fails when
the page is out of date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, NotRequired, TypedDict


@dataclass(frozen=True)
class Doc:
    """A field's meaning in ``docs/json.md``; ``type`` overrides the type named from the hint."""

    meaning: str = ""
    type: str | None = None


#: Detector figures: kind-specific numbers, as the detectors wrote them (raw JSON).
Figures = dict[str, Any]

MessageRef = TypedDict(
    "MessageRef",
    {
        "key": Annotated[
            str,
            Doc(
                "relmon's identity of the message: its Message-ID without `<>`, or `sha256:…` "
                "when it has none"
            ),
        ],
        "date": Annotated[
            datetime,
            Doc(
                "the message's date (the Date header, or the delivery time when that was "
                "missing or impossible)"
            ),
        ],
        "from": Annotated[str, Doc("sender address")],
        "subject": Annotated[str, Doc("decoded subject")],
    },
)


class AwaitingMessage(MessageRef):
    age_seconds: int
    business_seconds: int


class ClientRow(TypedDict):
    """``relmon clients --json``: one entry per configured client."""

    name: Annotated[str, Doc("as configured")]
    owner: Annotated[str, Doc("as configured")]
    domains: Annotated[list[str], Doc("as configured")]
    addresses: Annotated[list[str], Doc("as configured")]
    inbound: Annotated[
        int, Doc("client → us and us → client messages up to `as_of`, noise excluded")
    ]
    outbound: Annotated[
        int, Doc("client → us and us → client messages up to `as_of`, noise excluded")
    ]
    noise: Annotated[
        int,
        Doc("the client's noise (auto-replies, newsletters, bounces, receipts, calendar replies)"),
    ]
    last_inbound: Annotated[MessageRef | None, Doc("the newest message each way")]
    last_outbound: Annotated[MessageRef | None, Doc("the newest message each way")]
    waiting_on: Annotated[
        Literal["us", "client"] | None,
        Doc(
            '`"us"` when a client message awaits our reply; `"client"` when our message is '
            "the newest"
        ),
    ]
    awaiting: Annotated[
        list[AwaitingMessage],
        Doc(
            "client messages that need a reply and have none from us in their conversation: "
            "message reference plus `age_seconds` (wall-clock) and `business_seconds` (the "
            "team's working time, owner's absence excluded), oldest first"
        ),
    ]
    working_day_hours: Annotated[
        float,
        Doc("the length of one of the team's working days: the unit working time is told in"),
    ]


class SuggestionRow(TypedDict):
    """``relmon clients suggest --json``: an unassigned correspondent."""

    name: Annotated[str, Doc("an external domain, or an address for free-mail senders")]
    kind: Annotated[Literal["domain", "address"], Doc()]
    inbound: Annotated[int, Doc("messages from them to us, and from us to them (noise excluded)")]
    outbound: Annotated[int, Doc("messages from them to us, and from us to them (noise excluded)")]
    two_way: Annotated[int, Doc("`min(inbound, outbound)`: the ranking key")]
    people: Annotated[list[str], Doc("the addresses seen")]
    first: Annotated[datetime | None, Doc("first and last message", type="instant")]
    last: Annotated[datetime | None, Doc("first and last message", type="instant")]


class GapStatsRow(TypedDict):
    count: int
    median_business_hours: float | None
    p90_business_hours: float | None
    median_wall_hours: float | None
    p90_wall_hours: float | None


class TrendPoint(TypedDict):
    date: date
    health: int | None
    sentiment_30d: float | None


class PatternRow(TypedDict):
    name: str
    advice: str
    reasons: list[str]


class AwaitingSummary(TypedDict):
    count: int
    oldest_business_hours: float | None
    oldest_age_seconds: int | None
    oldest_working_days: float | None
    oldest_text: str | None


class CadenceRow(TypedDict):
    days: float | None
    source: str
    samples: int


class SentimentRow(TypedDict):
    mean_30d: float | None
    scored_30d: int
    mean_90d: float | None
    scored_90d: int
    unscored_30d: int
    trend: float | None


class FindingRow(TypedDict):
    kind: str
    severity: str | None
    explanation: str
    figures: Figures
    evidence: NotRequired[list[MessageRef | None]]


_GAPS_OURS = "our reply gaps that started in the window (open ones at their current age)"
_GAPS_THEIRS = "the client's reply gaps (answered ones)"


class HealthRow(TypedDict):
    """``relmon health --json``: one entry per configured client."""

    name: Annotated[str, Doc()]
    owner: Annotated[str, Doc()]
    as_of: Annotated[
        datetime,
        Doc(
            "the instant this row describes: the document's `as_of`, or, asked about now, "
            "relmon's last evaluation of the client when nothing that changes it happened since",
            type="instant",
        ),
    ]
    health: Annotated[
        int | None,
        Doc("null: too little history (fewer than three messages)", type="integer 0–100 or null"),
    ]
    components: Annotated[
        dict[str, int | None],
        Doc(
            "`responsiveness`, `engagement`, `sentiment`, `pressure`, `balance`: integer 0–100 "
            "or null when it cannot be computed"
        ),
    ]
    trend: Annotated[
        list[TrendPoint],
        Doc(
            "the last 30 days, oldest first: `date` (team-local), `health`, `sentiment_30d` "
            "(the 30-day mean as it stood that day)"
        ),
    ]
    pattern: Annotated[
        PatternRow,
        Doc(
            "`name` (`laissez-faire`, `micromanager`, `in-the-dark`, `savvy`, `unknown`), "
            "`advice`, `reasons` (list of strings)"
        ),
    ]
    last_inbound: Annotated[MessageRef | None, Doc()]
    last_outbound: Annotated[MessageRef | None, Doc()]
    awaiting: Annotated[
        AwaitingSummary,
        Doc(
            "`count`, `oldest_business_hours`, `oldest_age_seconds` (calendar time), "
            "`oldest_working_days` (in days of `working_day_hours`), `oldest_text` (both "
            'clocks in words, as the terminal prints it: "3.9 working days (4 days)"); '
            "null when nothing waits"
        ),
    ]
    working_day_hours: Annotated[
        float,
        Doc(
            "the length of one of the team's working days (from `team.working_hours`): the "
            "unit of every `working_days` figure"
        ),
    ]
    reply_gap_30d: Annotated[GapStatsRow, Doc(_GAPS_OURS)]
    reply_gap_90d: Annotated[GapStatsRow, Doc(_GAPS_OURS)]
    client_reply_gap_30d: Annotated[GapStatsRow, Doc(_GAPS_THEIRS)]
    client_reply_gap_90d: Annotated[GapStatsRow, Doc(_GAPS_THEIRS)]
    cadence: Annotated[
        CadenceRow,
        Doc(
            "`days` (number or null: unknown), `source` (`learned`, `configured`, `unknown`), "
            "`samples`"
        ),
    ]
    silent_days: Annotated[
        float | None, Doc("days since the client last wrote (its contact's absence excluded)")
    ]
    away_until: Annotated[
        date | None,
        Doc("the client's contact is away until then (silence and check-in clocks paused)"),
    ]
    sentiment: Annotated[
        SentimentRow,
        Doc(
            "the client's tone, read as business mail (words that describe work, such as "
            '"error" or "fails", carry no feeling): '
            "`mean_30d`, `mean_90d` (number or null: nothing scored), `scored_30d`, "
            "`scored_90d`, `unscored_30d` (messages in languages VADER does not read), `trend` "
            "(30-day mean minus the mean of the 90 days before)"
        ),
    ]
    alerts: Annotated[
        list[FindingRow],
        Doc(
            "alerts that would be open: `kind`, `severity` (`warning` or `critical`), "
            "`explanation`, `figures`"
        ),
    ]


class AlertsFreshness(TypedDict):
    """``relmon alerts --json``'s ``evaluated``: whether the stored alerts reflect the stored mail."""

    at: datetime | None
    newest_mail_stored_at: datetime | None
    stale: bool
    would_fire: int | None


class TimelineEntry(MessageRef):
    direction: str
    noise: str | None
    sentiment: float | None
    tone: float | None  # read as business mail: the tone relmon measures
    language: str | None
    needs_reply: bool
    reply_reason: str | None
    reply_gap_business_hours: float | None
    reply_gap_wall_hours: float | None  # the same gap in calendar time
    answered: bool | None
    client_reply_gap_business_hours: float | None
    cues: list[str]


class SentimentEvidence(TypedDict):
    message: MessageRef
    sentence: int
    compound: float
    text: str | None


class FrictionEvidence(TypedDict):
    message: MessageRef
    strength: float
    impoliteness: float | None
    curtness: float | None
    tone: float | None
    courtesy: bool | None
    evidence: str | None


class ClientDetail(HealthRow):
    """``relmon client NAME --json``: the client's health entry plus these."""

    timeline: Annotated[
        list[TimelineEntry],
        Doc(
            "recent messages, newest first: message reference plus `direction`, `noise`, "
            "`sentiment` (VADER's), `tone` (read as business mail, as every tone figure is), "
            "`language`, `needs_reply`, `reply_reason` (why a client message that "
            "asks for something waits for no reply from us: `not_addressed_to_us`, `cc_only`, "
            "`to_a_list`; null otherwise), `reply_gap_business_hours`, `reply_gap_wall_hours` "
            "(the same gap in calendar time) and `answered` "
            "(for client messages that needed a reply), `client_reply_gap_business_hours`, "
            "`cues`"
        ),
    ]
    findings: Annotated[
        list[FindingRow],
        Doc(
            "all five kinds, firing or not: `kind`, `severity` (null when all is well), "
            "`explanation`, `figures` (kind-specific numbers), `evidence` (message references)"
        ),
    ]
    sentiment_evidence: Annotated[
        list[SentimentEvidence],
        Doc(
            "sentences that moved the tone: `message` (reference), `sentence` (its index in "
            'the own text, counted from 0: `relmon client` says "sentence 1" of index 0), '
            "`compound`, `text` (null unless `privacy.store_snippets`)"
        ),
    ]
    friction_evidence: Annotated[
        list[FrictionEvidence],
        Doc(
            "the client's recent English messages (14 days) that read as curt or impolite, "
            "as the friction alert judges them: `message` (reference), `strength` (0–1), "
            "`impoliteness` (politeness model), `curtness`, `tone` (work words at no valence), "
            "`courtesy` (greets or thanks), `evidence` (the strongest curt cue's term; its "
            "excerpt only with `privacy.store_snippets`)"
        ),
    ]
    advice_common: Annotated[
        str, Doc("the expectation-management advice that applies to every client")
    ]


class FiredRow(TypedDict):
    date: date
    kind: str
    severity: str
    event: str
    explanation: str


class BacktestClient(TypedDict):
    name: str
    alerts: dict[str, int]
    fired: list[FiredRow]


class BacktestTotals(TypedDict):
    alerts: int
    per_client_per_month: float


class BacktestResult(TypedDict):
    """``relmon backtest --json``."""

    since: Annotated[datetime, Doc("first and last replayed day ends")]
    until: Annotated[datetime, Doc("first and last replayed day ends")]
    days: Annotated[int, Doc("days replayed")]
    clients: Annotated[
        list[BacktestClient],
        Doc(
            "per client: `name`, `alerts` (count per kind: `silence`, `checkin_due`, "
            "`unanswered`, `friction`, `micromanagement`), `fired` (list of `date`, `kind`, "
            "`severity`, `event` (`opened`, `reopened`, `worsened`, `snooze_ended`), "
            "`explanation`)"
        ),
    ]
    totals: Annotated[BacktestTotals, Doc("`alerts`, `per_client_per_month`")]
