"""Tokens from Better Auth's `jwt()` plugin: asymmetric (EdDSA by default), checked against its published JWKS.

python-jose cannot verify EdDSA, so this path uses PyJWT. The key set comes from `KeySetCache` (fetched on the
event loop, refetched at once for a new key id). Each key verifies only with its own algorithm, so a token that
names a published key but another algorithm is refused before any cryptography runs; and any failure to
verify is a 401, never a 500. The time claims are `TimeRules`' to decide, exactly as for our own tokens.

PyJWT (with the key types it loads from `cryptography`) and httpx are imported only when Better Auth's keys are
in use: together they add 13 MB to every worker, and most deployments never verify a Better Auth JWT.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.shared.auth.principal import Principal, principal_from_claims
from app.shared.auth.time_claims import TimeRules
from app.shared.errors import AuthenticationError
from app.shared.settings import Settings

if TYPE_CHECKING:
    from app.shared.auth.key_set_cache import KeySetCache

ASYMMETRIC_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES512", "RS256", "PS256"})
# Read when the app is built, so tests can shorten them.
JWKS_FETCH_TIMEOUT_SECONDS = 3.0
JWKS_CACHE_SECONDS = 300.0
# An unknown key id refetches the set at most this often, so invented key ids cannot make us hammer Better Auth.
JWKS_REFETCH_COOLDOWN_SECONDS = 1.0
VERIFIED_TOKEN_CACHE_SIZE = 4096
# Signature only: exp, iat and nbf are TimeRules' to decide; iss and aud are checked below, when present.
PYJWT_OPTIONS: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False}


class BetterAuthKeys:
    def __init__(self, settings: Settings) -> None:
        self._expected_issuer = settings.better_auth_url.rstrip("/") if settings.better_auth_url else None
        self._key_set = _key_set_at(settings.jwks_url) if settings.jwks_url else None
        self._time_rules = TimeRules.from_settings(settings)
        self._verified: dict[str, Principal] = {}

    @property
    def enabled(self) -> bool:
        return self._key_set is not None

    async def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            principal = await self._verify_uncached(token)
            if len(self._verified) >= VERIFIED_TOKEN_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = principal
        self._time_rules.raise_if_expired(principal.expires_at)
        return principal

    async def _verify_uncached(self, token: str) -> Principal:
        assert self._key_set is not None
        header = _header_of(token)
        algorithm, kid = header.get("alg"), header.get("kid")
        # Types first: a header is hostile JSON, and a list is no key of a set or a dict.
        if not isinstance(algorithm, str) or algorithm not in ASYMMETRIC_ALGORITHMS or not isinstance(kid, str):
            raise AuthenticationError("Invalid token")
        # Outside the try below: keys that cannot be fetched are a 503 of their own, not a bad token.
        key = await self._key_set.key_for(kid, algorithm)
        if key is None:
            # No such kid, even after a refetch (or with the refetch budget spent), or not for this algorithm.
            raise AuthenticationError("Invalid token")
        import jwt  # loaded with the key set (module docstring)

        try:
            claims = jwt.decode(token, key, algorithms=[algorithm], options=PYJWT_OPTIONS)
        except Exception:
            # PyJWTError, and whatever else a hostile token shakes loose (TypeError, binascii.Error…): 401, not 500.
            raise AuthenticationError("Invalid token") from None
        self._check_issuer_and_audience(claims)
        self._time_rules.expiry_of(claims)
        return principal_from_claims(claims, trust_sign_in=False)

    def _check_issuer_and_audience(self, claims: Mapping[str, Any]) -> None:
        """Checked when present, as the contract says; Better Auth sets both to its base URL."""
        if "iss" in claims and claims["iss"] != self._expected_issuer:
            raise AuthenticationError("Invalid token issuer")
        if "aud" in claims:
            audience = claims["aud"]
            audiences = audience if isinstance(audience, list) else [audience]
            if self._expected_issuer not in audiences:
                raise AuthenticationError("Invalid token audience")


def _key_set_at(url: str) -> "KeySetCache":
    from app.shared.auth.key_set_cache import KeySetCache  # only when in use (module docstring)

    return KeySetCache(
        url,
        algorithms=ASYMMETRIC_ALGORITHMS,
        max_age=JWKS_CACHE_SECONDS,
        min_refetch_interval=JWKS_REFETCH_COOLDOWN_SECONDS,
        timeout=JWKS_FETCH_TIMEOUT_SECONDS,
    )


def _header_of(token: str) -> dict[str, Any]:
    import jwt  # only when in use (module docstring)

    try:
        return jwt.get_unverified_header(token)
    except Exception:
        raise AuthenticationError("Malformed token") from None
