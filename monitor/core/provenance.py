"""Whether our own mail server vouches for a message's sender: the second proof, beside a Sent
folder, that a message From: one of us is ours (a From: header alone proves nothing).

The proof is an ``Authentication-Results`` header field (RFC 8601) written by a server we trust,
named by its authserv-id (``[team] trusted_authserv_ids``), that says ``dmarc=pass`` with
``header.from`` in the sender's domain, or ``dkim=pass`` with ``header.d`` (or the domain of
``header.i``) aligned with it. Only what our server wrote counts:

- the header is read from the top (trace fields are prepended, so the top is the last hop: our
  side), and only the *topmost* Authentication-Results with a trusted authserv-id is read: one a
  forger placed in the message before it reached us lies below it, and a ``fail`` there is not
  rescued by a ``pass`` further down;
- reading stops at the first ``Received`` field written by a host that is not ours (its ``by``
  names neither a trusted authserv-id nor a host of that domain): below it, everything came from
  outside, whatever authserv-id it claims.

Assumed of the configured server, as RFC 8601 section 5 requires and Gmail, Postfix with
OpenDMARC/OpenDKIM or authentication_milter do: it writes Authentication-Results on every
message it receives, and removes (or never lets through) instances claiming its own authserv-id
that arrived from outside. Microsoft 365 writes Authentication-Results without an authserv-id, so
it cannot be named here (see the README).

Bounded: at most :data:`MAX_TRACE_FIELDS` fields of at most :data:`MAX_FIELD_CHARS` characters
are read, with linear scans only (no regular expression).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Trace fields kept from the top of a header section, and the characters kept of each.
MAX_TRACE_FIELDS = 24
MAX_FIELD_CHARS = 3072
#: The header fields that record a message's way in, as kept for provenance (lower-case).
TRACE_NAMES = frozenset({"received", "authentication-results"})

Trace = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Result:
    """One ``method=result`` of an Authentication-Results field, with its properties."""

    method: str
    result: str
    properties: dict[str, str]


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str
    results: tuple[Result, ...]


def without_comments(text: str) -> str:
    """``text`` with RFC 5322 comments (nested parentheses) removed; quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in text[:MAX_FIELD_CHARS]:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            out.append(char)
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(char)
            quoted = char == '"'
    return " ".join("".join(out).split())  # unfolded, runs of white space made one space


def _tight(text: str) -> str:
    """``a = b`` -> ``a=b`` (CFWS may surround ``=``); ``text`` has single spaces only."""
    return text.replace(" =", "=").replace("= ", "=")


def _result(piece: str) -> Result | None:
    tokens = _tight(piece).split(" ")
    method, sep, result = tokens[0].partition("=")
    if not sep or not method or not result:
        return None
    properties: dict[str, str] = {}
    for token in tokens[1:]:
        name, sep, value = token.partition("=")
        if sep and "." in name:
            properties.setdefault(name.casefold(), value.strip('"').casefold())
    return Result(method.split("/", 1)[0].casefold(), result.casefold(), properties)


def parse_authentication_results(value: str) -> AuthResults | None:
    """An Authentication-Results field value, parsed; ``None`` without an authserv-id (as
    Microsoft 365 writes it) or when it is not one."""
    pieces = [p.strip() for p in without_comments(value).split(";")]
    head = pieces[0].split(" ") if pieces and pieces[0] else []
    if not head or "=" in head[0]:
        return None
    results = tuple(r for r in (_result(p) for p in pieces[1:] if p) if r is not None)
    return AuthResults(head[0].strip('"').casefold().rstrip("."), results)


def received_by(value: str) -> str | None:
    """The host named after ``by`` in a Received field; ``None`` when it names none or only an
    address (Gmail's internal hops are ``by 2002:a05:...``)."""
    tokens = without_comments(value).split(" ")
    for index, token in enumerate(tokens[:-1]):
        if token.casefold() == "by":
            host = tokens[index + 1].casefold().rstrip(".;")
            if host.startswith("[") or ":" in host or host.replace(".", "").isdigit():
                return None
            return host or None
    return None


def _parent(host: str) -> str:
    labels = host.split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else host


def _our_host(host: str, trusted: frozenset[str]) -> bool:
    for server in trusted:
        parent = _parent(server)
        if host in (server, parent) or host.endswith("." + parent):
            return True
    return False


def trusted_stamp(trace: Sequence[tuple[str, str]], trusted: frozenset[str]) -> AuthResults | None:
    """The Authentication-Results our server wrote: the topmost with a trusted authserv-id,
    above any Received field written by a host not ours."""
    if not trusted:
        return None
    for name, value in trace[:MAX_TRACE_FIELDS]:
        if name == "received":
            host = received_by(value)
            if host is not None and not _our_host(host, trusted):
                return None
        elif name == "authentication-results":
            stamp = parse_authentication_results(value)
            if stamp is not None and stamp.authserv_id in trusted:
                return stamp
    return None


def _aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed alignment (DMARC): one domain is the other or a subdomain of it."""
    if not domain:
        return False
    return (
        domain == sender_domain
        or sender_domain.endswith("." + domain)
        or domain.endswith("." + sender_domain)
    )


def authenticated_domains(stamp: AuthResults) -> list[str]:
    """The domains a stamp says passed: DMARC's ``header.from``, DKIM's ``header.d`` and the
    domain of ``header.i``."""
    found: list[str] = []
    for result in stamp.results:
        if result.result != "pass":
            continue
        if result.method == "dmarc":
            found.append(result.properties.get("header.from", ""))
        elif result.method == "dkim":
            found.append(result.properties.get("header.d", ""))
            found.append(result.properties.get("header.i", "").rpartition("@")[2])
    return [d.rstrip(".") for d in found if d]


def _within(domain: str, owned: Iterable[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in owned)


def server_vouches(
    trace: Sequence[tuple[str, str]],
    sender: str,
    trusted: frozenset[str],
    ours: Iterable[str],
) -> bool:
    """Whether our server's Authentication-Results authenticate ``sender``: DMARC or DKIM
    passed for a domain that is ours (``ours``: the team's domains, never a free-mail one, where
    a pass proves the domain and not the person) and aligned with the From address."""
    stamp = trusted_stamp(trace, trusted)
    if stamp is None:
        return False
    sender_domain = sender.rpartition("@")[2].casefold()
    owned = tuple(ours)
    return any(
        _aligned(domain, sender_domain) and _within(domain, owned)
        for domain in authenticated_domains(stamp)
    )


def keep_trace(fields: Iterable[tuple[str, str]]) -> Trace:
    """The trace fields of a header section in order, top first, bounded: what
    :func:`server_vouches` reads. ``fields``: (name, value) as they appear."""
    kept: list[tuple[str, str]] = []
    for name, value in fields:
        lowered = name.casefold()
        if lowered in TRACE_NAMES:
            kept.append((lowered, str(value)[:MAX_FIELD_CHARS]))
            if len(kept) >= MAX_TRACE_FIELDS:
                break
    return tuple(kept)
