"""A live server per database for the client's example."""

from tests.client.live_server import live_server

__all__ = ["live_server"]
