"""Makes the browser fixtures of harness.py available here; tests/conftest.py reports their skips with Node's."""

from tests.browser.harness import api_server, browser, frontend, other_site

__all__ = ["api_server", "browser", "frontend", "other_site"]
