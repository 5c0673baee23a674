"""The tables. Several slices read and write them, so they live in the kernel."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, MetaData, String, Text, text
from sqlmodel import Field, SQLModel

from app.shared.database.column_types import UTCDateTime, utc_now

# Explicit constraint names, so migrations can drop what they create on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

USER_ID_MAX_LENGTH = 64
EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 255
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000


def _owner_column() -> Column[str]:
    return Column(String(USER_ID_MAX_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=USER_ID_MAX_LENGTH)
    # Stored lower-case, so a plain unique index is a case-insensitive one.
    email: str = Field(max_length=EMAIL_MAX_LENGTH, unique=True)
    # None for accounts that only ever sign in through Better Auth.
    password_hash: str | None = Field(default=None, max_length=100)
    name: str = Field(max_length=NAME_MAX_LENGTH)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_id_created_at", "user_id", "created_at"),
        Index("ix_tasks_user_id_updated_at", "user_id", "updated_at"),
        Index("ix_tasks_user_id_lower_title", "user_id", text("lower(title)")),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    user_id: str = Field(sa_column=_owner_column())
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    completed: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    # 1 on create, one more on every write (app/shared/tasks/versions.py): the task's ETag, and what If-Match
    # compares inside the write's own statement.
    version: int = Field(default=1, sa_column_kwargs={"server_default": text("1")}, nullable=False)


class SignIn(SQLModel, table=True):
    """One sign-in (a device): the family of tokens that sign-out and refresh-reuse detection revoke together.

    Access tokens carry its id as `sid`; only the refresh token whose `jti` equals `refresh_jti` may be redeemed,
    and, for REFRESH_REUSE_GRACE_SECONDS after `rotated_at`, the one it replaced (`previous_refresh_jti`).
    """

    __tablename__ = "sign_ins"
    __table_args__ = (Index("ix_sign_ins_user_id", "user_id"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_owner_column())
    refresh_jti: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Both null until the first refresh. A token retired by the last rotation and presented again soon after is
    # a second tab refreshing at the same moment, not a thief (docs/auth.md, "The reuse interval").
    previous_refresh_jti: str | None = Field(default=None, max_length=36, nullable=True)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class IdempotencyKey(SQLModel, table=True):
    """An `Idempotency-Key` a user sent, and the first successful answer to it (app/shared/idempotency/).

    A row is claimed (`claim`, `started_at`) before the work runs and completed (`status_code`, `headers`, `body`)
    in the work's own transaction; a row without an answer is a request still running, or a crashed one whose
    lease has run out. Rows older than a day are purged.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_started_at", "started_at"),)

    user_id: str = Field(
        sa_column=Column(
            String(USER_ID_MAX_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    key: str = Field(primary_key=True, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    fingerprint: str = Field(max_length=64)
    claim: str = Field(max_length=32)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status_code: int | None = Field(default=None, nullable=True)
    headers: str | None = Field(default=None, sa_type=Text, nullable=True)
    body: bytes | None = Field(default=None, sa_type=LargeBinary, nullable=True)


# What `UserPublic` shows, in its order: never the password hash.
USER_PUBLIC_COLUMNS: tuple[Column[object], ...] = tuple(
    User.__table__.columns[name]  # type: ignore[attr-defined]
    for name in ("id", "email", "name", "created_at")
)
