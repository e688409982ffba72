"""The daemon's sense of time, in one injectable object: tests step it instead of sleeping."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from monitor.clock import utcnow


@dataclass(frozen=True)
class Clock:
    """``now``: aware UTC, what jobs are stamped with and scheduled by; ``monotonic``: durations
    and the watchdog's heartbeat; ``wall``: epoch seconds, as metrics expose them; ``jitter``:
    a random factor between its two bounds, spreading retries."""

    now: Callable[[], datetime] = utcnow
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    jitter: Callable[[float, float], float] = random.uniform
