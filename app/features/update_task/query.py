"""The statements PUT|PATCH /api/tasks/{id} runs, declared once, each scoped to its caller."""

from itertools import combinations
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, update

from app.features.update_task.request import EDITABLE_FIELDS
from app.shared.for_slices import Principal, Row, Session, TagCondition, Task, TaskWrite, utc_now


def _update_of(fields: frozenset[str]) -> TaskWrite:
    columns = Task.__table__.columns  # type: ignore[attr-defined]
    values = {name: bindparam(name, type_=columns[name].type) for name in sorted(fields)}
    return TaskWrite(update(Task).values(**values, updated_at=bindparam("now")))


# One write per set of fields a request may change (seven), built once: a request only picks its own.
UPDATE_BY_FIELDS = {
    frozenset(fields): _update_of(frozenset(fields))
    for count in range(1, len(EDITABLE_FIELDS) + 1)
    for fields in combinations(sorted(EDITABLE_FIELDS), count)
}


async def update_owned_task(
    *, session: Session, owner: Principal, task_id: UUID, changes: dict[str, Any], if_match: TagCondition | None
) -> Row:
    write = UPDATE_BY_FIELDS[frozenset(changes)]
    return await write.run(session, owner=owner, task_id=task_id, if_match=if_match, now=utc_now(), **changes)
