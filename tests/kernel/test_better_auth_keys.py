"""Better Auth's key set: rotation honoured at once, single flight, a refetch budget, and 503 when it is away.

`JwksServer` is a Better Auth stand-in on 127.0.0.1 that serves `/api/auth/jwks`, counts its fetches, and can
answer slowly or fail; `tests/security/test_token_hardening.py` uses it too.
"""

import asyncio
import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio.to_thread
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fastapi import FastAPI
from jose import jwt as jose_jwt
from jwt.algorithms import get_default_algorithms

from app.shared.auth import better_auth_keys
from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer
from tests.security.logs import captured_logs, events

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
# The key types Better Auth's jwt() plugin can publish, and the algorithm each is made for.
KEY_TYPES = {"Ed25519": "EdDSA", "P-256": "ES256", "P-521": "ES512", "RSA": "RS256"}


@cache
def private_key(key_type: str) -> Any:
    """One key per type for the whole run: RSA keys take a while to make."""
    if key_type == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "P-256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "P-521":
        return ec.generate_private_key(ec.SECP521R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A JWS built by hand, so a test controls every byte (a string `exp`, NaN, a junk signature)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def signer(algorithm: str, key: Any) -> Callable[[bytes], bytes]:
    implementation = get_default_algorithms()[algorithm]
    return lambda data: implementation.sign(data, implementation.prepare_key(key))


class JwksServer:
    """Serves `{"keys": [...]}` at /api/auth/jwks; `delay` slows each answer, `status` other than 200 fails it."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.delay = 0.0
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                time.sleep(outer.delay)
                found = self.path == "/api/auth/jwks"
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(outer.status if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, kid: str, key_type: str, *, alg: str | None = None) -> None:
        algorithm = alg or KEY_TYPES[key_type]
        jwk = get_default_algorithms()[algorithm].to_jwk(private_key(key_type).public_key(), as_dict=True)
        self.keys.append(jwk | {"kid": kid, "alg": algorithm, "use": "sig"})

    def retire(self, kid: str) -> None:
        self.keys = [key for key in self.keys if key["kid"] != kid]

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"sub": "ba-keys", "email": "keys@example.com", "name": "Kay", "iss": self.url, "aud": self.url}
        return claims | {"iat": now, "exp": now + 300} | overrides

    def token(self, kid: str, key_type: str, *, alg: str | None = None, **claims: Any) -> str:
        algorithm = alg or KEY_TYPES[key_type]
        header = {"alg": algorithm, "typ": "JWT", "kid": kid}
        return compact(header, self.claims(**claims), signer(algorithm, private_key(key_type)))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    served = JwksServer()
    yield served
    served.close()


def refused_url() -> str:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers=bearer(token))


def unique_user() -> dict[str, str]:
    tag = uuid.uuid4().hex[:12]
    return {"sub": f"ba-{tag}", "email": f"{tag}@example.com"}


async def test_a_rotated_key_is_honoured_at_once(app_with: AppWith, jwks: JwksServer) -> None:
    jwks.publish("k1", "Ed25519")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        assert (await me(client, jwks.token("k1", "Ed25519"))).status_code == 200
        # Better Auth rotates, and the very next token names the new key: no cooldown may stand in the way.
        jwks.publish("k2", "P-256")
        rotated = await me(client, jwks.token("k2", "P-256", **unique_user()))
        assert rotated.status_code == 200, rotated.text
        assert jwks.fetches == 2


async def test_fifty_concurrent_requests_with_an_unknown_kid_cause_one_fetch(
    app_with: AppWith, jwks: JwksServer
) -> None:
    jwks.publish("k1", "Ed25519")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        assert (await me(client, jwks.token("k1", "Ed25519"))).status_code == 200
        jwks.publish("k2", "P-256")
        # Slow enough that every request arrives while the one fetch is still running.
        jwks.delay = 0.3
        token = jwks.token("k2", "P-256", **unique_user())
        responses = await asyncio.gather(*(me(client, token) for _ in range(50)))
        assert [response.status_code for response in responses] == [200] * 50
        assert jwks.fetches == 2


async def test_fifty_concurrent_first_requests_share_one_fetch(app_with: AppWith, jwks: JwksServer) -> None:
    jwks.publish("k1", "Ed25519")
    jwks.delay = 0.3
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        token = jwks.token("k1", "Ed25519", **unique_user())
        responses = await asyncio.gather(*(me(client, token) for _ in range(50)))
        assert [response.status_code for response in responses] == [200] * 50
        assert jwks.fetches == 1


async def test_unknown_kids_refetch_at_most_once_a_second(app_with: AppWith, jwks: JwksServer) -> None:
    jwks.publish("k1", "Ed25519")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        assert (await me(client, jwks.token("k1", "Ed25519"))).status_code == 200
        # A burst of invented kids: the first spends the refetch budget, the rest are refused without a fetch.
        for attempt in range(20):
            refused = await me(client, jwks.token(f"invented-{attempt}", "Ed25519"))
            assert refused.status_code == 401
            assert refused.json()["detail"] == "Invalid token"
            assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert jwks.fetches == 2
        # A real new key within that second waits for the budget, then is fetched.
        jwks.publish("k2", "P-256")
        assert (await me(client, jwks.token("k2", "P-256"))).status_code == 401
        await asyncio.sleep(better_auth_keys.JWKS_REFETCH_COOLDOWN_SECONDS)
        assert (await me(client, jwks.token("k2", "P-256", **unique_user()))).status_code == 200
        assert jwks.fetches == 3


async def test_keys_unreachable_is_503_with_retry_after_within_a_second(app_with: AppWith) -> None:
    claims = unique_user() | {"exp": int(time.time()) + 300}
    token = compact({"alg": "EdDSA", "kid": "k1"}, claims, signer("EdDSA", private_key("Ed25519")))
    async with app_with(better_auth_url=refused_url()) as app, client_for(app) as client:
        with captured_logs() as records:
            started = time.perf_counter()
            response = await me(client, token)
            elapsed = time.perf_counter() - started
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == str(app.state.kernel.settings.retry_after_seconds)
        assert elapsed < 1.0
        [event] = events(records, "better_auth_keys_unreachable")
        assert event["extra"]["cause"] == "ConnectError"
        # Not the caller's fault, so not a rejected token.
        assert not events(records, "invalid_token")


async def test_a_key_server_that_never_answers_is_503_after_the_fetch_timeout(
    app_with: AppWith, jwks: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert better_auth_keys.JWKS_FETCH_TIMEOUT_SECONDS <= 3
    monkeypatch.setattr(better_auth_keys, "JWKS_FETCH_TIMEOUT_SECONDS", 0.3)
    jwks.publish("k1", "Ed25519")
    jwks.delay = 2.0
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        started = time.perf_counter()
        response = await me(client, jwks.token("k1", "Ed25519"))
        assert response.status_code == 503
        assert time.perf_counter() - started < 1.5


async def test_a_failing_key_server_is_retried_at_most_once_a_second_and_recovers(
    app_with: AppWith, jwks: JwksServer
) -> None:
    jwks.publish("k1", "Ed25519")
    jwks.status = 500
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        token = jwks.token("k1", "Ed25519", **unique_user())
        for _ in range(10):
            assert (await me(client, token)).status_code == 503
        assert jwks.fetches == 1
        jwks.status = 200
        await asyncio.sleep(better_auth_keys.JWKS_REFETCH_COOLDOWN_SECONDS)
        assert (await me(client, token)).status_code == 200
        assert jwks.fetches == 2


async def test_cached_keys_outlive_an_outage_of_the_key_server(app_with: AppWith, jwks: JwksServer) -> None:
    jwks.publish("k1", "Ed25519")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        assert (await me(client, jwks.token("k1", "Ed25519"))).status_code == 200
        jwks.status = 500
        # The token's key is cached, so the outage does not matter to it; an unknown kid cannot be told apart.
        assert (await me(client, jwks.token("k1", "Ed25519", **unique_user()))).status_code == 200
        assert (await me(client, jwks.token("k-new", "Ed25519"))).status_code == 503


async def test_keys_are_refreshed_once_stale_and_a_retired_key_stops_verifying(
    app_with: AppWith, jwks: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(better_auth_keys, "JWKS_CACHE_SECONDS", 0.2)
    jwks.publish("k1", "Ed25519")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        old = jwks.token("k1", "Ed25519", **unique_user())
        assert (await me(client, old)).status_code == 200
        jwks.retire("k1")
        jwks.publish("k2", "P-256")
        await asyncio.sleep(0.3)
        # Stale keys still answer at once; the refresh runs behind the request, not in front of it.
        assert (await me(client, jwks.token("k1", "Ed25519", **unique_user()))).status_code == 200
        for _ in range(50):
            if jwks.fetches == 2:
                break
            await asyncio.sleep(0.02)
        assert jwks.fetches == 2
        await asyncio.sleep(0.05)
        assert (await me(client, jwks.token("k1", "Ed25519", **unique_user()))).status_code == 401
        assert (await me(client, jwks.token("k2", "P-256", **unique_user()))).status_code == 200


async def test_the_fetch_runs_on_the_event_loop_holding_no_thread(
    app_with: AppWith, jwks: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_thread(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the key set must be fetched on the event loop, not in a worker thread")

    jwks.publish("k1", "Ed25519")
    jwks.delay = 0.5
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        monkeypatch.setattr(anyio.to_thread, "run_sync", no_thread)
        monkeypatch.setattr(asyncio.get_running_loop(), "run_in_executor", no_thread)
        token = jwks.token("k1", "Ed25519", **unique_user())
        waiting = [asyncio.create_task(me(client, token)) for _ in range(20)]
        await asyncio.sleep(0.2)
        # Meanwhile the loop serves everyone else: an HS256 token is answered while the fetch is in flight.
        ours = jose_jwt.encode(unique_user() | {"exp": int(time.time()) + 60}, TEST_SECRET, algorithm="HS256")
        assert (await me(client, ours)).status_code == 200
        assert not any(request.done() for request in waiting)
        assert [response.status_code for response in await asyncio.gather(*waiting)] == [200] * 20
        assert jwks.fetches == 1


async def test_es512_keys_are_accepted(app_with: AppWith, jwks: JwksServer) -> None:
    jwks.publish("k-es512", "P-521")
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        response = await me(client, jwks.token("k-es512", "P-521", **unique_user()))
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({}, 200),
        ({"iss": None, "aud": None}, 200),
        ({"aud": ["https://another.example", "SELF"]}, 200),
        ({"aud": "https://another.example"}, 401),
        ({"aud": ["https://another.example"]}, 401),
        ({"iss": "https://another.example"}, 401),
        ({"iss": "SELF/"}, 401),
        ({"iss": 7}, 401),
    ],
    ids=["both-ours", "neither", "aud-list-with-ours", "aud-other", "aud-list-without-ours", "iss-other",
         "iss-trailing-slash", "iss-number"],
)  # fmt: skip
async def test_iss_and_aud_when_present_must_be_better_auth_url(
    app_with: AppWith, jwks: JwksServer, claims: dict[str, Any], status: int
) -> None:
    jwks.publish("k1", "Ed25519")
    resolved = {
        name: [jwks.url if item == "SELF" else item for item in value]
        if isinstance(value, list)
        else value.replace("SELF", jwks.url)
        if isinstance(value, str)
        else value
        for name, value in claims.items()
    }
    payload = jwks.claims(**unique_user()) | resolved
    payload = {name: value for name, value in payload.items() if value is not None}
    token = compact({"alg": "EdDSA", "kid": "k1"}, payload, signer("EdDSA", private_key("Ed25519")))
    async with app_with(better_auth_url=jwks.url) as app, client_for(app) as client:
        assert (await me(client, token)).status_code == status
