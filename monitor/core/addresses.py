"""Who is who: us, clients, and everyone else; and the direction of a message.

A contact address matches before a domain; subdomains match their domain (``eu.acme.com`` is
Acme's when ``acme.com`` is); free-mail domains never match by domain, only by address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from monitor.core.model import Direction, Mailbox, Message
from monitor.core.provenance import server_vouches

# Domains where anybody can have an address: a client is never recognised by these.
FREEMAIL_DOMAINS: frozenset[str] = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de live.com
    live.co.uk live.fr msn.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.co.jp
    ymail.com rocketmail.com aol.com aim.com icloud.com me.com mac.com proton.me protonmail.com
    pm.me tutanota.com tuta.io zoho.com zohomail.com fastmail.com fastmail.fm hey.com mail.com
    email.com gmx.com gmx.net gmx.de gmx.at gmx.ch web.de t-online.de freenet.de posteo.de
    mailbox.org arcor.de orange.fr wanadoo.fr free.fr laposte.net sfr.fr libero.it virgilio.it
    tiscali.it alice.it terra.es telefonica.net btinternet.com sky.com virginmedia.com
    talktalk.net ntlworld.com comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net
    charter.net earthlink.net juno.com shaw.ca rogers.com sympatico.ca bigpond.com
    optusnet.com.au xtra.co.nz mail.ru inbox.ru list.ru bk.ru yandex.ru yandex.com ya.ru
    rambler.ru ukr.net seznam.cz centrum.cz wp.pl o2.pl interia.pl onet.pl bluewin.ch
    hispeed.ch luukku.com kolumbus.fi suomi24.fi saunalahti.fi telia.com bredband.net
    online.no qq.com foxmail.com 163.com 126.com yeah.net sina.com sina.cn sohu.com aliyun.com
    139.com 189.cn naver.com daum.net hanmail.net nate.com rediffmail.com yahoo.co.in
    uol.com.br bol.com.br terra.com.br ig.com.br hotmail.es outlook.es outlook.de outlook.fr
    """.split()
)

_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def normalise_address(value: str) -> str:
    """``"Alice <Alice@Example.COM>"`` -> ``"alice@example.com"``; raises ``ValueError`` if not an address."""
    text = value.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1]
    text = text.strip().strip("<>").casefold()
    if not _ADDRESS.match(text):
        raise ValueError(f"{value!r} is not an email address")
    return text


def normalise_domain(value: str) -> str:
    """``"@Acme.COM."`` -> ``"acme.com"``; raises ``ValueError`` if not a domain name."""
    text = value.strip().lstrip("@").rstrip(".").casefold()
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as err:
        raise ValueError(f"{value!r} is not a domain name") from err
    if not _DOMAIN.match(text):
        raise ValueError(f"{value!r} is not a domain name")
    return text


#: Names of Sent folders, the likeliest first (the last path component, compared case-insensitively): IMAP servers
#: without SPECIAL-USE and Exchange name them in the mailbox's language; Graph's well-known
#: ``sentitems``; maildir and mbox exports ("Sent", ".Sent", "sent-2025.mbox").
SENT_FOLDERS: tuple[str, ...] = (
    "sent",
    "sent items",
    "sent messages",
    "sent mail",
    "sentitems",
    "gesendet",
    "gesendete elemente",
    "gesendete objekte",
    "éléments envoyés",
    "elementos enviados",
    "enviados",
    "posta inviata",
    "elementi inviati",
    "verzonden items",
    "lähetetyt",
    "lähetetyt kohteet",
    "skickat",
    "skickade objekt",
    "sendt",
    "sendte elementer",
    "已发送",
    "已发送邮件",
    "寄件備份",
    "送信済みアイテム",
    "отправленные",
)
SENT_FOLDER_NAMES: frozenset[str] = frozenset(SENT_FOLDERS)
_FOLDER_SEPARATORS = re.compile(r"[/\\]")
_WORD_SEPARATORS = re.compile(r"[-_.\s]+")


