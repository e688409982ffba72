"""Bulk mail that carries no list headers: newsletters, marketing and mass mail.

Most newsletters and marketing mail carry no ``List-Id`` or ``Precedence`` header. What gives
them away, surest first:

- headers that bulk-mail services add (``Feedback-ID``, ``List-Unsubscribe-Post``, campaign ids,
  ``X-Mailgun-*``, ``X-SES-*``, ``X-MC-User`` …);
- a bulk mailer's ``X-Mailer`` (or the mail client a bulk mailer poses as, with its mark left
  on: "Microsoft Outlook Express 5.00.2919.6900 DM"), or a program's mail library
  (``X-Library: Indy …``) where a person's mail names a mail client;
- a Return-Path of a web server's or system account (``nobody@``, ``apache@``, ``www-data@``,
  ``root@``) under somebody else's From: mail a script sent, not a mail client;
- a VERP or bounce-handling ``Return-Path`` (``bounces+1234-abcd=example.com@mail.sender``);
- a no-reply or newsletter sender address;
- an unsubscribe footer in the body (read at ingest, never stored; :mod:`monitor.core.footer`);
- a random tag that mass-mailing software appends to the text or pads the subject out to, so
  that no two copies match (never in a reply; :mod:`monitor.core.masstag`).

An unsubscribe footer counts only in a message that is not a reply or a forward and only in the
instructional form a footer has ("to unsubscribe, click …", "you are receiving this email
because …", with a link or address near it or at the end of the text). A person who asks to be
taken off a list, or forwards a newsletter, is still a person writing.

Weaker hints (an HTML-only body, many links in the text or behind the HTML, three or more images
fetched from the web, the word "unsubscribe" or "opt-out" anywhere) count only two together, and
never in a reply. Missing recipients (Bcc) and the word "remove" are no
hints at all: people write both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Headers only bulk-mail services and campaign tools add (exact lower-case names).
SERVICE_HEADERS: frozenset[str] = frozenset(
    {
        "list-unsubscribe",
        "list-unsubscribe-post",
        "feedback-id",
        "x-campaign",
        "x-campaignid",
        "x-campaign-id",
        "x-campaignname",
        "x-mc-user",  # Mailchimp / Mandrill
        "x-mailchimp-campaign",
        "x-sg-eid",  # SendGrid
        "x-sg-id",
        "x-sfmc-stack",  # Salesforce Marketing Cloud
        "x-csa-complaints",  # Certified Senders Alliance members
        "x-marketoid",
        "x-mktmailer",
        "x-msfbl",  # SparkPost
        "x-rpcampaign",
        "x-emarsys-identify",
        "x-hubspot-mid",
        "x-newsletter",
        "x-newsletter-id",
        "x-mailing-id",
        "x-remove-address",
        "x-complaints-to",
        "x-abuse-reports-to",
        "x-listmember",
        "x-list-unsubscribe",
    }
)
#: Header name prefixes of bulk-mail services.
SERVICE_HEADER_PREFIXES: tuple[str, ...] = (
    "x-mailgun-",
    "x-mailjet-",
    "x-campaign",
    "x-mc-",
    "x-sendgrid-",
    "x-sg-",
    "x-cmail-",  # Campaign Monitor
    "x-ems-",
    "x-sib-",  # Brevo (Sendinblue)
    "x-mailerlite-",
    "x-klaviyo-",
    "x-ses-configuration-set",
)
#: Headers that also appear on mail a person sends through the same service (Amazon WorkMail
#: relays through SES): a hint, not proof.
WEAK_HEADERS: frozenset[str] = frozenset({"x-ses-outgoing", "x-precedence-ref"})

#: ``X-Mailer`` values of mass-mailing software (matched at the start, case-insensitively).
BULK_MAILERS: tuple[str, ...] = (
    "mailchimp",
    "mailgun",
    "sendgrid",
    "phplist",
    "phpmailer",
    "getresponse",
    "http://getresponse",
    "aweber",
    "constant contact",
    "campaign monitor",
    "mailjet",
    "sendinblue",
    "acymailing",
    "mailpoet",
    "newsletter",
    "mass mail",
    "massmail",
    "mass mailer",
    "super mass mailer",
    "group mail",
    "groupmail",
    "bulk mailer",
    "bulkmail",
    "quicksender",
    "atlas mailer",
    "mailking",
    "send-safe",
    "sendsafe",
    "aureate",
    "worldmerge",
    "dynamicmail",
    "mach5 mailer",
    "advanced mass sender",
    "emailer pro",
    "stealth mass",
    "express mailer",
    "mailloop",
    "listmail",
    "mailwizz",
    "mautic",
    "sendy",
    "interspire",
    "oempro",
    "lyris",
    "listserv",
    "ecircle",
    "emarsys",
    "exacttarget",
    "salesforce marketing",
    "marketo",
    "hubspot",
    "eloqua",
    "pardot",
)

# Mail clients that bulk mailers pose as, with their mark left on: Dark Mailer writes Outlook
# Express's version followed by "DM", which Outlook Express itself never did.
_POSED_MAILER = re.compile(r"^microsoft outlook express [\d.]+\s?dm$")
#: ``X-Library`` values of the mail components programs build mail with (Delphi's Indy): the
#: header names no mail client a person writes with.
MAIL_LIBRARIES: tuple[str, ...] = ("indy",)
#: Local parts of the accounts web servers and system jobs run as: a Return-Path of one under
#: somebody else's From is mail a script sent (a form mailer, a mass-mailing script).
SCRIPT_ACCOUNTS: frozenset[str] = frozenset(
    {"nobody", "apache", "www-data", "wwwrun", "httpd", "www", "root", "daemon"}
)

#: Local parts of no-reply and newsletter senders (whole local part, separators ignored).
NO_REPLY_LOCAL: frozenset[str] = frozenset(
    {
        "noreply",
        "donotreply",
        "dontreply",
        "doreplynot",
        "replynot",
        "nepasrepondre",
        "nichtantworten",
        "keineantwort",
        "noresponder",
        "newsletter",
        "newsletters",
        "news",
        "marketing",
        "mailings",
        "mailing",
        "campaign",
        "campaigns",
        "promotions",
        "promo",
        "offers",
        "deals",
        "announcements",
        "announce",
        "bulletin",
        "digest",
        "updates",
        "bounce",
        "bounces",
        "mailer",
        "notification",
        "notifications",
        "notify",
        "alerts",
    }
)
_LOCAL_PREFIX = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|newsletter|bounces?)[-_.+]", re.IGNORECASE
)

#: A bounce-handling or VERP Return-Path local part (not SRS forwarding or BATV signing, which
#: rewrite a person's own mail).
_VERP_TOKEN = re.compile(
    r"(?:^|[-_.+])(?:bounces?|bnc|return|mailer-?bounces?|verp)(?:[-_.+=]|\d|$)",
    re.IGNORECASE,
)
_PERSON_REWRITE = re.compile(r"^(?:srs[01][=+-]|prvs=|btv1=|msprvs\d?=)", re.IGNORECASE)
_VERP_ENCODED = re.compile(r"[+-][^@]*=[^@=]+$")

_WEAK_WORDS = re.compile(r"\b(?:unsubscribe|opt[- ]?out)\b", re.IGNORECASE)
_CLICK_HERE = re.compile(r"\bclick\s+(?:here|below|on\s+this\s+link)\b", re.IGNORECASE)
#: Advertising labels laws require in subjects: US states' "ADV:", Korea's "(광고)", Japan's "未承諾広告".
AD_SUBJECT = re.compile(
    r"^\s*(?:[\[(]?\s*(?:adv|ad|광고|広告)\s*[\])]|adv\s*:|未承諾広告)", re.IGNORECASE
)
_LINK = re.compile(r"https?://", re.IGNORECASE)


def service_header(headers: Mapping[str, str]) -> str | None:
    """The first header only a bulk-mail service adds, if any."""
    for name in headers:
        if name in SERVICE_HEADERS or name.startswith(SERVICE_HEADER_PREFIXES):
            return name
    return None


def is_noise_header(name: str) -> bool:
    """Whether a header (lower-case name) is one bulk detection reads."""
    return (
        name in SERVICE_HEADERS
        or name in WEAK_HEADERS
        or name == "x-library"
        or name.startswith(SERVICE_HEADER_PREFIXES)
    )


def bulk_mailer(x_mailer: str | None) -> bool:
    value = (x_mailer or "").strip().lower()
    return bool(value) and (value.startswith(BULK_MAILERS) or bool(_POSED_MAILER.match(value)))


def mail_library(x_library: str | None) -> bool:
    """An ``X-Library`` header of a program's mail component."""
    return (x_library or "").strip().lower().startswith(MAIL_LIBRARIES)


