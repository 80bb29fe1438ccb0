"""Names, emails, usernames and ids become unbounded text (they were 255 characters wide).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 21:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Table -> its columns that were String(255), and whether each may be null.
_WIDENED = {
    "sites": {"name": False},
    "schools": {"sourced_id": False, "name": False},
    "users": {
        "sourced_id": False,
        "username": False,
        "given_name": False,
        "family_name": False,
        "email": True,
    },
    "sync_run_skips": {"sourced_id": True, "name": False},
}


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for table, columns in _WIDENED.items():
        with op.batch_alter_table(table) as batch_op:
            for column, nullable in columns.items():
                batch_op.alter_column(
                    column, existing_type=old, type_=new, existing_nullable=nullable
                )


def upgrade() -> None:
    _retype(sa.String(length=255), sa.Text())


def downgrade() -> None:
    _retype(sa.Text(), sa.String(length=255))
