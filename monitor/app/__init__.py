"""The application layer: what a command or the daemon does, built from the core, sources, store and channels.

``runtime`` opens what a process works with; ``sync`` reads mailboxes into the store;
``evaluation`` turns stored records into per-client reports; ``views`` shapes them for the CLI
and the JSON output; ``alerting`` raises, renders, enqueues and delivers alerts.
"""
