"""The OpenAPI document as tools read it: operation ids from the route functions' names, tags declared in order.

FastAPI's default ids mangle the path in (`toggle_task_api_tasks__task_id__toggle_patch`), so a generated
client calls `toggleTaskApiTasksTaskIdTogglePatch`. Here an operation is named after its route function
(`toggleTask`); an alias of the same function gets the alias' own word (`signUpRegister`), and the copy under
`/api/{user_id}/…` is named by its own function (`toggleTaskByUserId`), so ids stay unique and stable.
"""

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.shared.http.discovery import mounted_routes

# The order a person meets the API in; a tag not named here follows, in the order slices are mounted.
TAG_ORDER = ("Service", "Auth", "Tasks: create", "Tasks: list", "Tasks: get", "Tasks: update", "Tasks: toggle")
TAG_DESCRIPTIONS = {
    "Service": "What the service is, and whether it can serve: no token needed.",
    "Auth": "Accounts and tokens: sign up or sign in, then press Authorize and paste the access_token.",
}


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _name_operations(schema, mounted_routes(app.routes))
            schema["tags"] = _declared_tags(schema)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _name_operations(schema: dict[str, Any], routes: Iterable[APIRoute]) -> None:
    taken: set[str] = set()
    for route in routes:
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            name = _camel(route.name)
            if name in taken:
                last_word = route.path_format.rstrip("/").rsplit("/", 1)[-1].strip("{}")
                name += _camel(last_word)[:1].upper() + _camel(last_word)[1:]
            taken.add(name)
            operation["operationId"] = name


def _declared_tags(schema: dict[str, Any]) -> list[dict[str, str]]:
    used: list[str] = []
    for item in schema["paths"].values():
        for operation in item.values():
            for tag in operation.get("tags", []):
                if tag not in used:
                    used.append(tag)
    ordered = [tag for tag in TAG_ORDER if tag in used] + [tag for tag in used if tag not in TAG_ORDER]
    return [{"name": tag, "description": _describe(tag)} for tag in ordered]


def _describe(tag: str) -> str:
    if tag in TAG_DESCRIPTIONS:
        return TAG_DESCRIPTIONS[tag]
    area, _, action = tag.partition(": ")
    return f"{area}: {action} one of your own tasks (another user's is 404)." if action else tag


def _camel(name: str) -> str:
    head, *rest = name.replace("-", "_").split("_")
    return head + "".join(part.title() for part in rest)
