"""Alerts: the stored lifecycle, the outbox, email rendering and SMTP delivery."""
