"""The OpenAPI document as generators read it: operation ids named after the route functions, unique, and
every tag declared with a description, in the order a person uses the API."""

import re

import httpx


async def test_operation_ids_are_the_route_names_in_camel_case_and_unique(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = {(method, path): op for path, item in spec["paths"].items() for method, op in item.items()}
    ids = [operation["operationId"] for operation in operations.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]*", operation_id) for operation_id in ids), ids
    assert operations[("patch", "/api/tasks/{task_id}/toggle")]["operationId"] == "toggleTask"
    assert operations[("post", "/api/tasks")]["operationId"] == "createTask"
    assert operations[("get", "/api/tasks")]["operationId"] == "listTasks"
    assert operations[("post", "/api/auth/signin")]["operationId"] == "signIn"
    assert operations[("post", "/api/auth/register")]["operationId"] == "signUpRegister"
    assert operations[("get", "/api/{user_id}/tasks/{task_id}")]["operationId"] == "getTaskByUserId"


async def test_every_tag_used_is_declared_with_a_description_service_and_auth_first(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    used = {tag for item in spec["paths"].values() for operation in item.values() for tag in operation["tags"]}
    declared = [tag["name"] for tag in spec["tags"]]
    assert set(declared) == used
    assert declared[:3] == ["Service", "Auth", "Tasks"]
    assert all(tag["description"] for tag in spec["tags"])
