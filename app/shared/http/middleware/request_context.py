"""Pure ASGI: a request id, one access line per request, security headers, and the last-resort 500."""

import re
import time
from uuid import uuid4

from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.shared.http.error_handlers import internal_error_response
from app.shared.http.middleware.client_address import TrustedProxies, warn_if_uvicorn_disagrees
from app.shared.observability.logging import capped, loggable
from app.shared.rate_limits.limiter import QUOTA_STATE_KEY, Quota

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
# Auth and task responses hold personal data: no cache may keep them.
_NO_STORE_PREFIX = "/api/"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        self.app = app
        self.trusted_proxies = TrustedProxies(trusted_proxies)
        warn_if_uvicorn_disagrees(self.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = self.trusted_proxies.client_ip(scope)
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
                await self.app(scope, receive, send_with_headers)
            except Exception:
                logger.exception("Unhandled error on {} {}", loggable(scope["method"]), loggable(scope["path"]))
                if response_started:
                    raise
                await internal_error_response()(scope, receive, send_with_headers)
            finally:
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
        # What CORS says on every answer; for requests without an Origin it is said here (see cors.py).
        headers.append((b"vary", b"Origin"))
    if path.startswith(_NO_STORE_PREFIX):
        headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        headers.append((b"cache-control", b"no-store"))
    # Routes that return their own Response (the task routes) carry no dependency headers: the quota the rate
    # limiter recorded for this request is added here, for every answer that does not state one already.
    if quota is not None and b"ratelimit-limit" not in present:
        headers.extend(quota.raw_headers)
    return headers


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SAFE_REQUEST_ID.match(candidate) else None
    return None
