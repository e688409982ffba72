"""Unsubscribe and "why you get this" footers of mass mail, in the words footers use: an
instruction to the reader, not a person's own request to be taken off a list ("I'd like to be
removed"). Read by :mod:`monitor.core.bulk`'s detection."""

from __future__ import annotations

import re

from monitor.core.caseless import Caseless, caseless_text

# Footer phrases, as the footer says them (not as a person asks to be taken off a list).
_TAKE_OFF = (
    r"(?:\w+ly\s+)?[\"']?(?:unsubscribe[ds]?|(?:be|get)\s+unsubscribed|removed|(?:be|get)\s+removed|"
    r"opt(?:ed)?[- ]?out|be\s+(?:excluded|eliminated)|(?:be|get)\s+deleted|(?:be|get)\s+taken\s+(?:off|out)|be\s+deleted|get\s+out\s+of|"
    r"stop\s+receiving|no\s+longer\s+receive)[\"']?"
)
# What a footer offers to stop: mail, not goods or excuses ("we do not wish to receive the pallets").
_MAILINGS = (
    r"(?:(?:any|these|this|our|such|further|future|more|similar|the)\s+){0,3}(?:\w+\s+)?"
    r"(?:e-?mails?|mails?|mailings?|messages?|offers?|newsletters?|communications?|notices?|"
    r"information|promotions?|updates?|correspondence)\b"
)
_FOOTER = re.compile(
    r"(?:"
    # "to be removed from our list", "you may opt-out of our database here", "if you would
    # like to be removed richey@…": the taking-off, then what from, a link or an address.
    r"(?:\bto|\bwish(?:\s+not)?\s+to|like\s+to|want\s+to|prefer\s+to|\byou\s+(?:can|may)(?:\s+always)?|"
    r"please\s+click\s+here\s+to|click\s+(?:here|below)\s+to)\s+" + _TAKE_OFF + r"(?!\w)"
    r"(?=[\s\S]{0,80}?(?:\blist|mailing|database|e-?mails?\b|address|future|receiv|mailto|https?:|www\.|@|"
    r"click|\bhere\b|subject|newsletter|communications?|offers|\bcall\b|\bphone|\breply|\bsend)|\W*$)|"
    # "to easily remove your address from the list": a bare "remove" needs the list it is from.
    r"\bremove\s+(?:your(?:self)?|you)\b(?=[\s\S]{0,60}?(?:\blist|mailing|database|e-?mails?\b|address))|"
    # "click here to delete your address from future updates"
    r"\bdelete\s+your\s+(?:e-?mail\s+)?address\s+from\s+(?:our|future|further|all\s+future)\b|"
    # "To be off from future mailings: mailto:…"
    r"\bbe\s+off\s+(?:from\s+|of\s+)?(?:(?:our|this|the|these|future|further|all)\s+){1,2}(?:mailings?|lists?|e-?mails?)\b|"
    r"(?:leave|exit|be\s+taken\s+off)\s+(?:this|our|the)\s+(?:mailing\s+|e-?mail\s+)?list|"
    r"(?:(?:wish|want|like|prefer)\s+not|(?:no\s+longer|not|n't)\s+(?:wish|want|like))\s+to\s+(?:receive|get)\s+"
    + _MAILINGS
    + r"|not\s+interested\s+in\s+(?:receiving\s+)?(?:future|further)\s+(?:offers|e-?mails|mailings|messages)|"
    r"for\s+no\s+(?:further|more)\s+(?:e-?mails|mailings)|"
    r"this\s+is\s+a\s+one[- ]?time\s+(?:mailing|e-?mail|message|offer)|you\s+will\s+not\s+be\s+e-?mailed\s+again|"
    r"(?:sent|mailed)\s+in\s+compliance\s+with|cannot\s+be\s+considered\s+spam|"
    r"(?:for|request)\s+removal[\s:]{0,5}(?:https?:|mailto:|www\.|\S+@)|"
    # A link whose path says what it does.
    r"(?:https?://|www\.)[^\s\"'<>]{0,200}?(?:unsubscribe|opt-?out|opt_out|[/_-]remove\.(?:php|html?|asp|cgi|jsp))|"
    r"unsubscribe\s+(?:here|link|instructions|below|now|at\s+any\s+time|anytime)|"
    r"you\s+(?:are\s+)?receiv(?:ed|ing)\s+this\s+(?:e-?mail|message|newsletter|mailing|communication|because)|"
    r"(?:this|the)\s+(?:e-?mail|message|newsletter|mailing)\s+(?:was|has\s+been|is(?:\s+being)?)\s+sent\s+to\s+"
    r"(?:you\s+because|our\s+(?:subscribers|members|customers)|\S+@)|"
    r"(?:you|your\s+(?:e-?mail\s+)?address)\s+(?:have\s+|has\s+|were\s+|was\s+)?(?:opted[- ]?in|"
    r"subscribed\s+to|signed\s+up\s+(?:to|for)|appears?\s+(?:in|on)\s+(?:a|an|our)\s+(?:subscription|mailing))|"
    r"(?:manage|update)\s+(?:your\s+)?(?:e-?mail\s+|subscription\s+|communication\s+)?(?:preferences|subscriptions?)|"
    r"(?:reply|respond)\s+with\s+[\"']?remove|[\"']?(?:remove|unsubscribe)[\"']?\s+(?:in|as)\s+(?:the\s+)?subject|"
    r"mailto:[^\s>]*(?:remove|unsubscribe)|"
    r"newsletter\s+(?:abbestellen|abmelden)|vom\s+newsletter\s+abmelden|hier\s+abmelden|"
    r"se\s+d[ée]sabonner|d[ée]sinscri(?:re|ption|vez)|d[ée]sabonnez|"
    r"darse\s+de\s+baja|dar(?:te|se)?\s+de\s+baja|cancelar\s+(?:la\s+)?suscripci[óo]n|"
    r"peru(?:uta)?\s+tilau[ks]|tilauksen\s+peruminen|"
    r"退订|取消订阅|退訂|取消訂閱|配信停止|配信解除|購読解除|수신\s*거부|"
    r"afmelden\s+voor|uitschrijven|annulla\s+(?:l')?iscrizione|disiscriviti|"
    r"descadastr|cancelar\s+(?:a\s+)?inscri[çc][ãa]o"
    r")",
    re.IGNORECASE,
)
_FOOTER_PHRASES = Caseless.of(_FOOTER)
#: A word every footer phrase above holds: text without one of them has no footer, and is read
#: in a fraction of the time (each fragment starts with a letter, which the matcher checks
#: before trying the fragment). Keep it in step with _FOOTER: a test walks its phrases.
_FOOTER_WORDS = Caseless.of(
    re.compile(
        r"subscri|remov|opt(?:ed)?[-_ ]?(?:out|in)|exclu|elimin|delet|taken|receiv|get\s+out|"
        r"be\s+off|leave\s+(?:this|our|the)\s|exit\s+(?:this|our|the)\s|to\s+get\s|interested|"
        r"for\s+no\s|one[- ]?time|be\s+e-?mailed|compliance|considered\s+spam|sent\s+to\s|"
        r"signed\s+up|appears?\s+(?:in|on)\s|preferences|abbestellen|abmelden|d[ée]sabonn|inscri|"
        r"de\s+baja|suscripci|tilau|退订|取消订阅|退訂|取消訂閱|配信停止|配信解除|購読解除|수신\s*거부|"
        r"afmelden|uitschrijven|iscrizione|disiscriviti|descadastr",
        re.IGNORECASE,
    )
)
_NEAR_LINK = re.compile(r"https?://|www\.|@|click|\[link\]|<", re.IGNORECASE)


_FIRST_PERSON = re.compile(
    r"\b(?:i|i'?d|i'?m|i'?ll|me|my|we|we'?d|we'?re)\b[^.!?\n]*$", re.IGNORECASE
)


def unsubscribe_footer(body: str) -> bool:
    """An instructional unsubscribe or "why you get this" footer, not a person's own request
    ("I'd like to be removed from your list")."""
    read, lowered = caseless_text(body)  # same matches at the same offsets, faster
    if not _FOOTER_WORDS.on(lowered).search(read):
        return False
    pattern = _FOOTER_PHRASES.on(lowered)
    for match in pattern.finditer(read):
        if _FIRST_PERSON.search(body, max(0, match.start() - 40), match.start()):
            continue
        near = body[max(0, match.start() - 200) : match.end() + 200]
        if _NEAR_LINK.search(near) or match.start() >= 0.6 * len(body):
            return True
    return False
