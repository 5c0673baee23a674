"""The OpenAPI document as tools read it: operation ids from route names, one tag per area, servers, security.

FastAPI's default ids mangle the path in (`toggle_task_api_tasks__task_id__toggle_patch`), so a generated
client calls `toggleTaskApiTasksTaskIdTogglePatch`. Here an operation is named after its route function
(`toggleTask`); an alias of the same function gets the alias' own word (`signUpRegister`), and the copy under
`/api/{user_id}/…` is named by its own function (`toggleTaskByUserId`), so ids stay unique and stable.

Tags are one per area, declared with a description in the order a person uses the API; the `/api/{user_id}/…`
copies have a tag of their own after the task routes, so `/docs` lists each route once where it is looked for.
The one server is `/` in the document built here (what `make client` commits); `/openapi.json` answers with the
scheme, host and path prefix the client reached instead (`openapi_servers`), so "Try it out" on a deployed server
never calls localhost, and Postman's import by URL gets a `baseUrl` it can call. Public operations say
`security: []`; the others take the bearer token or, for Swagger UI's Authorize dialog, an OAuth2 password
sign-in at the route that accepts the password form. Statuses come from `openapi_responses`, schema refinements
and examples from `openapi_schemas` (docs/openapi.md says why each is so, and what the linters still warn about).
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.shared.http.discovery import mounted_routes
from app.shared.http.middleware.client_address import TrustedProxies
from app.shared.http.openapi_headers import document_request_headers
from app.shared.http.openapi_responses import RouteFacts, document_responses
from app.shared.http.openapi_schemas import refine_schemas
from app.shared.http.openapi_servers import RELATIVE_SERVER, serve_document
from app.shared.http.task_routes import USER_TASKS_TAG
from app.shared.kernel import kernel_of

# The areas of the API, in the order a person meets them; a tag not declared here gets no description (and the
# linters then flag it).
TAGS = {
    "Service": "What the service is, and whether it can serve: no token needed.",
    "Auth": (
        "Accounts and tokens. Sign up or sign in, then press Authorize: paste the `access_token` under "
        "HTTPBearer, or sign in with email and password under OAuth2Password."
    ),
    "Tasks": (
        "The caller's own tasks: create, list, read, change, toggle, delete. Another user's task is 404, as if "
        "it did not exist."
    ),
    USER_TASKS_TAG: (
        "The task routes again, under `/api/{user_id}/tasks…`, for frontends written against that scheme: each "
        "is its `/api/tasks…` route, with the same answers, and a `user_id` other than the caller's is 404."
    ),
}
BEARER_SCHEME = "HTTPBearer"
PASSWORD_SCHEME = "OAuth2Password"
FORM = "application/x-www-form-urlencoded"


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            routes = mounted_routes(app.routes)
            _name_operations(schema, routes)
            schema["tags"] = _declared_tags(schema)
            schema["servers"] = [RELATIVE_SERVER]
            _declare_security(schema)
            components = schema.setdefault("components", {})
            settings = kernel_of(app).settings
            for route, method, operation in _operations(schema, routes):
                document_request_headers(operation)
                document_responses(operation, RouteFacts.of(route, method, routes), components, settings)
            refine_schemas(schema)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    serve_document(app, TrustedProxies(kernel_of(app).settings.forwarded_allow_ips))


def _operations(schema: dict[str, Any], routes: list[APIRoute]) -> Iterator[tuple[APIRoute, str, dict[str, Any]]]:
    for route in routes:
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                yield route, method, operation


def _name_operations(schema: dict[str, Any], routes: list[APIRoute]) -> None:
    taken: set[str] = set()
    for route, _, operation in _operations(schema, routes):
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
    ordered = [tag for tag in TAGS if tag in used] + [tag for tag in used if tag not in TAGS]
    return [{"name": tag, "description": TAGS[tag]} if tag in TAGS else {"name": tag} for tag in ordered]


def _declare_security(schema: dict[str, Any]) -> None:
    """`security: []` where no token is needed; elsewhere the bearer token, or a password sign-in beside it."""
    token_url = _password_form_path(schema)
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    if token_url is not None:
        schemes[PASSWORD_SCHEME] = {
            "type": "oauth2",
            "description": f"Email (as `username`) and password, traded for an access token at `{token_url}`",
            "flows": {"password": {"tokenUrl": token_url, "scopes": {}}},
        }
    for item in schema["paths"].values():
        for operation in item.values():
            requirements: list[dict[str, list[str]]] = operation.get("security", [])
            if token_url is not None and {BEARER_SCHEME: []} in requirements:
                requirements.insert(requirements.index({BEARER_SCHEME: []}) + 1, {PASSWORD_SCHEME: []})
            operation["security"] = requirements


def _password_form_path(schema: dict[str, Any]) -> str | None:
    """The route that takes an OAuth2 password form (`username`, `password`), which OAuth2 calls its token URL."""
    for path, item in schema["paths"].items():
        post = item.get("post", {})
        form = post.get("requestBody", {}).get("content", {}).get(FORM, {}).get("schema", {})
        if {"username", "password"} <= set(form.get("required", ())):
            return str(path)
    return None


def _camel(name: str) -> str:
    head, *rest = name.replace("-", "_").split("_")
    return head + "".join(part.title() for part in rest)
