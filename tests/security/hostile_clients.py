"""Clients that attack a server's connection handling, over plain sockets on 127.0.0.1.

A head that is too large, heads that never finish (sent fast: memory; sent slowly: time), each with a bounded
runtime and every socket closed by its caller or at exit of its context manager.
"""

import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

REQUEST_LINE = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) ")


def head_with_header_of(size: int) -> bytes:
    """A complete GET /health whose one extra header carries `size` bytes of value."""
    return REQUEST_LINE + b"X-Padding: " + b"a" * size + b"\r\n\r\n"


def status_of_head(port: int, head: bytes, timeout: float = 10.0) -> int | None:
    """Sends a whole head at once and returns the response's status, or None when the server closed (or reset)
    the connection without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        with contextlib.suppress(OSError):  # refused mid-send: the answer, if any, may still be readable
            connection.sendall(head)
        received = b""
        with contextlib.suppress(OSError):
            while b"\r\n" not in received and (chunk := connection.recv(65_536)):
                received += chunk
    if not received.startswith(b"HTTP/1.1 "):
        return None
    return int(received.split(b" ", 2)[1])


def statuses_until_closed(port: int, data: bytes, timeout: float = 10.0) -> list[int]:
    """Sends `data` in one write (its last request should say `Connection: close`) and returns the status of every
    response read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65_536):
            received += chunk
    # A response's body runs straight into the next status line, with no line break between them.
    return [int(status) for status in STATUS_LINE.findall(received)]


def read_response(connection: socket.socket) -> bytes:
    """One response with a Content-Length, read whole from a blocking socket."""
    received = b""
    while chunk := connection.recv(65_536):
        received += chunk
        head, separator, body = received.partition(b"\r\n\r\n")
        if separator:
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:") and len(body) >= int(line.split(b":", 1)[1]):
                    return received
    return received


@contextlib.contextmanager
def unfinished_heads(port: int, *, connections: int, header_bytes: int, timeout: float = 20.0) -> Iterator[list[int]]:
    """`connections` clients at once, each sending a head with one header of `header_bytes` that never ends (no
    final CRLF), as fast as the server reads it. Yields, once every client has sent all it could, how many bytes
    each got through; the connections stay open (the attack holds them) until the block ends."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=timeout) for _ in range(connections)]
    sent = [0] * connections
    piece = b"a" * 65_536

    def attack(index: int) -> None:
        try:
            sockets[index].sendall(REQUEST_LINE + b"X-Padding: ")
            while sent[index] < header_bytes:
                sent[index] += sockets[index].send(piece)
        except OSError:
            return  # refused (reset or timed out): what got through is what the server could hold

    threads = [threading.Thread(target=attack, args=(index,), daemon=True) for index in range(connections)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 5)
        yield sent
    finally:
        for connection in sockets:
            connection.close()


@dataclass
class SlowConnection:
    """One connection and what became of it; `started` is when its (current) head began."""

    name: str
    connection: socket.socket
    started: float
    dribble: bytes = b""  # sent one byte per tick; empty: the connection says nothing at all
    received: bytes = b""
    closed_after: float | None = None
    _sent: int = field(default=0, repr=False)

    @property
    def status(self) -> int | None:
        return int(self.received.split(b" ", 2)[1]) if self.received.startswith(b"HTTP/1.1 ") else None


class Dribbler:
    """Connections that send their head one byte per `interval` seconds (or nothing), watched until the server
    closes each or `give_up` seconds pass."""

    def __init__(self, port: int, *, interval: float = 1.0) -> None:
        self.port = port
        self.interval = interval
        self.connections: list[SlowConnection] = []

    def open(self, name: str, dribble: bytes) -> SlowConnection:
        return self.adopt(name, socket.create_connection(("127.0.0.1", self.port), timeout=5), dribble)

    def adopt(self, name: str, connection: socket.socket, dribble: bytes) -> SlowConnection:
        """Takes over an open connection (say, one that has just been served) and starts dribbling on it."""
        connection.setblocking(False)
        slow = SlowConnection(name, connection, time.monotonic(), dribble)
        self.connections.append(slow)
        return slow

    def watch(self, give_up: float) -> None:
        deadline = time.monotonic() + give_up
        next_tick = time.monotonic()
        while time.monotonic() < deadline and any(slow.closed_after is None for slow in self.connections):
            now = time.monotonic()
            for slow in self.connections:
                if slow.closed_after is None:
                    self._poll(slow, now, send=now >= next_tick)
            if now >= next_tick:
                next_tick += self.interval
            time.sleep(0.05)

    def close(self) -> None:
        for slow in self.connections:
            slow.connection.close()

    def _poll(self, slow: SlowConnection, now: float, *, send: bool) -> None:
        try:
            while chunk := slow.connection.recv(65_536):
                slow.received += chunk
            slow.closed_after = now - slow.started  # recv returned b"": the server closed
            return
        except BlockingIOError:
            pass  # still open, nothing to read
        except OSError:
            slow.closed_after = now - slow.started
            return
        if send and slow._sent < len(slow.dribble):
            try:
                slow.connection.send(slow.dribble[slow._sent : slow._sent + 1])
                slow._sent += 1
            except BlockingIOError:
                pass
            except OSError:
                slow.closed_after = now - slow.started
