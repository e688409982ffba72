"""Bounds on what one message may cost: the sizes text analysis reads and a time budget.

Every text step of :mod:`monitor.core` is linear in its input, and the input is bounded here,
once, before any pattern or VADER reads it (:func:`bound_text`). Real mail never reaches these
limits (none of the public corpora's messages does); a crafted message that does is analysed
from its bounded text. The :class:`Budget` is the backstop: analysis checks it between steps, and
a message whose analysis runs past it is stored with what was computed and flagged. Pure: the
clock is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

#: A run without white space longer than this is cut: no word or real link is that long.
MAX_TOKEN_CHARS = 1000
#: A run of spaces and tabs inside a line is cut to this length.
MAX_SPACE_RUN = 1000
#: A longer line is broken into lines of this length.
MAX_LINE_CHARS = 64 * 1024
#: Language, sentiment, cues and the closing check read at most this much own text; the
#: length stored (``own_chars``) is still the whole. The longest own text in the public corpora
#: is 126,238 characters.
MAX_ANALYSED_CHARS = 128 * 1024
#: Wall-clock seconds one message may take to analyse before the rest is skipped.
ANALYSIS_BUDGET_SECONDS = 2.0
#: The note a message carries when its analysis ran past the budget.
BUDGET_NOTE = "analysis_budget"

# Each run is matched from its start only (the lookbehind), so a run is scanned once.
_LONG_TOKEN = re.compile(rf"(?<!\S)\S{{{MAX_TOKEN_CHARS + 1},}}")
_LONG_SPACE = re.compile(rf"(?<![^\S\n])[^\S\n]{{{MAX_SPACE_RUN + 1},}}")
_LONG_LINE = re.compile(rf"(?<![^\n])[^\n]{{{MAX_LINE_CHARS + 1},}}")


def _break_line(match: re.Match[str]) -> str:
    line = match.group()
    return "\n".join(line[i : i + MAX_LINE_CHARS] for i in range(0, len(line), MAX_LINE_CHARS))


def bound_text(text: str) -> str:
    """``text`` with every token, run of spaces and line within its bound; unchanged (the same
    object) when it already is, as real mail always is."""
    if len(text) <= MAX_TOKEN_CHARS:
        return text
    # str.split() splits at exactly the characters the patterns' \s matches (str.isspace):
    # its pieces are the runs without white space. Counting them in C rules both patterns out
    # for ordinary text faster than either pattern could.
    runs = text.split()
    blanks = len(text) - sum(map(len, runs))  # cutting a run leaves the white space as it was
    if max(map(len, runs), default=0) > MAX_TOKEN_CHARS:
        text = _LONG_TOKEN.sub(lambda m: m.group()[:MAX_TOKEN_CHARS], text)
    if blanks > MAX_SPACE_RUN and _LONG_SPACE.search(text):
        text = _LONG_SPACE.sub(lambda m: m.group()[:MAX_SPACE_RUN], text)
    if len(text) > MAX_LINE_CHARS and _LONG_LINE.search(text):
        text = _LONG_LINE.sub(_break_line, text)
    return text


@dataclass
class Budget:
    """Time left for one message. ``clock`` is a monotonic clock in seconds."""

    clock: Callable[[], float]
    seconds: float = ANALYSIS_BUDGET_SECONDS
    started: float = field(default=0.0)
    skipped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def spent(self) -> float:
        return self.clock() - self.started

    def exhausted(self) -> bool:
        return self.spent() > self.seconds

    def allows(self, step: str) -> bool:
        """Whether ``step`` may still run; a step refused is remembered for the note."""
        if self.exhausted():
            self.skipped.append(step)
            return False
        return True

    def note(self) -> str | None:
        """The note for the message, when the budget was exceeded."""
        if not self.exhausted() and not self.skipped:
            return None
        skipped = f"; skipped {', '.join(self.skipped)}" if self.skipped else ""
        return (
            f"{BUDGET_NOTE}: analysis took {self.spent():.1f} s, over {self.seconds:g} s{skipped}"
        )


_CURRENT: ContextVar[Budget | None] = ContextVar("relmon_budget", default=None)


@contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    """Analysis in this block checks ``budget`` between its steps."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def allows(step: str) -> bool:
    """Whether the current message's budget (if any) still allows ``step``."""
    budget = _CURRENT.get()
    return budget is None or budget.allows(step)
