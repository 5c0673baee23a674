from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.features.list_tasks.handler import find_tasks
from app.features.list_tasks.request import TaskListQuery
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.responses import json_response
from app.shared.schemas import TaskPublic

router = APIRouter(tags=["Tasks: list"])


@router.get("/api/tasks", response_model=list[TaskPublic])
async def list_tasks(query: Annotated[TaskListQuery, Query()], owner: CurrentUser, session: SessionDep) -> Response:
    """The caller's tasks, filtered by status and sorted; an empty array when there are none."""
    return json_response(await find_tasks(session=session, owner=owner, query=query))
