"""The store: SQLAlchemy over SQLite (default) or PostgreSQL, schema by Alembic migrations."""

from monitor.store.db import Store

__all__ = ["Store"]
