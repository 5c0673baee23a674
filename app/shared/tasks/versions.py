"""A task's version: its ETag, the `If-Match` check inside a write's own statement, and the bump of every write.

A slice declares a write as what it changes (`TaskWrite(update(Task).values(...))`); the kernel adds the rest: which
task (the caller's, while signed in), the version bump, the `If-Match` condition, and the task that comes back.
So the check and the write are one statement: of N writers holding one tag, the database lets exactly one through
(PostgreSQL re-checks the WHERE on the row the first writer left), and a request without `If-Match` runs the very
statement it ran before versions existed, plus the bump.
"""

from typing import Any, NoReturn
from uuid import UUID

from sqlalchemy import ColumnElement, Delete, Integer, String, Update, bindparam, cast, literal, select

from app.shared.auth.principal import Principal
from app.shared.database import Row, Session, Statement
from app.shared.database.tables import Task
from app.shared.entity_tags import TagCondition
from app.shared.errors import PreconditionFailedError
from app.shared.tasks.rows import CALLERS_TASK, TASK_COLUMNS, callers_task, reject_missing_task

TASK_CHANGED = "Task has changed"
VERSION: ColumnElement[int] = Task.__table__.columns["version"]  # type: ignore[attr-defined]
# What an insert writes as a new task's version.
FIRST_VERSION = literal(1, Integer)
# What a route on one task reads: the task as shown, and its version for the ETag (never part of the body).
VERSIONED_TASK_COLUMNS: tuple[ColumnElement[Any], ...] = (*TASK_COLUMNS, VERSION)
# The versions `If-Match` names, bound as one string (`,3,7,`): one statement serves a list of any length, where an
# IN-list would change the SQL text with each count.
EXPECTED_VERSIONS = bindparam("expected_versions", type_=String)
VERSION_IS_EXPECTED = EXPECTED_VERSIONS.contains(literal(",", String) + cast(VERSION, String) + ",")
NO_VERSION = ","
SELECT_CALLERS_TASK = Statement(select(*VERSIONED_TASK_COLUMNS).where(CALLERS_TASK))


def task_etag(version: int) -> str:
    """The strong tag of a task's version: `"3"`. Clients echo it back; only this module reads it."""
    return f'"{version}"'


def expected_versions(if_match: TagCondition) -> str:
    """The bind value of `VERSION_IS_EXPECTED`: the strong tags that name a version of ours (`"3"`), as `,3,`.

    A weak tag or one that is not ours can match no version: `,` then matches nothing, and the miss path decides.
    """
    versions = [tag.opaque[1:-1] for tag in if_match.tags if not tag.weak and tag.opaque[1:-1].isdigit()]
    return "," + "".join(f"{int(version)}," for version in versions)


def split_version(row: Row) -> tuple[Row, str]:
    """A versioned row as the body it shows and the ETag it answers with."""
    version = row.pop("version")
    return row, task_etag(version)


class TaskWrite:
    """A write to one of the caller's tasks, in two shapes built once: as is, and conditional on `If-Match`."""

    def __init__(self, write: Update | Delete) -> None:
        if isinstance(write, Update):
            write = write.values(version=VERSION + 1)
        write = write.returning(*VERSIONED_TASK_COLUMNS)
        self._plain = Statement(write.where(CALLERS_TASK))
        self._conditional = Statement(write.where(CALLERS_TASK, VERSION_IS_EXPECTED))

    def statement(self, if_match: TagCondition | None) -> tuple[Statement, dict[str, str]]:
        if if_match is None or if_match.any:
            # `*` asks only that the task exists, which the plain write's own miss path already answers (404).
            return self._plain, {}
        return self._conditional, {"expected_versions": expected_versions(if_match)}

    async def run(
        self, session: Session, *, owner: Principal, task_id: UUID, if_match: TagCondition | None, **values: Any
    ) -> Row:
        """The task as written, with its version; or 412 with the current task, or the miss path's 401/404."""
        statement, condition = self.statement(if_match)
        row = await session.one(statement, **values, **condition, **callers_task(owner, task_id))
        if row is None:
            await reject_failed_write(session=session, owner=owner, task_id=task_id, conditional=bool(condition))
        return row  # type: ignore[return-value]


async def reject_failed_write(*, session: Session, owner: Principal, task_id: UUID, conditional: bool) -> NoReturn:
    """A write found nothing. Under `If-Match` a second statement tells a stale tag (412) from a task that is not
    the caller's (404) or a signed-out caller (401); only this rare path pays it.
    """
    if conditional:
        current = await session.one(SELECT_CALLERS_TASK, **callers_task(owner, task_id))
        if current is not None:
            body, etag = split_version(current)
            raise PreconditionFailedError(TASK_CHANGED, name="task", current=body, etag=etag)
    await reject_missing_task(session=session, owner=owner, task_id=task_id)
