"""Our own tokens: HS256 JWTs signed with BETTER_AUTH_SECRET, minted at sign-in and verified on every request.

python-jose has an open key-confusion advisory: the key is only ever the string secret and the algorithm list
is pinned to HS256, so a token cannot choose how it is checked.
"""

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from uuid import uuid4

from jose import JWTError, jwt

from app.shared.auth.principal import Principal, principal_from_claims
from app.shared.errors import AuthenticationError
from app.shared.settings import Settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
VERIFIED_TOKEN_CACHE_SIZE = 4096
REFRESH_CLAIMS = {"user_id": "sub", "email": "email", "name": "name", "sign_in_id": "sid", "jti": "jti"}


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

    def mint(self, token_type: TokenType, *, user_id: str, email: str, name: str, sign_in_id: str) -> MintedToken:
        now = int(time.time())
        jti = str(uuid4())
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
        if principal.expires_at <= time.time():
            raise AuthenticationError("Token has expired")
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
            return jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                # `aud` is a Better Auth concern for its asymmetric tokens; a shared-secret token is ours.
                options={"require_exp": True, "verify_aud": False},
            )
        except JWTError as error:
            raise AuthenticationError(_reason(error)) from None


def _reason(error: JWTError) -> str:
    text = str(error).lower()
    if "expired" in text:
        return "Token has expired"
    return "Invalid token"
