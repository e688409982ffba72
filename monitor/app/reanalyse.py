"""``relmon db reanalyse``: stored messages judged again after the rules changed.

Noise, own text, tone and cues are judged when mail is read. When the rules improve, the stored
judgements are re-derived from what the store keeps (see :mod:`monitor.core.rejudge` for what
that allows). What cannot be re-derived is said, with the way to get it: read the mail again
into a new database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from monitor.app.runtime import Runtime
from monitor.core.rejudge import rejudge
from monitor.log import get_logger
from monitor.store import reanalyse as stored

logger = get_logger()

RESYNC = (
    "to judge them again from the mail itself, point store.url at a new database and run "
    "relmon sync (relmon ingest for local mail): mail already stored is not read twice"
)


@dataclass(frozen=True)
class ReanalyseReport:
    tally: stored.Tally
    dry_run: bool
    snippets: bool  # privacy.store_snippets is on now

    @property
    def limits(self) -> list[str]:
        """What could not be judged again, and why, in words."""
        missing = self.tally.text_not_stored
        if not missing:
            return []
        why = (
            "privacy.store_snippets is off, so no own text is stored"
            if not self.snippets
            else "their stored snippet is shorter than their own text (privacy.snippet_chars)"
        )
        return [
            f"{missing} of {self.tally.messages} messages: own text, tone and cues not judged "
            f"again, only noise: {why}; {RESYNC}",
        ]

    def as_dict(self) -> dict[str, Any]:
        tally = self.tally
        return {
            "schema": "relmon/db-reanalyse/v1",
            "dry_run": self.dry_run,
            "messages": tally.messages,
            "text_judged": tally.text_judged,
            "text_not_stored": tally.text_not_stored,
            "changed": tally.changed,
            "skipped": tally.skipped,
            "changed_by": {group: tally.groups[group] for group in stored.GROUPS},
            "new_noise": dict(sorted(tally.new_noise.items())),
            "limits": self.limits,
        }


def reanalyse(runtime: Runtime, *, dry_run: bool = False, batch: int = 500) -> ReanalyseReport:
    """Judge every stored message again; with ``dry_run``, count what would change."""
    started = time.perf_counter()
    judge = partial(rejudge, analyzer=runtime.analyzer)
    tally = stored.reanalyse(runtime.store.engine, judge, batch=batch, dry_run=dry_run)
    report = ReanalyseReport(tally, dry_run, runtime.config.privacy.store_snippets)
    logger.info(
        "store_reanalysed",
        dry_run=dry_run,
        messages=tally.messages,
        text_judged=tally.text_judged,
        changed=tally.changed,
        new_noise=sum(tally.new_noise.values()),
        seconds=round(time.perf_counter() - started, 3),
    )
    return report
