"""uvicorn's httptools protocol with two limits on each request's head (request line and headers): size and time.

uvicorn 0.54 with httptools has neither. httptools keeps an unfinished header in memory however long it grows (and
grows it by copying), so 30 connections sending unfinished 16 MB headers cost half a gigabyte. uvicorn arms no timer
before a connection's first response, and cancels its keep-alive timer at the first byte of the next request, so a
client that sends its headers one byte a second holds a file descriptor forever; a thousand such clients exhaust
the process's descriptors and every other request fails.

`--http h11 --h11-max-incomplete-event-size` is no substitute: uvicorn answers its overflow with 400, h11 only checks
the limit while the head is incomplete (a larger head that arrives in one read is served), there is no timer there
either, and h11 is pure Python, several times slower than httptools.

Used as `uvicorn --http app.serving.protocol:GuardedHttpToolsProtocol`, which `python -m app.serving` does.
"""

import asyncio
import http
import json
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.serving.settings import HeadLimits, configured_head_limits

# ": " and CRLF around each header's name and value, which httptools hands over without them.
HEADER_LINE_OVERHEAD = 4


class _HeadRefused(Exception):
    """Raised from a parser callback to stop httptools mid-read once the refusal is written."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """Refuses a head over `max_header_bytes` with 431, and closes a connection whose head is not complete within
    `header_timeout_seconds` (with 408 if part of it arrived). Both hold before any request reaches the app.

    Size is counted two ways, because httptools reports a header only once it is complete:
    - exactly, from the request target and the header lines once the head is complete: a head over the limit is
      refused even when it arrived whole in one read;
    - roughly, from the bytes received while a head is unfinished: an endless header is refused after the limit
      plus at most one read (asyncio and uvloop read up to 256 KiB), which bounds the memory one connection holds.

    Time is counted from the connection's opening for its first request, and from the first byte of each later
    request; the idle time between requests is uvicorn's keep-alive timeout, which is not changed.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        limits: HeadLimits | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits or configured_head_limits()
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True  # from the connection's opening, then from each request's first byte
        self._head_started = False  # a byte of the current head has arrived
        self._head_bytes_received = 0  # raw bytes received while the head was unfinished (the rough count)
        self._refused = False

    # Connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # The same steps as uvicorn 0.54's HttpToolsProtocol.data_received, plus the size count, and a refusal
        # raised from a callback is not mistaken for a malformed request (which would write a 400 after the 431).
        if self._refused:
            return  # the refusal is written and the connection closing: nothing more is parsed
        self._unset_keepalive_if_required()
        if self._reading_head:
            self._head_bytes_received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refused:
                return
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._reading_head and self._head_bytes_received > self.limits.max_header_bytes:
            self._refuse_oversized_head()

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_started = True
        # Bytes of this read that preceded this request (the end of the previous one) are not this head's; the
        # bytes of this head in this read are left uncounted instead, so the rough count errs by one read at most.
        self._head_bytes_received = 0
        if self._head_timer is None:  # the first request's timer has run since the connection opened
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_started = False
        self._head_bytes_received = 0
        self._disarm_head_timer()
        # Summed once here rather than in on_header, which would cost two Python calls per header on every
        # request. Nothing has reached the app yet, and the head in memory is already bounded by the rough count.
        size = len(self.url) + sum(len(name) + len(value) for name, value in self.headers)
        if size + HEADER_LINE_OVERHEAD * len(self.headers) > self.limits.max_header_bytes:
            self._refuse_oversized_head()
            raise _HeadRefused  # stops the parser: no later byte of this read is parsed, no request starts
        super().on_headers_complete()

    # The limits

    def _refuse_oversized_head(self) -> None:
        self.logger.warning(
            "Request head over %d bytes from %s refused with 431", self.limits.max_header_bytes, self._peer()
        )
        detail = f"Request header fields too large: the limit is {self.limits.max_header_bytes} bytes"
        self._refuse(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, detail)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout_seconds, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request's head is late while the previous response is still being produced: let that
            # response finish, then close (as a graceful shutdown does), rather than cut it off.
            self.cycle.keep_alive = False
            return
        if not self._head_started:
            self.transport.close()  # nothing was said: nothing to answer
            return
        self.logger.warning(
            "Request head from %s not complete within %gs: connection closed",
            self._peer(),
            self.limits.header_timeout_seconds,
        )
        detail = f"Request headers not complete within {self.limits.header_timeout_seconds:g} seconds"
        self._refuse(http.HTTPStatus.REQUEST_TIMEOUT, detail)

    def _refuse(self, status: http.HTTPStatus, detail: str) -> None:
        """Writes a last response and closes; the socket stops being read at once, so nothing more is buffered."""
        self._refused = True
        self._disarm_head_timer()
        body = json.dumps({"detail": detail}).encode()
        head = [f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode()]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _peer(self) -> str:
        return self.client[0] if self.client else "unknown"
