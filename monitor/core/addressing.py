"""Addressed to us: whether an inbound message that asks for something waits for *our* reply.

A message waits for our reply only when one of us is a direct recipient in ``To:``. Mail sent to
a mailing list or distribution group (ours or the client's), mail that only copies us, and mail
where none of us is named at all (we got it through a list or as Bcc) counts as contact with the
client but never as waiting for us.

A list is recognised by its address, listed in ``team.lists``: many lists (Exchange distribution
groups, aliases, Google Groups set to rewrite nothing) add no list headers at all. Mail that does
carry list headers (``List-Id``, ``List-Post``, ``Precedence: list``) is list mail and already
noise (:mod:`monitor.core.noise`).

Who is us and which addresses are lists is configuration, so the reason is worked out from the
stored recipients when messages are read: adding a list address re-judges stored mail at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from monitor.core.addresses import Directory


class ReplyReason(StrEnum):
    """Why an inbound message waits for no reply from us although it asks for one."""

    NOT_ADDRESSED_TO_US = "not_addressed_to_us"  # none of us in To or Cc: a list, or Bcc
    CC_ONLY = "cc_only"  # we are only copied in
    TO_A_LIST = "to_a_list"  # sent to a list address, none of us named directly in To


def why_not_for_us(
    to: Iterable[str], cc: Iterable[str], directory: Directory
) -> ReplyReason | None:
    """``None`` when one of us is a direct recipient in To; otherwise why the message is not
    waiting for us."""
    to_list = False
    for address in to:
        if directory.is_list(address):
            to_list = True
        elif directory.is_us(address):
            return None
    if to_list:
        return ReplyReason.TO_A_LIST
    if any(directory.is_us(a) and not directory.is_list(a) for a in cc):
        return ReplyReason.CC_ONLY
    return ReplyReason.NOT_ADDRESSED_TO_US
