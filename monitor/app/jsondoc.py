"""``docs/json.md``'s field tables, generated from the row types in :mod:`monitor.app.rows`.

A table in the page sits between ``<!-- fields: ClassName -->`` and ``<!-- end fields -->``;
everything else on the page is written by hand. Regenerate after changing a row type::

    python -m monitor.app.jsondoc docs/json.md

``--check`` exits 1 when the page is out of date (a test runs it).
"""

from __future__ import annotations

import re
import sys
import types
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from monitor.app import rows
from monitor.app.rows import Doc

BLOCK = re.compile(r"(<!-- fields: (\w+) -->\n)(.*?)(<!-- end fields -->)", re.S)
_SCALARS: dict[object, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    datetime: "instant",
    date: "date",
}
_NAMED = {"MessageRef": "message reference", "GapStatsRow": "gap stats"}


def _alternatives(hint: object) -> list[str]:
    if get_origin(hint) is Literal:
        return [f'`"{value}"`' for value in get_args(hint)]
    return [type_name(hint)]


def type_name(hint: object) -> str:
    """How the page names a field's type: ``message reference or null``, ``list of strings``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, types.UnionType, Literal):
        present = [hint] if origin is Literal else [a for a in args if a is not type(None)]
        names = [name for arg in present for name in _alternatives(arg)]
        if origin is not Literal and len(present) < len(args):
            names.append("null")
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    if origin is list:
        return "list of strings" if args == (str,) else "list"
    if origin is dict:
        return "object"
    if isinstance(hint, type) and is_typeddict(hint):
        return _NAMED.get(hint.__name__, "object")
    return _SCALARS[hint]


def _fields(name: str) -> list[tuple[str, str, str]]:
    """(field, type, meaning) of the class's own documented fields, in output order."""
    cls = getattr(rows, name)
    hints = get_type_hints(cls, include_extras=True)
    # A TypedDict forgets its bases; the largest row type whose keys it extends is its base,
    # documented on its own (ClientDetail is HealthRow plus four fields).
    bases = [
        set(get_type_hints(other))
        for other in vars(rows).values()
        if isinstance(other, type) and is_typeddict(other) and other is not cls
    ]
    inherited = max((keys for keys in bases if keys < set(hints)), key=len, default=set())
    found = []
    for field, hint in hints.items():
        if field in inherited:
            continue
        docs = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Doc)]
        if not docs:
            raise ValueError(f"{name}.{field} has no Doc: say what it means for docs/json.md")
        found.append((field, docs[0].type or type_name(hint), docs[0].meaning))
    return found


def table(name: str) -> str:
    """The markdown table of one row type; neighbouring fields alike in type and meaning share
    a line (``name``, ``owner`` | string | as configured)."""
    groups: list[tuple[list[str], str, str]] = []
    for field, kind, meaning in _fields(name):
        if groups and groups[-1][1:] == (kind, meaning):
            groups[-1][0].append(field)
        else:
            groups.append(([field], kind, meaning))
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for names, kind, meaning in groups:
        fields = ", ".join(f"`{n}`" for n in names)
        lines.append(f"| {fields} | {kind} | {meaning} |".replace("|  |", "| |"))
    return "\n".join(lines) + "\n"


def render(page: str) -> str:
    """The page with every marked table regenerated."""
    return BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), page)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    path = Path(next((a for a in argv if not a.startswith("--")), "docs/json.md"))
    page = path.read_text(encoding="utf-8")
    fresh = render(page)
    if fresh == page:
        return 0
    if check:
        print(f"{path} is out of date: run python -m monitor.app.jsondoc {path}", file=sys.stderr)
        return 1
    path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
