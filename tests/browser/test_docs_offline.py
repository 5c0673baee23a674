"""`/docs` and `/redoc` render in a real Chromium that can reach nothing but the service (issue 13, item 4)."""

import re
from urllib.parse import urlsplit

import httpx
import pytest

from app.shared.http.docs_pages import ASSETS_URL
from tests.browser.harness import Browser
from tests.resilience.components import UvicornProcess

pytestmark = pytest.mark.slow

# Any src= or href= in a docs page: each must be a path on the service, never another host.
_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")
_ASSETS = ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"]
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize(
    ("page", "rendered", "stopped_by_csp"),
    [
        # A path, an operation's summary, and the bearer scheme's Authorize button.
        ("/docs", ("/api/tasks", "Create Task", "List Tasks", "Authorize"), set()),
        # ReDoc asks for Redocly's logo whatever its options; the page's CSP stops that inside the browser.
        ("/redoc", ("/api/tasks", "Create Task", "List Tasks"), {REDOCLY_LOGO}),
    ],
)
def test_the_docs_render_with_every_other_network_blocked(
    browser: Browser, api_server: UvicornProcess, page: str, rendered: tuple[str, ...], stopped_by_csp: set[str]
) -> None:
    visit = browser.open(api_server.base_url + page, wait_for_text=rendered)
    assert visit.ok, visit.diagnosis()
    assert visit.requests, "Playwright saw no request at all"
    assert visit.cdp_requests, "the DevTools protocol saw no request at all"
    # Every request went to the service, but for those the page's own CSP stopped before they were sent.
    assert set(visit.requests_outside(api_server.base_url)) == stopped_by_csp
    assert visit.blocked_by_csp() == stopped_by_csp
    loaded = {urlsplit(url).path for url in visit.urls()}
    assert {page, "/openapi.json"} <= loaded
    assert any(path.startswith(f"{ASSETS_URL}/") for path in loaded), loaded
    assert [failed for failed in visit.failed_requests if failed["url"] not in stopped_by_csp] == []
    assert visit.page_errors == [], visit.diagnosis()


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_docs_pages_name_no_other_host(api_server: UvicornProcess, page: str) -> None:
    response = httpx.get(api_server.base_url + page, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    references = _REFERENCE.findall(response.text)
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references


def test_the_redoc_page_may_show_images_from_the_service_only(api_server: UvicornProcess) -> None:
    response = httpx.get(api_server.base_url + "/redoc", timeout=10)
    assert response.headers["Content-Security-Policy"] == "img-src 'self' data:"


@pytest.mark.parametrize("asset", _ASSETS)
def test_the_assets_are_cacheable_and_keep_the_security_headers(api_server: UvicornProcess, asset: str) -> None:
    url = f"{api_server.base_url}{ASSETS_URL}/{asset}"
    with httpx.Client(timeout=10) as http:
        first = http.get(url)
        again = http.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200
    assert first.headers["content-type"].split(";")[0] in {"text/javascript", "text/css", "image/png"}
    assert (again.status_code, again.content) == (304, b"")
    for response in (first, again):
        # The URL names the package version, so a year is safe: an upgrade is a new URL.
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_root_still_points_at_the_docs(api_server: UvicornProcess) -> None:
    assert httpx.get(api_server.base_url + "/", timeout=10).json()["docs"] == "/docs"
