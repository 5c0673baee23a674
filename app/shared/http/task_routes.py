"""`TaskRouter`: a task slice's router, serving every `/api/tasks…` route under `/api/{user_id}/tasks…` too.

Many hackathon frontends call `/api/{user_id}/tasks…`. The owner still comes from the token alone: the second
copy of a route first checks that the path's `user_id` is the caller's, and answers anyone else's with the
404 "Task not found" that a task of someone else's gets, on every verb, the list and create included. So
the path never tells whether a user exists, and a wrong id changes nothing. Slices write their routes once.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from app.shared.auth.ownership import raise_if_signed_out
from app.shared.errors import NotFoundError
from app.shared.http.dependencies import CurrentUser, SessionDep
from app.shared.observability.security_events import security_event
from app.shared.tasks.rows import TASK_NOT_FOUND

TASKS_PREFIX = "/api/tasks"
USER_TASKS_PREFIX = "/api/{user_id}/tasks"
# The alias's path parameter: always the caller's own id, so it never makes two requests different.
USER_ID_PARAMETER = "user_id"

PathUserId = Annotated[str, Path(description="the caller's own user id (the token's `sub`); any other is 404")]


async def _path_names_the_caller(user_id: PathUserId, owner: CurrentUser, session: SessionDep) -> None:
    """Runs before the route: the same `CurrentUser` and session the route gets (FastAPI solves each once)."""
    if user_id == owner.user_id:
        return
    # A revoked sign-in is 401 here as on every task route; only this rare path pays the query.
    await raise_if_signed_out(session, owner)
    security_event("task_probe", "request under another user's id", user_id=owner.user_id, path_user_id=user_id)
    raise NotFoundError(TASK_NOT_FOUND)


# "function" scope, like the session it shares with the route.
PATH_NAMES_THE_CALLER = Depends(_path_names_the_caller, scope="function")


def user_scoped_path(path: str) -> str | None:
    """`/api/tasks/{task_id}` → `/api/{user_id}/tasks/{task_id}`; None for a path outside `/api/tasks`."""
    if path == TASKS_PREFIX or path.startswith(f"{TASKS_PREFIX}/"):
        return USER_TASKS_PREFIX + path.removeprefix(TASKS_PREFIX)
    return None


class TaskRouter(APIRouter):
    """An `APIRouter` whose `/api/tasks…` routes are each registered twice: as written, and user-scoped.

    The second copy is in the OpenAPI document too, under the slice's tag, so Swagger and generated clients of
    hackathon frontends see the path they call; its summary and description say whose alias it is.
    """

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().add_api_route(path, endpoint, **options)
        scoped = user_scoped_path(path)
        if scoped is not None:
            super().add_api_route(scoped, endpoint, **_user_scoped(path, endpoint, options))


def _user_scoped(path: str, endpoint: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    methods = "|".join(sorted(options.get("methods") or ()))
    summary = options.get("summary") or endpoint.__name__.replace("_", " ").title()
    doc = (options.get("description") or endpoint.__doc__ or "").strip()
    return options | {
        "dependencies": [*(options.get("dependencies") or ()), PATH_NAMES_THE_CALLER],
        "summary": f"{summary} (by user id)",
        "description": f"{doc}\n\nAlias of `{methods} {path}`; a `user_id` other than the caller's is 404.",
        "name": f"{options.get('name') or endpoint.__name__}_by_user_id",
        "operation_id": f"{options['operation_id']}_by_user_id" if options.get("operation_id") else None,
    }
