"""Tests against a real Better Auth server from npm, run by tests/better_auth/harness.py."""
