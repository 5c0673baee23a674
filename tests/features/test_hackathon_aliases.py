"""The drop-in backend for hackathon frontends (docs/api.md, "Aliases for hackathon frontends"), on both databases.

Each alias is checked to do what the route it stands for does, and no more: `/api/{user_id}/tasks…` beside
`/api/tasks…` (another user's id is 404 and changes nothing), `/login` (JSON or an OAuth2 form) and `/register`
in the same rate-limit buckets, `token`, optional `name` and `full_name`, `is_completed`, status and sort synonyms.
"""

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from loguru import logger

from app.shared.kernel import Kernel
from tests.conftest import client_for
from tests.factories import count_tasks, create_task, revoke, signed_in_user, stored_task
from tests.features.auth_helpers import PASSWORD, registered
from tests.inventory import HIJACK, api_routes, operations

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
USER_SCOPED = "/api/{user_id}/tasks"
# Every operation under /api/{user_id}/tasks…, from the app's own routes: list and create included.
USER_SCOPED_OPERATIONS = [
    (method, path, HIJACK if route.body_field else None)
    for method, path, route in operations(api_routes())
    if path.startswith(USER_SCOPED)
]
TASK_NOT_FOUND = {"detail": "Task not found", "message": "Task not found"}
API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def scoped(owner_id: str, rest: str = "") -> str:
    return f"/api/{owner_id}/tasks{rest}"


