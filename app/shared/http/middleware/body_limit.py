"""Pure ASGI: refuses bodies over the limit with 413, before they are read whole.

A declared Content-Length over the limit is refused at once. A chunked body (or one whose header lies) is
counted as it streams in; once it passes the limit, whatever the app answers is dropped and 413 is sent instead.
A request without a body (most reads) passes through unwrapped.
"""

from contextlib import suppress

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.shared.errors import PayloadTooLargeError
from app.shared.http.error_handlers import error_response


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _framing(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        if not declared and not chunked:
            # Neither header (or a zero length): there is no body to count. Reads take this path, unwrapped.
            await self.app(scope, receive, send)
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


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None when absent or unreadable) and whether the body comes chunked."""
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                chunked = True  # an unreadable length is counted as it streams in, like a chunked body
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked
