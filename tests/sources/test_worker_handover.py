"""What a first sync hands to its analysis workers, and what they hand back, arrives exactly as
it left: every fetched message, every analysed one, through the spool or straight to a worker."""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Mapping
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Privacy
from monitor.core.model import Message, Quarantined
from monitor.core.slotstate import layout, tuple_state
from monitor.core.text import TextAnalyzer
from monitor.sources.imap_analysis import (
    TRAVELLING,
    Analysed,
    Fetched,
    InlineAnalysis,
    Packed,
    ProcessAnalysis,
    StaleWorker,
    _start_worker,
    analyse_batch,
)
from monitor.sources.imap_behind import Spool
from monitor.sources.mime import find_header_end, parse_headers, structure_of

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def fetched_from(raw: bytes, uid: int) -> Fetched:
    """The message as an IMAP fetch gives it: header section, structure, text parts."""
    _, body_start = find_header_end(raw)
    structure = structure_of(raw, parse_headers(raw[:body_start]), body_start)
    payloads = {p.path: raw[p.start : p.end] for p in structure.text_parts() if p.start >= 0}
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return Fetched(
        uid, raw[:body_start], structure, payloads, len(raw), when, f"gm{uid}", uid % 2 == 0
    )


def round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value, protocol=5))  # noqa: S301 - pickled here


@pytest.fixture(scope="module")
def fixture_mail() -> list[Fetched]:
    files = sorted(MAIL.rglob("*.eml"))
    assert len(files) > 40  # headers, noise and own-text fixtures: many charsets, MIME shapes
    return [fetched_from(path.read_bytes(), uid) for uid, path in enumerate(files, 1)]


@pytest.fixture(scope="module")
def analysed_mail(fixture_mail: list[Fetched], analyzer: TextAnalyzer) -> list[Analysed]:
    return analyse_batch(fixture_mail, analyzer, Privacy(store_snippets=True))


def test_fetched_and_analysed_mail_is_unpickled_equal_to_what_was_pickled(
    fixture_mail: list[Fetched], analysed_mail: list[Analysed]
) -> None:
    messages = [a.result for a in analysed_mail if isinstance(a.result, Message)]
    assert any(m.text.evidence for m in messages) and any(m.to for m in messages)
    assert any(m.noise for m in messages) and any(m.text.impoliteness for m in messages)

    for original in [*fixture_mail, *analysed_mail]:
        back = round_trip(original)
        assert back == original
        assert dataclasses.astuple(back) == dataclasses.astuple(original)


def classes_within(value: object, found: set[type]) -> set[type]:
    """The dataclasses of ``value`` and of everything it holds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found.add(type(value))
        for f in dataclasses.fields(value):
            classes_within(getattr(value, f.name), found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            classes_within(item, found)
    elif isinstance(value, Mapping):
        for item in value.values():
            classes_within(item, found)
    return found


def test_every_class_a_batch_or_its_analysis_holds_is_a_travelling_one(
    fixture_mail: list[Fetched], analysed_mail: list[Analysed], analyzer: TextAnalyzer
) -> None:
    """The workers check the layout of the travelling classes: one left out of the list could
    differ between the sync process and a worker unseen."""
    headless = dataclasses.replace(fixture_mail[0], header=b"\n")
    quarantined = analyse_batch([headless], analyzer, Privacy())
    assert isinstance(quarantined[0].result, Quarantined)

    held = classes_within([*fixture_mail, *analysed_mail, *quarantined], set())

    assert held == set(TRAVELLING)


@pytest.mark.parametrize("kind", TRAVELLING)
def test_every_class_that_travels_to_a_worker_pickles_its_values_alone(kind: type) -> None:
    """Their state is the tuple of their values, not what the dataclasses module builds by
    reading every object's fields (twice the time of a first sync's handing over)."""
    getstate = kind.__getstate__  # type: ignore[attr-defined]
    assert getstate is not getattr(dataclasses, "_dataclass_getstate", None)
    assert getstate.__qualname__.startswith("tuple_state.")


def test_a_state_is_the_values_in_field_order_and_is_written_back_into_a_blank_object(
    analysed_mail: list[Analysed],
) -> None:
    message = next(a.result for a in analysed_mail if isinstance(a.result, Message) and a.result.cc)
    state = message.__getstate__()  # type: ignore[attr-defined]
    assert state == tuple(getattr(message, f.name) for f in dataclasses.fields(Message))

    blank = object.__new__(Message)
    blank.__setstate__(state)  # type: ignore[attr-defined]
    assert blank == message


@tuple_state
@dataclasses.dataclass(frozen=True, slots=True)
class Cursor:
    uid: int


def test_one_value_classes_and_short_states_are_handled() -> None:
    assert round_trip(Cursor(4711)) == Cursor(4711)
    with pytest.raises(ValueError):
        object.__new__(Message).__setstate__(("<a@b.example>",))  # type: ignore[attr-defined]


def test_tuple_state_refuses_a_class_without_slots() -> None:
    with pytest.raises(TypeError, match="slots"):

        @tuple_state
        @dataclasses.dataclass(frozen=True)
        class Loose:
            uid: int


def test_a_batch_that_waited_in_the_spool_is_analysed_by_a_worker_as_it_is_in_process(
    tmp_path: Path, fixture_mail: list[Fetched], analysed_mail: list[Analysed], analyzer
) -> None:
    spool = Spool(tmp_path)
    place = spool.put(fixture_mail)
    packed = spool.take(place)
    assert isinstance(packed, Packed) and packed.unpack() == fixture_mail

    privacy = Privacy(store_snippets=True)
    workers = ProcessAnalysis(1)
    try:
        from_spool = workers.submit(packed, privacy).result(timeout=120)
        straight = workers.submit(fixture_mail, privacy).result(timeout=120)
    finally:
        workers.close()
        spool.close()

    assert from_spool == straight == analysed_mail
    assert InlineAnalysis(analyzer).submit(packed, privacy).result() == analysed_mail


def cursor_class(*names: str) -> type:
    """A class named Cursor with ``names`` as its fields, in that order."""
    return dataclasses.make_dataclass("Cursor", [(n, int) for n in names], frozen=True, slots=True)


def test_a_layout_changes_when_a_field_is_added_dropped_or_moved() -> None:
    """A state names no field: the same values read into a class whose fields moved would land
    in the wrong ones, so the layout tells the two apart."""
    before = layout([cursor_class("uid", "uidvalidity")])

    assert layout([cursor_class("uid", "uidvalidity")]) == before
    assert layout([cursor_class("uidvalidity", "uid")]) != before
    assert layout([cursor_class("uid")]) != before
    assert layout([cursor_class("uid", "uidvalidity", "modseq")]) != before


def test_a_worker_with_other_code_than_the_sync_process_refuses_to_start() -> None:
    with pytest.raises(StaleWorker, match="restart relmon"):
        _start_worker({}, os.getpid(), expected="0123456789abcdef")


def test_a_pool_of_workers_with_other_code_analyses_nothing(
    fixture_mail: list[Fetched],
) -> None:
    """GIVEN workers whose classes are laid out otherwise than the sync process's (relmon
    upgraded on disk while the daemon runs)
    WHEN a batch is handed to them
    THEN the pool breaks before any worker reads it, which sends the pass on in-process."""
    workers = ProcessAnalysis(1, expected="0123456789abcdef")
    try:
        assert not workers.refused
        future = workers.submit(fixture_mail[:3], Privacy())
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=120)
        assert workers.refused  # the sync process knows why: a restart is needed
    finally:
        workers.close()