@asynccontextmanager
async def limited(app_with: AppWith, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app_with(rate_limit_enabled=True, **overrides) as app, client_for(app) as client:
        yield client


def new_email() -> str:
    return f"hack-{uuid4().hex[:10]}@example.com"


# /api/{user_id}/tasks…


def test_every_task_operation_is_also_served_under_the_user_scoped_prefix() -> None:
    served = {(method, path) for method, path, _ in operations(api_routes())}
    task_operations = {(method, path) for method, path in served if path.startswith("/api/tasks")}
    assert len(task_operations) >= 8  # list, create, get, put, patch, toggle, complete, delete
    for method, path in task_operations:
        assert (method, path.replace("/api/tasks", USER_SCOPED, 1)) in served, (method, path)


async def test_the_user_scoped_routes_do_what_the_others_do(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    mine = me.user.id
    created = await client.post(scoped(mine), json={"title": "From a hackathon UI"}, headers=me.headers)
    assert created.status_code == 201, created.text
    task = created.json()
    assert (task["user_id"], task["completed"], task["is_completed"]) == (mine, False, False)
    assert created.headers["Location"] == f"/api/tasks/{task['id']}"

    listed = await client.get(scoped(mine), headers=me.headers)
    assert [row["id"] for row in listed.json()] == [task["id"]]
    assert (await client.get(scoped(mine, f"/{task['id']}"), headers=me.headers)).json() == task
    put = await client.put(scoped(mine, f"/{task['id']}"), json={"title": "Renamed"}, headers=me.headers)
    patched = await client.patch(scoped(mine, f"/{task['id']}"), json={"description": "d"}, headers=me.headers)
    assert (put.json()["title"], patched.json()["description"]) == ("Renamed", "d")
    toggled = await client.patch(scoped(mine, f"/{task['id']}/toggle"), headers=me.headers)
    completed = await client.patch(scoped(mine, f"/{task['id']}/complete"), headers=me.headers)
    assert [toggled.json()["is_completed"], completed.json()["is_completed"]] == [True, False]

    deleted = await client.delete(scoped(mine, f"/{task['id']}"), headers=me.headers)
    assert (deleted.status_code, deleted.content, deleted.headers.get("Content-Type")) == (204, b"", None)
    assert await stored_task(kernel, task["id"]) is None


@pytest.mark.parametrize(("verb", "path", "body"), USER_SCOPED_OPERATIONS, ids=lambda value: str(value))
async def test_another_users_id_in_the_path_is_404_on_every_verb_and_changes_nothing(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, path: str, body: dict[str, Any] | None
) -> None:
    alice, bob = await signed_in_user(kernel), await signed_in_user(kernel)
    task = await create_task(kernel, alice, title="Alice's", description="private", completed=False)
    events: list[dict[str, Any]] = []
    sink = logger.add(lambda message: events.append(message.record["extra"]), level="WARNING")
    try:
        # Bob names Alice in the path, on her real task: the path alone must not let him in.
        url = path.format(user_id=alice.user.id, task_id=task.id)
        response = await client.request(verb, url, json=body or {"title": "planted"}, headers=bob.headers)
    finally:
        logger.remove(sink)
    assert (response.status_code, response.json()) == (404, TASK_NOT_FOUND)
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert (row.title, row.description, row.completed, row.updated_at) == ("Alice's", "private", False, task.updated_at)
    assert (await count_tasks(kernel, alice.user.id), await count_tasks(kernel, bob.user.id)) == (1, 0)
    probes = [event for event in events if event.get("event") == "task_probe"]
    assert [(probe["user_id"], probe.get("path_user_id")) for probe in probes] == [(bob.user.id, alice.user.id)]


async def test_a_user_id_nobody_has_is_the_same_404(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    response = await client.get(scoped("no-such-user"), headers=me.headers)
    assert (response.status_code, response.json()) == (404, TASK_NOT_FOUND)


async def test_a_signed_out_token_is_401_under_anyones_id(client: httpx.AsyncClient, kernel: Kernel) -> None:
    alice, bob = await signed_in_user(kernel), await signed_in_user(kernel)
    await revoke(kernel, bob)
    for owner_id in (bob.user.id, alice.user.id):
        response = await client.get(scoped(owner_id), headers=bob.headers)
        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer"), owner_id


async def test_a_user_scoped_call_counts_once_in_the_per_user_bucket(app_with: AppWith) -> None:
    # The path check and the route share one CurrentUser: one request, one hit.
    async with app_with(rate_limit_enabled=True, rate_limit_api="5/minute") as app, client_for(app) as client:
        me = await signed_in_user(app.state.kernel)
        answers = [await client.get(scoped(me.user.id), headers=me.headers) for _ in range(2)]
    assert [answer.headers["RateLimit-Remaining"] for answer in answers] == ["4", "3"]


# /api/auth/login and /api/auth/register


async def test_login_takes_the_json_signin_takes(client: httpx.AsyncClient, kernel: Kernel) -> None:
    account = await registered(kernel)
    response = await client.post("/api/auth/login", json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["user"] == account["user"]
    assert response.json()["token"] == response.json()["access_token"]


async def test_login_takes_an_oauth2_password_form(client: httpx.AsyncClient, kernel: Kernel) -> None:
    account = await registered(kernel)
    form = {"grant_type": "password", "username": "ada@example.com", "password": PASSWORD, "scope": ""}
    response = await client.post("/api/auth/login", data=form)
    assert response.status_code == 200, response.text
    session = response.json()
    assert (session["user"]["id"], session["token_type"]) == (account["user"]["id"], "bearer")
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert me.json()["id"] == account["user"]["id"]


async def test_login_by_form_refuses_a_wrong_password_like_signin(client: httpx.AsyncClient, kernel: Kernel) -> None:
    await registered(kernel)
    response = await client.post("/api/auth/login", data={"username": "ada@example.com", "password": "wrong one"})
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert response.json() == {"detail": "Invalid email or password", "message": "Invalid email or password"}


@pytest.mark.parametrize(
    ("form", "named"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "ada@example.com", "password": PASSWORD, "grant_type": "client_credentials"}, "grant_type"),
        ({"username": "not an email", "password": PASSWORD}, "email"),
    ],
)
async def test_a_bad_login_form_is_422_saying_why(client: httpx.AsyncClient, form: dict[str, str], named: str) -> None:
    response = await client.post("/api/auth/login", data=form)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)
    assert named in response.json()["message"]


async def test_register_is_signup(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/register", json={"email": "Grace@Example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    assert response.json()["user"]["email"] == "grace@example.com"
    again = await client.post("/api/auth/signup", json={"email": "grace@example.com", "password": PASSWORD})
    expected = {"detail": "Email already registered", "message": "Email already registered"}
    assert (again.status_code, again.json()) == (409, expected)


async def test_login_and_signin_count_in_one_per_email_bucket(app_with: AppWith) -> None:
    email = new_email()
    async with limited(app_with, rate_limit_signin_email="2/minute", rate_limit_auth="100/minute") as client:
        assert (await client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})).status_code == 201
        first = await client.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
        second = await client.post("/api/auth/login", data={"username": email, "password": PASSWORD})
        third = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert third.json()["message"] == third.json()["detail"]
    assert third.json()["detail"].startswith("Too many requests")


async def test_the_aliases_count_in_the_per_address_auth_bucket(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="2/minute") as client:
        signup = await client.post("/api/auth/signup", json={"email": new_email(), "password": PASSWORD})
        register = await client.post("/api/auth/register", json={"email": new_email(), "password": PASSWORD})
        login = await client.post("/api/auth/login", data={"username": new_email(), "password": PASSWORD})
    assert [signup.status_code, register.status_code, login.status_code] == [201, 201, 429]
    assert "Retry-After" in login.headers


