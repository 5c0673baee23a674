"""A Better Auth stand-in that answers `/api/auth/get-session` as Better Auth 1.7 does, for the session tests.

It knows the sessions a test registers, reads the session token from a bearer (what Better Auth's `bearer()`
plugin does, signed or not) or from the `<prefix>.session_token` cookie (`__Secure-` or not, any prefix),
checks the signature with the shared secret, and answers `{session, user}` or `null`. It counts its calls and
can answer slowly or fail, so the tests can see caching, single flight and outages from the outside.
`tests/better_auth` runs the same paths against the real Better Auth.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from tests.conftest import TEST_SECRET

SESSION_COOKIE = "better-auth.session_token"


def signed(token: str, secret: str = TEST_SECRET) -> str:
    """Better Auth's signed cookie value: `encodeURIComponent(token + "." + base64(HMAC-SHA256))`."""
    signature = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return quote(f"{token}.{signature}", safe="!*'()")


class SessionServer:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.calls = 0
        # Lookups that came with a cookie this server set on an earlier answer: a client keeping cookies would
        # carry one caller's session cache into another's lookup.
        self.returned_cookies = 0
        self.delay = 0.0
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.calls += 1
                outer.returned_cookies += "session_data" in self.headers.get("Cookie", "")
                time.sleep(outer.delay)
                if urlsplit(self.path).path != "/api/auth/get-session":
                    self._send(404, {"message": "not found"})
                elif outer.status != 200:
                    self._send(outer.status, {"message": "failing on purpose"})
                else:
                    self._send(200, outer.answer_for(self._presented_token()))

            def _presented_token(self) -> str | None:
                authorization = self.headers.get("Authorization", "")
                if authorization.lower().startswith("bearer "):
                    return authorization[7:].strip()
                # `<prefix>.session_token` or `__Secure-<prefix>.session_token`: whatever the deployment named it.
                cookies = SimpleCookie(self.headers.get("Cookie", ""))
                return next((c.value for name, c in cookies.items() if name.endswith(".session_token")), None)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                # As Better Auth does on a get-session answer: its cookie cache, for the browser that asked.
                self.send_header("Set-Cookie", "better-auth.session_data=cached; Path=/; HttpOnly")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def new_session(self, *, lives_for: float = 3600.0, email: str | None = None) -> str:
        """Registers a live session for a fresh user; returns its raw token (32 characters, as Better Auth's)."""
        token = secrets.token_urlsafe(24)[:32]
        tag = uuid.uuid4().hex[:12]
        expires = datetime.fromtimestamp(time.time() + lives_for, UTC).isoformat().replace("+00:00", "Z")
        self.sessions[token] = {
            "session": {"id": f"s-{tag}", "token": token, "userId": f"ba-{tag}", "expiresAt": expires},
            "user": {"id": f"ba-{tag}", "email": email or f"{tag}@example.com", "name": "Sess Ion"},
        }
        return token

    def user_of(self, token: str) -> dict[str, Any]:
        return dict(self.sessions[token]["user"])

    def revoke(self, token: str) -> None:
        self.sessions.pop(token, None)

    def answer_for(self, presented: str | None) -> Any:
        if not presented:
            return None
        value = unquote(presented)
        if "." in value:
            token, _, _signature = value.partition(".")
            if signed(token) != quote(value, safe="!*'()"):
                return None
        else:
            token = value
        found = self.sessions.get(token)
        if found is None or datetime.fromisoformat(found["session"]["expiresAt"]).timestamp() <= time.time():
            return None
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
