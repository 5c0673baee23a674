"""tasks carry a version, bumped by every write: the ETag, and what If-Match compares in the write itself

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing tasks start at version 1, like a new one: no tag was ever handed out for them. A plain ADD COLUMN,
    # which both databases do in place (batch mode would copy the table on SQLite and lose the expression index).
    op.add_column("tasks", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))


def downgrade() -> None:
    # SQLite drops a column by copying the table, and the copy cannot carry an expression index (it is not
    # reflected): that index is dropped first and made again after, on both databases alike.
    op.drop_index("ix_tasks_user_id_lower_title", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("version")
    op.create_index("ix_tasks_user_id_lower_title", "tasks", ["user_id", sa.text("lower(title)")])
