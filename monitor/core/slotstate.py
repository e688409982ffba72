"""Pickling frozen, slotted dataclasses at the cost of their values, not of their fields.

A first sync sends every fetched message to an analysis worker and its analysed form back, and
may hold batches in a spool on the way: each object is pickled and unpickled several times.
For a frozen dataclass with slots, the ``dataclasses`` module pickles the state by calling
``fields()`` on every object, and restores it one ``object.__setattr__`` at a time, which costs
more than the values themselves. :func:`tuple_state` gives such a class a state that is the
tuple of its values in field order (the same order as the ``dataclasses`` module's list),
read in one call and written through the slots' own descriptors.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def tuple_state(cls: type[T]) -> type[T]:
    """Decorate a ``@dataclass(frozen=True, slots=True)`` class (above its ``@dataclass``) so
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
