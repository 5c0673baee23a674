"""A live server per database for the collection."""

from tests.client.live_server import live_server

__all__ = ["live_server"]
