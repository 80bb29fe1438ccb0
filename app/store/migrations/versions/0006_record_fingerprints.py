"""The fingerprints of the provider records the directory holds as they were: a sync passes
those over unparsed while their bytes stay the same (app.sync.fingerprints). Empty at first:
the next sync parses everyone, as before, and keeps them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_fingerprints",
        sa.Column(
            "fingerprint",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("sourced_id", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("legacy_id", sa.Text(), nullable=True),
    )
    op.create_index("ix_record_fingerprints_sourced_id", "record_fingerprints", ["sourced_id"])


def downgrade() -> None:
    op.drop_index("ix_record_fingerprints_sourced_id", table_name="record_fingerprints")
    op.drop_table("record_fingerprints")
