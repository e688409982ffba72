"""What a command or the daemon works with, opened once: configuration, store, analyzer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.core.addresses import Directory
from monitor.store import Store
from monitor.store.db import reading
from monitor.store.meta import ATTRIBUTION, ATTRIBUTION_ROLES, get_meta, has_meta

if TYPE_CHECKING:
    from monitor.core.text import TextAnalyzer


def follow_privacy(store: Store, config: Config) -> None:
    """Text stored while ``privacy.store_snippets`` was on is forgotten once it is off; mail
    stored before an exclusion covered it is removed once it does."""
    from monitor.store.exclusions import follow_exclusions
    from monitor.store.forget import follow_text_setting

    def terms() -> frozenset[str]:
        from monitor.core.curtness import evidence_terms

        return evidence_terms()

    follow_text_setting(store.engine, config.privacy.store_snippets, terms)
    graph = frozenset(a.name for a in config.accounts if a.kind == "graph")
    follow_exclusions(store.engine, config.privacy, graph)


class Runtime:
    """Configuration, migrated store and address directory; the text analyzer on first use.

    Building the analyzer (VADER's lexicon, the cue lexicons) takes a good part of a second and
    only reading mail needs it, so query commands never pay for it.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        directory: Directory,
        analyzer: TextAnalyzer | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.directory = directory
        self._analyzer = analyzer

    @property
    def analyzer(self) -> TextAnalyzer:
        if self._analyzer is None:
            from monitor.core.text import TextAnalyzer  # its models: only reading mail needs them

            self._analyzer = TextAnalyzer.load(self.config.extra_cues)
        return self._analyzer

    @classmethod
    def open(cls, config: Config, *, analyzer: TextAnalyzer | None = None) -> Runtime:
        store = Store.open(config.store.connect_url())
        directory = config.directory()
        fingerprint = config.attribution_fingerprint()
        with reading(store.engine) as connection:  # (no write lock: a sync may be writing)
            current = get_meta(connection, ATTRIBUTION) == fingerprint
            roles_kept = current and has_meta(connection, ATTRIBUTION_ROLES)
        if not current:  # the clients or the team changed: their messages are attributed again
            from monitor.store.messages import reattribute  # the writers: a query needs none

            reattribute(store.engine, directory, fingerprint)
        elif not roles_kept:  # a store from before roles were kept: keep them now, once
            from monitor.store.messages import keep_roles

            keep_roles(store.engine, directory, fingerprint)
        follow_privacy(store, config)
        return cls(config=config, store=store, directory=directory, analyzer=analyzer)

    def close(self) -> None:
        self.store.close()