# token, name, full_name


async def test_every_auth_answer_carries_token_equal_to_access_token(client: httpx.AsyncClient) -> None:
    body = {"email": "token@example.com", "password": PASSWORD}
    answers = [
        await client.post("/api/auth/signup", json=body),
        await client.post("/api/auth/register", json={**body, "email": "token2@example.com"}),
        await client.post("/api/auth/signin", json=body),
        await client.post("/api/auth/login", json=body),
        await client.post("/api/auth/login", data={"username": body["email"], "password": PASSWORD}),
    ]
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": answers[-1].json()["refresh_token"]})
    for answer in [*answers, refreshed]:
        assert answer.status_code in (200, 201), answer.text
        assert answer.json()["token"] == answer.json()["access_token"]


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({}, "linus.t"),
        ({"name": None}, "linus.t"),
        ({"full_name": "  Linus Torvalds "}, "Linus Torvalds"),
        ({"name": "Linus", "full_name": "Linus Torvalds"}, "Linus"),
    ],
)
async def test_signup_names_the_account(client: httpx.AsyncClient, extra: dict[str, Any], name: str) -> None:
    response = await client.post(
        "/api/auth/signup", json={"email": "Linus.T@example.com", "password": PASSWORD} | extra
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["name"] == name
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.json()['token']}"})
    assert me.json()["name"] == name


@pytest.mark.parametrize("extra", [{"name": "   "}, {"full_name": ""}, {"full_name": "x" * 101}])
async def test_a_name_given_is_still_checked(client: httpx.AsyncClient, extra: dict[str, Any]) -> None:
    response = await client.post("/api/auth/signup", json={"email": "n@example.com", "password": PASSWORD} | extra)
    assert response.status_code == 422, response.text
    assert next(iter(extra)) in response.json()["message"]


# is_completed, status and sort synonyms


