"""The app's own routes and slices, read from the app itself: inventory tests derive their cases from these, so a
new slice is covered without anyone editing a list."""

import importlib
import tempfile
from functools import cache

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.main import create_app
from app.shared.http.current_user import bearer_scheme
from app.shared.http.dependencies import AuthRateLimit
from app.shared.http.discovery import FEATURES_PACKAGE, mounted_routes, slice_folders
from tests.conftest import test_settings

TASK_ITEM_PREFIX = "/api/tasks/{task_id}"
# The same routes as hackathon frontends call them (app/shared/http/task_routes.py serves both).
USER_TASK_ITEM_PREFIX = "/api/{user_id}/tasks/{task_id}"
TASK_ITEM_PREFIXES = (TASK_ITEM_PREFIX, USER_TASK_ITEM_PREFIX)
# A body the isolation matrix sends where a route takes one: it would change every field a task has.
HIJACK = {"title": "hijacked", "description": "hijacked", "completed": True}


def discovered_slices() -> list[str]:
    return [folder.name for folder in slice_folders(FEATURES_PACKAGE)]


def slice_router(name: str) -> APIRouter:
    return importlib.import_module(f"{FEATURES_PACKAGE}.{name}.route").router  # type: ignore[no-any-return]


@cache
def api_routes() -> list[APIRoute]:
    """Every route the app serves under /api (built once, on a throwaway configuration)."""
    # Building the app opens nothing: the file is never created.
    app: FastAPI = create_app(test_settings(f"sqlite+aiosqlite:///{tempfile.gettempdir()}/todo-api-inventory.db"))
    return [route for route in mounted_routes(app.routes) if route.path.startswith("/api/")]


def operations(routes: list[APIRoute]) -> list[tuple[str, str, APIRoute]]:
    return [(method, route.path, route) for route in routes for method in sorted(route.methods)]


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


def needs_token(route: APIRoute) -> bool:
    return bearer_scheme in _calls(route.dependant)


def in_auth_bucket(route: APIRoute) -> bool:
    return AuthRateLimit.dependency in _calls(route.dependant)


def takes_credentials(route: APIRoute) -> bool:
    """A body with a password or a refresh token: what an attacker would guess at."""
    body = route.body_field
    if body is None:
        return False
    fields = getattr(body.field_info.annotation, "model_fields", {})
    return bool({"password", "refresh_token"} & set(fields))


def is_task_item_path(path: str) -> bool:
    return path.startswith(TASK_ITEM_PREFIXES)


def task_item_operations() -> list[tuple[str, str, dict[str, object] | None]]:
    """(verb, path template, body) for every route on one task, under either prefix: the isolation matrix's rows.

    Fill a path in with `path.format(task_id=..., user_id=...)`.
    """
    rows = []
    for method, path, route in operations(api_routes()):
        if is_task_item_path(path):
            rows.append((method, path, HIJACK if route.body_field else None))
    return rows
