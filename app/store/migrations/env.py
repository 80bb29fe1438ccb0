"""Alembic environment: runs on the connection that ``app.store.database.upgrade`` passes in."""

from alembic import context

from app.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
)
context.run_migrations()
