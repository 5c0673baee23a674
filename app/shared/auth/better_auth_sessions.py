"""Better Auth's opaque session tokens, verified by asking Better Auth itself (`GET /api/auth/get-session`).

A session token proves nothing by itself: only Better Auth knows whether its session is still live. So:

- a token in Better Auth's signed form (`<token>.<HMAC>`, what its `bearer()` plugin hands out and its session
  cookie holds) is checked against the shared secret first: a forged one is refused without a network call;
- the answer is cached for `BETTER_AUTH_SESSION_CACHE_SECONDS`, never past the session's own expiry. A session
  revoked in Better Auth (sign-out) is still honoured here for at most that long: the price of not asking on
  every request. A "no such session" answer is cached as long, so a bad token cannot make us ask again and again;
- single flight: while one lookup for a token runs, every other request with that token awaits the same one;
- Better Auth down, slow (past the timeout) or answering anything but 200/401/403 is a 503 with a log event of
  its own: the token may be fine, we just cannot tell. After a failure, lookups pause for a second, so an
  outage is not met with a lookup per request.
"""

import asyncio
import base64
import binascii
import hashlib
import hmac
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from loguru import logger

from app.shared.auth.principal import Principal, principal_from_claims
from app.shared.errors import AuthenticationError, ServiceUnavailableError
from app.shared.settings import Settings

if TYPE_CHECKING:
    import httpx

# disableCookieCache: Better Auth must read its database, never vouch from a cookie cache of its own.
GET_SESSION_PATH = "/api/auth/get-session?disableCookieCache=true"
# Read when the app is built, so tests can shorten them.
LOOKUP_TIMEOUT_SECONDS = 3.0
PAUSE_AFTER_FAILURE_SECONDS = 1.0
CACHE_SIZE = 4096
UNREACHABLE_EVENT = "better_auth_sessions_unreachable"
# Better Auth answers 200 with `null` for an unknown or expired session; these mean the same.
NO_SESSION_STATUSES = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class SessionCredential:
    """How the caller presented a session: as a bearer token, or as Better Auth's session cookie."""

    token: str
    cookie_name: str | None = None

    def headers(self) -> dict[str, str]:
        """What Better Auth's get-session needs: the cookie as it came, or the bearer its `bearer()` plugin reads."""
        if self.cookie_name is not None:
            return {"Cookie": f"{self.cookie_name}={self.token}"}
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, slots=True)
class _Answer:
    principal: Principal | None  # None: Better Auth knows no live session for this token
    valid_until: float  # monotonic
    refusal: str = "Invalid or expired session"


class BetterAuthSessions:
    def __init__(self, settings: Settings) -> None:
        base_url = settings.better_auth_url.rstrip("/") if settings.better_auth_url else None
        self._url = f"{base_url}{GET_SESSION_PATH}" if base_url else None
        self._secret = settings.better_auth_secret.get_secret_value().encode()
        self._cache_seconds = settings.better_auth_session_cache_seconds
        self._timeout = LOOKUP_TIMEOUT_SECONDS
        self._answers: dict[SessionCredential, _Answer] = {}
        self._in_flight: dict[SessionCredential, asyncio.Task[_Answer]] = {}
        self._paused_until = -math.inf
        self._client: httpx.AsyncClient | None = None

    @property
    def enabled(self) -> bool:
        return self._url is not None

    async def verify(self, credential: SessionCredential) -> Principal:
        if not self.enabled:
            raise AuthenticationError("Malformed token")
        if "." in credential.token and not self._signed_by_us(credential.token):
            raise AuthenticationError("Invalid session token")
        answer = self._answers.get(credential)
        if answer is None or answer.valid_until <= time.monotonic():
            answer = await self._look_up(credential)
        if answer.principal is None:
            raise AuthenticationError(answer.refusal)
        return answer.principal

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _signed_by_us(self, token: str) -> bool:
        """Better Auth's signed cookie value: `token.base64(HMAC-SHA256(secret, token))`, maybe percent-encoded."""
        value, _, signature = unquote(token).partition(".")
        try:
            presented = base64.b64decode(signature + "=" * (-len(signature) % 4), validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = hmac.new(self._secret, value.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(presented, expected)

    async def _look_up(self, credential: SessionCredential) -> _Answer:
        task = self._in_flight.get(credential)
        if task is None:
            if time.monotonic() < self._paused_until:
                raise ServiceUnavailableError("Better Auth is unreachable, retry shortly")
            task = asyncio.get_running_loop().create_task(self._ask(credential))
            self._in_flight[credential] = task
            task.add_done_callback(lambda _: self._in_flight.pop(credential, None))
        # Shielded: a client that hangs up must not cancel the lookup the other waiters share.
        return await asyncio.shield(task)

    async def _ask(self, credential: SessionCredential) -> _Answer:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http().get(self._url or "", headers=credential.headers())
            answer = self._answer_from(response)
        except Exception as error:  # an outage, a timeout, an unexpected status, or a body that is no session
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            logger.bind(event=UNREACHABLE_EVENT, cause=type(error).__name__).warning(
                "Better Auth sessions unreachable ({}): {}", type(error).__name__, self._url
            )
            raise ServiceUnavailableError("Better Auth is unreachable, retry shortly") from None
        if len(self._answers) >= CACHE_SIZE:
            self._answers.clear()
        self._answers[credential] = answer
        return answer

    def _answer_from(self, response: "httpx.Response") -> _Answer:
        now = time.monotonic()
        if response.status_code in NO_SESSION_STATUSES:
            return _Answer(None, now + self._cache_seconds)
        if response.status_code != 200:
            raise ValueError(f"get-session answered {response.status_code}")
        body = response.json()
        if body is None:
            return _Answer(None, now + self._cache_seconds)
        try:
            principal = _principal_of(body)
        except AuthenticationError as refusal:  # a live session whose user names no id or email
            return _Answer(None, now + self._cache_seconds, refusal.detail)
        lives_for = principal.expires_at - time.time()
        if lives_for <= 0:
            return _Answer(None, now + self._cache_seconds)
        return _Answer(principal, now + min(self._cache_seconds, lives_for))

    def _http(self) -> "httpx.AsyncClient":
        if self._client is None:
            # Imported on first use: most deployments never ask Better Auth, and httpx adds 4 MB to a worker.
            import httpx

            # A jar that keeps nothing: one client serves every caller, and a cookie Better Auth sets for one
            # (its cookie cache) must never ride along on another's lookup.
            no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, cookies=no_cookies)
        return self._client


def _principal_of(body: Any) -> Principal:
    """`{session: {expiresAt, …}, user: {id, email, name, …}}`, as get-session answers for a live session."""
    session = body.get("session") if isinstance(body, Mapping) else None
    user = body.get("user") if isinstance(body, Mapping) else None
    if not isinstance(session, Mapping) or not isinstance(user, Mapping):
        raise TypeError("the answer is not a session")
    expires_at = session.get("expiresAt")
    if not isinstance(expires_at, str):
        raise TypeError("the session has no expiry")
    moment = datetime.fromisoformat(expires_at)
    expiry = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    # The user's fields, as a token states them: the same checks of id and email as on every other path.
    return principal_from_claims({"user": dict(user), "exp": expiry}, trust_sign_in=False)
