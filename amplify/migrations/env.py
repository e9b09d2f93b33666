"""Alembic environment: amplify runs migrations on a connection it already holds."""

from alembic import context

from amplify.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - amplify always passes a connection
    raise RuntimeError("amplify migrations run through amplify.store.Store, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
