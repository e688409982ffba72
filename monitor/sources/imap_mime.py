"""IMAP ``BODYSTRUCTURE`` to :class:`~monitor.sources.mime.Structure`, so that mail read over
IMAP is normalised by exactly the code that reads local mail.

Pure: takes the nested tuples imapclient parses the response into, returns data. Section numbers
follow RFC 3501 §6.4.5 (a single-part message's body is section ``1``; the children of a
multipart are ``N.1``, ``N.2`` …), as :mod:`monitor.sources.mime` numbers local mail.
A ``message/rfc822`` part is a leaf here, as it is for local mail: a forwarded message's text is
not the sender's own text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.sources.mime import MAX_DEPTH, MAX_PARTS, Part, Structure


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return None


def _params(value: Any) -> dict[str, str]:
    """``("CHARSET" "utf-8" "NAME" "x.pdf")`` as a dict with lower-case keys."""
    found: dict[str, str] = {}
    if not isinstance(value, tuple | list):
        return found
    items = list(value)
    for index in range(0, len(items) - 1, 2):
        key, item = _text(items[index]), _text(items[index + 1])
        if key is not None and item is not None:
            found.setdefault(key.lower().rstrip("*"), item)
    return found


def _disposition(value: Any) -> tuple[str | None, dict[str, str]]:
    """``("attachment" ("FILENAME" "x.pdf"))`` as (kind, parameters)."""
    if not isinstance(value, tuple | list) or not value:
        return None, {}
    kind = _text(value[0])
    return (kind.lower() if kind else None), _params(value[1] if len(value) > 1 else None)


def _number(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(_text(value) or 0)
    except ValueError:
        return 0


def _leaf(body: Sequence[Any], path: str) -> Part:
    main = (_text(body[0]) or "text").lower()
    sub = (_text(body[1]) or "plain").lower() if len(body) > 1 else "plain"
    content_type = f"{main}/{sub}"
    params = _params(body[2] if len(body) > 2 else None)
    encoding = (_text(body[5]) if len(body) > 5 else None) or "7bit"
    size = _number(body[6]) if len(body) > 6 else 0
    # Extension data follows the basic fields; where depends on the type (RFC 3501 §7.4.2):
    # text/* has a line count, message/rfc822 an envelope, a body and a line count.
    if main == "text":
        extension = 8
    elif content_type == "message/rfc822":
        extension = 10
    else:
        extension = 7
    disposition, disposition_params = _disposition(
        body[extension + 1] if len(body) > extension + 1 else None
    )
    filename = disposition_params.get("filename") or params.get("name")
    charset = params.get("charset")
    method = params.get("method")
    return Part(
        path=path,
        content_type=content_type,
        charset=charset.strip().lower() if charset else None,
        encoding=encoding.strip().lower(),
        disposition=disposition,
        filename=filename or None,
        size=size,
        method=method.upper() if method else None,
    )


def _is_multipart(body: Any) -> bool:
    return isinstance(body, tuple | list) and len(body) > 0 and isinstance(body[0], list)


def _walk(body: Any, path: str, depth: int, structure: Structure) -> None:
    if not isinstance(body, tuple | list) or not body:
        structure.notes.append(f"unreadable BODYSTRUCTURE at part {path or '1'}")
        return
    if _is_multipart(body):
        subtype = (_text(body[1]) or "mixed").lower() if len(body) > 1 else "mixed"
        if subtype == "report" and structure.report_type is None:
            report = _params(body[2] if len(body) > 2 else None).get("report-type")
            structure.report_type = report.lower() if report else None
        if depth >= MAX_DEPTH:
            structure.notes.append(
                f"MIME nesting deeper than {MAX_DEPTH} levels at part {path or '1'}; inner parts ignored"
            )
            return
        for number, child in enumerate(body[0], 1):
            if len(structure.parts) >= MAX_PARTS:
                structure.notes.append(f"more than {MAX_PARTS} MIME parts; the rest ignored")
                return
            _walk(child, f"{path}.{number}" if path else str(number), depth + 1, structure)
        return
    structure.parts.append(_leaf(body, path or "1"))


def structure_from_bodystructure(body: Any) -> Structure:
    """The MIME tree of a message from its parsed ``BODYSTRUCTURE``."""
    if _is_multipart(body):
        subtype = (_text(body[1]) or "mixed").lower() if len(body) > 1 else "mixed"
        structure = Structure(content_type=f"multipart/{subtype}")
    elif isinstance(body, tuple | list) and len(body) > 1:
        structure = Structure(
            content_type=f"{(_text(body[0]) or 'text').lower()}/{(_text(body[1]) or 'plain').lower()}"
        )
    else:
        structure = Structure()
    _walk(body, "", 0, structure)
    return structure
