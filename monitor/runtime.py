"""What a command or the daemon works with, opened once: configuration, store, analyzer."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config import Config
from monitor.core.addresses import Directory
from monitor.core.text import TextAnalyzer
from monitor.store import Store
from monitor.store.messages import reattribute


@dataclass
class Runtime:
    """What a command or the daemon works with: configuration, store, analyzer, directory."""

    config: Config
    store: Store
    analyzer: TextAnalyzer
    directory: Directory

    @classmethod
    def open(cls, config: Config, *, analyzer: TextAnalyzer | None = None) -> Runtime:
        store = Store.open(config.store.url)
        directory = config.directory()
        reattribute(store.engine, directory, config.attribution_fingerprint())
        return cls(config=config, store=store, analyzer=analyzer or TextAnalyzer.load(config.extra_cues), directory=directory)

    def close(self) -> None:
        self.store.close()