def script_return_path(return_path: str | None, sender: str | None) -> bool:
    """A Return-Path of a web server's or system account, under another sender's From."""
    address = (return_path or "").strip().strip("<>").strip().lower()
    local, at, _ = address.partition("@")
    return bool(at) and local in SCRIPT_ACCOUNTS and address != (sender or "").lower()


def no_reply_sender(address: str | None) -> bool:
    local = (address or "").partition("@")[0].lower()
    if not local:
        return False
    squeezed = re.sub(r"[-_.+]", "", local)
    return squeezed in NO_REPLY_LOCAL or bool(_LOCAL_PREFIX.match(local))


def verp_return_path(return_path: str | None, sender: str | None) -> bool:
    """A Return-Path a bulk sender's bounce handling writes, not a person's own address."""
    address = (return_path or "").strip().strip("<>").strip().lower()
    if "@" not in address or address == (sender or "").lower():
        return False
    local, _, domain = address.rpartition("@")
    if _PERSON_REWRITE.match(local):
        return False
    if _VERP_TOKEN.search(local):
        return True
    sender_domain = (sender or "").rpartition("@")[2].lower()
    return bool(_VERP_ENCODED.search(local)) and not domain.endswith(sender_domain or "\0")


# A link or an image the reader's client fetches from the web. Each tag is read for at most 600
# characters and ends at the next "<", so a crafted run of "<a" costs linear time.
_REMOTE_LINK = re.compile(r"<a\s[^<>]{0,600}?\bhref\s*=\s*[\"']?\s*https?://", re.IGNORECASE)
_REMOTE_IMAGE = re.compile(r"<img\s[^<>]{0,600}?\bsrc\s*=\s*[\"']?\s*https?://", re.IGNORECASE)
_HTML_READ = 200_000
MANY_LINKS = 8
MANY_IMAGES = 3


