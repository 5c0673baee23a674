"""Makes the real Better Auth server fixtures of harness.py available here, and says so loudly when they skip."""

from typing import Any

from tests.better_auth.harness import better_auth, better_auth_servers, skip_reasons

__all__ = ["better_auth", "better_auth_servers"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if skip_reasons:
        terminalreporter.write_sep("!", f"Real Better Auth tests SKIPPED: {skip_reasons[0]}", yellow=True)
