"""Cases the fuzzer found, kept as plain tests on both databases. Each was a 500 before its fix.

Valid JSON can carry what no database or encoder takes: an unpaired surrogate ("\\ud800" is not Unicode), a NUL
character (PostgreSQL refuses it in text), an integer past 64 bits. Each is the client's fault: 4xx, never 5xx.
"""

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import signed_in_user

JSON = {"Content-Type": "application/json"}
TOO_BIG = "-245951383568839450814316544"  # past 64 bits: orjson could not echo it back in a 422


async def test_an_integer_past_64_bits_in_a_body_is_a_plain_validation_error(client: httpx.AsyncClient) -> None:
    body = f'{{"email": {TOO_BIG}, "password": "correct horse battery", "name": "Ada"}}'
    response = await client.post("/api/auth/signup", content=body, headers=JSON)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["type"], problem["input"]) == (["body", "email"], "string_type", int(TOO_BIG))


@pytest.mark.parametrize("path", ["/api/auth/refresh", "/api/auth/signout"])
async def test_an_unpaired_surrogate_in_a_token_is_a_validation_error(
    client: httpx.AsyncClient, kernel: Kernel, path: str
) -> None:
    user = await signed_in_user(kernel)
    response = await client.post(path, content='{"refresh_token": "\\ud800"}', headers=JSON | user.headers)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["type"]) == (["body", "refresh_token"], "string_unicode")


async def test_an_unpaired_surrogate_in_a_title_is_a_validation_error(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    user = await signed_in_user(kernel)
    response = await client.post("/api/tasks", content='{"title": "x\\udfff"}', headers=JSON | user.headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/tasks", '{"title": "a\\u0000b"}', "title"),
        ("/api/tasks", '{"title": "ok", "description": "\\u0000"}', "description"),
        (
            "/api/auth/signup",
            '{"email": "nul@example.com", "password": "correct horse battery", "name": "\\u0000"}',
            "name",
        ),
    ],
)
async def test_a_nul_character_is_refused_the_same_way_on_both_databases(
    client: httpx.AsyncClient, kernel: Kernel, path: str, body: str, field: str
) -> None:
    # PostgreSQL cannot store NUL in text and SQLite can: the API refuses it before either sees it.
    user = await signed_in_user(kernel)
    response = await client.post(path, content=body, headers=JSON | user.headers)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field]
    assert "NUL" in problem["msg"]


async def test_an_offset_past_64_bits_is_a_validation_error(client: httpx.AsyncClient, kernel: Kernel) -> None:
    user = await signed_in_user(kernel)
    response = await client.get("/api/tasks", params={"offset": 10**20}, headers=user.headers)

    assert response.status_code == 422
