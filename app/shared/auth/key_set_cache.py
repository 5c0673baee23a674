"""Better Auth's published signing keys (its JWKS), fetched with httpx on the event loop and cached.

PyJWT's `PyJWKClient` did this before, in a worker thread; it started its refetch cooldown at every successful
fetch, so a key Better Auth had just rotated in was refused for seconds, and it held one lock across a fetch, so
parallel requests queued behind each other, each holding a thread. Here:

- a key id the cache does not know refetches the set at once (Better Auth has just rotated its key);
- single flight: one fetch at a time, and every request that needs it awaits that same fetch;
- a budget: at most one refetch per `min_refetch_interval` for unknown key ids (the first fetch, and refreshes
  of a stale set, do not spend it), so invented key ids cannot make us hammer Better Auth. A failed fetch is
  not retried within that interval either;
- keys stay fresh for `max_age`; a stale set still answers at once and is refreshed behind the request;
- when the set cannot be fetched and the token's key is not cached, the answer is 503, not 401: the token may
  be fine, we just cannot tell.
"""

import asyncio
import math
import ssl
import time
from collections.abc import Mapping
from typing import Any

import httpx
from jwt import PyJWK
from loguru import logger

from app.shared.errors import ServiceUnavailableError

# A key's `alg` is optional in a JWKS (RFC 7517); without one, a key serves the algorithms made for its type.
# Better Auth always publishes `alg`, and a key is only ever used with its one algorithm (no key confusion).
ALGORITHMS_BY_KEY_TYPE: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("OKP", "Ed25519"): ("EdDSA",),
    ("EC", "P-256"): ("ES256",),
    ("EC", "P-521"): ("ES512",),
    ("RSA", None): ("RS256", "PS256"),
}
UNREACHABLE_EVENT = "better_auth_keys_unreachable"

# kid → algorithm → key
Keys = dict[str, dict[str, PyJWK]]


class KeySetCache:
    def __init__(
        self,
        url: str,
        *,
        algorithms: frozenset[str],
        max_age: float,
        min_refetch_interval: float,
        timeout: float,
    ) -> None:
        self._url = url
        self._algorithms = algorithms
        self._max_age = max_age
        self._min_refetch_interval = min_refetch_interval
        self._timeout = timeout
        # Built once: httpx would otherwise load the CA bundle for every client, on the event loop.
        self._tls: ssl.SSLContext = httpx.create_ssl_context()
        self._keys: Keys = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._failure: str | None = None  # why the last fetch failed; None once one succeeds
        self._quiet_until = -math.inf  # no refetch for an unknown kid, and no retry of a failure, before this
        self._in_flight: asyncio.Task[None] | None = None

    async def key_for(self, kid: str, algorithm: str) -> PyJWK | None:
        """The published key `kid` for `algorithm`, or None when there is no such key; 503 when we cannot know."""
        if kid in self._keys:
            self._refresh_if_stale()
        else:
            await self._fetch_for_unknown(kid)
        keys = self._keys.get(kid)
        if keys is None:
            if self._failure is not None:
                logger.bind(event=UNREACHABLE_EVENT, cause=self._failure).warning(
                    "Better Auth keys unreachable ({}): {}", self._failure, self._url
                )
                raise ServiceUnavailableError("Better Auth's signing keys are unreachable, retry shortly")
            return None
        return keys.get(algorithm)

    async def _fetch_for_unknown(self, kid: str) -> None:
        if self._in_flight is not None:
            # A fetch is already running (maybe started before Better Auth rotated); share it, then decide.
            await asyncio.shield(self._in_flight)
            if kid in self._keys or self._failure is not None:
                return
        # The very first fetch is free; after that an unknown kid spends the refetch budget.
        fetch = self._start(spends_budget=self._fetched_at is not None)
        if fetch is not None:
            # Shielded: a client that hangs up must not cancel the fetch the other waiters share.
            await asyncio.shield(fetch)

    def _refresh_if_stale(self) -> None:
        if self._fetched_at is not None and time.monotonic() - self._fetched_at >= self._max_age:
            self._start(spends_budget=False)

    def _start(self, *, spends_budget: bool) -> asyncio.Task[None] | None:
        """The fetch in flight, or a new one if the budget allows; None when it does not."""
        if self._in_flight is not None:
            return self._in_flight
        now = time.monotonic()
        if now < self._quiet_until:
            return None
        if spends_budget:
            self._quiet_until = now + self._min_refetch_interval
        self._in_flight = asyncio.get_running_loop().create_task(self._fetch())
        return self._in_flight

    async def _fetch(self) -> None:
        """Never raises: the outcome is recorded, so every waiter and a background refresh read it alike."""
        try:
            async with asyncio.timeout(self._timeout):
                keys = await self._download()
        except Exception as error:  # an outage, a timeout, a non-2xx answer, or a body that is no key set
            self._failure = type(error).__name__
            self._quiet_until = max(self._quiet_until, time.monotonic() + self._min_refetch_interval)
        else:
            self._keys, self._fetched_at, self._failure = keys, time.monotonic(), None
        finally:
            self._in_flight = None

    async def _download(self) -> Keys:
        async with httpx.AsyncClient(timeout=self._timeout, verify=self._tls) as client:
            response = await client.get(self._url, headers={"Accept": "application/json"})
            response.raise_for_status()
            return self._usable_keys(response.json())

    def _usable_keys(self, document: Any) -> Keys:
        published = document.get("keys") if isinstance(document, Mapping) else None
        if not isinstance(published, list):
            raise TypeError("the answer is not a key set")
        keys: Keys = {}
        for jwk in published:
            # Keys we cannot use (encryption keys, other algorithms, broken members) are skipped, as PyJWKSet does.
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str) and jwk.get("use", "sig") == "sig":
                keys.setdefault(jwk["kid"], {}).update(self._by_algorithm(jwk))
        return keys

    def _by_algorithm(self, jwk: dict[str, Any]) -> dict[str, PyJWK]:
        """The key bound to each algorithm it may verify: its own `alg`, or those made for its type."""
        if "alg" in jwk:
            algorithms: tuple[Any, ...] = (jwk["alg"],)
        else:
            curve = None if jwk.get("kty") == "RSA" else jwk.get("crv")
            algorithms = ALGORITHMS_BY_KEY_TYPE.get((str(jwk.get("kty")), curve), ())
        bound: dict[str, PyJWK] = {}
        for algorithm in algorithms:
            if algorithm in self._algorithms:
                try:
                    bound[algorithm] = PyJWK(jwk, algorithm)
                except Exception as error:  # a broken member (PyJWT's errors, or worse) must not hide the good ones
                    logger.warning("Better Auth key {} skipped: {}", jwk.get("kid"), type(error).__name__)
        return bound
