"""GET /api/tasks: the caller's tasks, filtered, sorted and paged."""

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from app.features.list_tasks.handler import handle
from app.features.list_tasks.request import TaskListQuery
from app.shared.for_slices import CurrentUser, IfNoneMatch, SessionDep, TaskPublic, TaskRouter, page_response

router = TaskRouter(tags=["Tasks"])


@router.get("/api/tasks", response_model=list[TaskPublic])
async def list_tasks(
    query: Annotated[TaskListQuery, Query()],
    owner: CurrentUser,
    session: SessionDep,
    request: Request,
    if_none_match: IfNoneMatch,
) -> Response:
    """The caller's tasks, filtered and sorted (`[]` when none); `X-Total-Count` and, with `limit`, `Link`."""
    rows, total = await handle(session=session, owner=owner, query=query)
    return page_response(
        rows, total=total, offset=query.offset, limit=query.limit, request=request, if_none_match=if_none_match
    )
