"""Better Auth's session cookies as credentials (opt-in, `BETTER_AUTH_SESSION_COOKIES`), and the CSRF rule they need.

A page that calls us with `credentials: "include"` sends Better Auth's cookies, when they are set for a domain
our API shares (docs/auth.md, "Session cookies"): `<prefix>.session_data`, the session cookie cache (a JWT
when its strategy is "jwt", verified locally with the shared secret), and `<prefix>.session_token`, the signed
session token (verified through Better Auth's get-session). Over HTTPS Better Auth names both `__Secure-…`.

A browser attaches cookies to every request to our origin, including one a hostile page makes it send. So a
cookie authenticates an unsafe method (anything but GET, HEAD and OPTIONS) only when the request's `Origin` is
listed in CORS_ORIGINS; a request with no `Origin` is refused too, since browsers send one on every non-GET
fetch. A safe method may read with a cookie from anywhere: CORS already keeps another site from reading the answer.
"""

from dataclasses import dataclass

from starlette.requests import cookie_parser

from app.shared.auth.better_auth_sessions import BetterAuthSessions, SessionCredential
from app.shared.auth.principal import Principal
from app.shared.auth.tokens import TokenService
from app.shared.errors import AuthenticationError, CrossSiteRequestError
from app.shared.observability.security_events import security_event
from app.shared.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURE_PREFIX = "__Secure-"


@dataclass(frozen=True, slots=True)
class CookieCredentials:
    # The cookie cache, when it is a JWT (strategy "jwt"); Better Auth's "compact" and "jwe" caches are not.
    cookie_cache: str | None
    session: SessionCredential | None


class SessionCookies:
    def __init__(self, settings: Settings, tokens: TokenService, sessions: BetterAuthSessions) -> None:
        self._tokens = tokens
        self._sessions = sessions
        prefix = settings.better_auth_cookie_prefix
        # The secure name first: over HTTPS it is the one Better Auth set.
        self._cache_names = (f"{SECURE_PREFIX}{prefix}.session_data", f"{prefix}.session_data")
        self._session_names = (f"{SECURE_PREFIX}{prefix}.session_token", f"{prefix}.session_token")
        self._trusted_origins = frozenset(origin.rstrip("/") for origin in settings.cors_origins)

    def credentials_in(self, cookie_header: str) -> CookieCredentials | None:
        cookies = cookie_parser(cookie_header)
        cookie_cache = next((cookies[name] for name in self._cache_names if cookies.get(name)), None)
        session_name = next((name for name in self._session_names if cookies.get(name)), None)
        if cookie_cache is not None and cookie_cache.count(".") != 2:
            cookie_cache = None
        if cookie_cache is None and session_name is None:
            return None
        session = SessionCredential(cookies[session_name], cookie_name=session_name) if session_name else None
        return CookieCredentials(cookie_cache=cookie_cache, session=session)

    async def verify(self, cookies: CookieCredentials, *, method: str, origin: str | None) -> Principal:
        # Before any verification: a forged cross-site request costs no signature check and no call to Better Auth.
        self._raise_if_cross_site(method, origin)
        if cookies.cookie_cache is not None:
            try:
                return self._tokens.verify_access(cookies.cookie_cache)
            except AuthenticationError:
                # An expired cache (5 minutes by default): the session token, when sent, says if the session lives.
                if cookies.session is None:
                    raise
        if cookies.session is None:
            raise AuthenticationError("Not authenticated")
        return await self._sessions.verify(cookies.session)

    def _raise_if_cross_site(self, method: str, origin: str | None) -> None:
        """CSRF: an unsafe method authenticated by a cookie must come from a page of a trusted origin."""
        if method in SAFE_METHODS or (origin is not None and origin in self._trusted_origins):
            return
        security_event(
            "cross_site_request", "cookie-authenticated unsafe request refused", method=method, origin=origin
        )
        raise CrossSiteRequestError()
