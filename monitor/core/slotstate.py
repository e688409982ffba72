"""Pickling slotted dataclasses at the cost of their values, not of their fields.

A first sync sends every fetched message to an analysis worker and its analysed form back, and
may hold batches in a spool on the way: each object is pickled and unpickled several times. For
a dataclass with slots (frozen or not), the ``dataclasses`` module pickles the state by calling
``fields()`` on every object, and restores it one ``object.__setattr__`` at a time, which costs
more than the values themselves. :func:`tuple_state` gives such a class a state that is the
tuple of its values in field order (the same order as the ``dataclasses`` module's list), read
in one call and written through the slots' own descriptors.

Such a state names no field: the process that reads it must have the classes of the process
that wrote it. :func:`layout` is what two processes compare to be sure of that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def tuple_state(cls: type[T]) -> type[T]:
    """Decorate a ``@dataclass(slots=True)`` class, frozen or not (above its ``@dataclass``), so
    its pickled state is the tuple of its field values."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    if not names or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__}: tuple_state needs a dataclass with slots and fields")
    read = operator.attrgetter(*names)
    slots: tuple[Callable[[Any, Any], None], ...] = tuple(vars(cls)[n].__set__ for n in names)

    if len(names) == 1:

        def getstate(self: object) -> tuple[Any, ...]:
            return (read(self),)

    else:

        def getstate(self: object) -> tuple[Any, ...]:
            values: tuple[Any, ...] = read(self)
            return values

    def setstate(self: object, state: Sequence[Any]) -> None:
        for write, value in zip(slots, state, strict=True):
            write(self, value)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 - a method set on a class built already
    setattr(cls, "__setstate__", setstate)  # noqa: B010
    return cls


def layout(classes: Iterable[type]) -> str:
    """A digest of ``classes``: their names and their fields in order. A process unpickling
    what another pickled reads each value into the field at its place, so a field added,
    dropped or moved between them (code upgraded on disk while the other runs) would put
    values into the wrong fields; two processes with the same layout cannot."""
    described = "\n".join(
        f"{kind.__module__}.{kind.__qualname__}:"
        + ",".join(f.name for f in dataclasses.fields(kind))
        for kind in classes
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]
