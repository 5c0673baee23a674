"""GET /api/tasks: the caller's tasks, filtered, sorted and paged."""

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from app.features.list_tasks.handler import handle
from app.features.list_tasks.request import TaskListQuery
from app.shared.for_slices import CurrentUser, SessionDep, TaskPublic, TaskRouter, json_response

router = TaskRouter(tags=["Tasks"])


@router.get("/api/tasks", response_model=list[TaskPublic])
async def list_tasks(query: Annotated[TaskListQuery, Query()], owner: CurrentUser, session: SessionDep) -> Response:
    """The caller's tasks, filtered by status and sorted; an empty array when there are none."""
    return json_response(await handle(session=session, owner=owner, query=query))
