"""Rate limits: fixed windows counted by the `limits` library, in process memory or shared through Redis.

Three buckets, each from a setting: per client IP on the auth routes that take credentials, per target email on
sign-in, per user on every authenticated route. With REDIS_URL every worker and replica counts in the same
place, so N processes enforce one limit, not N. If Redis stops answering, requests are served without limits
(fail open) and the outage is logged once; Redis is tried again at most every OUTAGE_RETRY_SECONDS, so an outage
does not add a timeout to every request.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request, Response
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from loguru import logger

from app.shared.errors import RateLimitedError
from app.shared.observability.security_events import security_event
from app.shared.settings import ConfigurationError, Settings

# Redis answers in well under a millisecond when healthy; waiting longer only makes an outage slower to notice.
REDIS_TIMEOUT_SECONDS = 0.25
OUTAGE_RETRY_SECONDS = 5.0
MEMORY_SWEEP_SECONDS = 1.0
# An IPv6 client usually owns a whole /64, so counting single addresses would let it rotate past any limit.
IPV6_CLIENT_PREFIX = 64
# Where a request keeps the quota its headers report, for error responses built outside the route.
QUOTA_STATE_KEY = "rate_limit"


@dataclass(frozen=True, slots=True)
class Quota:
    """What one caller has left in one window, as the RateLimit-* response headers state it."""

    limit: int
    remaining: int
    reset_seconds: int

    @property
    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return [(name.lower().encode(), value.encode()) for name, value in self.headers.items()]


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    windows: tuple[RateLimitItem, ...]


class SweepingMemoryStorage(MemoryStorage):
    """limits' memory storage, dropping expired counters once a second instead of after every hit.

    Upstream schedules a sweep over *every* key after each hit, so a hit costs O(active keys): about 0.1 ms with
    1,000 callers in the window and 2 ms with 20,000. Expired counters are dropped on read anyway; the sweep only
    frees memory, and once a second is plenty for that.
    """

    _next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # overrides upstream's private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + MEMORY_SWEEP_SECONDS
            await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


class RateLimiter:
    def __init__(self, storage: Storage, *, auth: str, signin_email: str, api: str) -> None:
        self._storage = storage
        # Only a shared store can fail; an error from the in-process one is a bug and must surface.
        self._outage_errors: tuple[type[BaseException], ...] = (
            (*_as_tuple(storage.base_exceptions), OSError, TimeoutError) if isinstance(storage, RedisStorage) else ()
        )
        self._outage_since: float | None = None
        self._retry_at = 0.0
        self.auth = _bucket("auth", "RATE_LIMIT_AUTH", auth)
        self.signin_email = _bucket("signin_email", "RATE_LIMIT_SIGNIN_EMAIL", signin_email)
        self.api = _bucket("api", "RATE_LIMIT_API", api)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter | None":
        """None when RATE_LIMIT_ENABLED is false, so a disabled limiter costs one `is None` check."""
        if not settings.rate_limit_enabled:
            return None
        storage: Storage = SweepingMemoryStorage()
        if settings.redis_url:
            storage = RedisStorage(
                f"async+{settings.redis_url.strip()}",
                key_prefix=settings.rate_limit_key_prefix,
                connect_timeout=REDIS_TIMEOUT_SECONDS,
                stream_timeout=REDIS_TIMEOUT_SECONDS,
            )
        return cls(
            storage,
            auth=settings.rate_limit_auth,
            signin_email=settings.rate_limit_signin_email,
            api=settings.rate_limit_api,
        )

    async def limit_client(self, request: Request, response: Response) -> None:
        client = client_identity(request.state.client_ip)
        await self._enforce(self.auth, client, request, response, client=client)

    async def limit_email(self, email: str, request: Request, response: Response) -> None:
        normalized = email.strip().lower()
        # Hashed, so the shared store never holds addresses; the log line names the target account.
        identity = hashlib.sha256(normalized.encode()).hexdigest()[:32]
        await self._enforce(self.signin_email, identity, request, response, email=normalized)

    async def limit_user(self, user_id: str, request: Request, response: Response) -> None:
        await self._enforce(self.api, user_id, request, response, user_id=user_id)

    async def _enforce(self, bucket: Bucket, identity: str, request: Request, response: Response, **facts: str) -> None:
        tightest: Quota | None = None
        refused: list[Quota] = []
        for window in bucket.windows:
            counted = await self._count(window, bucket.name, identity)
            if counted is None:
                return  # the shared store is away: serve without limits
            hits, quota = counted
            if hits > window.amount:
                refused.append(quota)
                if hits == window.amount + 1:
                    # The first refusal of the window, across all workers: one event per fact, not per request.
                    security_event(
                        "rate_limit_hit",
                        f"{bucket.name} limit exceeded",
                        bucket=bucket.name,
                        limit=str(window),
                        retry_after=quota.reset_seconds,
                        **facts,
                    )
            if tightest is None or quota.remaining < tightest.remaining:
                tightest = quota
        if refused:
            # Of several windows, the one that stays full longest says when a retry can succeed.
            longest = max(refused, key=lambda quota: quota.reset_seconds)
            raise RateLimitedError(longest.reset_seconds, headers=longest.headers)
        if tightest is not None:
            _report(tightest, request, response)

    async def _count(self, window: RateLimitItem, *identifiers: str) -> tuple[int, Quota] | None:
        if self._outage_since is not None:
            now = time.monotonic()
            if now < self._retry_at:
                return None
            self._retry_at = now + OUTAGE_RETRY_SECONDS  # this request probes; the others keep being served
        key = window.key_for(*identifiers)
        try:
            # FixedWindowRateLimiter.hit is `incr(...) <= amount`; keeping the count spares the read that
            # get_window_stats would add for the headers.
            hits = await self._storage.incr(key, window.get_expiry())
            reset_at = await self._storage.get_expiry(key)
        except self._outage_errors as error:
            self._storage_failed(error)
            return None
        if self._outage_since is not None:
            self._storage_recovered()
        reset_seconds = max(1, math.ceil(reset_at - time.time()))
        return hits, Quota(limit=window.amount, remaining=max(0, window.amount - hits), reset_seconds=reset_seconds)

    def _storage_failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self._retry_at = now + OUTAGE_RETRY_SECONDS
        if self._outage_since is None:
            self._outage_since = now
            logger.bind(event="rate_limit_storage_down").error(
                "Rate-limit store unreachable ({}): serving WITHOUT rate limits; retrying every {}s",
                type(error).__name__,
                OUTAGE_RETRY_SECONDS,
            )

    def _storage_recovered(self) -> None:
        assert self._outage_since is not None
        down_for = time.monotonic() - self._outage_since
        self._outage_since = None
        logger.bind(event="rate_limit_storage_up").warning(
            "Rate-limit store reachable again after {:.1f}s: rate limits are enforced again", down_for
        )


@lru_cache(maxsize=4096)
def client_identity(ip: str) -> str:
    """The unit one client controls: an IPv4 address, or the /64 around an IPv6 one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def rate_limit_headers(request: Request) -> dict[str, str]:
    """The RateLimit-* headers a limited request has earned, for responses built outside the route (errors)."""
    quota: Quota | None = request.scope.get("state", {}).get(QUOTA_STATE_KEY)
    return quota.headers if quota is not None else {}


def _report(quota: Quota, request: Request, response: Response) -> None:
    state = request.scope.setdefault("state", {})
    reported: Quota | None = state.get(QUOTA_STATE_KEY)
    if reported is None:
        state[QUOTA_STATE_KEY] = quota
        response.raw_headers.extend(quota.raw_headers)  # appending skips MutableHeaders' search and re-encoding
    elif quota.remaining < reported.remaining:
        # A request can fall in two buckets (sign-in: client IP and email); the headers show the closer one to empty.
        state[QUOTA_STATE_KEY] = quota
        response.headers.update(quota.headers)


def _bucket(name: str, setting: str, limit: str) -> Bucket:
    try:
        return Bucket(name=name, windows=tuple(parse_many(limit)))
    except ValueError:
        raise ConfigurationError(
            f"Configuration error: {setting}={limit!r} is not a rate limit (examples: 10/minute, 5/minute;100/hour)"
        ) from None


def _as_tuple(errors: type[BaseException] | tuple[type[BaseException], ...]) -> tuple[type[BaseException], ...]:
    return errors if isinstance(errors, tuple) else (errors,)
