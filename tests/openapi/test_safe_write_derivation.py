"""The statuses and headers of safe edits and safe retries follow from the headers a route takes, on any route.

A small app of its own declares the request headers the way a slice does (`Header(alias=…)`, in the route or in
a dependency), so each rule is checked apart from the task slices; test_openapi_structure.py checks the real
routes against the same rules.
"""

from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, Query
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.shared.http.openapi_headers import document_request_headers
from app.shared.http.openapi_responses import KEY_REUSED_EXAMPLE, RouteFacts, document_responses
from app.shared.tasks.public import TaskPublic
from tests.conftest import test_settings


class Page(BaseModel):
    limit: int | None = None
    offset: int = 0


class Edit(BaseModel):
    title: str


async def _if_match(if_match: Annotated[list[str] | None, Header(alias="If-Match")] = None) -> None:
    return None


async def _if_none_match(if_none_match: Annotated[list[str] | None, Header(alias="If-None-Match")] = None) -> None:
    return None


IfMatch = Annotated[None, Depends(_if_match)]
IfNoneMatch = Annotated[None, Depends(_if_none_match)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items", response_model=list[TaskPublic])
    async def list_items(page: Annotated[Page, Query()], _: IfNoneMatch) -> None: ...

    @app.post("/items", status_code=201, response_model=TaskPublic)
    async def create_item(body: Edit, key: IdempotencyKey = None) -> None: ...

    @app.get("/items/{item_id}", response_model=TaskPublic)
    async def get_item(item_id: str, _: IfNoneMatch) -> None: ...

    @app.patch("/items/{item_id}", response_model=TaskPublic)
    async def update_item(item_id: str, body: Edit, _: IfMatch) -> None: ...

    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: str, _: IfMatch) -> None: ...

    @app.patch("/items/{item_id}/toggle", response_model=TaskPublic)
    async def toggle_item(item_id: str, _: IfMatch, key: IdempotencyKey = None) -> None: ...

    @app.get("/plain/{name}", response_model=TaskPublic)
    async def plain(name: str, limit: int = 1) -> None: ...

    return app


def _documented() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    app = _app()
    schema = app.openapi()
    components = schema.setdefault("components", {})
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    settings = test_settings("sqlite+aiosqlite://")
    operations: dict[str, dict[str, Any]] = {}
    for route in routes:
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            document_request_headers(operation)
            document_responses(operation, RouteFacts.of(route, method, routes), components, settings)
            operations[f"{method} {route.path_format}"] = operation
    return operations, components


OPERATIONS, COMPONENTS = _documented()


def statuses(name: str) -> set[str]:
    return set(OPERATIONS[name]["responses"])


def headers(name: str, status: str) -> set[str]:
    return set(OPERATIONS[name]["responses"][status].get("headers", {}))


def test_if_none_match_means_304_with_the_tag_and_no_body_and_400_for_a_malformed_tag() -> None:
    for name in ("GET /items/{item_id}", "GET /items"):
        not_modified = OPERATIONS[name]["responses"]["304"]
        assert "content" not in not_modified
        assert headers(name, "304") == {"ETag"}
        assert "If-None-Match" in OPERATIONS[name]["responses"]["400"]["description"]
        assert "ETag" in headers(name, "200")


def test_if_match_means_412_with_the_current_task_and_its_tag() -> None:
    for name in ("PATCH /items/{item_id}", "DELETE /items/{item_id}", "PATCH /items/{item_id}/toggle"):
        changed = OPERATIONS[name]["responses"]["412"]
        assert changed["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TaskChangedMessage"}
        assert set(changed["content"]["application/json"]["example"]) == {"detail", "message", "task"}
        assert headers(name, "412") == {"ETag"}
        assert "If-Match" in OPERATIONS[name]["responses"]["400"]["description"]
    shape = COMPONENTS["schemas"]["TaskChangedMessage"]
    assert shape["properties"]["task"] == {"$ref": "#/components/schemas/TaskPublic"}


def test_a_body_and_a_tag_header_are_both_named_as_causes_of_a_400() -> None:
    both = OPERATIONS["PATCH /items/{item_id}"]["responses"]["400"]
    assert "not valid JSON" in both["description"]
    assert "If-Match" in both["description"]
    only_header = OPERATIONS["PATCH /items/{item_id}/toggle"]["responses"]["400"]["content"]["application/json"]
    assert only_header["example"]["detail"].startswith("If-Match must be")


def test_an_answer_without_a_body_carries_no_tag() -> None:
    assert "ETag" not in headers("DELETE /items/{item_id}", "204")


def test_a_create_whose_items_have_versions_answers_the_new_ones_tag() -> None:
    assert {"ETag", "Idempotent-Replayed"} <= headers("POST /items", "201")


def test_idempotency_key_means_409_while_running_422_for_another_request_and_the_replay_mark() -> None:
    for name in ("POST /items", "PATCH /items/{item_id}/toggle"):
        assert {"409", "422"} <= statuses(name)
        assert "Idempotency-Key" in OPERATIONS[name]["responses"]["422"]["description"]
        assert "Idempotent-Replayed" in headers(name, "200" if name.startswith("PATCH") else "201")
    toggle = OPERATIONS["PATCH /items/{item_id}/toggle"]["responses"]["422"]["content"]["application/json"]
    assert toggle["example"] == KEY_REUSED_EXAMPLE


def test_a_paged_list_counts_and_links_its_pages() -> None:
    assert {"X-Total-Count", "Link", "ETag"} <= headers("GET /items", "200")


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("PATCH /items/{item_id}", "If-Match"),
        ("GET /items/{item_id}", "If-None-Match"),
        ("POST /items", "Idempotency-Key"),
    ],
)
def test_a_request_header_is_documented_as_the_string_a_client_sends(name: str, header: str) -> None:
    (parameter,) = [p for p in OPERATIONS[name]["parameters"] if p["in"] == "header" and p["name"] == header]
    assert parameter["schema"]["type"] == "string"
    assert parameter["description"]
    assert parameter["example"]


def test_a_route_that_takes_none_of_them_documents_none_of_it() -> None:
    assert not {"304", "409", "412"} & statuses("GET /plain/{name}")
    assert not {"ETag", "Idempotent-Replayed", "X-Total-Count", "Link"} & headers("GET /plain/{name}", "200")
