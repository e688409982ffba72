"""Alerts: the stored lifecycle, the outbox, and the channels that deliver it (email over SMTP,
a signed webhook)."""
