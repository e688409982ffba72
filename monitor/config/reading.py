"""Reading TOML tables: typed getters that collect problems instead of raising.

Every section parser reads through a :class:`Table`; every problem lands in one :class:`Problems`
so that ``relmon config check`` reports all of them together, each under its full key. A key that
nobody asked for is reported by :meth:`Table.done`, with the closest known key as a suggestion.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from monitor.config.paths import resolve_path
from monitor.config.secrets import Secret, resolve_secret_path
from monitor.core.addresses import normalise_address

T = TypeVar("T")


class Problems:
    """Every problem found in one configuration, in the order found."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known word, or nothing."""
    hint = difflib.get_close_matches(value, list(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


class Table:
    """A TOML table being read: typed getters that record problems instead of raising."""

    def __init__(self, data: Mapping[str, object], where: str, problems: Problems) -> None:
        self.data = data
        self.where = where
        self.problems = problems
        self.used: set[str] = set()

    def qualified(self, key: str) -> str:
        """The full name of ``key`` in this table, for problems."""
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, kinds: tuple[type[T], ...], kind_name: str) -> T | None:
        self.used.add(key)
        if key not in self.data:
            return None
        value = self.data[key]
        # bool is an int in Python; do not let `true` pass as a number.
        if isinstance(value, bool) and bool not in kinds:
            self.problems.add(self.qualified(key), f"expected {kind_name}, got {value!r}")
            return None
        if not isinstance(value, kinds):
            self.problems.add(
                self.qualified(key), f"expected {kind_name}, got {type(value).__name__} {value!r}"
            )
            return None
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, (str,), "a string")
        if value is None:
            if required and key not in self.data:
                self.problems.add(self.qualified(key), "is required")
            return default
        if required and not value.strip():
            self.problems.add(self.qualified(key), "must not be empty")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, (bool,), "true or false")
        return default if value is None else value

    def integer(self, key: str, default: int, *, minimum: int | None = None) -> int:
        value = self._get(key, (int,), "a whole number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.problems.add(self.qualified(key), f"must be at least {minimum}, got {value}")
            return default
        return value

    def number(self, key: str, default: float, *, minimum: float | None = None) -> float:
        value: float | None = self._get(key, (int, float), "a number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.problems.add(self.qualified(key), f"must be at least {minimum}, got {value}")
            return default
        return float(value)

    def strings(self, key: str) -> list[str]:
        value: list[object] | None = self._get(key, (list,), "a list of strings")
        if value is None:
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                out.append(item)
            else:
                self.problems.add(
                    f"{self.qualified(key)}[{index}]", f"expected a string, got {item!r}"
                )
        return out

    def strings_or_string(self, key: str) -> list[str]:
        self.used.add(key)
        value = self.data.get(key)
        if isinstance(value, str):
            return [value]
        return self.strings(key)

    def raw(self, key: str) -> object:
        """The value as written (``None`` when absent), for values checked by their parser."""
        self.used.add(key)
        return self.data.get(key)

    def table(self, key: str) -> Table:
        value: Mapping[str, object] | None = self._get(key, (dict,), "a table")
        return Table(value or {}, self.qualified(key), self.problems)

    def has(self, key: str) -> bool:
        return key in self.data

    def tables(self, key: str) -> list[Table]:
        value: list[object] | None = self._get(key, (list,), "an array of tables ([[" + key + "]])")
        out: list[Table] = []
        for index, item in enumerate(value or []):
            where = f"{self.qualified(key)}[{index}]"
            if isinstance(item, dict):
                out.append(Table(item, where, self.problems))
            else:
                self.problems.add(where, f"expected a table, got {item!r}")
        return out

    def secret(self, key: str, base: Path | None, *, required: bool = True) -> Secret | None:
        """Read ``key_file`` / ``key_env``; refuse an inline ``key``."""
        self.used.update({key, f"{key}_file", f"{key}_env"})
        if key in self.data:
            self.problems.add(
                self.qualified(key),
                f'secrets are not accepted inline; use {key}_file = "/path" or {key}_env = "VAR"',
            )
        file_value = self.data.get(f"{key}_file")
        env_value = self.data.get(f"{key}_env")
        if file_value is None and env_value is None:
            if required:
                self.problems.add(self.qualified(key), f"give {key}_file or {key}_env")
            return None
        path: Path | None = None
        if file_value is not None:
            if not isinstance(file_value, str) or not file_value:
                self.problems.add(self.qualified(f"{key}_file"), "expected a file path")
            else:
                path = resolve_secret_path(file_value, base)
        env_name: str | None = None
        if env_value is not None:
            if isinstance(env_value, str) and env_value:
                env_name = env_value
            else:
                self.problems.add(
                    self.qualified(f"{key}_env"), "expected an environment variable name"
                )
        bare = isinstance(file_value, str) and bool(file_value) and "/" not in file_value
        return Secret(key=self.qualified(key), file=path, env=env_name, credential=bare)

    def done(self) -> None:
        """Report keys nobody asked for, with the closest known key as a suggestion."""
        for key in self.data:
            if key in self.used:
                continue
            suggestion = did_you_mean(key, sorted(self.used))
            known = ", ".join(sorted(self.used))
            self.problems.add(self.qualified(key), f"unknown key{suggestion} (known here: {known})")


def each(items: list[str], where: str, check: Callable[[str], T], problems: Problems) -> list[T]:
    """``check`` applied to every item; an item it rejects becomes a problem under its index."""
    out: list[T] = []
    for index, item in enumerate(items):
        try:
            out.append(check(item))
        except ValueError as err:
            problems.add(f"{where}[{index}]", str(err))
    return out


def one_address(table: Table, key: str, *, required: bool = False) -> str | None:
    """An email address, normalised."""
    value = table.text(key, required=required)
    if not value:
        return None
    try:
        return normalise_address(value)
    except ValueError as err:
        table.problems.add(f"{table.where}.{key}", str(err))
        return None


def choice(table: Table, key: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``; anything else is a problem and gives ``default``."""
    value = table.text(key, default) or default
    if value not in choices:
        extra = did_you_mean(value, choices)
        table.problems.add(
            f"{table.where}.{key}", f"{value!r} is not one of {', '.join(choices)}{extra}"
        )
        return default
    return value


def file_path(table: Table, key: str, base: Path | None, *, must_exist: bool = True) -> Path | None:
    """A path relative to the configuration file; one that must exist and does not is a problem."""
    raw = table.text(key)
    if not raw:
        return None
    path = resolve_path(raw, base)
    if must_exist and not path.exists():
        table.problems.add(f"{table.where}.{key}", f"no such file: {str(path)!r}")
    return path
