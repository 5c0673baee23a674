"""CurrentUser: which bearer tokens name a caller, and how users first seen through Better Auth are provisioned."""

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from fastapi import FastAPI
from jose import jwt as jose_jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from app.shared.database.tables import User
from app.shared.kernel import Kernel
from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer, create_user
from tests.sql_spy import watching_sql

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]


def external_token(claims: dict[str, Any], *, secret: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jose_jwt.encode({"exp": int(time.time()) + 300} | claims, secret, algorithm=algorithm)


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers=bearer(token))


async def stored_user(kernel: Kernel, user_id: str) -> User | None:
    async with kernel.database.orm_session() as session:
        return await session.get(User, user_id)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "ba-user-1", "email": "One@Example.com", "name": "One"},
        {"user_id": "ba-user-1", "email": "one@example.com", "name": "One"},
        {"id": "ba-user-1", "email": "one@example.com", "name": "One"},
        {"user": {"id": "ba-user-1", "email": "one@example.com", "name": "One", "emailVerified": True}},
    ],
)
async def test_better_auth_hs256_tokens_are_accepted_and_provision_the_user(
    client: httpx.AsyncClient, kernel: Kernel, claims: dict[str, Any]
) -> None:
    response = await me(client, external_token(claims))
    assert response.status_code == 200, response.text
    assert response.json() | {"created_at": None} == {
        "id": "ba-user-1",
        "email": "one@example.com",
        "name": "One",
        "created_at": None,
    }
    user = await stored_user(kernel, "ba-user-1")
    assert user is not None
    assert (user.email, user.password_hash) == ("one@example.com", None)


async def test_a_known_external_user_is_not_provisioned_again(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = external_token({"sub": "ba-user-2", "email": "two@example.com"})
    inserts: list[str] = []

    def spy(statement: str) -> None:
        if statement.startswith("INSERT INTO users"):
            inserts.append(statement)

    with watching_sql(monkeypatch, spy):
        assert (await me(client, token)).status_code == 200
        assert (await me(client, token)).status_code == 200
    assert len(inserts) == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "nobody@example.com"},  # no user id
        {"sub": "ba-user-3"},  # no email
        {"sub": "x" * 65, "email": "long@example.com"},  # user id over 64 characters
        {"sub": "ba-user-3", "email": "not-an-email"},
        {"sub": "ba-user-3", "email": "three@example.com", "type": "refresh"},
    ],
)
async def test_tokens_that_name_no_usable_user_are_401(client: httpx.AsyncClient, claims: dict[str, Any]) -> None:
    response = await me(client, external_token(claims))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_an_email_owned_by_another_account_is_401(client: httpx.AsyncClient, kernel: Kernel) -> None:
    await create_user(kernel, email="taken@example.com")
    response = await me(client, external_token({"sub": "ba-user-4", "email": "taken@example.com"}))
    assert response.status_code == 401
    assert await stored_user(kernel, "ba-user-4") is None


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b.c",
        external_token({"sub": "u", "email": "u@example.com"}, secret="another-secret-" + "x" * 32),
        external_token({"sub": "u", "email": "u@example.com"}, secret=TEST_SECRET, algorithm="HS512"),
        external_token({"sub": "u", "email": "u@example.com", "exp": int(time.time()) - 60}),  # past the 30 s leeway
        jose_jwt.encode({"sub": "u", "email": "u@example.com"}, TEST_SECRET, algorithm="HS256"),  # no exp
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"sub": "u", "email": "u@example.com", "exp": 2**31}) + ".",
    ],
    ids=["empty", "garbage", "three-dots", "other-key", "hs512", "expired", "no-exp", "alg-none"],
)
async def test_forged_malformed_and_expired_tokens_are_401(client: httpx.AsyncClient, token: str) -> None:
    response = await me(client, token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
async def test_a_missing_or_non_bearer_header_is_401(client: httpx.AsyncClient, header: str | None) -> None:
    response = await client.get("/api/auth/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


class KeySet:
    """A Better Auth stand-in: serves /api/auth/jwks on 127.0.0.1 and counts how often it is fetched."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200 if self.path == "/api/auth/jwks" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, kid: str, private_key: Any) -> None:
        algorithm = OKPAlgorithm if isinstance(private_key, ed25519.Ed25519PrivateKey) else ECAlgorithm
        jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
        self.keys.append(jwk | {"kid": kid, "alg": "EdDSA" if algorithm is OKPAlgorithm else "ES256", "use": "sig"})

    def token(self, kid: str, private_key: Any, **claims: Any) -> str:
        algorithm = "EdDSA" if isinstance(private_key, ed25519.Ed25519PrivateKey) else "ES256"
        payload = {"sub": "ba-jwks", "email": "jwks@example.com", "name": "Jay", "iss": self.url, "aud": self.url}
        payload |= {"iat": int(time.time()), "exp": int(time.time()) + 300} | claims
        return pyjwt.encode(payload, private_key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def key_set() -> Iterator[KeySet]:
    served = KeySet()
    yield served
    served.server.shutdown()


async def test_better_auth_jwt_plugin_tokens_are_verified_against_its_jwks(app_with: AppWith, key_set: KeySet) -> None:
    signing_key = ed25519.Ed25519PrivateKey.generate()
    key_set.publish("k1", signing_key)
    async with app_with(better_auth_url=key_set.url) as app, client_for(app) as client:
        accepted = await me(client, key_set.token("k1", signing_key))
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["email"] == "jwks@example.com"
        assert await stored_user(app.state.kernel, "ba-jwks") is not None
        for forged in (
            key_set.token("k1", signing_key, aud="https://elsewhere.example"),
            key_set.token("k1", signing_key, iss="https://elsewhere.example"),
            key_set.token("k1", signing_key, exp=int(time.time()) - 60),  # past the 30 s leeway
            key_set.token("k1", ed25519.Ed25519PrivateKey.generate()),  # right kid, wrong key
        ):
            assert (await me(client, forged)).status_code == 401
        assert key_set.fetches == 1


async def test_an_unknown_key_id_refetches_the_key_set_once(
    app_with: AppWith, key_set: KeySet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In production a refetch waits out a short cooldown after the last fetch; here the rotation is immediate.
    monkeypatch.setattr("app.shared.auth.better_auth_keys.JWKS_REFETCH_COOLDOWN_SECONDS", 0.0)
    first = ed25519.Ed25519PrivateKey.generate()
    key_set.publish("k1", first)
    async with app_with(better_auth_url=key_set.url) as app, client_for(app) as client:
        assert (await me(client, key_set.token("k1", first))).status_code == 200
        rotated = ec.generate_private_key(ec.SECP256R1())
        key_set.publish("k2", rotated)
        assert (
            await me(client, key_set.token("k2", rotated, sub="ba-es256", email="es@example.com"))
        ).status_code == 200
        assert key_set.fetches == 2
        assert (await me(client, key_set.token("k3", rotated))).status_code == 401


async def test_without_better_auth_url_asymmetric_tokens_are_refused(client: httpx.AsyncClient) -> None:
    signing_key = ed25519.Ed25519PrivateKey.generate()
    token = pyjwt.encode(
        {"sub": "x", "email": "x@example.com", "exp": int(time.time()) + 60},
        signing_key,
        algorithm="EdDSA",
        headers={"kid": "k1"},
    )
    assert (await me(client, token)).status_code == 401
