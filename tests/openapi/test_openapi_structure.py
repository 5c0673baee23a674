"""The document says what the routes do: each rule is checked on every route it applies to, found from the routes.

Fast and without Node: these catch a regression before the linters run (test_openapi_lint.py).
"""

from typing import Any

import pytest
from fastapi.routing import APIRoute

from app.shared.errors import CrossSiteRequestError
from tests.inventory import needs_token
from tests.openapi.documents import (
    COOKIE_SETTINGS,
    document,
    is_rate_limited,
    operations,
    request_roots,
    resolve,
    response_roots,
    routes,
    schema_names,
    takes_header,
    uses_session,
)

SPEC = document()
OPERATIONS = list(operations(SPEC))
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
RATE_LIMIT_HEADERS = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}


def where(method: str, path: str, _route: APIRoute, _operation: dict[str, Any]) -> str:
    return f"{method} {path}"


def cases(keep: Any = lambda route: True) -> Any:
    """The operations whose route `keep` accepts, as pytest parameters named `METHOD path`."""
    kept = [case for case in OPERATIONS if keep(case[2])]
    assert kept, "no route matched: the inventory found nothing to check"
    return pytest.mark.parametrize(("method", "path", "route", "operation"), kept, ids=[where(*c) for c in kept])


def error_schema(operation: dict[str, Any], status: str) -> str:
    return str(operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[1]


TAGS = ["Service", "Auth", "Tasks", "Tasks by user id"]


def test_tags_are_the_areas_in_the_order_a_person_uses_them_the_user_id_copies_last() -> None:
    assert [tag["name"] for tag in SPEC["tags"]] == TAGS
    assert all(tag.get("description") for tag in SPEC["tags"])
    for method, path, _, operation in OPERATIONS:
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in TAGS, (method, path)


@cases(lambda route: route.path_format.startswith("/api/"))
def test_each_task_route_is_under_tasks_and_its_user_id_copy_under_its_own_tag(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    if path.startswith("/api/{user_id}/"):
        assert operation["tags"] == ["Tasks by user id"]
        original = SPEC["paths"][path.replace("/api/{user_id}/tasks", "/api/tasks", 1)][method.lower()]
        assert original["tags"] == ["Tasks"]
    else:
        assert operation["tags"] != ["Tasks by user id"]


def test_the_built_document_names_a_relative_server_so_a_committed_copy_names_no_host() -> None:
    assert SPEC["servers"] == [{"url": "/", "description": "The server that served this document"}]


@cases(needs_token)
def test_a_token_route_documents_401_with_www_authenticate(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    assert error_schema(operation, "401") == "ErrorMessage"


def test_every_401_documented_carries_www_authenticate() -> None:
    # Every 401 is an AuthenticationError, which error_handlers always answers with the header.
    documented = [(path, operation) for _, path, _, operation in OPERATIONS if "401" in operation["responses"]]
    assert len(documented) > len([case for case in OPERATIONS if needs_token(case[2])])  # signin's and refresh's too
    for path, operation in documented:
        assert "WWW-Authenticate" in operation["responses"]["401"].get("headers", {}), path


@cases(needs_token)
def test_a_token_route_takes_the_bearer_token_or_a_password_sign_in(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert operation["security"] == [{"HTTPBearer": []}, {"OAuth2Password": []}]


def test_the_password_sign_in_goes_to_the_route_that_takes_the_password_form() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == schemes["HTTPBearer"] | {"type": "http", "scheme": "bearer"}
    token_url = schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"]
    form = SPEC["paths"][token_url]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert {"username", "password"} <= set(form["schema"]["required"])
    assert SPEC["paths"][token_url]["post"]["security"] == []


@cases(lambda route: not needs_token(route))
def test_a_public_route_says_security_is_empty(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert operation["security"] == []


def _creates(route: APIRoute) -> bool:
    """A POST answering 201 with what a GET of one item under its path answers: it made that item."""
    return (
        "POST" in route.methods
        and route.status_code == 201
        and any(
            "GET" in other.methods
            and other.path_format.startswith(f"{route.path_format}/{{")
            and other.response_model == route.response_model
            for other in routes()
        )
    )


@cases(_creates)
def test_a_create_documents_location(method: str, path: str, route: APIRoute, operation: dict[str, Any]) -> None:
    assert "Location" in operation["responses"]["201"]["headers"]


def test_only_creates_document_location() -> None:
    for method, path, route, operation in OPERATIONS:
        for status, response in operation["responses"].items():
            if "Location" in response.get("headers", {}):
                assert (status, _creates(route)) == ("201", True), (method, path)


@cases(is_rate_limited)
def test_a_rate_limited_route_documents_429_and_its_headers(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert set(operation["responses"]["429"]["headers"]) == {"Retry-After", *RATE_LIMIT_HEADERS}
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            assert set(response["headers"]) >= RATE_LIMIT_HEADERS, status


@cases(lambda route: uses_session(route) or needs_token(route))
def test_a_route_that_needs_the_database_or_better_auth_documents_503_with_retry_after(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert "Retry-After" in operation["responses"]["503"]["headers"]
    assert error_schema(operation, "503") == "ErrorMessage"


@cases(lambda route: route.body_field is not None)
def test_a_route_with_a_body_documents_400_413_and_our_422(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert {"400", "413", "422"} <= set(operation["responses"])
    assert error_schema(operation, "422") == "ValidationErrorMessage"
    shape = SPEC["components"]["schemas"]["ValidationErrorMessage"]
    assert shape["required"] == ["detail", "message"]
    assert shape["properties"]["detail"]["type"] == "array"


@cases(lambda route: "{" in route.path_format)
def test_a_route_with_a_path_parameter_documents_404(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert error_schema(operation, "404") == "ErrorMessage"


def test_every_error_has_the_real_error_body_and_an_example() -> None:
    for method, path, _, operation in OPERATIONS:
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            media = response["content"]["application/json"]
            if status == "412":
                # A stale If-Match: the error, and the task as it is now.
                assert error_schema(operation, status) == "TaskChangedMessage", (method, path)
                assert set(media["example"]) == {"detail", "message", "task"}, (method, path, status)
                continue
            assert error_schema(operation, status) in {"ErrorMessage", "ValidationErrorMessage"}, (method, path)
            assert set(media["example"]) == {"detail", "message"}, (method, path, status)
    assert "HTTPValidationError" not in SPEC["components"]["schemas"]


def _properties(spec: dict[str, Any], node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every property of a schema and of the schemas inside it (options, items), with its name."""
    if not isinstance(node, dict):
        return []
    node = resolve(spec, node)
    found = [(name, field) for name, field in node.get("properties", {}).items()]
    for inner in [*node.get("anyOf", []), *node.get("oneOf", []), *node.get("allOf", []), node.get("items")]:
        if isinstance(inner, dict) and "$ref" not in inner:
            found += _properties(spec, inner)
    return found


def test_no_request_property_has_a_default_so_generated_clients_may_leave_it_out() -> None:
    roots = request_roots(SPEC)
    named = [SPEC["components"]["schemas"][name] for name in schema_names(SPEC, roots)]
    checked = [field for root in [*roots, *named] for field in _properties(SPEC, root)]
    assert len(checked) > 10
    for name, field in checked:
        assert "default" not in field, name
    completed = SPEC["components"]["schemas"]["TaskCreate"]["properties"]["completed"]
    assert "Default: `false`" in completed["description"]


def test_a_response_property_with_a_default_is_required_since_it_is_always_sent() -> None:
    only_answered = schema_names(SPEC, response_roots(SPEC)) - schema_names(SPEC, request_roots(SPEC))
    assert {"TaskPublic", "UserPublic", "AuthSession", "TokenPair", "ErrorMessage", "Message"} <= only_answered
    for name in only_answered:
        schema = SPEC["components"]["schemas"][name]
        for field_name, field in schema.get("properties", {}).items():
            if "default" in field:
                assert field_name in schema["required"], (name, field_name)
    for name in ("TaskPublic", "UserPublic", "AuthSession", "TokenPair", "ErrorMessage", "Message"):
        schema = SPEC["components"]["schemas"][name]
        assert schema["required"] == list(schema["properties"]), name


def test_a_cross_site_403_is_documented_only_while_session_cookies_are_on() -> None:
    assert not [path for _, path, _, operation in OPERATIONS if "403" in operation["responses"]]
    with_cookies = document(**COOKIE_SETTINGS)
    for method, path, route, _ in OPERATIONS:
        responses = with_cookies["paths"][path][method.lower()]["responses"]
        assert ("403" in responses) == (needs_token(route) and method in UNSAFE_METHODS), (method, path)
        if "403" in responses:
            example = responses["403"]["content"]["application/json"]["example"]
            assert example["detail"] == CrossSiteRequestError.detail


def _header_parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    (parameter,) = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == name]
    return parameter


@cases(lambda route: takes_header(route, "If-Match"))
def test_a_conditional_write_documents_if_match_412_with_the_current_task_and_400(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert _header_parameter(operation, "If-Match")["schema"] == {"type": "string"}
    assert error_schema(operation, "412") == "TaskChangedMessage"
    assert "ETag" in operation["responses"]["412"]["headers"]
    assert "If-Match" in operation["responses"]["400"]["description"]
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            assert ("ETag" in response.get("headers", {})) == ("content" in response), (status, response)


@cases(lambda route: takes_header(route, "If-None-Match"))
def test_a_conditional_read_documents_if_none_match_and_a_bodiless_304_with_its_tag(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    assert _header_parameter(operation, "If-None-Match")["schema"] == {"type": "string"}
    assert "content" not in operation["responses"]["304"]
    assert "ETag" in operation["responses"]["304"]["headers"]
    assert "ETag" in operation["responses"]["200"]["headers"]


def test_only_routes_that_take_the_headers_document_304_and_412() -> None:
    for method, path, route, operation in OPERATIONS:
        assert ("304" in operation["responses"]) == takes_header(route, "If-None-Match"), (method, path)
        assert ("412" in operation["responses"]) == takes_header(route, "If-Match"), (method, path)


@cases(_creates)
def test_a_create_answers_the_new_items_tag(method: str, path: str, route: APIRoute, operation: dict[str, Any]) -> None:
    assert "ETag" in operation["responses"]["201"]["headers"]


@cases(lambda route: takes_header(route, "Idempotency-Key"))
def test_an_idempotent_route_documents_the_key_409_422_and_the_replay_mark(
    method: str, path: str, route: APIRoute, operation: dict[str, Any]
) -> None:
    key = _header_parameter(operation, "Idempotency-Key")
    assert key["schema"]["type"] == "string"
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 255)
    assert error_schema(operation, "409") == "ErrorMessage"
    assert "Idempotency-Key" in operation["responses"]["422"]["description"]
    for status, response in operation["responses"].items():
        assert ("Idempotent-Replayed" in response.get("headers", {})) == status.startswith("2"), status


def test_every_header_parameter_is_one_string_as_a_client_sends_it() -> None:
    parameters = [
        parameter
        for _, _, _, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    ]
    assert {parameter["name"] for parameter in parameters} == {"If-Match", "If-None-Match", "Idempotency-Key"}
    for parameter in parameters:
        assert parameter["schema"]["type"] == "string", parameter
        assert parameter["description"], parameter
        assert parameter["example"], parameter
