"""The app's OpenAPI document and routes, built in-process, for tests that read the document against the routes.

Every case is derived from the app's own routes (as tests/inventory.py does), so a new slice is checked without
anyone editing a list here.
"""

import tempfile
from collections.abc import Iterator
from functools import cache
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.main import create_app
from app.shared.http.dependencies import SessionDep
from app.shared.http.discovery import mounted_routes
from tests.conftest import test_settings
from tests.inventory import in_auth_bucket, needs_token

SCHEMAS = "#/components/schemas/"
# What turns on the one status that depends on a setting: 403 for a cross-site request authenticated by Better
# Auth's session cookie. The URL is never called: building the app opens nothing.
COOKIE_SETTINGS = {"better_auth_session_cookies": True, "better_auth_url": "http://127.0.0.1:9"}


@cache
def built_app(**overrides: Any) -> FastAPI:
    # Building the app opens nothing: the database file is never created.
    url = f"sqlite+aiosqlite:///{tempfile.gettempdir()}/todo-api-openapi-tests.db"
    return create_app(test_settings(url, **overrides))


def document(**overrides: Any) -> dict[str, Any]:
    """The document as /openapi.json serves it (built once per configuration)."""
    return built_app(**overrides).openapi()


def routes() -> list[APIRoute]:
    """Every route in the document: the service routes as well as /api."""
    return [route for route in mounted_routes(built_app().routes) if route.include_in_schema]


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, APIRoute, dict[str, Any]]]:
    """(METHOD, path, route, operation) for every operation the app's routes put in `spec`."""
    for route in routes():
        for method in sorted(route.methods):
            yield method, route.path_format, route, spec["paths"][route.path_format][method.lower()]


def uses_session(route: APIRoute) -> bool:
    """Takes `SessionDep`: the route needs the database."""
    session = get_args(SessionDep)[1].dependency
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is session:
            return True
        pending += dependant.dependencies
    return False


def takes_header(route: APIRoute, name: str) -> bool:
    """Reads the request header `name`, itself or through a dependency."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if any(parameter.alias.lower() == name.lower() for parameter in dependant.header_params):
            return True
        pending += dependant.dependencies
    return False


def is_rate_limited(route: APIRoute) -> bool:
    """Counted in a bucket: per user (any token route), per client IP (the credential routes)."""
    return needs_token(route) or in_auth_bucket(route)


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, _, name = node["$ref"].removeprefix("#/components/").partition("/")
        node = spec["components"][kind][name]
    return node


def schema_names(spec: dict[str, Any], roots: list[Any]) -> set[str]:
    """The component schemas `roots` refer to, directly or through other schemas."""
    found: set[str] = set()
    pending = list(_refs(roots))
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += _refs(spec["components"]["schemas"][name])
    return found


def request_roots(spec: dict[str, Any]) -> list[Any]:
    return [
        media.get("schema")
        for item in spec["paths"].values()
        for operation in item.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]


def response_roots(spec: dict[str, Any]) -> list[Any]:
    return [
        media.get("schema")
        for item in spec["paths"].values()
        for operation in item.values()
        for response in operation["responses"].values()
        for media in response.get("content", {}).values()
    ]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMAS):
            yield node["$ref"].removeprefix(SCHEMAS)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
