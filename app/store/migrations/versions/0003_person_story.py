"""Each person's story: what every real sync did to them, and the fields it changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sourced_id", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("since_run_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["since_run_id"], ["sync_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_changes") as batch_op:
        batch_op.create_index("ix_person_changes_sourced_id", ["sourced_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_changes_run_id"), ["run_id"], unique=False)
    op.create_table(
        "person_change_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sourced_id", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_change_fields") as batch_op:
        batch_op.create_index(
            "ix_person_change_fields_run_person", ["run_id", "sourced_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("person_change_fields")
    op.drop_table("person_changes")
