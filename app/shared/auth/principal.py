"""Who is calling: the verified facts a bearer token states about its user."""

from dataclasses import dataclass
from typing import Any

from app.shared.database.tables import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, USER_ID_MAX_LENGTH
from app.shared.errors import AuthenticationError


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    email: str
    name: str | None
    expires_at: float
    # Set for tokens this service minted: the sign-in that sign-out and refresh-reuse detection revoke.
    # None for tokens minted by Better Auth, whose sessions Better Auth itself owns.
    sign_in_id: str | None = None


def principal_from_claims(claims: dict[str, Any], *, trust_sign_in: bool) -> Principal:
    """Accepts the shapes the contract lists: `sub`/`user_id`/`id` at the top level, or a nested `user`."""
    nested = claims.get("user")
    user: dict[str, Any] = nested if isinstance(nested, dict) else {}
    user_id = _first_text(claims.get("sub"), claims.get("user_id"), claims.get("id"), user.get("id"))
    email = _first_text(claims.get("email"), user.get("email"))
    name = _first_text(claims.get("name"), user.get("name"))
    if user_id is None or len(user_id) > USER_ID_MAX_LENGTH:
        raise AuthenticationError("Token names no valid user id")
    if email is None or "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        raise AuthenticationError("Token names no valid email")
    sign_in_id = claims.get("sid") if trust_sign_in else None
    return Principal(
        user_id=user_id,
        email=email.strip().lower(),
        name=name[:NAME_MAX_LENGTH] if name else None,
        expires_at=float(claims["exp"]),
        sign_in_id=sign_in_id if isinstance(sign_in_id, str) else None,
    )


def _first_text(*candidates: object) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