async def test_is_completed_is_accepted_and_always_equals_completed(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    created = await client.post("/api/tasks", json={"title": "t", "is_completed": True}, headers=me.headers)
    assert (created.status_code, created.json()["completed"], created.json()["is_completed"]) == (201, True, True)
    task_id = created.json()["id"]
    updated = await client.put(f"/api/tasks/{task_id}", json={"is_completed": False}, headers=me.headers)
    assert (updated.json()["completed"], updated.json()["is_completed"]) == (False, False)
    same = await client.patch(
        f"/api/tasks/{task_id}", json={"completed": True, "is_completed": True}, headers=me.headers
    )
    assert (same.status_code, same.json()["is_completed"]) == (200, True)
    answers = [
        (await client.get("/api/tasks", headers=me.headers)).json()[0],
        (await client.get(f"/api/tasks/{task_id}", headers=me.headers)).json(),
        (await client.patch(f"/api/tasks/{task_id}/toggle", headers=me.headers)).json(),
    ]
    assert [(task["completed"], task["is_completed"]) for task in answers] == [
        (True, True),
        (True, True),
        (False, False),
    ]
    stored = await stored_task(kernel, task_id)
    assert stored is not None
    assert stored.completed is False


@pytest.mark.parametrize("verb", ["POST", "PUT", "PATCH"])
async def test_completed_and_is_completed_that_disagree_are_422(
    client: httpx.AsyncClient, kernel: Kernel, verb: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, completed=False)
    path = "/api/tasks" if verb == "POST" else f"/api/tasks/{task.id}"
    body = {"title": "t", "completed": True, "is_completed": False}
    response = await client.request(verb, path, json=body, headers=me.headers)
    assert response.status_code == 422, response.text
    assert "completed and is_completed disagree" in response.json()["message"]
    stored = await stored_task(kernel, task.id)
    assert stored is not None
    assert (stored.title, stored.completed) == ("A task", False)
    assert await count_tasks(kernel, me.user.id) == 1


@pytest.mark.parametrize("value", ["yes", None, 1])
async def test_a_bad_is_completed_is_422_naming_it(client: httpx.AsyncClient, kernel: Kernel, value: object) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    response = await client.patch(f"/api/tasks/{task.id}", json={"is_completed": value}, headers=me.headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "is_completed"]
    assert response.json()["message"].startswith("is_completed: ")


@pytest.mark.parametrize(
    ("status", "titles"),
    [("active", ["open"]), ("incomplete", ["open"]), ("done", ["finished"]), ("pending", ["open"])],
)
async def test_status_synonyms(client: httpx.AsyncClient, kernel: Kernel, status: str, titles: list[str]) -> None:
    me = await signed_in_user(kernel)
    await create_task(kernel, me, title="open", completed=False)
    await create_task(kernel, me, title="finished", completed=True)
    response = await client.get("/api/tasks", params={"status": status}, headers=me.headers)
    assert [task["title"] for task in response.json()] == titles


@pytest.mark.parametrize(("synonym", "key"), [("created_at", "created"), ("updated_at", "updated")])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_sort_synonyms(client: httpx.AsyncClient, kernel: Kernel, synonym: str, key: str, order: str) -> None:
    me = await signed_in_user(kernel)
    for title in ("first", "second", "third"):
        await create_task(kernel, me, title=title)
    # Touching the oldest makes it the latest updated, so the two keys give different orders.
    first = (await client.get("/api/tasks", params={"sort": "created", "order": "asc"}, headers=me.headers)).json()[0]
    await client.patch(f"/api/tasks/{first['id']}", json={"description": "touched"}, headers=me.headers)

    async def titles(sort: str) -> list[str]:
        response = await client.get("/api/tasks", params={"sort": sort, "order": order}, headers=me.headers)
        assert response.status_code == 200, response.text
        return [task["title"] for task in response.json()]

    assert await titles(synonym) == await titles(key)
    assert len(set(await titles(synonym))) == 3


async def test_an_unknown_status_is_still_422(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    response = await client.get("/api/tasks", params={"status": "someday"}, headers=me.headers)
    assert response.status_code == 422
    assert response.json()["message"].startswith("status: Input should be")


# `message` on every error, and a 204 without Content-Type


async def test_a_422_message_sums_up_each_field(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    response = await client.post("/api/tasks", json={"title": "  ", "description": "x" * 2001}, headers=me.headers)
    assert response.status_code == 422
    assert response.json()["message"] == (
        "title: String should have at least 1 character; description: String should have at most 2000 characters"
    )


async def test_400_401_and_404_carry_message(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    not_json = await client.post(
        "/api/tasks", content=b"{not json", headers=me.headers | {"Content-Type": "application/json"}
    )
    no_token = await client.get(scoped(me.user.id))
    no_route = await client.get("/api/nothing-here")
    missing = await client.get(scoped(me.user.id, f"/{uuid4()}"), headers=me.headers)
    assert [(r.status_code, r.json()) for r in (not_json, no_token, no_route, missing)] == [
        (400, {"detail": "Request body is not valid JSON", "message": "Request body is not valid JSON"}),
        (401, {"detail": "Not authenticated", "message": "Not authenticated"}),
        (404, {"detail": "Not Found", "message": "Not Found"}),
        (404, TASK_NOT_FOUND),
    ]


async def test_413_carries_message(app_with: AppWith) -> None:
    async with app_with(max_body_bytes=100) as app, client_for(app) as client:
        response = await client.post("/api/auth/login", content=b"x" * 101)
    expected = "Request body too large: the limit is 100 bytes"
    assert (response.status_code, response.json()) == (413, {"detail": expected, "message": expected})


async def test_a_204_has_no_body_and_no_content_type(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    response = await client.delete(f"/api/tasks/{task.id}", headers=me.headers)
    assert (response.status_code, response.content) == (204, b"")
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers or response.headers["Content-Length"] == "0"


# What /docs shows of the aliases


async def test_the_docs_show_the_form_login_and_the_user_scoped_routes(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    login = spec["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]
    assert set(login) == {"application/json", "application/x-www-form-urlencoded"}
    assert login["application/x-www-form-urlencoded"]["schema"]["required"] == ["username", "password"]
    scoped_item = spec["paths"]["/api/{user_id}/tasks/{task_id}"]["get"]
    path_parameters = {parameter["name"] for parameter in scoped_item["parameters"] if parameter["in"] == "path"}
    assert path_parameters == {"user_id", "task_id"}
    assert scoped_item["security"] == spec["paths"]["/api/tasks/{task_id}"]["get"]["security"]
    task = spec["components"]["schemas"]["TaskPublic"]
    assert "is_completed" in task["required"]
    assert "token" in spec["components"]["schemas"]["AuthSession"]["properties"]
    assert "message" in spec["components"]["schemas"]["ErrorMessage"]["required"]


def test_the_api_reference_links_nothing_outside_the_repository() -> None:
    text = API_DOC.read_text()
    assert "## Aliases for hackathon frontends" in text
    assert "://" not in text  # no address of any site, linked or not
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith("#"):
            continue
        linked = (API_DOC.parent / target.split("#", 1)[0]).resolve()
        assert linked.is_relative_to(API_DOC.parents[1]), target
        assert linked.exists(), target
