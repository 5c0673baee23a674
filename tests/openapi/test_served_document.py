"""`/openapi.json` names the server the client reached, so a tool that imports it by URL can call what it names.

Postman's "Import → Link" takes the first server as `{{baseUrl}}`: `/` made every request fail before it was
sent. Each case runs the app as uvicorn serves it, behind uvicorn's own proxy-headers handling, with the socket
peer a test picks; the host is echoed only when it is a plain host, whatever a client puts in the header.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.shared.http.openapi_servers import valid_host
from tests.openapi.documents import built_app

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"
RELATIVE = [{"url": "/", "description": "The server that served this document"}]


async def servers(
    peer: str = CLIENT, headers: dict[str, str] | None = None, base_url: str = "http://todo.test:8000", **transport: Any
) -> list[dict[str, str]]:
    behind_uvicorn = ProxyHeadersMiddleware(built_app(), trusted_hosts=[PROXY])  # type: ignore[arg-type]
    asgi = httpx.ASGITransport(app=behind_uvicorn, client=(peer, 40000), **transport)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=asgi, base_url=base_url) as client:
        answer = await client.get("/openapi.json", headers=headers)
    assert answer.status_code == 200
    return answer.json()["servers"]  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
async def _the_built_document_never_changes() -> AsyncIterator[None]:
    built = built_app().openapi()
    yield
    assert built_app().openapi() is built
    assert built["servers"] == RELATIVE


async def test_a_direct_client_gets_the_scheme_and_host_it_reached() -> None:
    assert await servers() == [
        {"url": "http://todo.test:8000", "description": "The server this document was fetched from"}
    ]


async def test_behind_a_trusted_proxy_the_host_and_scheme_are_the_ones_the_proxy_was_asked_for() -> None:
    forwarded = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "todo.example.com"}
    assert (await servers(PROXY, forwarded, "http://10.0.0.9:8000"))[0]["url"] == "https://todo.example.com"


async def test_the_last_forwarded_host_is_the_one_the_trusted_proxy_wrote() -> None:
    forwarded = {"X-Forwarded-For": CLIENT, "X-Forwarded-Host": "evil.example, todo.example.com"}
    assert (await servers(PROXY, forwarded))[0]["url"] == "http://todo.example.com"


async def test_forwarded_headers_from_anyone_else_change_nothing() -> None:
    forged = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    assert (await servers(CLIENT, forged))[0]["url"] == "http://todo.test:8000"


async def test_a_path_prefix_of_the_proxy_follows_the_host() -> None:
    assert (await servers(root_path="/todo"))[0]["url"] == "http://todo.test:8000/todo"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example/path",
        "evil.example?x=1",
        "evil.example#x",
        "user@evil.example",
        "evil.example:99999",
        "evil.example:",
        "-evil.example",
        "evil..example",
        "evil.example\r\nSet-Cookie: a=b",
        '"><script>alert(1)</script>',
        "[::1",
        "[not:an:address]",
        "",
    ],
)
async def test_a_host_header_that_is_no_host_is_never_echoed(host: str) -> None:
    assert valid_host(host) is None
    raw = httpx.Headers([("Host", host.encode("latin-1"))])
    assert await servers(headers=raw) == RELATIVE  # type: ignore[arg-type]
    forwarded = {"X-Forwarded-For": CLIENT, "X-Forwarded-Host": host}
    assert await servers(PROXY, forwarded) == RELATIVE


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1:8000", "[::1]:8000", "[2001:db8::1]", "todo-api.example.com", "a.b.c:443"]
)
def test_a_plain_host_is_echoed_as_sent(host: str) -> None:
    assert valid_host(host) == host


async def test_a_cache_is_told_which_headers_the_answer_depends_on() -> None:
    asgi = httpx.ASGITransport(app=built_app(), client=(CLIENT, 40000))
    async with httpx.AsyncClient(transport=asgi, base_url="http://todo.test") as client:
        answer = await client.get("/openapi.json")
    assert {value.strip() for value in answer.headers["vary"].split(",")} == {
        "X-Forwarded-Host",
        "X-Forwarded-Proto",
        "Origin",
    }
