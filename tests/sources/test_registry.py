"""The kinds of mail source: one registration each, loaded only when an account needs it."""

from __future__ import annotations

import subprocess
import sys

from monitor.config import ACCOUNT_KINDS, GraphSettings, ImapSettings
from monitor.sources.registry import SOURCES, kinds, source_type


def test_every_account_kind_the_configuration_accepts_has_a_source() -> None:
    assert set(kinds()) == set(ACCOUNT_KINDS)


def test_each_kind_names_its_settings_type() -> None:
    settings = {kind: source_type(kind).settings_type for kind in kinds()}

    assert settings == {
        "maildir": None,
        "mbox": None,
        "imap": ImapSettings,
        "graph": GraphSettings,
    }


def test_the_protocol_libraries_load_only_with_their_source() -> None:
    """Query commands import the application layer and the registry, never imapclient or msal."""
    probe = (
        "import sys, monitor.app.sync, monitor.daemon.service, monitor.sources.registry as r;"
        "r.source_type('maildir');"
        "print(sorted(m for m in ('imapclient', 'msal') if m in sys.modules))"
    )
    before = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    after = subprocess.run(
        [sys.executable, "-c", probe.replace("'maildir'", "'imap'")], capture_output=True, text=True
    )

    assert before.stdout.strip() == "[]", before.stderr
    assert after.stdout.strip() == "['imapclient']", after.stderr
    assert SOURCES["imap"].module == "monitor.sources.imap"
