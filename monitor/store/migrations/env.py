"""Alembic environment: relmon passes an open connection; no alembic.ini is needed."""

from __future__ import annotations

from alembic import context

from monitor.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - relmon always passes one
    raise RuntimeError("run migrations through `relmon db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
