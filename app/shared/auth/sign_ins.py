"""A sign-in and its tokens. Sign-up and sign-in start one; refresh rotates the refresh token within it."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import bindparam, insert, update
from sqlmodel import col

from app.shared.auth.public import TokenPair
from app.shared.auth.tokens import MintedToken, TokenService
from app.shared.database import Session, Statement
from app.shared.database.column_types import utc_now
from app.shared.database.tables import SignIn

_SIGN_IN_FIELDS = ("id", "user_id", "refresh_jti", "created_at", "expires_at")
# Sign-up and sign-in both start a sign-in with the row `start_sign_in` returns.
INSERT_SIGN_IN = Statement(
    insert(SignIn).values(
        {name: bindparam(name, type_=SignIn.__table__.columns[name].type) for name in _SIGN_IN_FIELDS}  # type: ignore[attr-defined]
    )
)

# Sign-out and refresh-reuse detection both end a sign-in; only a live one of this owner, so the caller learns
# whether it was this call that ended it.
REVOKE_LIVE_SIGN_IN = Statement(
    update(SignIn)
    .where(
        col(SignIn.id) == bindparam("sign_in_id"),
        col(SignIn.user_id) == bindparam("owner_id"),
        col(SignIn.revoked_at).is_(None),
    )
    .values(revoked_at=bindparam("now", type_=SignIn.__table__.columns["revoked_at"].type))  # type: ignore[attr-defined]
    .returning(col(SignIn.id))
)


async def revoke_sign_in(session: Session, *, owner_id: str, sign_in_id: str) -> bool:
    """True when this call revoked a live sign-in of this owner, False when it was already over (or not theirs)."""
    row = await session.one(REVOKE_LIVE_SIGN_IN, sign_in_id=sign_in_id, owner_id=owner_id, now=utc_now())
    return row is not None


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access: MintedToken
    refresh: MintedToken

    def as_pair(self) -> TokenPair:
        return TokenPair(
            access_token=self.access.token, refresh_token=self.refresh.token, expires_in=self.access.expires_in
        )


def issue_tokens(
    tokens: TokenService, *, user_id: str, email: str, name: str, sign_in_id: str, refresh_jti: str | None = None
) -> IssuedTokens:
    """A pair of this sign-in: a new refresh token, or with `refresh_jti` the sign-in's current one signed afresh."""
    claims: dict[str, Any] = {"user_id": user_id, "email": email, "name": name, "sign_in_id": sign_in_id}
    return IssuedTokens(
        access=tokens.mint("access", **claims), refresh=tokens.mint("refresh", jti=refresh_jti, **claims)
    )


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