@dataclass(frozen=True, slots=True)
class HtmlRefs:
    """What an HTML body fetches or points to on the web: the link targets its text hides."""

    links: int = 0
    images: int = 0


NO_REFS = HtmlRefs()


def html_refs(html: str | None) -> HtmlRefs:
    """Remote links and images in the first 200,000 characters of an HTML body.

    Newsletters are built of linked images; a person's client sends the images it shows as
    attachments (``cid:``) and links a few pages at most.
    """
    if not html:
        return NO_REFS
    return HtmlRefs(
        links=len(_REMOTE_LINK.findall(html, 0, _HTML_READ)),
        images=len(_REMOTE_IMAGE.findall(html, 0, _HTML_READ)),
    )


def weak_hints(
    headers: Mapping[str, str], body: str, *, html_only: bool, refs: HtmlRefs | None = None
) -> list[str]:
    """Hints that need company: each alone is found in people's mail too."""
    refs = refs or NO_REFS
    hints = [name for name in WEAK_HEADERS if name in headers]
    if html_only:
        hints.append("HTML-only body")
    if _WEAK_WORDS.search(body):
        hints.append("unsubscribe wording")
    if _CLICK_HERE.search(body):
        hints.append("click-here wording")
    if max(len(_LINK.findall(body, 0, _HTML_READ)), refs.links) >= MANY_LINKS:
        hints.append("many links")
    if refs.images >= MANY_IMAGES:
        hints.append("remote images")
    return hints