def is_sent_folder(folder: str) -> bool:
    """Whether a folder, by its name, is one of a mailbox's Sent folders: where a message from
    us is known to be ours."""
    leaf = _FOLDER_SEPARATORS.split(folder.strip())[-1].casefold()
    for suffix in (".mbox", ".mbx"):
        leaf = leaf.removesuffix(suffix)
    if "." in leaf and not leaf.startswith("."):
        leaf = leaf.rsplit(".", 1)[1]  # IMAP hierarchy "INBOX.Sent"
    words = [w for w in _WORD_SEPARATORS.split(leaf) if w]
    return " ".join(words) in SENT_FOLDER_NAMES or (bool(words) and words[0] == "sent")


def changed_roles(old: Mapping[str, str], new: Mapping[str, str]) -> frozenset[str]:
    """The addresses and domains whose role differs between two directories'
    :meth:`Directory.roles`: only a message naming one of them (or a subdomain of one) can be
    attributed differently."""
    return frozenset(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def renamed_clients(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str] | None:
    """When two directories' :meth:`Directory.roles` differ only in the names of clients, each
    old name becoming one new name that no other client had or takes: the renaming, old name to
    new. Every message then keeps its direction and counterpart and only its client's name
    changes, as the party of an address does not depend on its client's name. None otherwise,
    or when a role cannot be read apart (a name holding "; ")."""
    if old.keys() != new.keys():
        return None
    pairs = [(_client_of(key, old[key]), _client_of(key, new[key])) for key in old]
    renaming: dict[str, str] = {}
    for before, after in pairs:
        if before is None or after is None or before[1] != after[1]:
            return None  # a role that cannot be read, or another role, not another name
        if before[0] is not None and after[0] is not None and before[0] != after[0]:
            renaming.setdefault(before[0], after[0])
    for before, after in pairs:
        assert before is not None and after is not None
        name = before[0]
        if (renaming.get(name, name) if name is not None else None) != after[0]:
            return None  # some of a client's addresses renamed and some not, or one moved
    kept = {before[0] for before, _ in pairs if before and before[0]} - renaming.keys()
    if not renaming or len(set(renaming.values())) < len(renaming) or kept & set(renaming.values()):
        return None  # nothing renamed, or two clients made one
    return renaming


#: The roles of :meth:`Directory.roles` other than a client's.
_OTHER_ROLES = frozenset({"us", "our domain", "freemail"})


def _client_of(key: str, role: str) -> tuple[str | None, tuple[str, ...]] | None:
    """(the client's name, the other roles) of ``key``'s role; None when it names two clients
    or holds a part that is no role (a client's name holding "; ")."""
    prefix = "client " if "@" in key else "client domain "
    parts = role.split("; ")
    named = [part[len(prefix) :] for part in parts if part.startswith(prefix)]
    others = tuple(part for part in parts if not part.startswith(prefix))
    if len(named) > 1 or not _OTHER_ROLES.issuperset(others):
        return None
    return (named[0] if named else None), others


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


class PartyKind(StrEnum):
    US = "us"
    CLIENT = "client"
    EXTERNAL = "external"  # matches no client: unassigned


@dataclass(frozen=True, slots=True)
class Party:
    kind: PartyKind
    client: str | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    direction: Direction
    client: str | None  # the client the message belongs to, if any
    counterpart: str | None  # the main outside address: the client contact or stranger


_US = Party(PartyKind.US)
_EXTERNAL = Party(PartyKind.EXTERNAL)


class Directory:
    """Classifies addresses. Built once from the configuration; lookups are dictionary hits."""

    def __init__(
        self,
        *,
        us_domains: Iterable[str],
        us_addresses: Iterable[str],
        client_domains: Mapping[str, str],
        client_addresses: Mapping[str, str],
        freemail: Iterable[str] = FREEMAIL_DOMAINS,
        trusted_authserv_ids: Iterable[str] = (),
        lists: Iterable[str] = (),
    ) -> None:
        self.us_domains = frozenset(us_domains)
        #: Our receiving servers, by the authserv-id they write in Authentication-Results.
        self.trusted_authserv_ids = frozenset(trusted_authserv_ids)
        self.us_addresses = frozenset(us_addresses)
        self.client_domains = dict(client_domains)
        self.client_addresses = dict(client_addresses)
        self.freemail = frozenset(freemail)
        self.lists = frozenset(lists)  # mailing lists and distribution groups, ours or clients'
        self._cache: dict[str, Party] = {}

    def _domain_match(self, domain: str, table: Mapping[str, str] | frozenset[str]) -> str | None:
        # Walk up the labels: a.b.acme.com, b.acme.com, acme.com — the most specific wins.
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in table:
                return candidate
        return None

    def party(self, address: str) -> Party:
        cached = self._cache.get(address)
        if cached is not None:
            return cached
        result = self._classify(address)
        if len(self._cache) < 200_000:
            self._cache[address] = result
        return result

    def _classify(self, address: str) -> Party:
        if address in self.us_addresses:
            return _US
        client = self.client_addresses.get(address)
        if client is not None:
            return Party(PartyKind.CLIENT, client)
        domain = domain_of(address)
        if self._domain_match(domain, self.us_domains) is not None:
            return _US
        if domain in self.freemail:
            return _EXTERNAL
        matched = self._domain_match(domain, self.client_domains)
        if matched is not None:
            return Party(PartyKind.CLIENT, self.client_domains[matched])
        return _EXTERNAL

    def is_us(self, address: str) -> bool:
        return self.party(address).kind is PartyKind.US

    def server_vouches(self, message: Message) -> bool:
        """Whether our own server authenticated the sender, one of us, of ``message``: the
        proof beside a Sent folder that a message From: us is ours (see
        :mod:`monitor.core.provenance`)."""
        sender = message.sender
        if sender is None or not self.trusted_authserv_ids or not self.is_us(sender.address):
            return False
        return server_vouches(
            message.trace, sender.address, self.trusted_authserv_ids, self.us_domains
        )

    def from_us_to_a_client(self, message: Message) -> bool:
        """Whether one of us wrote ``message`` to a client: what would be our reply, if it is
        proven ours (read from a Sent folder, or vouched for by our server)."""
        if message.sender is None or not self.is_us(message.sender.address):
            return False
        return any(
            self.party(m.address).kind is PartyKind.CLIENT for m in (*message.to, *message.cc)
        )

    def is_list(self, address: str) -> bool:
        return address in self.lists

    def roles(self) -> dict[str, str]:
        """What this directory makes of each address and domain it names: an address's party
        depends on its own entry and on those of its domain and the domain's parents only."""
        found: dict[str, list[str]] = {}
        entries = [
            *((address, "us") for address in self.us_addresses),
            *((address, f"client {name}") for address, name in self.client_addresses.items()),
            *((domain, "our domain") for domain in self.us_domains),
            *((domain, "freemail") for domain in self.freemail),
            *((domain, f"client domain {name}") for domain, name in self.client_domains.items()),
        ]
        for key, role in entries:
            found.setdefault(key, []).append(role)
        return {key: "; ".join(sorted(roles)) for key, roles in found.items()}

    def attribute(
        self,
        sender: Mailbox | None,
        to: Iterable[Mailbox],
        cc: Iterable[Mailbox],
        *,
        sender_verified: bool = True,
    ) -> Attribution:
        """Direction and client of a message from its addresses (DESIGN.md, "direction").

        ``sender_verified``: the message was seen in one of our Sent folders, or our own server
        vouched for its sender (:meth:`server_vouches`). A From: header naming us proves nothing
        (anyone can write it): without either proof the message is nobody's, never our reply.
        """
        recipients = [*to, *cc]
        if sender is None:
            return Attribution(Direction.OTHER, None, None)
        source = self.party(sender.address)
        if source.kind is PartyKind.US and not sender_verified:
            return Attribution(Direction.OTHER, None, None)
        if source.kind is PartyKind.CLIENT:
            # Received in a monitored mailbox, so it reached us (perhaps as Bcc).
            return Attribution(Direction.INBOUND, source.client, sender.address)
        if source.kind is PartyKind.US:
            if not recipients:
                return Attribution(Direction.OTHER, None, None)
            first_client: tuple[str, str] | None = None
            first_external: str | None = None
            for mailbox in recipients:
                party = self.party(mailbox.address)
                if party.kind is PartyKind.CLIENT and first_client is None and party.client:
                    first_client = (party.client, mailbox.address)
                elif party.kind is PartyKind.EXTERNAL and first_external is None:
                    first_external = mailbox.address
            if first_client is not None:
                return Attribution(Direction.OUTBOUND, first_client[0], first_client[1])
            if first_external is None:
                return Attribution(Direction.INTERNAL, None, None)
            return Attribution(Direction.OTHER, None, first_external)
        return Attribution(Direction.OTHER, None, sender.address)
