"""Makes the real Better Auth server fixtures of harness.py available here; tests/conftest.py reports their skips."""

from tests.better_auth.harness import better_auth, better_auth_servers

__all__ = ["better_auth", "better_auth_servers"]
