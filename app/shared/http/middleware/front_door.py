"""The one ASGI layer every request passes: its context and access line, the CORS gate, the body limit, then
the route, compiled (`fast_path`) or, for whatever the table does not cover, FastAPI's own stack.

The headers are read once, here, for all of it. CORS is Starlette's, consulted only for requests that carry an
`Origin` (what browsers send): Starlette would otherwise wrap every response's `send` to add `Vary: Origin`,
even for curl, wrk or a server, most of the traffic an API serves; those get `Vary: Origin` here instead, so
shared caches still tell the two kinds apart. A request without a body is never wrapped by the body limit.
"""

import re
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from fastapi import FastAPI
from loguru import logger
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.shared.errors import OverloadedError
from app.shared.fair_queue import FairQueue, QueueTimeoutError
from app.shared.http.error_handlers import domain_error_response, internal_error_response
from app.shared.http.fast_path.dependencies import DirectDependency
from app.shared.http.fast_path.route_table import RouteTable
from app.shared.http.middleware.body_limit import BODY_FRAMING_KEY, BodyFraming, BodyLimit
from app.shared.http.middleware.client_address import TrustedProxies, warn_if_uvicorn_disagrees
from app.shared.observability.logging import capped, loggable
from app.shared.rate_limits.limiter import QUOTA_STATE_KEY, Quota
from app.shared.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# What a browser may read of an answer, beyond the CORS-safelisted headers.
EXPOSED_HEADERS = ["X-Request-ID", "Location", "Retry-After", "ETag", "X-Total-Count", "Link", "Idempotent-Replayed"]
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
# Auth and task responses hold personal data: no cache may keep them.
_NO_STORE_PREFIX = "/api/"
_AUTH_PREFIX = "/api/auth/"
_LINE = "the line in front of the API (REQUEST_QUEUE_TIMEOUT_SECONDS)"


class FrontDoor:
    def __init__(
        self,
        app: ASGIApp,
        *,
        api: FastAPI,
        settings: Settings,
        direct_dependencies: dict[Callable[..., Any], DirectDependency],
    ) -> None:
        self.fastapi_stack = app
        self.api = api
        self.trusted_proxies = TrustedProxies(settings.forwarded_allow_ips)
        warn_if_uvicorn_disagrees(self.trusted_proxies)
        # Built at the first request, when FastAPI builds its middleware: every slice is mounted by then.
        self.routes = RouteTable.of(api, direct_dependencies)
        logger.debug("{} routes compiled for the fast path", self.routes.compiled_count)
        # At most this many API requests are worked on at once; the rest wait in line, served in arrival order.
        self.line = FairQueue(settings.max_requests_in_flight)
        self.queue_timeout = settings.request_queue_timeout_seconds
        self.retry_after = str(settings.retry_after_seconds)
        self.body_limit = BodyLimit(self._route, settings.max_body_bytes)
        self.cors = CORSMiddleware(
            self._limit_body,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fastapi_stack(scope, receive, send)
            return
        request_id = None
        has_origin = False
        framing = BodyFraming()
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                request_id = candidate if _SAFE_REQUEST_ID.match(candidate) else None
            elif name == b"origin":
                has_origin = True
            elif name == b"content-length" or name == b"transfer-encoding":
                framing.read(name, value)
        request_id = request_id or uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = self.trusted_proxies.client_ip(scope)
        state[BODY_FRAMING_KEY] = framing
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = _with_context_headers(
                    list(message.get("headers", ())), request_id, scope["path"], state.get(QUOTA_STATE_KEY)
                )
            await send(message)

        with logger.contextualize(request_id=request_id, client_ip=state["client_ip"]):
            try:
                if _waits_in_line(scope["path"]):
                    await self._in_turn(scope, receive, send_with_headers, has_origin=has_origin)
                else:
                    await self._serve(scope, receive, send_with_headers, has_origin=has_origin)
            except Exception:
                logger.exception("Unhandled error on {} {}", loggable(scope["method"]), loggable(scope["path"]))
                if response_started:
                    raise
                await internal_error_response()(scope, receive, send_with_headers)
            finally:
                _log_access(scope, state, status, started)

    async def _in_turn(self, scope: Scope, receive: Receive, send: Send, *, has_origin: bool) -> None:
        """Serves the request once it is among the first MAX_REQUESTS_IN_FLIGHT; 503 past the line's bound."""
        try:
            await self.line.enter(within=self.queue_timeout)
        except QueueTimeoutError:
            await domain_error_response(OverloadedError(_LINE), {}, self.retry_after)(scope, receive, send)
            return
        try:
            await self._serve(scope, receive, send, has_origin=has_origin)
        finally:
            self.line.leave()

    async def _serve(self, scope: Scope, receive: Receive, send: Send, *, has_origin: bool) -> None:
        if has_origin:
            await self.cors(scope, receive, send)
        else:
            await self._limit_body(scope, receive, send)

    async def _limit_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        framing: BodyFraming = scope["state"][BODY_FRAMING_KEY]
        if framing.has_body:
            await self.body_limit(scope, receive, send, framing)
        else:
            await self._route(scope, receive, send)  # reads take this path, unwrapped

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None if self.api.dependency_overrides else self.routes.find(scope)
        if found is None:
            await self.fastapi_stack(scope, receive, send)
        else:
            route, path_params = found
            await route(scope, receive, send, path_params)


def _waits_in_line(path: str) -> bool:
    """API requests wait their turn; sign-up and sign-in do not, since they wait for a bcrypt thread instead and
    must not hold a turn meanwhile. Service routes (health checks, docs) never wait behind the API's load.
    """
    return path.startswith(_NO_STORE_PREFIX) and not path.startswith(_AUTH_PREFIX)


def _log_access(scope: Scope, state: dict[str, Any], status: int, started: float) -> None:
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    user_id = state.get("user_id")
    # The path is the client's (decoded, so %0a is a newline): escaped in the line, capped in the record.
    logger.bind(
        event="access",
        method=capped(scope["method"]),
        path=capped(scope["path"]),
        status=status,
        duration_ms=elapsed_ms,
        client_ip=state["client_ip"],
        user_id=capped(user_id),
    ).info(
        "{} {} {} {}ms user={}",
        loggable(scope["method"]),
        loggable(scope["path"]),
        status,
        elapsed_ms,
        loggable(user_id or "-"),
    )


def _with_context_headers(
    headers: list[tuple[bytes, bytes]], request_id: str, path: str, quota: Quota | None
) -> list[tuple[bytes, bytes]]:
    """Raw header pairs appended in one pass: this runs on every response."""
    present = {name.lower() for name, _ in headers}
    headers = [(name, value) for name, value in headers if name.lower() != b"x-request-id"]
    headers.append((b"x-request-id", request_id.encode()))
    headers.extend((name, value) for name, value in _ALWAYS if name not in present)
    if b"vary" not in present:
        # What CORS says on every answer; for requests without an Origin it is said here.
        headers.append((b"vary", b"Origin"))
    if path.startswith(_NO_STORE_PREFIX):
        headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        headers.append((b"cache-control", b"no-store"))
    # Routes that return their own Response (the task routes) carry no dependency headers: the quota the rate
    # limiter recorded for this request is added here, for every answer that does not state one already.
    if quota is not None and b"ratelimit-limit" not in present:
        headers.extend(quota.raw_headers)
    return headers
