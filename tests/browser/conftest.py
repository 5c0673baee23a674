"""Makes the browser fixtures of harness.py available here, and says so loudly when they skip."""

from typing import Any

from tests.browser.harness import api_server, browser, frontend, other_site, skip_reasons

__all__ = ["api_server", "browser", "frontend", "other_site"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if skip_reasons:
        terminalreporter.write_sep("!", f"Browser tests SKIPPED: {skip_reasons[0]}", yellow=True)
