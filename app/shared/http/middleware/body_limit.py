"""Refuses bodies over the limit with 413, before they are read whole.

A declared Content-Length over the limit is refused at once. A chunked body (or one whose header lies) is
counted as it streams in; once it passes the limit, whatever the app answers is dropped and 413 is sent instead.
The front door calls this only for requests that carry a body; reads pass unwrapped.
"""

from contextlib import suppress

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.shared.errors import PayloadTooLargeError
from app.shared.http.error_handlers import error_response

# Where the front door leaves a request's framing for the body limit, past Starlette's CORS layer.
BODY_FRAMING_KEY = "body_framing"


class _BodyTooLarge(Exception):
    pass


class BodyFraming:
    """What a request's headers say of its body: a declared length, and whether it comes chunked."""

    __slots__ = ("chunked", "declared")

    def __init__(self) -> None:
        self.declared: int | None = None
        self.chunked = False

    def read(self, name: bytes, value: bytes) -> None:
        if name == b"transfer-encoding":
            self.chunked = True
            return
        try:
            self.declared = int(value)
        except ValueError:
            self.chunked = True  # an unreadable length is counted as it streams in, like a chunked body

    @property
    def has_body(self) -> bool:
        """False with neither header or a zero length: nothing to count."""
        return bool(self.declared) or self.chunked


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send, framing: BodyFraming) -> None:
        if framing.declared is not None and framing.declared > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        too_large = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if too_large:
                return  # whatever the app made of a cut-off body (FastAPI says 400) gives way to the 413
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        with suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if too_large and not response_started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = f"{PayloadTooLargeError.detail}: the limit is {self.max_body_bytes} bytes"
        await error_response(413, limit, {"Connection": "close"})(scope, receive, send)
