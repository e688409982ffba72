"""The application layer: what a command or the daemon does, built from the core, sources, store and channels.

``runtime`` opens what a process works with; ``sync`` reads mailboxes into the store;
``evaluation`` turns stored records into per-client reports; ``views`` shapes them for the CLI
and the JSON output (as the typed ``rows``, which also generate ``docs/json.md`` through
``jsondoc``); ``alerting`` raises alerts and delivers the outbox, ``notifications`` and
``digests`` say what the owners hear, through the ``channels`` the configuration names.
"""
