"""Tokens from Better Auth's `jwt()` plugin: asymmetric (EdDSA by default), checked against its published JWKS.

python-jose cannot verify EdDSA, so this path uses PyJWT. The key set is fetched in a worker thread (PyJWT's
client is synchronous), cached, and fetched again once when a token names a key id it has not seen.
"""

import time

import jwt
from anyio import to_thread
from jwt import PyJWKClient

from app.shared.auth.principal import Principal, principal_from_claims
from app.shared.errors import AuthenticationError
from app.shared.settings import Settings

ASYMMETRIC_ALGORITHMS = ["EdDSA", "ES256", "RS256", "PS256"]
JWKS_FETCH_TIMEOUT_SECONDS = 5
JWKS_CACHE_SECONDS = 300
# An unknown key id refetches the set at most this often, so invented key ids cannot make us hammer Better Auth.
JWKS_REFETCH_COOLDOWN_SECONDS = 5.0
VERIFIED_TOKEN_CACHE_SIZE = 4096


class BetterAuthKeys:
    def __init__(self, settings: Settings) -> None:
        self._expected_issuer = settings.better_auth_url.rstrip("/") if settings.better_auth_url else None
        url = settings.jwks_url
        self._client = (
            PyJWKClient(
                url,
                cache_jwk_set=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=JWKS_FETCH_TIMEOUT_SECONDS,
                cooldown_duration=JWKS_REFETCH_COOLDOWN_SECONDS,
            )
            if url
            else None
        )
        self._verified: dict[str, Principal] = {}

    @property
    def enabled(self) -> bool:
        return self._client is not None

    async def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            principal = await self._verify_uncached(token)
            if len(self._verified) >= VERIFIED_TOKEN_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = principal
        if principal.expires_at <= time.time():
            raise AuthenticationError("Token has expired")
        return principal

    async def _verify_uncached(self, token: str) -> Principal:
        assert self._client is not None
        try:
            signing_key = await to_thread.run_sync(self._client.get_signing_key_from_jwt, token)
            unverified = jwt.decode(token, options={"verify_signature": False})
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=ASYMMETRIC_ALGORITHMS,
                options={"require": ["exp"]},
                # Checked when present, as the contract says; Better Auth sets both to its base URL.
                audience=self._expected_issuer if "aud" in unverified else None,
                issuer=self._expected_issuer if "iss" in unverified else None,
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("Token has expired") from None
        except (jwt.PyJWTError, ValueError):
            raise AuthenticationError("Invalid token") from None
        return principal_from_claims(claims, trust_sign_in=False)
