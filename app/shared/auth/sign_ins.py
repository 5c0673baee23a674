"""A sign-in and its tokens. Sign-up and sign-in start one; refresh rotates the refresh token within it."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

from app.shared.auth.tokens import MintedToken, TokenService
from app.shared.column_types import utc_now
from app.shared.schemas import TokenPair


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access: MintedToken
    refresh: MintedToken

    def as_pair(self) -> TokenPair:
        return TokenPair(
            access_token=self.access.token, refresh_token=self.refresh.token, expires_in=self.access.expires_in
        )


def issue_tokens(tokens: TokenService, *, user_id: str, email: str, name: str, sign_in_id: str) -> IssuedTokens:
    claims: dict[str, Any] = {"user_id": user_id, "email": email, "name": name, "sign_in_id": sign_in_id}
    return IssuedTokens(access=tokens.mint("access", **claims), refresh=tokens.mint("refresh", **claims))


def start_sign_in(tokens: TokenService, *, user_id: str, email: str, name: str) -> tuple[dict[str, Any], IssuedTokens]:
    """The new `sign_ins` row's values and the first token pair of that sign-in."""
    sign_in_id = str(uuid4())
    issued = issue_tokens(tokens, user_id=user_id, email=email, name=name, sign_in_id=sign_in_id)
    now = utc_now()
    row = {
        "id": sign_in_id,
        "user_id": user_id,
        "refresh_jti": issued.refresh.jti,
        "created_at": now,
        "expires_at": now + timedelta(seconds=issued.refresh.expires_in),
    }
    return row, issued
