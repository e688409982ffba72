"""An alert whose client has another owner now: handed over to them (see
:func:`monitor.core.alerts.hand_over`), unless the owner is the same person under another of
their addresses."""

from __future__ import annotations

from collections.abc import Callable

from monitor.alerts.model import Condition, StoredAlert
from monitor.core.alerts import AlertView

#: Whether two owners are one person (an address and its alias are).
SameOwner = Callable[[str, str], bool]


def same_address(first: str, second: str) -> bool:
    return first.casefold() == second.casefold()


def handed_over(
    previous: StoredAlert | None, view: AlertView, condition: Condition, same_owner: SameOwner
) -> bool:
    """Whether a client's alert that stays active belongs to another person now. An account's
    alert is not handed over: its "owner" is the list of operators, and a list reordered or
    grown is not a new person to tell of an old alert."""
    return (
        previous is not None
        and previous.client is not None
        and previous.state.active
        and view.state.active
        and condition.severity is not None
        and not same_owner(condition.owner, previous.owner)
    )
