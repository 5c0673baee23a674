"""A real Chromium for the tests: Debian's `/usr/bin/chromium`, driven by npm `playwright-core` (drive.mjs).

- `browser` checks that node, npm and Chromium are there, installs the locked node_modules once (`npm ci`,
  skipped while a stamp says they match the lock and this Node major), and opens pages: each `open()` is one
  `node drive.mjs` run, one fresh Chromium profile, bounded in time, its whole process group killed on a timeout.
- `api_server` is `uvicorn app.main:app` on a free 127.0.0.1 port, SQLite in a temp dir, rate limits off.
- `frontend` serves tests/browser/pages/ at http://localhost:3000, the API's default CORS origin; `other_site`
  serves the same pages from http://127.0.0.1:<free port>, an origin the API does not list.

Chromium resolves no name but `localhost` (mapped to 127.0.0.1) and connects to no address but 127.0.0.1, so
nothing a page asks for can leave the machine. Without node, npm or Chromium the tests skip with the reason,
except on CI (`CI=true`), where they fail instead.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.node_packages import ensure_node_modules, require_node, unavailable
from tests.resilience.components import UvicornProcess, server_environment, uvicorn_process

BROWSER_DIR = Path(__file__).resolve().parent
PAGES_DIR = BROWSER_DIR / "pages"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
FRONTEND_PORT = 3000
FRONTEND_ORIGIN = f"http://localhost:{FRONTEND_PORT}"
# Exclusions win over maps, and maps apply in order: localhost is 127.0.0.1, every other name or address fails
# at once without a DNS query, and 127.0.0.1 itself is left alone.
HOST_RESOLVER_RULES = "MAP localhost 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
PAGE_TIMEOUT_MS = 20_000
# The page's own bound plus Chromium's start and stop.
DRIVE_TIMEOUT_SECONDS = 60


@dataclass(frozen=True, slots=True)
class PageVisit:
    """What drive.mjs saw of one page: its text, its JSON report, and every request it made."""

    ok: bool
    error: str | None
    text: str
    result: Any
    # Seen by Playwright, and by a raw DevTools-protocol session (which also sees CORS preflights): {url, method, type}.
    requests: list[dict[str, str]]
    cdp_requests: list[dict[str, str]]
    cdp_failed: list[dict[str, str]]
    failed_requests: list[dict[str, str]]
    console_errors: list[str]
    page_errors: list[str]
    timings: dict[str, int]

    def urls(self) -> list[str]:
        return [request["url"] for request in self.requests + self.cdp_requests]

    def requests_outside(self, *origins: str) -> list[str]:
        """Every request not to one of these origins; data: and blob: URLs never touch a network."""
        allowed = (*(f"{origin}/" for origin in origins), "data:", "blob:")
        return sorted({url for url in self.urls() if not url.startswith(allowed)})

    def blocked_by_csp(self) -> set[str]:
        """Requests the page's Content-Security-Policy stopped in the browser, as both observers tell it."""
        by_cdp = {failed["url"] for failed in self.cdp_failed if failed["blockedReason"] == "csp"}
        by_playwright = {failed["url"] for failed in self.failed_requests if failed["failure"] == "csp"}
        return by_cdp & by_playwright

    def diagnosis(self) -> str:
        return json.dumps(
            {
                "error": self.error,
                "text": self.text[:1500],
                "failed_requests": self.failed_requests,
                "console_errors": self.console_errors,
                "page_errors": self.page_errors,
            },
            indent=2,
            ensure_ascii=False,
        )


@dataclass(frozen=True, slots=True)
class Browser:
    node: str
    chromium: str

    def open(self, url: str, *, wait_for_text: tuple[str, ...] = (), result_selector: str | None = None) -> PageVisit:
        job = {
            "url": url,
            "executablePath": self.chromium,
            "hostResolverRules": HOST_RESOLVER_RULES,
            "waitForText": list(wait_for_text),
            "resultSelector": result_selector,
            "timeoutMs": PAGE_TIMEOUT_MS,
        }
        # A session of its own, so that a timeout ends Chromium too, not only the node that started it.
        process = subprocess.Popen(
            [self.node, "drive.mjs", json.dumps(job)],
            cwd=BROWSER_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=DRIVE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            stdout, stderr = "", f"drive.mjs took over {DRIVE_TIMEOUT_SECONDS} s"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        lines = stdout.strip().splitlines()
        if not lines:
            pytest.fail(f"drive.mjs reported nothing for {url} (exit {process.returncode}):\n{stderr[-3000:]}")
        report = json.loads(lines[-1])
        return PageVisit(
            ok=report["ok"],
            error=report["error"],
            text=report["text"],
            result=report["result"],
            requests=report["requests"],
            cdp_requests=report["cdpRequests"],
            cdp_failed=report["cdpFailed"],
            failed_requests=report["failedRequests"],
            console_errors=report["consoleErrors"],
            page_errors=report["pageErrors"],
            timings=report["timings"],
        )


def _chromium() -> str:
    found = shutil.which("chromium") or (DEBIAN_CHROMIUM if os.access(DEBIAN_CHROMIUM, os.X_OK) else None)
    if found is None:
        unavailable("Chromium is not installed (Debian: `apt-get install -y chromium`); the browser tests need it")
    return found


@pytest.fixture(scope="session")
def browser() -> Browser:
    node, _ = require_node()
    chromium = _chromium()
    ensure_node_modules(BROWSER_DIR)
    return Browser(node=node, chromium=chromium)


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UvicornProcess]:
    database = tmp_path_factory.mktemp("browser-api") / "todo.db"
    # CORS_ORIGINS is also the default; said here so that a developer's .env cannot change what is tested.
    environment = server_environment(f"sqlite+aiosqlite:///{database}", CORS_ORIGINS=FRONTEND_ORIGIN)
    with uvicorn_process(environment) as server:
        server.start()
        server.wait_until_ready()
        yield server


class _QuietPages(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Pytest shows nothing of a passing test; a line per page fetched would only be noise."""


@dataclass
class StaticSite:
    """tests/browser/pages/ served on 127.0.0.1, from a thread, for the session."""

    port: int
    host_name: str
    _server: ThreadingHTTPServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def origin(self) -> str:
        return f"http://{self.host_name}:{self.port}"

    def url(self, page: str, **query: str) -> str:
        return f"{self.origin}/{page}?{urlencode(query)}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _bound(port: int) -> ThreadingHTTPServer:
    """Listening on 127.0.0.1:port (0 for any free port), or OSError when the port is taken."""
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietPages, directory=str(PAGES_DIR)))
    server.daemon_threads = True
    return server


@contextlib.contextmanager
def _serving(server: ThreadingHTTPServer, host_name: str) -> Iterator[StaticSite]:
    thread = threading.Thread(target=server.serve_forever, name=f"pages-{server.server_address[1]}", daemon=True)
    thread.start()
    site = StaticSite(port=server.server_address[1], host_name=host_name, _server=server, _thread=thread)
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def frontend() -> Iterator[StaticSite]:
    try:
        server = _bound(FRONTEND_PORT)
    except OSError as error:
        pytest.fail(
            f"port {FRONTEND_PORT} on 127.0.0.1 is taken ({error}): the browser tests serve their page at "
            f"{FRONTEND_ORIGIN}, the API's default CORS origin; stop whatever listens there and run them again"
        )
    with _serving(server, "localhost") as site:
        yield site


@pytest.fixture(scope="session")
def other_site() -> Iterator[StaticSite]:
    with _serving(_bound(0), "127.0.0.1") as site:
        yield site
