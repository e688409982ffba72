"""``[privacy]``: what is stored of each message, what is never looked at, how long it is kept."""

from __future__ import annotations

import re

from monitor.config.model import Privacy
from monitor.config.reading import Problems, Table


def parse_privacy(root: Table, problems: Problems) -> Privacy:
    privacy_t = root.table("privacy")
    subjects = privacy_t.strings("exclude_subjects")
    for index, pattern in enumerate(subjects):
        try:
            re.compile(pattern)
        except re.error as err:
            problems.add(
                f"privacy.exclude_subjects[{index}]", f"not a valid regular expression: {err}"
            )
    privacy = Privacy(
        store_snippets=privacy_t.flag("store_snippets", False),
        snippet_chars=privacy_t.integer("snippet_chars", 200, minimum=1),
        exclude_folders=tuple(privacy_t.strings("exclude_folders")),
        exclude_addresses=tuple(a.casefold() for a in privacy_t.strings("exclude_addresses")),
        exclude_subjects=tuple(subjects),
        retention_days=privacy_t.integer("retention_days", 0, minimum=0),
    )
    privacy_t.done()
    return privacy
