"""sign-ins remember the refresh token the last rotation retired, and when: the refresh reuse interval

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.shared.database.column_types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: existing sign-ins have never been rotated under this scheme, so nothing to backfill.
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("previous_refresh_jti", sa.String(36), nullable=True))
        batch.add_column(sa.Column("rotated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite drops a column by copying the table; PostgreSQL just alters it.
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("rotated_at")
        batch.drop_column("previous_refresh_jti")
