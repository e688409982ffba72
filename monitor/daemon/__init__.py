"""The daemon: scheduled sync and evaluation, signals, systemd notification, metrics."""
