"""Named crash points, for tests that kill relmon where a crash would hurt most.

``RELMON_CRASH_AT=outbox-claimed`` makes the process exit at once (as if killed) the first time
it reaches that point. Unset, the check costs one dictionary lookup.
"""

from __future__ import annotations

import os


def crash_point(name: str) -> None:
    if os.environ.get("RELMON_CRASH_AT") == name:
        os._exit(137)
