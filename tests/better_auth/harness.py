"""A real Better Auth server (npm `better-auth`, tests/better_auth/server) for the tests, run with Node on 127.0.0.1.

`better_auth_servers` installs the locked node_modules once (`npm ci`, skipped while a stamp says they match the
lock and this Node), then starts one `node server.mjs` per `jwt()` key algorithm the tests ask for, and stops
them all at the end of the session. Without node or npm the tests are skipped with the reason, except on CI
(`CI=true`), where a skip would hide the only tests that talk to the real thing, so they fail instead.
"""

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.node_packages import ensure_node_modules, require_node
from tests.resilience.components import wait_until_answering

SERVER_DIR = Path(__file__).resolve().parent / "server"
START_TIMEOUT_SECONDS = 20
REQUEST_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 5
# What Better Auth 1.7 names its cookie-cache cookie (`${cookiePrefix}.session_data`, prefix "better-auth").
COOKIE_CACHE_COOKIE = "better-auth.session_data"
SESSION_TOKEN_COOKIE = "better-auth.session_token"


@dataclass(frozen=True, slots=True)
class BetterAuthUser:
    """A user signed up through Better Auth's own HTTP API, and the three kinds of token it handed out."""

    user_id: str
    email: str
    name: str
    # `set-auth-token` (bearer plugin): the signed session cookie value, `<session token>.<HMAC>`.
    session_token: str
    # The jwt() plugin's token from /api/auth/token: asymmetric, with a `kid`.
    jwt: str
    # The `better-auth.session_data` cookie: the session cookie cache, strategy "jwt".
    cookie_cache: str
    # The `better-auth.session_token` cookie, as a browser would send it back (percent-encoded).
    session_cookie: str


@dataclass
class BetterAuthServer:
    """One running `node server.mjs`; every helper speaks HTTP to it, as a frontend would."""

    algorithm: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A jar that keeps nothing: each helper call names its session explicitly, never by a leftover cookie.
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._http = httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT_SECONDS, cookies=no_cookies)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sign_up(self, email: str, password: str, name: str) -> BetterAuthUser:
        response = self._checked(
            self._http.post("/api/auth/sign-up/email", json={"email": email, "password": password, "name": name})
        )
        session_token = response.headers["set-auth-token"]
        return BetterAuthUser(
            user_id=response.json()["user"]["id"],
            email=email,
            name=name,
            session_token=session_token,
            jwt=self.jwt_for(session_token),
            cookie_cache=response.cookies[COOKIE_CACHE_COOKIE],
            session_cookie=response.cookies[SESSION_TOKEN_COOKIE],
        )

    def sign_out(self, session_token: str) -> None:
        """Ends the session in Better Auth, as its client's signOut() does."""
        headers = {"Authorization": f"Bearer {session_token}", "Origin": self.base_url}
        self._checked(self._http.post("/api/auth/sign-out", headers=headers, json={}))

    def jwt_for(self, session_token: str) -> str:
        """A fresh jwt() token for that session, signed with the current key."""
        response = self._checked(
            self._http.get("/api/auth/token", headers={"Authorization": f"Bearer {session_token}"})
        )
        return str(response.json()["token"])

    def jwks(self) -> list[dict[str, str]]:
        return list(self._checked(self._http.get("/api/auth/jwks")).json()["keys"])

    def rotate_keys(self, *, retire_old: bool = False) -> str:
        """Mints a new signing key (the next token names it as `kid`) and returns its kid."""
        response = self._http.post("/test-admin/rotate-jwks", params={"retire": "1"} if retire_old else {})
        return str(self._checked(response).json()["kid"])

    def stop(self) -> None:
        self._http.close()
        _end(self.process)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.status_code != 200:
            pytest.fail(f"Better Auth {response.request.url.path} answered {response.status_code}: {response.text}")
        return response


class BetterAuthServers:
    """Starts a server per key algorithm on first use and keeps it for the session."""

    def __init__(self, node: str, log_dir: Path) -> None:
        self._node = node
        self._log_dir = log_dir
        self._running: dict[str, BetterAuthServer] = {}

    def get(self, algorithm: str = "EdDSA") -> BetterAuthServer:
        if algorithm not in self._running:
            self._running[algorithm] = _start(self._node, algorithm, self._log_dir / f"better-auth-{algorithm}.log")
        return self._running[algorithm]

    def stop_all(self) -> None:
        for server in self._running.values():
            server.stop()
        self._running.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(node: str, algorithm: str, log_path: Path) -> BetterAuthServer:
    port = _free_port()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PORT": str(port),
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "JWT_ALG": algorithm,
        # Only these: Better Auth also reads BETTER_AUTH_URL and friends from its environment, and a developer's
        # own must not leak into the test server.
        "NODE_ENV": "test",
        "BETTER_AUTH_TELEMETRY": "0",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, "server.mjs"], cwd=SERVER_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = BetterAuthServer(algorithm=algorithm, port=port, process=process, log_path=log_path)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: BetterAuthServer) -> None:
    wait_until_answering(
        f"{server.base_url}/api/auth/ok",
        what="Better Auth server",
        stopped=lambda: server.process.poll() is not None,
        log=server.log_path.read_text,
        timeout=START_TIMEOUT_SECONDS,
    )


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def better_auth_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BetterAuthServers]:
    node, _npm = require_node()
    ensure_node_modules(SERVER_DIR)
    servers = BetterAuthServers(node, tmp_path_factory.mktemp("better-auth"))
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def better_auth(better_auth_servers: BetterAuthServers) -> BetterAuthServer:
    """The server with the jwt() plugin's default algorithm, EdDSA."""
    return better_auth_servers.get("EdDSA")
