"""The time claims of every token we accept, ours or Better Auth's: one set of rules, so both paths agree.

The libraries' own checks are turned off on both paths: python-jose reads `exp` with `int()`, so a numeric
string passes and `null` crashes it, and it lets an `iat` from next year through; PyJWT checks `iat` but with no
leeway. Here `exp` (required), `iat` and `nbf` must be JSON numbers (not booleans, not strings, finite); the
same leeway forgives clock skew on all three; and `exp` may lie at most the maximum lifetime ahead, so a token
with `exp` 2**63 does not live forever.
"""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.shared.errors import AuthenticationError
from app.shared.settings import Settings

# Read on every call (not bound at import), so a test can move the clock without sleeping.
clock = time.time


@dataclass(frozen=True, slots=True)
class TimeRules:
    leeway: float
    max_lifetime: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "TimeRules":
        return cls(leeway=settings.jwt_leeway_seconds, max_lifetime=settings.jwt_max_lifetime_seconds)

    def expiry_of(self, claims: Mapping[str, Any]) -> float:
        """Checks `exp`, `iat` and `nbf` against the clock and returns `exp`, the one fact a cached token re-checks."""
        expires_at = _number(claims, "exp")
        if expires_at is None:
            raise AuthenticationError("Token has no expiry")
        issued_at, not_before = _number(claims, "iat"), _number(claims, "nbf")
        now = clock()
        self.raise_if_expired(expires_at, now)
        if expires_at > now + self.max_lifetime + self.leeway:
            raise AuthenticationError("Token expires too far ahead")
        if issued_at is not None and issued_at > now + self.leeway:
            raise AuthenticationError("Token issued in the future")
        if not_before is not None and not_before > now + self.leeway:
            raise AuthenticationError("Token not yet valid")
        # Finite and bounded by the maximum lifetime by now, so a float holds it exactly enough.
        return float(expires_at)

    def raise_if_expired(self, expires_at: float, now: float | None = None) -> None:
        if expires_at <= (clock() if now is None else now) - self.leeway:
            raise AuthenticationError("Token has expired")


def _number(claims: Mapping[str, Any], name: str) -> int | float | None:
    if name not in claims:
        return None
    value = claims[name]
    # bool is an int in Python, and JSON's true is no time; NaN and infinity compare false with everything.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationError(f"Token claim {name} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise AuthenticationError(f"Token claim {name} is not a number")
    return value
