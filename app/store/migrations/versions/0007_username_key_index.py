"""Directory users are found by username key: a delta sync, and a re-sync whose few changed
users want a username, look up who already holds it instead of reading every user. The active
flag is the index's second column because the lookups ask for active holders: without it,
SQLite (keeping no statistics) would pick the index of the active flag alone and read nearly
every user. A first sync builds the index once, after writing (app.store.indexes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:15:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_username_key", "users", ["username_key", "active"])


def downgrade() -> None:
    op.drop_index("ix_users_username_key", table_name="users")
