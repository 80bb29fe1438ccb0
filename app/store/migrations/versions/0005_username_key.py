"""Each directory user keeps their username case-folded, as the sync compares usernames: a
delta sync finds the usernames its few changed users share with everyone else in SQL, without
reading every username of the directory into Python. (Not indexed: at a million users, keeping
an index of usernames in random order would triple the time a first sync takes to write them.)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.Text(), nullable=True))
    users = sa.table(
        "users", sa.column("sourced_id"), sa.column("username"), sa.column("username_key")
    )
    connection = op.get_bind()
    set_key = (
        sa.update(users)
        .where(users.c.sourced_id == sa.bindparam("sid"))
        .values(username_key=sa.bindparam("key"))
    )
    # Case folding differs from SQL's lower() beyond ASCII, so the keys are made here, a batch
    # at a time (by sourcedId, so a million users never sit in memory together).
    after = ""
    while True:
        chunk = connection.execute(
            sa.select(users.c.sourced_id, users.c.username)
            .where(users.c.sourced_id > after)
            .order_by(users.c.sourced_id)
            .limit(_BATCH)
        ).all()
        if not chunk:
            break
        connection.execute(set_key, [{"sid": sid, "key": name.casefold()} for sid, name in chunk])
        after = chunk[-1][0]
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("username_key")
