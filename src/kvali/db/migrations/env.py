"""Alembic environment: kvali always passes an open connection (see kvali.db.migrate)."""

from alembic import context

from kvali.db.tables import all_metadata

metadata = all_metadata()

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
