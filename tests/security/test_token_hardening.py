"""Issue 11: a forged token is 401, never a 500; time claims obey one set of rules on the HS256 and JWKS paths.

The JWKS path runs against a stand-in key server (`JwksServer`, from tests/kernel/test_better_auth_keys.py) that
publishes a key of every type Better Auth can make. Each kind of token is sent through the whole app.
"""

import hmac
import json
import math
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from hashlib import sha256
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.shared.auth import time_claims
from app.shared.kernel import Kernel
from app.shared.settings import Settings
from tests.conftest import TEST_SECRET, client_for, running_app, test_settings
from tests.factories import bearer
from tests.kernel.test_better_auth_keys import KEY_TYPES, JwksServer, b64url, compact, private_key, signer
from tests.security.logs import captured_lines, captured_logs

LEEWAY = 30
MAX_LIFETIME = 7 * 86_400
# Every algorithm a forger might name, against every key type: mismatched pairs are the key-confusion attempts.
FORGED_ALGORITHMS = ["EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "PS256", "PS512", "HS256", "HS512", "none"]
JUNK_SIGNATURES = {"empty": "", "short": b64url(b"x" * 7), "64-bytes": b64url(os.urandom(64)), "512-bytes": b64url(
    os.urandom(512)), "not-base64": "!!!*", "padded": b64url(os.urandom(64)) + "=="}  # fmt: skip
PATHS = ["hs256", "jwks"]


@pytest.fixture(scope="module")
def key_server() -> Iterator[JwksServer]:
    served = JwksServer()
    for key_type in KEY_TYPES:
        served.publish(key_type, key_type)
    yield served
    served.close()


@pytest.fixture(scope="module")
async def hardened_app(database_url: str, key_server: JwksServer) -> AsyncIterator[FastAPI]:
    async with running_app(test_settings(database_url, better_auth_url=key_server.url)) as app:
        yield app


@pytest.fixture
async def api(hardened_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # Other tests empty the tables between cases; this app must not remember users that are gone.
    hardened_app.state.kernel.provisioner.forget_all()
    async with client_for(hardened_app) as client:
        yield client


def user_claims(**overrides: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:12]
    now = int(time.time())
    return {"sub": f"ba-{tag}", "email": f"{tag}@example.com", "iat": now, "exp": now + 300} | overrides


def token_for(path: str, key_server: JwksServer, claims: dict[str, Any]) -> str:
    """HS256 with the shared secret, or an EdDSA `jwt()` token with a published kid; claims taken as given."""
    if path == "hs256":
        return compact(
            {"alg": "HS256", "typ": "JWT"}, claims, lambda data: hmac.digest(TEST_SECRET.encode(), data, sha256)
        )
    claims = {"iss": key_server.url, "aud": key_server.url} | claims
    return compact({"alg": "EdDSA", "typ": "JWT", "kid": "Ed25519"}, claims, signer("EdDSA", private_key("Ed25519")))


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers=bearer(token))


@pytest.mark.parametrize("key_type", list(KEY_TYPES))
@pytest.mark.parametrize("algorithm", FORGED_ALGORITHMS)
async def test_a_junk_signature_under_any_alg_and_published_kid_is_401_without_a_traceback(
    api: httpx.AsyncClient, algorithm: str, key_type: str
) -> None:
    header = b64url(json.dumps({"alg": algorithm, "typ": "JWT", "kid": key_type}).encode())
    payload = b64url(json.dumps(user_claims()).encode())
    with captured_lines() as lines, captured_logs() as records:
        for name, signature in JUNK_SIGNATURES.items():
            response = await me(api, f"{header}.{payload}.{signature}")
            assert response.status_code == 401, (name, response.status_code, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    assert not [record for record in records if record["exception"] is not None or record["level"].no >= 40]
    assert not any("Traceback" in line for line in lines)


NESTED = "[" * 5000 + "]" * 5000  # deeper than Python's JSON parser recurses


def raw(header: str | bytes, claims: str, signature: bytes = b"") -> str:
    encoded = header if isinstance(header, bytes) else header.encode()
    return f"{b64url(encoded)}.{b64url(claims.encode())}.{b64url(signature)}"


@pytest.mark.parametrize(
    "token",
    [
        raw(NESTED, "{}"),
        raw('{"alg": "HS256", "typ": "JWT"}', NESTED, b"x" * 32),
        raw('{"alg": "EdDSA", "kid": "Ed25519"}', NESTED, b"x" * 64),
        raw('{"alg": ["EdDSA"], "kid": "Ed25519"}', "{}"),
        raw('{"alg": "EdDSA", "kid": ["Ed25519"]}', "{}"),
        raw('{"alg": "EdDSA", "kid": {"k": 1}}', "{}"),
        raw(bytes(range(128, 256)), "{}"),
    ],
    ids=["nested-header", "nested-hs256-claims", "nested-jwks-claims", "alg-a-list", "kid-a-list", "kid-an-object",
         "header-not-utf8"],
)  # fmt: skip
async def test_hostile_json_in_a_token_is_401_without_a_traceback(api: httpx.AsyncClient, token: str) -> None:
    with captured_logs() as records:
        response = await me(api, token)
    assert response.status_code == 401, response.text
    assert not [record for record in records if record["exception"] is not None or record["level"].no >= 40]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": "NUMERIC"},
        {"exp": True},
        {"exp": None},
        {"exp": [4102444800]},
        {"exp": "MISSING"},
        {"iat": "NUMERIC"},
        {"iat": False},
        {"nbf": "NUMERIC"},
        {"iat": "+365d"},
        {"iat": "+60s"},
        {"nbf": "+120s"},
        {"exp": 2**63},
        {"exp": 1e308},
        {"exp": math.nan},
        {"exp": math.inf},
        {"iat": math.nan},
        {"exp": "+max+leeway+60s"},
        {"exp": "-60s"},
    ],
    ids=["exp-numeric-string", "exp-bool", "exp-null", "exp-list", "exp-missing", "iat-numeric-string",
         "iat-bool", "nbf-numeric-string", "iat-a-year-ahead", "iat-a-minute-ahead", "nbf-two-minutes-ahead",
         "exp-2**63", "exp-1e308", "exp-nan", "exp-infinity", "iat-nan", "exp-beyond-max-lifetime",
         "exp-a-minute-ago"],
)  # fmt: skip
async def test_time_claims_that_break_the_rules_are_401_on_both_paths(
    api: httpx.AsyncClient, key_server: JwksServer, path: str, overrides: dict[str, Any]
) -> None:
    response = await me(api, token_for(path, key_server, resolved(user_claims(), overrides)))
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "overrides",
    [
        {"iat": "+2s"},
        {"nbf": "+10s"},
        {"iat": "+25s", "nbf": "+25s"},
        {"exp": "-10s"},
        {"exp": "+max"},
        {"exp": "+300.5s"},
    ],
    ids=["clock-2s-ahead", "nbf-within-leeway", "iat-and-nbf-within-leeway", "exp-within-leeway",
         "exp-at-max-lifetime", "exp-a-float"],
)  # fmt: skip
async def test_time_claims_within_the_rules_are_accepted_on_both_paths(
    api: httpx.AsyncClient, key_server: JwksServer, path: str, overrides: dict[str, Any]
) -> None:
    response = await me(api, token_for(path, key_server, resolved(user_claims(), overrides)))
    assert response.status_code == 200, response.text


