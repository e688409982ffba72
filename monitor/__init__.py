"""relmon: a self-hosted relationship monitor for consultants."""

__version__ = "0.1.0"
