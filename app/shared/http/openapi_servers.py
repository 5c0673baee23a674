"""`/openapi.json` names the server it was fetched from: the scheme and host the client reached, and `root_path`.

A tool that imports the document by URL (Postman's "Import → Link", a code generator) takes its first server as
the base of every request; a relative `/` gave Postman `{{baseUrl}}` = `/`, and every request failed before it
was sent. So each answer names the server: the scheme uvicorn settled (`X-Forwarded-Proto` from a trusted proxy),
the host from `X-Forwarded-Host` when a trusted proxy (FORWARDED_ALLOW_IPS) sent it, else from `Host`, then the
proxy's path prefix (`root_path`). A host that is not a plain host name, IPv4 or bracketed IPv6 address with an
optional port is never echoed (it could carry a path, a second URL or a script): the server is then `/` again.

The document itself is built once and cached; only `servers` differs from one answer to the next, and `Vary`
tells caches which request headers it differs by.
"""

import ipaddress
import re
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Scope

from app.shared.http.middleware.client_address import TrustedProxies
from app.shared.http.responses import json_response

RELATIVE_SERVER = {"url": "/", "description": "The server that served this document"}
FETCHED_FROM = "The server this document was fetched from"
_HOST_AND_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(?P<port>[0-9]{1,5}))?")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SCHEMES = {"http", "https"}
# What the answer depends on besides the URL. Origin too: the CORS middleware adds it only to requests that carry
# one, and the request-context middleware only to answers that have no `Vary` yet.
VARY = "X-Forwarded-Host, X-Forwarded-Proto, Origin"


def serve_document(app: FastAPI, trusted_proxies: TrustedProxies) -> None:
    """Replaces FastAPI's `/openapi.json` route by one that names the server in each answer."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", None) != openapi_url]

    async def openapi_json(request: Request) -> Response:
        document = {**app.openapi(), "servers": [server_of(request.scope, trusted_proxies)]}
        return json_response(document, headers={"Vary": VARY})

    app.add_route(openapi_url, openapi_json, include_in_schema=False)


def server_of(scope: Scope, trusted_proxies: TrustedProxies) -> dict[str, Any]:
    root_path = str(scope.get("root_path", "")).rstrip("/")
    host = _reached_host(scope, trusted_proxies)
    scheme = scope.get("scheme")
    if host is None or scheme not in _SCHEMES:
        return RELATIVE_SERVER | {"url": root_path or "/"}
    return {"url": f"{scheme}://{host}{root_path}", "description": FETCHED_FROM}


def _reached_host(scope: Scope, trusted_proxies: TrustedProxies) -> str | None:
    headers = {name: value for name, value in scope["headers"] if name in {b"host", b"x-forwarded-host"}}
    forwarded = headers.get(b"x-forwarded-host")
    if forwarded is not None and trusted_proxies.forwarded_by_trusted_proxy(scope):
        # Each proxy appends what it was asked for; the last value is the one the trusted proxy wrote.
        return valid_host(forwarded.decode("latin-1").rsplit(",", 1)[-1].strip())
    host = headers.get(b"host")
    return valid_host(host.decode("latin-1")) if host is not None else None


def valid_host(value: str) -> str | None:
    """`value` if it is `name`, `name:port`, an IPv4 or a bracketed IPv6 address (with a port or not), else None."""
    match = _HOST_AND_PORT.fullmatch(value)
    if match is None:
        return None
    host, port = match["host"], match["port"]
    if port is not None and not 0 < int(port) <= 65535:
        return None
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    elif not all(_LABEL.fullmatch(label) for label in host.split(".")):
        return None
    return value
