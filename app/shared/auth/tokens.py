"""Our own tokens: HS256 JWTs signed with BETTER_AUTH_SECRET, minted at sign-in and verified on every request.

python-jose has an open key-confusion advisory: the key is only ever the string secret and the algorithm list
is pinned to HS256, so a token cannot choose how it is checked. jose's own time checks are off: `TimeRules`
decides `exp`, `iat` and `nbf`, exactly as on the Better Auth JWKS path.
"""

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from uuid import uuid4

from jose import jwt

from app.shared.auth.principal import Principal, principal_from_claims
from app.shared.auth.time_claims import TimeRules
from app.shared.errors import AuthenticationError
from app.shared.settings import Settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
VERIFIED_TOKEN_CACHE_SIZE = 4096
REFRESH_CLAIMS = {"user_id": "sub", "email": "email", "name": "name", "sign_in_id": "sid", "jti": "jti"}
# Signature and JSON checks only: the time claims are TimeRules' to decide, identically on every path.
JOSE_OPTIONS = {"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False}


@dataclass(frozen=True, slots=True)
class MintedToken:
    token: str
    jti: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    user_id: str
    email: str
    name: str
    sign_in_id: str
    jti: str


class TokenService:
    def __init__(self, settings: Settings) -> None:
        self._secret = settings.better_auth_secret.get_secret_value()
        self._time_rules = TimeRules.from_settings(settings)
        self._lifetimes: dict[TokenType, int] = {
            "access": settings.access_token_expire_minutes * 60,
            "refresh": settings.refresh_token_expire_days * 86_400,
        }
        # Verifying a signature costs more than the rest of a cached request; the result is a pure function of
        # the token, so it is cached, and only expiry is re-checked. Revocation is checked in SQL, never here.
        self._verified_access = lru_cache(maxsize=VERIFIED_TOKEN_CACHE_SIZE)(self._verify_access_uncached)

    @property
    def access_token_lifetime(self) -> int:
        return self._lifetimes["access"]

    def mint(
        self, token_type: TokenType, *, user_id: str, email: str, name: str, sign_in_id: str, jti: str | None = None
    ) -> MintedToken:
        """A new token; given a `jti`, a fresh signature of that token (refresh's reuse interval re-issues one)."""
        now = int(time.time())
        jti = jti or str(uuid4())
        claims: dict[str, Any] = {
            "sub": user_id,
            "user_id": user_id,
            "type": token_type,
            "jti": jti,
            "sid": sign_in_id,
            "email": email,
            "name": name,
            "iat": now,
            "exp": now + self._lifetimes[token_type],
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return MintedToken(token=token, jti=jti, expires_in=self._lifetimes[token_type])

    def verify_access(self, token: str) -> Principal:
        principal = self._verified_access(token)
        self._time_rules.raise_if_expired(principal.expires_at)
        return principal

    def verify_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token)
        if claims.get("type") != "refresh":
            raise AuthenticationError("Not a refresh token")
        # The refresh token carries the user's email and name, so rotating needs no lookup of the user.
        fields = {name: claims.get(claim) for name, claim in REFRESH_CLAIMS.items()}
        if not all(isinstance(value, str) for value in fields.values()):
            raise AuthenticationError("Malformed refresh token")
        return RefreshClaims(**fields)  # type: ignore[arg-type]

    def _verify_access_uncached(self, token: str) -> Principal:
        claims = self._decode(token)
        token_type = claims.get("type")
        if token_type is not None and token_type != "access":
            raise AuthenticationError("Not an access token")
        return principal_from_claims(claims, trust_sign_in=token_type == "access")

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            # `aud` is a Better Auth concern for its asymmetric tokens; a shared-secret token is ours.
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], options=JOSE_OPTIONS)
        except Exception:
            # JWTError, and anything else the library lets escape from a hostile token (jose is unmaintained):
            # every failure to verify is a 401, never a 500.
            raise AuthenticationError("Invalid token") from None
        self._time_rules.expiry_of(claims)
        return claims