def resolved(claims: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Relative times ("+2s", "-60s", "+max") from now; NUMERIC is the right time written as a string."""
    now = time.time()
    out = dict(claims)
    for name, value in overrides.items():
        if value == "MISSING":
            out.pop(name)
        elif value == "NUMERIC":
            out[name] = str(int(now) + (300 if name == "exp" else 0))
        elif isinstance(value, str) and value[0] in "+-":
            out[name] = now + _seconds(value)
        else:
            out[name] = value
    return out


def _seconds(offset: str) -> float:
    sign = -1 if offset[0] == "-" else 1
    total = 0.0
    for part in offset[1:].split("+"):
        if part == "max":
            total += MAX_LIFETIME
        elif part == "leeway":
            total += LEEWAY
        elif part.endswith("d"):
            total += float(part[:-1]) * 86_400
        else:
            total += float(part.removesuffix("s"))
    return sign * total


@pytest.mark.parametrize("path", PATHS)
async def test_a_cached_token_expires_with_the_same_leeway(
    api: httpx.AsyncClient, key_server: JwksServer, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    token = token_for(path, key_server, user_claims(exp=int(now) + 60))
    assert (await me(api, token)).status_code == 200
    # The second and third answers come from the verified-token cache; only the clock moves.
    monkeypatch.setattr(time_claims, "clock", lambda: now + 60 + LEEWAY - 1)
    assert (await me(api, token)).status_code == 200
    monkeypatch.setattr(time_claims, "clock", lambda: now + 60 + LEEWAY + 1)
    expired = await me(api, token)
    assert (expired.status_code, expired.json()["detail"]) == (401, "Token has expired")


@pytest.mark.parametrize("path", PATHS)
async def test_jwt_leeway_seconds_is_the_leeway_on_both_paths(
    database_url: str, key_server: JwksServer, path: str
) -> None:
    settings = test_settings(database_url, better_auth_url=key_server.url, jwt_leeway_seconds=0)
    async with running_app(settings) as app, client_for(app) as client:
        for overrides in ({"iat": "+2s"}, {"nbf": "+2s"}, {"exp": "-2s"}):
            response = await me(client, token_for(path, key_server, resolved(user_claims(), overrides)))
            assert response.status_code == 401, overrides
        assert (await me(client, token_for(path, key_server, user_claims()))).status_code == 200


async def test_our_own_refresh_tokens_are_within_the_maximum_lifetime(kernel: Kernel) -> None:
    minted = kernel.tokens.mint("refresh", user_id="u-1", email="u@example.com", name="U", sign_in_id="s-1")
    assert kernel.tokens.verify_refresh(minted.token).user_id == "u-1"


def test_the_time_settings_have_documented_defaults_and_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings(_env_file=None, better_auth_secret=TEST_SECRET)  # type: ignore[call-arg]
    assert (defaults.jwt_leeway_seconds, defaults.jwt_max_lifetime_seconds) == (LEEWAY, MAX_LIFETIME)
    monkeypatch.setenv("JWT_LEEWAY_SECONDS", "5")
    monkeypatch.setenv("JWT_MAX_LIFETIME_SECONDS", str(30 * 86_400))
    configured = Settings(_env_file=None, better_auth_secret=TEST_SECRET)  # type: ignore[call-arg]
    assert (configured.jwt_leeway_seconds, configured.jwt_max_lifetime_seconds) == (5, 30 * 86_400)


@pytest.mark.parametrize(
    "values",
    [
        {"refresh_token_expire_days": 30},  # our own refresh tokens would outlive the maximum
        {"jwt_max_lifetime_seconds": 3600},
        {"jwt_leeway_seconds": -1},
        {"jwt_leeway_seconds": 3600},
    ],
)
def test_time_settings_that_would_refuse_our_own_tokens_stop_start_up(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, better_auth_secret=TEST_SECRET, **values)  # type: ignore[call-arg]
